//! Tiers and expiry against DynamoDB Local, driven the way AWS drives the function: real
//! stream records read from DynamoDB Local's stream, and the daily scheduled event, with
//! the clock moved to expiry and review dates. On the demo programme with a ten-year quiet
//! spell (`TestEnv::patient`): these runs start months after the members' first writes, and
//! the engagement signals have tests of their own (`engagement`).

use std::sync::Arc;

use evaluate_tier::{RecordingPublisher, TierContext};
use lambda_http::http::StatusCode;
use loyalty::domain::event::EventKind;
use loyalty::store::Store;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::stream::StreamReader;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

/// The tier function as AWS drives it: the table's stream and the daily event.
pub(crate) struct Tiers {
    pub(crate) context: TierContext,
    published: RecordingPublisher,
    pub(crate) stream: StreamReader,
}

impl Tiers {
    pub(crate) async fn new(env: &TestEnv) -> Self {
        let published = RecordingPublisher::default();
        let context = TierContext::new(env.context.clone(), Arc::new(published.clone()));
        let stream = StreamReader::start(&env.client, &env.table).await;
        Self {
            context,
            published,
            stream,
        }
    }

    /// Feeds everything written since the last call to the function, as Lambda would, until
    /// the stream is quiet (an upgrade writes an event, whose record is then published).
    pub(crate) async fn drain_stream(&mut self) {
        for _ in 0..5 {
            let event = self.stream.next_event().await;
            if event["Records"].as_array().is_none_or(Vec::is_empty) {
                return;
            }
            let answer = evaluate_tier::handle(&self.context, event)
                .await
                .expect("stream batches are handled");
            assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
        }
    }

    pub(crate) async fn daily(&mut self, env: &TestEnv, at: OffsetDateTime) -> Value {
        env.clock.set(at);
        let summary = evaluate_tier::handle(&self.context, json!({"kind": "daily"}))
            .await
            .expect("daily run");
        self.drain_stream().await;
        summary
    }

    /// Every event published so far, in order, with its kind.
    pub(crate) fn published_all(&self) -> Vec<(EventKind, Value)> {
        self.published
            .events()
            .into_iter()
            .map(|e| (e.kind, e.detail))
            .collect()
    }

    pub(crate) fn published(&self, kind: EventKind) -> Vec<Value> {
        self.published
            .events()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.detail)
            .collect()
    }
}

async fn tier(env: &TestEnv, member: &str) -> Value {
    env.me(member).await.body["tier"].clone()
}

/// Qualifying points through purchases of 10.00 EUR per 10 points, 1000 at a time.
async fn earn_points(env: &TestEnv, member: &str, points: i64, tag: &str) {
    for i in 0..(points / 1000) {
        let response = env
            .earn(member, purchase(&format!("{tag}-{i}"), 100_000, None))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
}

#[tokio::test]
async fn an_earn_that_crosses_a_threshold_upgrades_at_once_and_announces_it() {
    let env = TestEnv::patient().await;
    env.enrol("up").await;
    let mut tiers = Tiers::new(&env).await;
    env.earn("up", purchase("small", 50_000, None)).await;
    tiers.drain_stream().await;
    assert_eq!(tier(&env, "up").await["name"], "Member");

    earn_points(&env, "up", 1000, "big").await;
    tiers.drain_stream().await;
    let tier = tier(&env, "up").await;
    assert_eq!(tier["name"], "Silver", "{tier}");
    assert_eq!(tier["since"], "2026-11-23T12:00:00.000Z");
    assert_eq!(tier["reviewAt"], "2027-11-23T12:00:00.000Z");
    assert_eq!(tier["next"], json!({"name": "Gold", "pointsNeeded": 3500}));
    let changes = tiers.published(EventKind::TierChanged);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (changes[0]["from"].clone(), changes[0]["to"].clone()),
        (json!("Member"), json!("Silver"))
    );
    // Replaying the same records changes nothing more.
    tiers.drain_stream().await;
    assert_eq!(tiers.published(EventKind::TierChanged).len(), 1);
}

#[tokio::test]
async fn a_member_who_stops_earning_drops_one_tier_at_the_review_date_and_not_before() {
    let env = TestEnv::patient().await;
    env.enrol("gold").await;
    let mut tiers = Tiers::new(&env).await;
    earn_points(&env, "gold", 5000, "g").await;
    tiers.drain_stream().await;
    assert_eq!(tier(&env, "gold").await["name"], "Gold");

    // The review's risk is checked 30 days before it (TierAtRisk); then the warnings and
    // expiry of the November 2026 lot.
    tiers.daily(&env, datetime!(2027-10-24 12:00 UTC)).await;
    tiers.daily(&env, datetime!(2027-11-01 0:15 UTC)).await;
    tiers.daily(&env, datetime!(2027-12-01 0:15 UTC)).await;
    assert_eq!(env.me("gold").await.body["balance"], 0);
    // Reviewed on 2027-11-23, grace until 2027-12-23: still Gold the day before.
    tiers.daily(&env, datetime!(2027-12-22 0:15 UTC)).await;
    assert_eq!(tier(&env, "gold").await["name"], "Gold");
    let summary = tiers.daily(&env, datetime!(2027-12-23 12:00 UTC)).await;
    assert_eq!(summary["tierChanges"], 1, "{summary}");
    let after = tier(&env, "gold").await;
    assert_eq!(
        after["name"], "Silver",
        "one step down, not straight to Member"
    );
    assert_eq!(after["reviewAt"], "2028-12-22T12:00:00.000Z");
    let downs: Vec<Value> = tiers
        .published(EventKind::TierChanged)
        .into_iter()
        .filter(|c| c["direction"] == "down")
        .collect();
    assert_eq!(downs.len(), 1);
    assert_eq!(downs[0]["to"], "Silver");
}

