//! Stamp cards (API.md "Stamp cards"): matching purchases stamp a card, the stamp that fills
//! it gives its reward in the same transaction (points, or a free voucher usable at the till)
//! and the card starts again; exactly once under concurrency and replays; a full reversal
//! takes its stamp back and cancels an unused voucher it gave.

use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, program_with, purchase};
use serde_json::{Value, json};
use time::Duration;

use crate::metrics::reconcile;
use crate::redeem::{member_with, put_reward, redeem};

async fn put_program(env: &TestEnv, program: &Value) -> TestResponse {
    let call = Call::new("PUT", "/v1/program")
        .bearer(&env.admin_token())
        .json(program);
    env.call(Function::EarnPoints, call).await
}

/// The demo programme with these stamp cards instead of its own.
async fn with_cards(env: &TestEnv, cards: Value) {
    let put = put_program(env, &program_with(|p| p["stampCards"] = cards)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
}

fn points_card(id: &str, required: u8, points: i64) -> Value {
    json!({"cardId": id, "name": format!("{id} card"), "stampsRequired": required,
           "categories": ["bakery"], "reward": {"points": points}})
}

fn voucher_card(id: &str, required: u8, reward: &str) -> Value {
    json!({"cardId": id, "name": format!("{id} card"), "stampsRequired": required,
           "categories": ["bakery"], "reward": {"rewardId": reward}})
}

/// A bakery purchase of 5.00 EUR: 7 points (the demo's 1.5 multiplier), one stamp.
fn bakery(transaction: &str) -> Value {
    purchase(transaction, 500, Some("bakery"))
}

async fn earned(env: &TestEnv, member: &str, body: Value) -> Value {
    let response = env.earn(member, body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

async fn stamps(env: &TestEnv, member: &str) -> Value {
    let call = Call::new("GET", "/v1/members/me/stamps").bearer(&env.member_token(member));
    let response = env.call(Function::MemberApi, call).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

async fn reverse(env: &TestEnv, member: &str, transaction: &str) -> TestResponse {
    let call = Call::new(
        "POST",
        format!("/v1/members/{member}/earn/{transaction}/reverse"),
    )
    .bearer(&env.till_token());
    env.call(Function::EarnPoints, call).await
}

async fn redemptions(env: &TestEnv, member: &str) -> Vec<Value> {
    let call = Call::new("GET", "/v1/members/me/redemptions").bearer(&env.member_token(member));
    let response = env.call(Function::RedeemReward, call).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn remaining(env: &TestEnv, reward: &str) -> Value {
    let call = Call::new("GET", "/v1/rewards").bearer(&env.admin_token());
    let response = env.call(Function::RedeemReward, call).await;
    response.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["rewardId"] == json!(reward))
        .map(|r| r["stock"].clone())
        .unwrap_or(Value::Null)
}

fn entries_of(activity: &[Value], kind: &str) -> Vec<Value> {
    activity
        .iter()
        .filter(|e| e["type"] == json!(kind))
        .cloned()
        .collect()
}

async fn use_voucher(env: &TestEnv, code: &str) -> TestResponse {
    let call = Call::new("POST", format!("/v1/vouchers/{code}/use")).bearer(&env.till_token());
    env.call(Function::RedeemReward, call).await
}

#[tokio::test]
async fn a_points_card_credits_a_stamp_reward_on_the_stamp_that_fills_it_and_starts_again() {
    let env = TestEnv::new().await;
    with_cards(&env, json!([points_card("bakery", 3, 40)])).await;
    env.enrol("sam").await;
    let empty = stamps(&env, "sam").await;
    assert_eq!(
        empty,
        json!({"cards": [{"cardId": "bakery", "name": "bakery card", "stamps": 0,
                          "stampsRequired": 3, "completed": 0}]})
    );
    let first = earned(&env, "sam", bakery("t-1")).await;
    assert_eq!(
        first["stamps"],
        json!([{"cardId": "bakery", "stamps": 1, "stampsRequired": 3, "completed": false}])
    );
    let other = earned(&env, "sam", purchase("t-0", 500, None)).await;
    assert_eq!(other["stamps"], json!([]), "no category: no stamp");
    earned(&env, "sam", bakery("t-2")).await;
    let third = earned(&env, "sam", bakery("t-3")).await;
    assert_eq!(
        third["stamps"],
        json!([{"cardId": "bakery", "stamps": 3, "stampsRequired": 3, "completed": true,
                "reward": {"points": 40}}])
    );
    assert_eq!(third["balance"], json!(5 + 3 * 7 + 40));
    let card = stamps(&env, "sam").await;
    assert_eq!(card["cards"][0]["stamps"], 0, "the card starts again");
    assert_eq!(card["cards"][0]["completed"], 1);
    let activity = env.all_activity("sam", 50).await;
    let rewards = entries_of(&activity, "stamp_reward");
    assert_eq!(rewards.len(), 1);
    assert_eq!(rewards[0]["points"], 40);
    assert_eq!(env.ledger_sum("sam").await, 5 + 3 * 7 + 40);
    // The figures count it like any credit, and agree with the balances.
    let (reconciled, _) = reconcile(&env, 100).await;
    assert_eq!(reconciled["difference"], 0, "{reconciled}");
}

#[tokio::test]
async fn a_voucher_card_issues_a_free_voucher_in_two_calls_listed_and_usable_at_the_till() {
    let counter = CallCounter::default();
    let env = TestEnv::new_on(counter.client().await).await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 500, "stock": 3})).await;
    with_cards(&env, json!([voucher_card("mug", 2, "mug")])).await;
    env.enrol("val").await;
    earned(&env, "val", bakery("t-1")).await;
    counter.reset();
    let filled = earned(&env, "val", bakery("t-2")).await;
    assert_eq!(
        counter.total(),
        2,
        "an earn that issues a voucher stays at 2 calls: {:?}",
        counter.by_operation()
    );
    let stamp = &filled["stamps"][0];
    assert_eq!(stamp["completed"], true);
    assert_eq!(stamp["reward"]["rewardId"], "mug");
    let code = stamp["reward"]["code"].as_str().expect("a voucher code");
    assert_eq!(filled["balance"], 14, "the voucher costs nothing");
    assert_eq!(remaining(&env, "mug").await, 2, "one unit of stock taken");

    let listed = redemptions(&env, "val").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["pointsSpent"], 0);
    assert_eq!(listed[0]["status"], "issued");
    assert_eq!(listed[0]["redemptionId"], stamp["reward"]["redemptionId"]);
    let look = Call::new("GET", format!("/v1/vouchers/{code}")).bearer(&env.till_token());
    let look = env.call(Function::RedeemReward, look).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.body);
    let used = use_voucher(&env, code).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    assert_eq!(redemptions(&env, "val").await[0]["status"], "used");
    assert_eq!(stamps(&env, "val").await["cards"][0]["stamps"], 0);
    let activity = env.all_activity("val", 50).await;
    let redeemed = entries_of(&activity, "redeem");
    assert_eq!(redeemed.len(), 1);
    assert_eq!(redeemed[0]["points"], 0);
    let (reconciled, _) = reconcile(&env, 100).await;
    assert_eq!(reconciled["difference"], 0, "{reconciled}");
}

