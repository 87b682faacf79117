//! Every bad input gets a clear 4xx JSON error and leaves the table exactly as it was.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::json;

async fn assert_refused_without_change(env: &TestEnv, call: Call, status: StatusCode, code: &str) {
    let before = env.table_snapshot().await;
    let response = env.call(Function::EarnPoints, call.clone()).await;
    assert_eq!(
        response.status, status,
        "{} {}: {}",
        call.method, call.path, response.body
    );
    assert_eq!(response.error_code(), code, "{}", response.body);
    let message = response.body["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(!message.is_empty(), "errors explain themselves");
    assert!(
        response.body["error"]["requestId"]
            .as_str()
            .is_some_and(|id| id.starts_with("req-"))
    );
    assert_eq!(
        response.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(
        env.table_snapshot().await,
        before,
        "{} changed the table",
        call.path
    );
}

#[tokio::test]
async fn bad_earn_bodies_are_400_and_change_nothing() {
    let env = TestEnv::new().await;
    env.enrol("bea").await;
    env.earn("bea", purchase("ok-1", 1000, None)).await;
    let earn = || Call::new("POST", "/v1/members/bea/earn").bearer(&env.till_token());
    let cases: Vec<(&str, Call)> = vec![
        ("malformed JSON", earn().raw_body("{\"transactionId\": ")),
        ("not an object", earn().raw_body("[1,2,3]")),
        ("empty body", earn()),
        ("missing transactionId", earn().json(&json!({"amount": {"amount": 100, "currency": "EUR"}}))),
        ("missing amount", earn().json(&json!({"transactionId": "x-1"}))),
        ("amount as string", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": "100", "currency": "EUR"}}))),
        ("fractional amount", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 10.5, "currency": "EUR"}}))),
        ("negative amount", earn().json(&purchase("x-1", -100, None))),
        ("zero amount", earn().json(&purchase("x-1", 0, None))),
        ("absurd amount", earn().raw_body(r#"{"transactionId": "x-1", "amount": {"amount": 99999999999999999999999, "currency": "EUR"}}"#)),
        ("i64::MAX amount", earn().json(&purchase("x-1", i64::MAX, None))),
        ("unknown currency", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "XXY"}}))),
        ("lower-case currency", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "eur"}}))),
        ("currency the programme does not take", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "JPY"}}))),
        ("bad transactionId", earn().json(&json!({"transactionId": "has space", "amount": {"amount": 100, "currency": "EUR"}}))),
        ("empty transactionId", earn().json(&json!({"transactionId": "", "amount": {"amount": 100, "currency": "EUR"}}))),
        ("long transactionId", earn().json(&json!({"transactionId": "x".repeat(129), "amount": {"amount": 100, "currency": "EUR"}}))),
        ("unknown field", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "EUR"}, "pointz": 5}))),
        ("bad occurredAt", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "EUR"}, "occurredAt": "yesterday"}))),
        ("future occurredAt", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "EUR"}, "occurredAt": "2026-11-24T12:00:00Z"}))),
        ("ancient occurredAt", earn().json(&json!({"transactionId": "x-1", "amount": {"amount": 100, "currency": "EUR"}, "occurredAt": "2020-01-01T00:00:00Z"}))),
        ("bad member id in path", Call::new("POST", "/v1/members/bad%20id/earn").bearer(&env.till_token()).json(&purchase("x-1", 100, None))),
        ("broken percent-encoding", Call::new("POST", "/v1/members/bad%zzid/earn").bearer(&env.till_token()).json(&purchase("x-1", 100, None))),
    ];
    for (name, call) in cases {
        let before = env.table_snapshot().await;
        let response = env.call(Function::EarnPoints, call).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            response.body
        );
        assert_eq!(response.error_code(), "invalid_request", "{name}");
        assert_eq!(
            env.table_snapshot().await,
            before,
            "{name} changed the table"
        );
    }
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let env = TestEnv::new().await;
    env.enrol("big").await;
    let padding = "x".repeat(64 * 1024);
    let call = Call::new("POST", "/v1/members/big/earn")
        .bearer(&env.till_token())
        .raw_body(format!(r#"{{"transactionId": "t", "amount": {{"amount": 1, "currency": "EUR"}}, "category": "{padding}"}}"#));
    assert_refused_without_change(
        &env,
        call,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let env = TestEnv::new().await;
    let call = Call::new("DELETE", "/v1/members/x/earn").bearer(&env.till_token());
    assert_refused_without_change(&env, call, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn bad_adjustments_are_refused() {
    let env = TestEnv::new().await;
    env.enrol("adj").await;
    env.earn("adj", purchase("a-1", 1000, None)).await;
    let adjust = |body: serde_json::Value| {
        Call::new("POST", "/v1/members/adj/adjustments")
            .bearer(&env.admin_token())
            .json(&body)
    };
    for body in [
        json!({"points": 0, "reason": "nothing"}),
        json!({"points": 5}),
        json!({"points": 5, "reason": "   "}),
        json!({"points": 5, "reason": "x".repeat(501)}),
        json!({"points": 1_000_000_000_001_i64, "reason": "too much"}),
        json!({"points": 1.5, "reason": "fraction"}),
    ] {
        assert_refused_without_change(
            &env,
            adjust(body),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        )
        .await;
    }
    assert_refused_without_change(
        &env,
        adjust(json!({"points": -11, "reason": "more than the balance"})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "insufficient_points",
    )
    .await;
    let ok = env
        .call(
            Function::EarnPoints,
            adjust(json!({"points": -10, "reason": "all of it"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(ok.body["balance"], 0);
    assert_eq!(ok.body["reason"], "all of it");
}