#[tokio::test]
async fn a_floor_holds_at_the_review_until_it_ends() {
    let env = TestEnv::patient().await;
    env.enrol("vip").await;
    let mut tiers = Tiers::new(&env).await;
    let floor = Call::new("PUT", "/v1/members/vip/tier-floor")
        .bearer(&env.admin_token())
        .json(&json!({"tier": "Gold", "until": "2028-04-01T00:00:00.000Z", "reason": "status match from another chain"}));
    let set = env.call(Function::EarnPoints, floor).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["upgraded"], true);
    tiers.drain_stream().await;
    assert_eq!(tier(&env, "vip").await["name"], "Gold");
    assert_eq!(tier(&env, "vip").await["floor"]["tier"], "Gold");

    // Review 2027-11-23 (no risk announced 30 days before: the floor outlasts it), grace to
    // 2027-12-23: the floor holds.
    tiers.daily(&env, datetime!(2027-10-24 12:00 UTC)).await;
    assert_eq!(tiers.published(EventKind::TierAtRisk), Vec::<Value>::new());
    tiers.daily(&env, datetime!(2027-12-23 12:00 UTC)).await;
    assert_eq!(tier(&env, "vip").await["name"], "Gold");
    // The floor ends on 2028-04-01 and the review date has passed: down one step.
    tiers.daily(&env, datetime!(2028-03-31 12:00 UTC)).await;
    assert_eq!(tier(&env, "vip").await["name"], "Gold");
    tiers.daily(&env, datetime!(2028-04-01 0:15 UTC)).await;
    let after = tier(&env, "vip").await;
    assert_eq!(after["name"], "Silver", "{after}");
    assert_eq!(after["floor"], Value::Null);

    let bad = env
        .call(
            Function::EarnPoints,
            Call::new("PUT", "/v1/members/vip/tier-floor")
                .bearer(&env.admin_token())
                .json(
                    &json!({"tier": "Diamond", "until": "2030-01-01T00:00:00.000Z", "reason": "x"}),
                ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let member = env
        .call(
            Function::EarnPoints,
            Call::new("PUT", "/v1/members/vip/tier-floor")
                .bearer(&env.member_token("vip"))
                .json(
                    &json!({"tier": "Gold", "until": "2030-01-01T00:00:00.000Z", "reason": "me"}),
                ),
        )
        .await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
}

async fn two_lots(env: &TestEnv, member: &str) {
    env.enrol(member).await;
    env.clock.set(datetime!(2026-09-10 12:00 UTC));
    env.earn(member, purchase(&format!("{member}-sept"), 5000, None))
        .await; // 50, lot 2027-09
    env.clock.set(loyalty_tests::START);
    env.earn(member, purchase(&format!("{member}-nov"), 10_000, None))
        .await; // 100, lot 2027-11
}

#[tokio::test]
async fn lots_expire_on_the_right_day_oldest_first_with_a_warning_before() {
    let env = TestEnv::patient().await;
    two_lots(&env, "exp").await;
    let mut tiers = Tiers::new(&env).await;

    tiers.daily(&env, datetime!(2027-09-01 0:15 UTC)).await;
    let warnings = tiers.published(EventKind::PointsExpiring);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        (
            warnings[0]["points"].clone(),
            warnings[0]["expiresAt"].clone()
        ),
        (json!(50), json!("2027-10-01T00:00:00.000Z"))
    );

    tiers.daily(&env, datetime!(2027-09-30 23:59 UTC)).await;
    assert_eq!(
        env.me("exp").await.body["balance"],
        150,
        "not a minute early"
    );
    tiers.daily(&env, datetime!(2027-10-01 0:15 UTC)).await;
    let me = env.me("exp").await;
    assert_eq!(me.body["balance"], 100);
    assert_eq!(
        me.body["expiringPoints"],
        json!([{"points": 100, "expiresAt": "2027-12-01T00:00:00.000Z"}])
    );
    let activity = env.all_activity("exp", 100).await;
    assert_eq!(activity[0]["type"], "expire");
    assert_eq!(activity[0]["points"], -50);
    assert_eq!(activity[0]["reference"], "lot:2027-09");
    assert_eq!(env.ledger_sum("exp").await, 100);
}