#[tokio::test]
async fn each_bad_programme_is_refused_with_its_reason_and_changes_nothing() {
    let env = TestEnv::new().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 500})).await;
    let before_program = Call::new("GET", "/v1/program").bearer(&env.admin_token());
    let before_program = env.call(Function::EarnPoints, before_program).await.body;
    let before = env.table_snapshot().await;
    let cases = [
        (json!([points_card("a", 1, 10)]), "stampsRequired"),
        (json!([points_card("a", 101, 10)]), "stampsRequired"),
        (
            json!([voucher_card("a", 5, "no-such-reward")]),
            "not in the rewards catalogue",
        ),
        (json!([points_card("a", 5, -10)]), "reward.points"),
        (json!([points_card("a", 5, 0)]), "reward.points"),
        (
            json!([points_card("a", 5, 10), points_card("a", 6, 10)]),
            "more than once",
        ),
        (
            json!([{"cardId": "a", "name": "A", "stampsRequired": 5,
                    "reward": {"points": 10, "rewardId": "mug"}}]),
            "either",
        ),
        (
            json!([{"cardId": "a b", "name": "A", "stampsRequired": 5, "reward": {"points": 1}}]),
            "cardId",
        ),
        (
            json!([{"cardId": "a", "name": "A", "stampsRequired": 5, "maxStampsPerDay": 0,
                    "reward": {"points": 1}}]),
            "maxStampsPerDay",
        ),
        (
            json!([{"cardId": "a", "name": "A", "stampsRequired": 5, "reward": {"points": 1},
                    "minSpend": {"amount": -1, "currency": "EUR"}}]),
            "",
        ),
        (
            json!([{"cardId": "a", "name": "A", "stampsRequired": 5, "reward": {"points": 1},
                    "colour": "red"}]),
            "colour",
        ),
    ];
    for (cards, reason) in cases {
        let refused = put_program(&env, &program_with(|p| p["stampCards"] = cards.clone())).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{cards}: {}",
            refused.body
        );
        assert_eq!(refused.error_code(), "invalid_request");
        let message = refused.body["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(reason), "{cards}: {message}");
        assert_eq!(
            env.table_snapshot().await,
            before,
            "{cards} changed the table"
        );
    }
    let after = Call::new("GET", "/v1/program").bearer(&env.admin_token());
    assert_eq!(
        env.call(Function::EarnPoints, after).await.body,
        before_program,
        "the old programme stays"
    );
    // A machine's token cannot read a member's cards.
    let till = Call::new("GET", "/v1/members/me/stamps").bearer(&env.till_token());
    let refused = env.call(Function::MemberApi, till).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn twenty_concurrent_purchases_on_a_ten_stamp_card_complete_it_exactly_twice() {
    let env = TestEnv::new().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 500, "stock": 5})).await;
    with_cards(&env, json!([voucher_card("mug", 10, "mug")])).await;
    env.enrol("cat").await;
    let earns = (0..20).map(|i| env.earn("cat", bakery(&format!("c-{i}"))));
    let responses = join_all(earns).await;
    let mut completed = 0;
    for response in &responses {
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        if response.body["stamps"][0]["completed"] == json!(true) {
            completed += 1;
        }
    }
    assert_eq!(completed, 2);
    let card = stamps(&env, "cat").await;
    assert_eq!(card["cards"][0]["completed"], 2);
    assert_eq!(card["cards"][0]["stamps"], 0);
    assert_eq!(redemptions(&env, "cat").await.len(), 2);
    assert_eq!(remaining(&env, "mug").await, 3);
    // Replays of all twenty, at once, add nothing.
    let before = env.table_snapshot().await;
    let replays = join_all((0..20).map(|i| env.earn("cat", bakery(&format!("c-{i}"))))).await;
    assert!(replays.iter().all(|r| r.replayed()));
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn a_replayed_purchase_adds_no_stamp() {
    let env = TestEnv::new().await;
    with_cards(&env, json!([points_card("bakery", 2, 40)])).await;
    env.enrol("rex").await;
    let first = earned(&env, "rex", bakery("t-1")).await;
    let before = env.table_snapshot().await;
    let again = env.earn("rex", bakery("t-1")).await;
    assert!(again.replayed());
    assert_eq!(again.body, first);
    let both = join_all([
        env.earn("rex", bakery("t-1")),
        env.earn("rex", bakery("t-1")),
    ])
    .await;
    assert!(both.iter().all(|r| r.status == StatusCode::CREATED));
    assert_eq!(env.table_snapshot().await, before);
    assert_eq!(stamps(&env, "rex").await["cards"][0]["stamps"], 1);
    // The same transaction id with another body is a conflict, and stamps nothing.
    let other = env
        .earn(
            "rex",
            bakery("t-1").tap(|b| b["amount"]["amount"] = json!(900)),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.body
    );
    assert_eq!(env.table_snapshot().await, before);
}

