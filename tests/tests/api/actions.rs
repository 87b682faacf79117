//! Points for actions against DynamoDB Local (API.md "Actions, challenges and paid
//! memberships"): an `actionId` credits once, under concurrent retries and after its
//! idempotency record has expired; the daily and lifetime limits hold under concurrent
//! different actions; every refusal changes nothing.

use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, TestResponse};
use serde_json::{Value, json};
use time::Duration;

pub(crate) fn action_call(env: &TestEnv, member: &str, body: &Value) -> Call {
    Call::new("POST", format!("/v1/members/{member}/actions"))
        .bearer(&env.till_token())
        .json(body)
}

pub(crate) async fn act(env: &TestEnv, member: &str, id: &str, action: &str) -> TestResponse {
    let body = json!({"actionId": id, "action": action});
    env.call(Function::EarnPoints, action_call(env, member, &body))
        .await
}

/// The member's ledger entries of `kind`.
async fn entries_of(env: &TestEnv, member: &str, kind: &str) -> Vec<Value> {
    env.all_activity(member, 100)
        .await
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

#[tokio::test]
async fn an_action_credits_its_rule_once_and_a_retry_gets_the_first_answer() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    let first = act(&env, "ana", "survey-1", "survey").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["points"], 100);
    assert_eq!(first.body["balance"], 100);
    assert_eq!(first.body["actionId"], "survey-1");
    assert_eq!(first.body["challengesCompleted"], json!([]));
    let retry = act(&env, "ana", "survey-1", "survey").await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert!(retry.replayed());
    assert_eq!(retry.body, first.body);
    // The same actionId for another action is another request: refused, not credited.
    let reused = act(&env, "ana", "survey-1", "review").await;
    assert_eq!(
        reused.error_code(),
        "idempotency_conflict",
        "{}",
        reused.body
    );
    let credited = entries_of(&env, "ana", "action_bonus").await;
    assert_eq!(credited.len(), 1);
    assert_eq!(credited[0]["reference"], "survey-1");
    assert_eq!(env.me("ana").await.body["balance"], 100);
    // Another member's action of the same id is its own.
    env.enrol("ben").await;
    let ben = act(&env, "ben", "survey-1", "survey").await;
    assert_eq!(ben.status, StatusCode::CREATED, "{}", ben.body);
    assert!(!ben.replayed());
}

#[tokio::test]
async fn an_action_id_credits_once_under_concurrent_retries() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    let replies = join_all((0..20).map(|_| act(&env, "ana", "review-1", "review"))).await;
    let mut entry_ids: Vec<&Value> = Vec::new();
    for reply in &replies {
        match reply.status {
            StatusCode::CREATED => entry_ids.push(&reply.body["entryId"]),
            // A retry that met the first still running is told to retry.
            StatusCode::CONFLICT => assert_eq!(reply.error_code(), "request_in_progress"),
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert!(!entry_ids.is_empty());
    assert!(entry_ids.iter().all(|id| *id == entry_ids[0]), "one entry");
    assert_eq!(entries_of(&env, "ana", "action_bonus").await.len(), 1);
    assert_eq!(env.me("ana").await.body["balance"], 50);
    assert_eq!(env.ledger_sum("ana").await, 50);
}

#[tokio::test]
async fn the_daily_and_lifetime_limits_hold_under_concurrent_different_actions() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    // review: at most once a UTC day.
    let reviews = join_all((0..10).map(|i| {
        let env = &env;
        async move { act(env, "ana", &format!("review-{i}"), "review").await }
    }))
    .await;
    let credited = reviews
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(credited, 1);
    for refused in reviews.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(refused.error_code(), "limit_reached", "{}", refused.body);
    }
    // survey: five in all.
    let surveys = join_all((0..12).map(|i| {
        let env = &env;
        async move { act(env, "ana", &format!("survey-{i}"), "survey").await }
    }))
    .await;
    assert_eq!(
        surveys
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count(),
        5
    );
    assert!(
        surveys
            .iter()
            .filter(|r| r.status != StatusCode::CREATED)
            .all(|r| r.error_code() == "limit_reached")
    );
    assert_eq!(env.me("ana").await.body["balance"], 50 + 5 * 100);
    // The next UTC day takes another review, and still no sixth survey.
    env.clock.advance(Duration::days(1));
    assert_eq!(
        act(&env, "ana", "review-next", "review").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        act(&env, "ana", "survey-next", "survey").await.error_code(),
        "limit_reached"
    );
}

#[tokio::test]
async fn an_action_reported_again_after_its_idempotency_record_expired_is_not_credited_again() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    assert_eq!(
        act(&env, "ana", "survey-1", "survey").await.status,
        StatusCode::CREATED
    );
    env.clock.advance(Duration::days(8));
    let before = env.table_snapshot().await;
    let again = act(&env, "ana", "survey-1", "survey").await;
    assert_eq!(again.error_code(), "idempotency_conflict", "{}", again.body);
    assert_eq!(env.table_snapshot().await, before, "nothing written");
    assert_eq!(entries_of(&env, "ana", "action_bonus").await.len(), 1);
}

#[tokio::test]
async fn every_refusal_is_a_clear_error_and_changes_nothing() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    assert_eq!(
        act(&env, "ana", "review-1", "review").await.status,
        StatusCode::CREATED
    );
    let table = env.table_snapshot().await;
    let cases = [
        (
            json!({"actionId": "a-2", "action": "tweet"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "action_unknown",
        ),
        (
            json!({"actionId": "a-3", "action": "review"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit_reached",
        ),
        (
            json!({"action": "review"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"actionId": "a b", "action": "review"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"actionId": "a-4", "action": ""}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"actionId": "a-5", "action": "survey", "points": 1000}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"actionId": "a-6", "action": "survey", "occurredAt": "yesterday"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"actionId": "a-7", "action": "survey", "occurredAt": "2020-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"actionId": "a-9", "action": "survey", "occurredAt": "2030-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (body, status, code) in cases {
        let refused = env
            .call(Function::EarnPoints, action_call(&env, "ana", &body))
            .await;
        assert_eq!(refused.status, status, "{body}: {}", refused.body);
        assert_eq!(refused.error_code(), code, "{body}");
        assert!(
            !refused.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    let body = json!({"actionId": "a-8", "action": "survey"});
    for (call, status) in [
        (action_call(&env, "nobody", &body), StatusCode::NOT_FOUND),
        (
            action_call(&env, "ana", &body).bearer(&env.member_token("ana")),
            StatusCode::FORBIDDEN,
        ),
        (
            action_call(&env, "ana", &body).bearer("not-a-token"),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let refused = env.call(Function::EarnPoints, call).await;
        assert_eq!(refused.status, status, "{}", refused.body);
    }
    assert_eq!(
        env.table_snapshot().await,
        table,
        "no refusal wrote anything"
    );
}