#[tokio::test]
async fn a_redemption_before_expiry_spent_the_oldest_lot() {
    let env = TestEnv::patient().await;
    two_lots(&env, "spender").await;
    let reward = Call::new("PUT", "/v1/rewards/mug")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Mug", "cost": 60}));
    assert_eq!(
        env.call(Function::RedeemReward, reward).await.status,
        StatusCode::OK
    );
    let redeem = Call::new("POST", "/v1/members/me/redemptions")
        .bearer(&env.member_token("spender"))
        .header("idempotency-key", "mug-1")
        .json(&json!({"rewardId": "mug"}));
    assert_eq!(
        env.call(Function::RedeemReward, redeem).await.status,
        StatusCode::CREATED
    );
    let mut tiers = Tiers::new(&env).await;

    tiers.daily(&env, datetime!(2027-10-01 0:15 UTC)).await;
    assert_eq!(
        env.me("spender").await.body["balance"],
        90,
        "the September lot was spent; nothing left to expire"
    );
    tiers.daily(&env, datetime!(2027-11-01 0:15 UTC)).await;
    tiers.daily(&env, datetime!(2027-12-01 0:15 UTC)).await;
    assert_eq!(env.me("spender").await.body["balance"], 0);
    assert_eq!(env.ledger_sum("spender").await, 0);
}

#[tokio::test]
async fn a_member_due_is_processed_exactly_once_when_the_run_is_retried() {
    let env = TestEnv::patient().await;
    two_lots(&env, "once").await;
    let mut tiers = Tiers::new(&env).await;
    tiers.daily(&env, datetime!(2027-09-01 0:15 UTC)).await; // the warning
    let at = datetime!(2027-10-01 0:15 UTC);
    env.clock.set(at);
    // Two runs at once (a retry racing the original), then one more.
    let (a, b) = tokio::join!(
        evaluate_tier::handle(&tiers.context, json!({"kind": "daily"})),
        evaluate_tier::handle(
            &tiers.context,
            json!({"detail-type": "Scheduled Event", "source": "aws.scheduler"})
        ),
    );
    let processed =
        a.unwrap()["processed"].as_i64().unwrap() + b.unwrap()["processed"].as_i64().unwrap();
    assert_eq!(processed, 1);
    let again = tiers.daily(&env, at).await;
    assert_eq!(again["processed"], 0, "{again}");
    let expiries = env
        .all_activity("once", 100)
        .await
        .into_iter()
        .filter(|e| e["type"] == "expire")
        .count();
    assert_eq!(expiries, 1);
    assert_eq!(env.ledger_sum("once").await, 100);
}

#[tokio::test]
async fn the_daily_runs_dynamodb_calls_grow_with_the_members_due_not_with_the_table() {
    async fn calls_for(bystanders: usize) -> (usize, std::collections::BTreeMap<String, usize>) {
        let env = TestEnv::patient().await;
        for i in 0..4 {
            two_lots(&env, &format!("due-{i}")).await;
        }
        for i in 0..bystanders {
            env.enrol(&format!("quiet-{i}")).await; // no points: never due
        }
        let counter = CallCounter::default();
        let mut context = env.context.clone();
        context.store = Store::new(counter.client().await, env.table.clone());
        let tiers = TierContext::new(context, Arc::new(RecordingPublisher::default()));
        // The day the September lots' expiry is announced.
        env.clock.set(datetime!(2027-09-01 0:15 UTC));
        let summary = evaluate_tier::handle(&tiers, json!({"kind": "daily"}))
            .await
            .unwrap();
        assert_eq!(summary["processed"], 4, "{summary}");
        (counter.total(), counter.by_operation())
    }
    let (small, small_ops) = calls_for(5).await;
    let (large, large_ops) = calls_for(60).await;
    assert_eq!(small, large, "{small_ops:?} vs {large_ops:?}");
    // 7 days x 8 shards of index queries, then a read and a write per member due.
    assert_eq!(small_ops.get("Query"), Some(&56));
    assert_eq!(small_ops.get("TransactGetItems"), Some(&4));
    assert_eq!(small_ops.get("TransactWriteItems"), Some(&4));
    assert!(!small_ops.contains_key("Scan"));
}

#[tokio::test]
async fn a_poison_record_is_reported_and_the_others_are_processed() {
    let env = TestEnv::patient().await;
    env.enrol("poison").await;
    let mut tiers = Tiers::new(&env).await;
    earn_points(&env, "poison", 1000, "p").await;
    let mut event = tiers.stream.next_event().await;
    let records = event["Records"].as_array_mut().unwrap();
    assert!(!records.is_empty());
    let mut bad = records[0].clone();
    bad["dynamodb"]["SequenceNumber"] = json!("999999999999");
    bad["dynamodb"]["Keys"] = json!({"PK": {"S": "MEMBER#bad id"}, "SK": {"S": "PROFILE"}});
    records.insert(0, bad);
    let answer = evaluate_tier::handle(&tiers.context, event).await.unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "999999999999"}])
    );
    tiers.drain_stream().await;
    assert_eq!(tier(&env, "poison").await["name"], "Silver");
}
