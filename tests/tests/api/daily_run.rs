//! The daily run at programme scale, and expiry that never waits for it: the planner's
//! checkpoint reaches back however long the run was down, pieces are paged, the run as AWS
//! runs it (through queue messages) reviews the same members as the in-process run, a
//! repeated run does nothing, and expired points are neither shown nor spent before any run.

use std::sync::{Arc, Mutex};

use evaluate_tier::{
    DailySettings, DueWork, RecordingPublisher, TierContext, TierError, WorkQueue,
};
use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

pub(crate) fn tiers(env: &TestEnv) -> TierContext {
    TierContext::new(env.context.clone(), Arc::new(RecordingPublisher::default()))
}

pub(crate) async fn daily(tiers: &TierContext, env: &TestEnv, at: OffsetDateTime) -> Value {
    env.clock.set(at);
    evaluate_tier::handle(tiers, json!({"kind": "daily"}))
        .await
        .expect("the daily run")
}

/// Members who each earned 10.00 EUR at the start: a lot that ends with November 2027.
async fn members_with_a_lot(env: &TestEnv, prefix: &str, count: usize) -> Vec<String> {
    let members: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
    for member in &members {
        env.enrol(member).await;
        let earned = env
            .earn(member, purchase(&format!("{member}-t"), 1000, None))
            .await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    }
    members
}

#[tokio::test]
async fn expired_points_are_neither_shown_nor_spent_before_any_daily_run() {
    let env = TestEnv::new().await;
    members_with_a_lot(&env, "late", 1).await;
    let reward = Call::new("PUT", "/v1/rewards/cheap")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Cheap", "cost": 5}));
    assert_eq!(
        env.call(Function::RedeemReward, reward).await.status,
        StatusCode::OK
    );
    // The lot ended on 2027-12-01; no daily run has looked at the member since.
    env.clock.set(datetime!(2027-12-05 10:00 UTC));
    let me = env.me("late-0").await;
    assert_eq!(me.body["balance"], 0, "{}", me.body);
    assert_eq!(me.body["expiringPoints"], json!([]));
    let before = env.table_snapshot().await;
    let redeem = Call::new("POST", "/v1/members/me/redemptions")
        .bearer(&env.member_token("late-0"))
        .header("idempotency-key", "r-1")
        .json(&json!({"rewardId": "cheap"}));
    let refused = env.call(Function::RedeemReward, redeem).await;
    assert_eq!(
        refused.error_code(),
        "insufficient_points",
        "{}",
        refused.body
    );
    assert_eq!(
        env.table_snapshot().await,
        before,
        "a refusal writes nothing"
    );
    // The next write records the expiry, once, before its own entry.
    let earned = env.earn("late-0", purchase("late-0-t2", 500, None)).await;
    assert_eq!(earned.status, StatusCode::CREATED);
    let activity = env.all_activity("late-0", 100).await;
    let kinds: Vec<&str> = activity
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["earn", "expire", "earn"], "newest first");
    assert_eq!(activity[1]["points"], -10);
    // The daily run finds nothing left to expire.
    let summary = daily(&tiers(&env), &env, datetime!(2027-12-06 0:15 UTC)).await;
    assert_eq!(summary["lotsExpired"], 0, "{summary}");
    assert_eq!(
        env.ledger_sum("late-0").await,
        env.me("late-0").await.body["balance"]
    );
}

#[tokio::test]
async fn a_run_after_weeks_down_catches_up_from_its_checkpoint() {
    let env = TestEnv::patient().await;
    let tiers = tiers(&env);
    members_with_a_lot(&env, "gap", 3).await;
    // The last run before the outage.
    let first = daily(&tiers, &env, datetime!(2027-10-01 0:15 UTC)).await;
    assert_eq!(first["lotsExpired"], 0, "{first}");
    // Down for 75 days: the warnings (due 2027-11-01) and the expiry (2027-12-01) fell
    // due on days no run looked at, far beyond a week back.
    let caught_up = daily(&tiers, &env, datetime!(2027-12-15 0:15 UTC)).await;
    assert_eq!(caught_up["lotsExpired"], 3, "{caught_up}");
    assert!(
        caught_up["planned"].as_u64().unwrap() >= 75 * 8,
        "{caught_up}"
    );
    for member in ["gap-0", "gap-1", "gap-2"] {
        assert_eq!(env.me(member).await.body["balance"], 0);
    }
    // Planned from the new checkpoint: today only, and nothing is left to do.
    let again = daily(&tiers, &env, datetime!(2027-12-15 6:00 UTC)).await;
    assert_eq!(again["planned"], 8, "{again}");
    assert_eq!(again["processed"], 0, "{again}");
}

