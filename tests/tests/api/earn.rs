//! Earning against DynamoDB Local: the breakdown follows the programme's rules, retries
//! are replays, and a purchase is credited once however often it is posted.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, program_with, purchase};
use serde_json::json;

fn breakdown_sum(body: &serde_json::Value) -> i64 {
    body["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["points"].as_i64().unwrap())
        .sum()
}

fn rules(body: &serde_json::Value) -> Vec<(String, i64)> {
    body["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["rule"].as_str().unwrap().to_string(),
                l["points"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn earning_applies_base_category_and_promotion_with_a_breakdown_that_adds_up() {
    let env = TestEnv::new().await;
    env.enrol("alice").await;

    // 12.50 EUR of coffee: base 12, coffee x2 adds 12, the winter promotion adds 25.
    let response = env
        .earn("alice", purchase("t-1", 1250, Some("coffee")))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        rules(&response.body),
        vec![
            ("base".into(), 12),
            ("category:coffee".into(), 12),
            ("promotion:winter-warmers".into(), 25)
        ]
    );
    assert_eq!(response.body["points"], 49);
    assert_eq!(breakdown_sum(&response.body), 49);
    assert_eq!(response.body["balance"], 49);
    assert_eq!(response.body["tier"], "Member");

    // Outside the promotion's window, only base and category count.
    env.clock.set(time::macros::datetime!(2027-02-10 09:00 UTC));
    let later = env
        .earn("alice", purchase("t-2", 999, Some("bakery")))
        .await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
    assert_eq!(
        rules(&later.body),
        vec![("base".into(), 9), ("category:bakery".into(), 4)]
    );
    assert_eq!(later.body["balance"], 62);

    let me = env.me("alice").await;
    assert_eq!(me.body["balance"], 62);
    assert_eq!(me.body["lifetimePoints"], 62);
    let activity = env.all_activity("alice", 10).await;
    assert_eq!(activity.len(), 2);
    assert_eq!(activity[0]["type"], "earn");
    assert_eq!(activity[0]["reference"], "t-2");
    assert_eq!(activity[0]["balanceAfter"], 62);
    assert_eq!(activity[1]["breakdown"], response.body["breakdown"]);
}

#[tokio::test]
async fn tier_multiplier_and_caps_apply() {
    let env = TestEnv::new().await;
    env.enrol("gold").await;
    // Take the member to Gold the way an operator would, by programme data: a ladder whose
    // entry tier carries the multiplier. (Tier changes themselves are the tier function's.)
    let program = program_with(|p| {
        p["tiers"][0]["earnMultiplier"] = json!(1.5);
        p["earnRules"]["promotions"] = json!([]);
        p["earnRules"]["perTransactionCap"] = json!(100);
        p["earnRules"]["dailyCap"] = json!(150);
    });
    let put = env
        .call(
            Function::EarnPoints,
            Call::new("PUT", "/v1/program")
                .bearer(&env.admin_token())
                .json(&program),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);

    let first = env.earn("gold", purchase("c-1", 10_000, None)).await;
    assert_eq!(
        rules(&first.body),
        vec![
            ("base".into(), 100),
            ("tier:Member".into(), 50),
            ("cap:transaction".into(), -50)
        ]
    );
    assert_eq!(first.body["points"], 100);

    let second = env.earn("gold", purchase("c-2", 10_000, None)).await;
    assert_eq!(second.body["points"], 50, "{}", second.body);
    assert_eq!(
        rules(&second.body).last().unwrap(),
        &("cap:daily".to_string(), -50)
    );
    assert_eq!(breakdown_sum(&second.body), 50);

    let third = env.earn("gold", purchase("c-3", 500, None)).await;
    assert_eq!(third.body["points"], 0);

    // A new day resets the daily cap.
    env.clock.advance(time::Duration::days(1));
    let next_day = env.earn("gold", purchase("c-4", 1_000, None)).await;
    assert_eq!(next_day.body["points"], 15);
    assert_eq!(env.me("gold").await.body["balance"], 165);
}

#[tokio::test]
async fn a_retry_replays_the_first_response_and_a_different_body_is_refused() {
    let env = TestEnv::new().await;
    env.enrol("bob").await;
    let body = purchase("retry-1", 2000, Some("coffee"));
    let first = env.earn("bob", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!first.replayed());

    // Same body with other formatting and key order is the same request.
    let reformatted = "{ \"amount\": {\"currency\": \"EUR\", \"amount\": 2000},\n \"category\": \"coffee\", \"transactionId\": \"retry-1\" }";
    let replay = env
        .call(
            Function::EarnPoints,
            Call::new("POST", "/v1/members/bob/earn")
                .bearer(&env.till_token())
                .raw_body(reformatted),
        )
        .await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert!(replay.replayed());
    assert_eq!(replay.body, first.body);

    let before = env.table_snapshot().await;
    let other = env
        .earn("bob", purchase("retry-1", 2001, Some("coffee")))
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.error_code(), "idempotency_conflict");
    assert_eq!(env.table_snapshot().await, before);
    assert_eq!(env.me("bob").await.body["balance"], first.body["points"]);
}

#[tokio::test]
async fn fifty_concurrent_identical_earns_credit_once() {
    let env = TestEnv::new().await;
    env.enrol("carol").await;
    let body = purchase("burst-1", 4250, Some("coffee"));
    let responses =
        futures::future::join_all((0..50).map(|_| env.earn("carol", body.clone()))).await;

    let first = &responses
        .iter()
        .find(|r| !r.replayed())
        .expect("one request did the work")
        .body;
    assert_eq!(responses.iter().filter(|r| !r.replayed()).count(), 1);
    for response in &responses {
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        assert_eq!(&response.body, first);
    }
    let points = first["points"].as_i64().unwrap();
    assert_eq!(env.me("carol").await.body["balance"], points);
    assert_eq!(env.all_activity("carol", 100).await.len(), 1);
    assert_eq!(env.ledger_sum("carol").await, points);
}

#[tokio::test]
async fn concurrent_different_purchases_are_all_credited_exactly() {
    let env = TestEnv::new().await;
    env.enrol("dave").await;
    let responses = futures::future::join_all(
        (0..20).map(|i| env.earn("dave", purchase(&format!("p-{i}"), 1000 + i * 100, None))),
    )
    .await;
    let mut total = 0;
    for response in &responses {
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        total += response.body["points"].as_i64().unwrap();
    }
    let activity = env.all_activity("dave", 7).await;
    assert_eq!(activity.len(), 20);
    assert_eq!(env.me("dave").await.body["balance"], total);
    assert_eq!(env.ledger_sum("dave").await, total);
    // Each entry's balanceAfter continues from the one before it.
    let mut running = 0;
    for entry in activity.iter().rev() {
        running += entry["points"].as_i64().unwrap();
        assert_eq!(entry["balanceAfter"], running);
    }
}

#[tokio::test]
async fn earning_for_an_unknown_member_is_404_and_writes_nothing() {
    let env = TestEnv::new().await;
    let before = env.table_snapshot().await;
    let response = env.earn("nobody", purchase("t-1", 1000, None)).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.error_code(), "not_found");
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn earning_before_any_programme_is_configured_is_503_with_retry_after() {
    let env = TestEnv::without_program().await;
    let response = env.earn("erin", purchase("t-1", 1000, None)).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.error_code(), "unavailable");
    assert!(response.headers.contains_key("retry-after"));
}
