//! Refunds take back the points of their purchase, once, in proportion.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::{Value, json};

async fn reverse(
    env: &TestEnv,
    member: &str,
    transaction: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> loyalty_tests::TestResponse {
    let mut call = Call::new(
        "POST",
        format!("/v1/members/{member}/earn/{transaction}/reverse"),
    )
    .bearer(&env.till_token());
    if let Some(body) = body {
        call = call.json(&body);
    }
    if let Some(key) = key {
        call = call.header("idempotency-key", key);
    }
    env.call(Function::EarnPoints, call).await
}

#[tokio::test]
async fn a_full_reversal_happens_once_then_already_reversed() {
    let env = TestEnv::new().await;
    env.enrol("rita").await;
    let earned = env
        .earn("rita", purchase("r-1", 3000, Some("coffee")))
        .await
        .body["points"]
        .as_i64()
        .unwrap();
    env.earn("rita", purchase("r-2", 1000, None)).await;

    let first = reverse(&env, "rita", "r-1", None, None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["type"], "reverse");
    assert_eq!(first.body["points"], -earned);
    assert_eq!(first.body["balance"], 10);
    assert_eq!(first.body["remainingPoints"], 0);

    let before = env.table_snapshot().await;
    let second = reverse(&env, "rita", "r-1", None, None).await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.error_code(), "already_reversed");
    assert_eq!(env.table_snapshot().await, before);
    assert_eq!(env.ledger_sum("rita").await, 10);
}

#[tokio::test]
async fn partial_refunds_add_up_to_the_points_earned_and_no_more() {
    let env = TestEnv::new().await;
    env.enrol("paul").await;
    // 10.00 EUR at 1 point per euro, no category: 10 points (plus no promotion).
    let earned = env.earn("paul", purchase("pp-1", 1000, None)).await;
    assert_eq!(earned.body["points"], 10);

    let third = |minor: i64| Some(json!({"amount": {"amount": minor, "currency": "EUR"}}));
    let a = reverse(&env, "paul", "pp-1", third(333), Some("refund-a")).await;
    assert_eq!(a.body["points"], -3, "{}", a.body);
    let b = reverse(&env, "paul", "pp-1", third(333), Some("refund-b")).await;
    assert_eq!(b.body["points"], -3, "{}", b.body);
    let too_much = reverse(&env, "paul", "pp-1", third(335), Some("refund-c")).await;
    assert_eq!(too_much.status, StatusCode::BAD_REQUEST);
    let wrong_currency = reverse(
        &env,
        "paul",
        "pp-1",
        Some(json!({"amount": {"amount": 1, "currency": "USD"}})),
        Some("refund-d"),
    )
    .await;
    assert_eq!(wrong_currency.status, StatusCode::BAD_REQUEST);
    let rest = reverse(&env, "paul", "pp-1", third(334), Some("refund-e")).await;
    assert_eq!(rest.body["points"], -4, "{}", rest.body);
    assert_eq!(rest.body["balance"], 0);
    let again = reverse(&env, "paul", "pp-1", third(1), Some("refund-f")).await;
    assert_eq!(again.error_code(), "already_reversed");
    assert_eq!(env.ledger_sum("paul").await, 0);
}

#[tokio::test]
async fn a_reversal_retried_with_its_idempotency_key_is_a_replay() {
    let env = TestEnv::new().await;
    env.enrol("kim").await;
    env.earn("kim", purchase("k-1", 2000, None)).await;
    let first = reverse(&env, "kim", "k-1", None, Some("refund-77")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = reverse(&env, "kim", "k-1", None, Some("refund-77")).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert!(retry.replayed());
    assert_eq!(retry.body, first.body);
    let other_body = reverse(
        &env,
        "kim",
        "k-1",
        Some(json!({"amount": {"amount": 5, "currency": "EUR"}})),
        Some("refund-77"),
    )
    .await;
    assert_eq!(other_body.error_code(), "idempotency_conflict");
}

#[tokio::test]
async fn concurrent_full_reversals_take_the_points_back_once() {
    let env = TestEnv::new().await;
    env.enrol("zoe").await;
    env.earn("zoe", purchase("z-keep", 500, None)).await;
    let earned = env.earn("zoe", purchase("z-1", 5000, None)).await.body["points"]
        .as_i64()
        .unwrap();
    let responses =
        futures::future::join_all((0..10).map(|_| reverse(&env, "zoe", "z-1", None, None))).await;
    let created = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = responses
        .iter()
        .filter(|r| r.error_code() == "already_reversed")
        .count();
    assert_eq!(
        (created, refused),
        (1, 9),
        "{:?}",
        responses.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
    );
    assert_eq!(env.me("zoe").await.body["balance"], 5);
    assert_eq!(env.ledger_sum("zoe").await, 5);
    assert!(earned > 0);
}

#[tokio::test]
async fn reversing_points_already_spent_takes_the_balance_below_zero() {
    let env = TestEnv::new().await;
    env.enrol("neg").await;
    env.earn("neg", purchase("n-1", 5000, None)).await;
    let spend = env
        .call(
            Function::EarnPoints,
            Call::new("POST", "/v1/members/neg/adjustments")
                .bearer(&env.admin_token())
                .header("idempotency-key", "neg-spend")
                .json(&json!({"points": -40, "reason": "goodwill correction"})),
        )
        .await;
    assert_eq!(spend.status, StatusCode::CREATED, "{}", spend.body);
    let back = reverse(&env, "neg", "n-1", None, None).await;
    assert_eq!(back.body["balance"], -40);
    let me = env.me("neg").await;
    assert_eq!(me.body["balance"], -40);
    assert_eq!(me.body["expiringPoints"], json!([]));
    assert_eq!(env.ledger_sum("neg").await, -40);
}

#[tokio::test]
async fn reversing_an_unknown_purchase_is_404() {
    let env = TestEnv::new().await;
    env.enrol("una").await;
    let response = reverse(&env, "una", "never-posted", None, None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}