#[tokio::test]
async fn every_member_of_a_partition_larger_than_a_page_is_reviewed_once() {
    let env = TestEnv::patient().await;
    let mut tiers = tiers(&env);
    tiers.daily = DailySettings {
        page_size: 3,
        concurrency: 4,
    };
    let members = members_with_a_lot(&env, "page", 40).await;
    // Each member is due on 2027-11-01 (the warning), then on 2027-12-01 (the expiry).
    let warned = daily(&tiers, &env, datetime!(2027-11-01 0:15 UTC)).await;
    assert_eq!(warned["processed"], 40, "{warned}");
    assert_eq!(warned["warnings"], 40, "{warned}");
    let summary = daily(&tiers, &env, datetime!(2027-12-01 0:15 UTC)).await;
    assert_eq!(summary["due"], 40, "{summary}");
    assert_eq!(summary["processed"], 40, "{summary}");
    assert_eq!(summary["lotsExpired"], 40, "{summary}");
    for member in &members {
        let expires: Vec<Value> = env
            .all_activity(member, 100)
            .await
            .into_iter()
            .filter(|e| e["type"] == "expire")
            .collect();
        assert_eq!(expires.len(), 1, "{member}: {expires:?}");
    }
    let again = daily(&tiers, &env, datetime!(2027-12-01 0:30 UTC)).await;
    assert_eq!(
        (again["due"].as_u64(), again["processed"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
}

/// Keeps what the planner and the workers put on the queue, as SQS would.
#[derive(Clone, Default)]
struct RecordingQueue {
    sent: Arc<Mutex<Vec<DueWork>>>,
}

impl RecordingQueue {
    fn take(&self) -> Vec<DueWork> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl WorkQueue for RecordingQueue {
    fn send<'a>(&'a self, work: &'a [DueWork]) -> evaluate_tier::QueueFuture<'a> {
        Box::pin(async move {
            self.sent.lock().unwrap().extend_from_slice(work);
            Ok::<(), TierError>(())
        })
    }
}

/// An SQS event of the messages `pieces`, as Lambda delivers a batch.
fn sqs_event(pieces: &[DueWork]) -> Value {
    let records: Vec<Value> = pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            json!({
                "messageId": format!("m-{i}"),
                "receiptHandle": "r",
                "body": serde_json::to_string(piece).unwrap(),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:DailyRunQueue",
                "awsRegion": "eu-west-1",
            })
        })
        .collect();
    json!({ "Records": records })
}

#[tokio::test]
async fn through_the_queue_the_run_reviews_every_due_member_and_a_broken_message_alone_fails() {
    let env = TestEnv::patient().await;
    let queue = RecordingQueue::default();
    let mut tiers = tiers(&env);
    tiers.queue = Some(Arc::new(queue.clone()));
    tiers.daily = DailySettings {
        page_size: 2,
        concurrency: 2,
    };
    members_with_a_lot(&env, "sqs", 12).await;
    // A run a month before (in-process, nothing due) leaves the checkpoint the queued run
    // plans from.
    let earlier = daily(&self::tiers(&env), &env, datetime!(2027-10-30 0:15 UTC)).await;
    assert_eq!(earlier["processed"], 0, "{earlier}");
    let planned = daily(&tiers, &env, datetime!(2027-12-01 0:15 UTC)).await;
    // The planner only plans: nothing is reviewed until the workers take the pieces.
    assert_eq!(planned["processed"], 0, "{planned}");
    let mut pieces = queue.take();
    assert_eq!(pieces.len(), planned["planned"].as_u64().unwrap() as usize);
    let mut deliveries = 0;
    while !pieces.is_empty() {
        deliveries += pieces.len();
        let answer = evaluate_tier::handle(&tiers, sqs_event(&pieces))
            .await
            .unwrap();
        assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
        // Continuations of partitions larger than a page come back on the queue.
        pieces = queue.take();
    }
    assert!(
        deliveries > planned["planned"].as_u64().unwrap() as usize,
        "pages continued"
    );
    for i in 0..12 {
        assert_eq!(env.me(&format!("sqs-{i}")).await.body["balance"], 0);
    }
    // A message that is no piece of work fails alone; the others are acknowledged.
    let mut event = sqs_event(&[DueWork {
        day: time::macros::date!(2027 - 12 - 01),
        shard: 0,
        after: None,
    }]);
    let mut broken = event["Records"][0].clone();
    broken["messageId"] = json!("broken");
    broken["body"] = json!("{\"day\": \"yesterday\"}");
    event["Records"].as_array_mut().unwrap().push(broken);
    let answer = evaluate_tier::handle(&tiers, event).await.unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "broken"}])
    );
}