trait Tap {
    fn tap(self, change: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Value {
    fn tap(mut self, change: impl FnOnce(&mut Self)) -> Self {
        change(&mut self);
        self
    }
}

#[tokio::test]
async fn a_full_reversal_takes_its_stamp_back_and_cancels_the_unused_voucher_it_gave() {
    let env = TestEnv::new().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 500, "stock": 3})).await;
    with_cards(&env, json!([voucher_card("mug", 3, "mug")])).await;
    env.enrol("ria").await;
    earned(&env, "ria", bakery("t-1")).await;
    // A partial refund keeps the stamp; the full reversal takes it.
    let partial = Call::new("POST", "/v1/members/ria/earn/t-1/reverse")
        .bearer(&env.till_token())
        .header("idempotency-key", "part-1")
        .json(&json!({"amount": {"amount": 200, "currency": "EUR"}}));
    let partial = env.call(Function::EarnPoints, partial).await;
    assert_eq!(partial.status, StatusCode::CREATED, "{}", partial.body);
    assert_eq!(stamps(&env, "ria").await["cards"][0]["stamps"], 1);
    let full = reverse(&env, "ria", "t-1").await;
    assert_eq!(full.status, StatusCode::CREATED, "{}", full.body);
    assert!(
        full.body.get("stampRewardKept").is_none(),
        "nothing completed"
    );
    assert_eq!(stamps(&env, "ria").await["cards"][0]["stamps"], 0);

    for t in ["t-2", "t-3", "t-4"] {
        earned(&env, "ria", bakery(t)).await;
    }
    assert_eq!(remaining(&env, "mug").await, 2);
    let cancelled = reverse(&env, "ria", "t-4").await;
    assert_eq!(cancelled.status, StatusCode::CREATED, "{}", cancelled.body);
    assert_eq!(cancelled.body["stampRewardKept"], false);
    let card = stamps(&env, "ria").await;
    assert_eq!(card["cards"][0]["stamps"], 2, "one short of full");
    assert_eq!(card["cards"][0]["completed"], 0);
    assert_eq!(redemptions(&env, "ria").await[0]["status"], "cancelled");
    assert_eq!(remaining(&env, "mug").await, 3, "stock back");
    // Its reversal again is refused and changes nothing.
    let before = env.table_snapshot().await;
    let again = reverse(&env, "ria", "t-4").await;
    assert_eq!(again.error_code(), "already_reversed");
    assert_eq!(env.table_snapshot().await, before);
    // The next stamp fills the card again.
    let refilled = earned(&env, "ria", bakery("t-5")).await;
    assert_eq!(refilled["stamps"][0]["completed"], true);
    let (reconciled, _) = reconcile(&env, 100).await;
    assert_eq!(reconciled["difference"], 0, "{reconciled}");
}

