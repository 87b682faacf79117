//! Paid memberships against DynamoDB Local: while one runs the member's tier is at least the
//! plan's and its multiplier adds to earn; at `until` every read and write sees the member's
//! own tier again with no job having run; the daily run announces the end once, however
//! often it runs; the billing system's end is announced at once; every refusal changes
//! nothing.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, purchase};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::daily_run::{daily, tiers};

const UNTIL: &str = "2026-12-23T12:00:00.000Z";

fn put_call(env: &TestEnv, member: &str, body: &Value) -> Call {
    Call::new("PUT", format!("/v1/members/{member}/membership"))
        .bearer(&env.admin_token())
        .json(body)
}

fn end_call(env: &TestEnv, member: &str) -> Call {
    Call::new("DELETE", format!("/v1/members/{member}/membership")).bearer(&env.admin_token())
}

async fn start(env: &TestEnv, member: &str, until: &str) -> TestResponse {
    let body = json!({"planId": "plus", "until": until, "reference": "inv-2026-11"});
    let started = env
        .call(Function::EarnPoints, put_call(env, member, &body))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    started
}

fn rules(earned: &TestResponse) -> Vec<String> {
    assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    earned.body["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rule"].as_str().unwrap().to_string())
        .collect()
}

async fn membership_events(env: &TestEnv, member: &str) -> Vec<(String, Value)> {
    env.events(member)
        .await
        .into_iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("Membership"))
        })
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["detail"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_membership_lifts_tier_and_earn_until_it_ends_with_no_job_run() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    let started = start(&env, "ana", UNTIL).await;
    assert_eq!(started.body["tier"], "Gold");
    assert_eq!(started.body["membership"]["planId"], "plus");
    assert_eq!(started.body["membership"]["tier"], "Gold");
    let me = env.me("ana").await.body;
    assert_eq!(me["tier"]["name"], "Gold");
    assert_eq!(me["membership"]["planId"], "plus");
    assert_eq!(me["membership"]["until"], UNTIL);
    let during = rules(&env.earn("ana", purchase("t-1", 1000, None)).await);
    assert!(during.contains(&"tier:Gold".to_string()), "{during:?}");
    assert!(
        during.contains(&"membership:plus".to_string()),
        "{during:?}"
    );
    // A reward for Gold members is within reach while the membership runs.
    let gold = Call::new("PUT", "/v1/rewards/lounge")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Lounge", "cost": 1, "minTier": "Gold"}));
    assert_eq!(
        env.call(Function::RedeemReward, gold).await.status,
        StatusCode::OK
    );
    let redeem = |key: &str| {
        Call::new("POST", "/v1/members/me/redemptions")
            .bearer(&env.member_token("ana"))
            .header("idempotency-key", key)
            .json(&json!({"rewardId": "lounge"}))
    };
    assert_eq!(
        env.call(Function::RedeemReward, redeem("r-1")).await.status,
        StatusCode::CREATED
    );
    // At `until`, with no daily run: the member's own tier, no multiplier, no Gold reward.
    env.clock.set(datetime!(2026-12-23 12:00 UTC));
    let me = env.me("ana").await.body;
    assert_eq!(me["tier"]["name"], "Member");
    assert_eq!(me["membership"], Value::Null);
    let after = rules(&env.earn("ana", purchase("t-2", 1000, None)).await);
    assert!(
        after
            .iter()
            .all(|r| !r.starts_with("membership:") && r != "tier:Gold"),
        "{after:?}"
    );
    let refused = env.call(Function::RedeemReward, redeem("r-2")).await;
    assert_eq!(
        refused.error_code(),
        "tier_not_eligible",
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn the_daily_run_announces_the_end_once_however_often_it_runs() {
    let env = TestEnv::patient().await;
    env.enrol("ana").await;
    start(&env, "ana", UNTIL).await;
    let tiers = tiers(&env);
    daily(&tiers, &env, datetime!(2026-12-22 0:15 UTC)).await;
    // Not ended yet (and events are kept a week: the start, a month ago, is gone).
    assert_eq!(membership_events(&env, "ana").await, []);
    for at in [
        datetime!(2026-12-24 0:15 UTC),
        datetime!(2026-12-24 6:00 UTC),
        datetime!(2026-12-25 0:15 UTC),
    ] {
        daily(&tiers, &env, at).await;
    }
    let events = membership_events(&env, "ana").await;
    let ended: Vec<&Value> = events
        .iter()
        .filter(|(kind, _)| kind == "MembershipEnded")
        .map(|(_, detail)| detail)
        .collect();
    assert_eq!(ended.len(), 1, "{events:?}");
    assert_eq!(ended[0]["reason"], "expired");
    assert_eq!(ended[0]["planId"], "plus");
    assert!(ended[0]["marketingConsent"].is_boolean());
}

#[tokio::test]
async fn the_billing_system_renews_changes_nothing_else_and_ends_it_now() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    start(&env, "ana", UNTIL).await;
    let renewed = start(&env, "ana", "2027-01-23T12:00:00.000Z").await;
    assert_eq!(
        renewed.body["membership"]["until"],
        "2027-01-23T12:00:00.000Z"
    );
    assert_eq!(
        membership_events(&env, "ana").await.len(),
        1,
        "a renewal is not a start"
    );
    let ended = env.call(Function::EarnPoints, end_call(&env, "ana")).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.body["ended"], true);
    assert_eq!(ended.body["membership"], Value::Null);
    assert_eq!(ended.body["tier"], "Member");
    assert_eq!(env.me("ana").await.body["membership"], Value::Null);
    let events = membership_events(&env, "ana").await;
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .any(|(k, d)| k == "MembershipEnded" && d["reason"] == "cancelled")
    );
    // Ending it again finds nothing to end and writes nothing.
    let table = env.table_snapshot().await;
    let again = env.call(Function::EarnPoints, end_call(&env, "ana")).await;
    assert_eq!(
        (again.status, &again.body["ended"]),
        (StatusCode::OK, &json!(false))
    );
    assert_eq!(env.table_snapshot().await, table);
}

#[tokio::test]
async fn every_refusal_is_a_clear_error_and_changes_nothing() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    let table = env.table_snapshot().await;
    let good = json!({"planId": "plus", "until": UNTIL, "reference": "inv-1"});
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let mut without = good.clone();
    without.as_object_mut().unwrap().remove("reference");
    for body in [
        with("planId", json!("platinum")),
        with("planId", json!("not a plan")),
        with("until", json!("2026-11-01T00:00:00Z")),
        with("until", json!("soon")),
        with("reference", json!("")),
        with("reference", json!("x".repeat(201))),
        with("price", json!(10)),
        without,
    ] {
        let refused = env
            .call(Function::EarnPoints, put_call(&env, "ana", &body))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.body
        );
        assert_eq!(refused.error_code(), "invalid_request");
    }
    for (call, status) in [
        (put_call(&env, "nobody", &good), StatusCode::NOT_FOUND),
        (end_call(&env, "nobody"), StatusCode::NOT_FOUND),
        (
            put_call(&env, "ana", &good).bearer(&env.till_token()),
            StatusCode::FORBIDDEN,
        ),
        (
            end_call(&env, "ana").bearer(&env.member_token("ana")),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let refused = env.call(Function::EarnPoints, call).await;
        assert_eq!(refused.status, status, "{}", refused.body);
    }
    assert_eq!(env.table_snapshot().await, table);
}