#[tokio::test]
async fn a_used_voucher_or_credited_points_stay_when_their_purchase_is_reversed() {
    let env = TestEnv::new().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 500})).await;
    with_cards(
        &env,
        json!([voucher_card("mug", 2, "mug"), points_card("pts", 2, 40)]),
    )
    .await;
    env.enrol("uli").await;
    earned(&env, "uli", bakery("t-1")).await;
    let filled = earned(&env, "uli", bakery("t-2")).await;
    let code = filled["stamps"][0]["reward"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let used = use_voucher(&env, &code).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let reversed = reverse(&env, "uli", "t-2").await;
    assert_eq!(reversed.status, StatusCode::CREATED, "{}", reversed.body);
    assert_eq!(reversed.body["stampRewardKept"], true);
    assert_eq!(redemptions(&env, "uli").await[0]["status"], "used");
    let activity = env.all_activity("uli", 50).await;
    assert_eq!(
        entries_of(&activity, "stamp_reward").len(),
        1,
        "the points stay"
    );
    assert_eq!(env.me("uli").await.body["balance"], 7 + 40);
    let cards = stamps(&env, "uli").await;
    assert_eq!(cards["cards"][0]["completed"], 1);
    assert_eq!(cards["cards"][1]["completed"], 1);
}

#[tokio::test]
async fn an_out_of_stock_or_inactive_reward_is_paid_as_its_cost_in_points() {
    let env = TestEnv::new().await;
    put_reward(
        &env,
        "gone",
        json!({"name": "Gone", "cost": 300, "stock": 0}),
    )
    .await;
    put_reward(
        &env,
        "off",
        json!({"name": "Off", "cost": 200, "active": false}),
    )
    .await;
    put_reward(
        &env,
        "last",
        json!({"name": "Last", "cost": 100, "stock": 1}),
    )
    .await;
    with_cards(
        &env,
        json!([
            voucher_card("gone", 2, "gone"),
            voucher_card("off", 2, "off"),
            voucher_card("last", 2, "last")
        ]),
    )
    .await;
    env.enrol("oli").await;
    // The first stamp reads the catalogue (and keeps it): the last unit is there.
    earned(&env, "oli", bakery("t-1")).await;
    // Someone else redeems the last unit meanwhile; the kept catalogue still shows it.
    member_with(&env, "pia", 1_000).await;
    let taken = redeem(&env, "pia", "last", "last-1").await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);
    let filled = earned(&env, "oli", bakery("t-2")).await;
    let rewards: Vec<Value> = filled["stamps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reward"].clone())
        .collect();
    assert_eq!(
        rewards,
        vec![
            json!({"points": 300}),
            json!({"points": 200}),
            json!({"points": 100})
        ]
    );
    assert_eq!(filled["balance"], 14 + 600);
    assert!(redemptions(&env, "oli").await.is_empty());
    assert_eq!(remaining(&env, "last").await, 0, "never oversold");
    let activity = env.all_activity("oli", 50).await;
    assert_eq!(entries_of(&activity, "stamp_reward").len(), 3);
}

#[tokio::test]
async fn categories_minimum_spend_and_the_daily_limit_decide_which_purchases_stamp() {
    let env = TestEnv::new().await;
    let card = json!({"cardId": "coffee", "name": "Coffee", "stampsRequired": 5,
        "categories": ["coffee", "bakery"], "minSpend": {"amount": 250, "currency": "EUR"},
        "maxStampsPerDay": 2, "reward": {"points": 10}});
    with_cards(&env, json!([card])).await;
    env.enrol("dan").await;
    let stamped = |body: &Value| body["stamps"].as_array().map_or(0, Vec::len);
    assert_eq!(
        stamped(&earned(&env, "dan", purchase("a", 900, Some("tea"))).await),
        0
    );
    assert_eq!(
        stamped(&earned(&env, "dan", purchase("b", 900, None)).await),
        0
    );
    assert_eq!(
        stamped(&earned(&env, "dan", purchase("c", 249, Some("coffee"))).await),
        0
    );
    let usd = json!({"transactionId": "d", "amount": {"amount": 900, "currency": "USD"},
                     "category": "coffee"});
    assert_eq!(
        stamped(&earned(&env, "dan", usd).await),
        0,
        "another currency"
    );
    assert_eq!(
        stamped(&earned(&env, "dan", purchase("e", 250, Some("coffee"))).await),
        1
    );
    assert_eq!(
        stamped(&earned(&env, "dan", purchase("f", 900, Some("bakery"))).await),
        1
    );
    assert_eq!(
        stamped(&earned(&env, "dan", purchase("g", 900, Some("coffee"))).await),
        0,
        "two a day"
    );
    env.clock.advance(Duration::days(1));
    let next_day = earned(&env, "dan", purchase("h", 900, Some("coffee"))).await;
    assert_eq!(next_day["stamps"][0]["stamps"], 3);
}
