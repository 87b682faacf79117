//! `POST /v1/imports/members`: members brought from another engine, whole or not at all per
//! member, skipped when present (so a re-run changes nothing), a bad member reported without
//! stopping the others, and a malformed batch refused as a whole with nothing written.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, START, TestEnv, TestResponse};
use serde_json::{Value, json};
use time::Duration;

fn at(offset: Duration) -> String {
    loyalty::domain::rfc3339::format(START + offset)
}

async fn import(env: &TestEnv, body: &Value) -> TestResponse {
    env.call(
        Function::MemberApi,
        Call::new("POST", "/v1/imports/members")
            .bearer(&env.admin_token())
            .json(body),
    )
    .await
}

async fn import_ok(env: &TestEnv, members: Value) -> Value {
    let response = import(env, &json!({ "members": members })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

/// A member with two lots (one expiring at a month's start, one mid-month), pending points
/// in ten days, a Silver tier and seeded counters: 540 points held.
fn ada() -> Value {
    json!({
        "memberId": "ada",
        "displayName": "Ada L.",
        "enrolledAt": "2021-03-04T10:00:00Z",
        "tier": "Silver",
        "lots": [
            {"points": 300, "expiresAt": "2027-06-01T00:00:00Z"},
            {"points": 200, "expiresAt": "2027-01-15T00:00:00.000Z"}
        ],
        "pendingPoints": [{"points": 40, "availableAt": at(Duration::days(10))}],
        "lifetimePoints": 9000,
        "qualifyingPoints": 1200
    })
}

fn plain(id: &str, points: i64) -> Value {
    json!({
        "memberId": id,
        "enrolledAt": "2024-01-01T00:00:00Z",
        "lots": [{"points": points, "expiresAt": at(Duration::days(200))}]
    })
}

async fn admin_get(env: &TestEnv, path: &str) -> TestResponse {
    env.call(
        Function::MemberApi,
        Call::new("GET", path).bearer(&env.admin_token()),
    )
    .await
}

#[tokio::test]
async fn imported_members_hold_their_lots_pending_points_tier_and_ledger() {
    let env = TestEnv::new().await;
    let reply = import_ok(&env, json!([ada(), plain("bo", 75)])).await;
    assert_eq!(reply, json!({"imported": 2, "skipped": 0, "errors": []}));

    let me = env.me("ada").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me = me.body;
    assert_eq!(me["displayName"], "Ada L.");
    assert_eq!(me["enrolledAt"], "2021-03-04T10:00:00.000Z");
    assert_eq!(me["balance"], 500);
    assert_eq!(me["pendingPoints"], 40);
    assert_eq!(
        me["pending"],
        json!([{"points": 40, "availableAt": at(Duration::days(10))}])
    );
    assert_eq!(me["lifetimePoints"], 9000);
    assert_eq!(me["tier"]["name"], "Silver");
    assert_eq!(me["tier"]["qualifyingPoints"], 1200);
    assert_eq!(me["tier"]["since"], at(Duration::ZERO));
    assert_eq!(me["tier"]["reviewAt"], at(Duration::days(365)));
    assert!(me["referralCode"].as_str().is_some_and(|c| c.len() >= 8));
    // The mid-month lot lasts to the end of its month; the other is exact.
    assert_eq!(
        me["expiringPoints"],
        json!([
            {"points": 200, "expiresAt": "2027-02-01T00:00:00.000Z"},
            {"points": 300, "expiresAt": "2027-06-01T00:00:00.000Z"}
        ])
    );

    // The ledger: one `import` entry per lot and per pending group, keeping their times.
    let ledger = env.all_activity("ada", 10).await;
    let kept: Vec<Value> = ledger
        .iter()
        .rev()
        .map(|e| {
            json!([
                e["type"],
                e["points"],
                e["balanceAfter"],
                e["expiresAt"],
                e["availableAt"]
            ])
        })
        .collect();
    assert_eq!(
        kept,
        vec![
            json!(["import", 300, 300, "2027-06-01T00:00:00.000Z", null]),
            json!(["import", 200, 500, "2027-01-15T00:00:00.000Z", null]),
            json!(["import", 40, 540, null, at(Duration::days(10))]),
        ]
    );

    // Stored under `lotExpiresAt`: `expiresAt` is the table's TTL attribute, which must
    // never delete a ledger entry.
    let stored = env.table_snapshot().await;
    let lot_entry = &stored[&("MEMBER#ada".to_string(), format!("LEDGER#{:020}", 1))];
    assert_eq!(lot_entry["lotExpiresAt"], "2027-06-01T00:00:00.000Z");
    assert!(lot_entry.get("expiresAt").is_none(), "{lot_entry}");

    // Pending points become spendable at their time, with no job.
    env.clock.set(START + Duration::days(10));
    let later = env.me("ada").await.body;
    assert_eq!(
        (later["balance"].clone(), later["pendingPoints"].clone()),
        (json!(540), json!(0))
    );
    let spend = env
        .call(
            Function::EarnPoints,
            Call::new("POST", "/v1/members/ada/adjustments")
                .bearer(&env.admin_token())
                .header("idempotency-key", "spend-all")
                .json(&json!({"points": -540, "reason": "spends the imported points"})),
        )
        .await;
    assert_eq!(spend.status, StatusCode::CREATED, "{}", spend.body);

    // The figures count the import: issued, liability and members.
    let day = &at(Duration::ZERO)[..10];
    let metrics = env
        .call(
            Function::EarnPoints,
            Call::new("GET", format!("/v1/metrics?from={day}&to={day}")).bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.body);
    let today = &metrics.body["days"][0];
    assert_eq!(today["issued"]["import"], 615, "{}", metrics.body);
    assert_eq!(today["newMembers"], 2);
    assert_eq!(today["liability"], 615);
    assert_eq!(metrics.body["current"]["members"], 2);
    assert_eq!(metrics.body["current"]["liability"], 75);
}

#[tokio::test]
async fn a_rerun_skips_every_member_and_changes_nothing() {
    let env = TestEnv::new().await;
    let batch = json!([ada(), plain("bo", 75), plain("cy", 1)]);
    let first = import_ok(&env, batch.clone()).await;
    assert_eq!(first["imported"], 3);
    let before = env.table_snapshot().await;
    let again = import_ok(&env, batch).await;
    assert_eq!(again, json!({"imported": 0, "skipped": 3, "errors": []}));
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn a_member_is_imported_whole_or_not_at_all() {
    let env = TestEnv::new().await;
    // Present already (enrolled through the app): skipped, its lots not added.
    env.enrol("taken").await;
    // Too many lots for one transaction: refused before anything is written.
    let lots: Vec<Value> = (0..91)
        .map(|_| json!({"points": 1, "expiresAt": at(Duration::days(100))}))
        .collect();
    let big = json!({"memberId": "big", "enrolledAt": "2024-01-01T00:00:00Z", "lots": lots});
    let before = env.table_snapshot().await;
    let reply = import_ok(&env, json!([plain("taken", 500), big])).await;
    assert_eq!(reply["imported"], 0);
    assert_eq!(reply["skipped"], 1);
    assert_eq!(reply["errors"][0]["memberId"], "big");
    assert_eq!(reply["errors"][0]["code"], "invalid_request");
    assert!(
        reply["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 90")),
        "{reply}"
    );
    assert_eq!(env.table_snapshot().await, before);

    // A transaction that fails on an item other than the member (a stray ledger entry under
    // a member that does not exist yet) leaves no member, no code, no entry, no figures.
    env.client
        .put_item()
        .table_name(&env.table)
        .item(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S("MEMBER#ghost".into()),
        )
        .item(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("LEDGER#{:020}", 2)),
        )
        .send()
        .await
        .expect("stray item written");
    let before = env.table_snapshot().await;
    let failed = import(
        &env,
        &json!({"members": [{
            "memberId": "ghost",
            "enrolledAt": "2024-01-01T00:00:00Z",
            "lots": [
                {"points": 5, "expiresAt": at(Duration::days(100))},
                {"points": 6, "expiresAt": at(Duration::days(100))}
            ]
        }]}),
    )
    .await;
    assert!(failed.status.is_server_error(), "{}", failed.body);
    assert!(!failed.body.to_string().contains("ConditionalCheck"));
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn a_bad_member_is_reported_and_the_others_are_imported() {
    let env = TestEnv::new().await;
    let mut zero = plain("zero", 0);
    zero["memberId"] = json!("zero");
    let mut negative_pending = plain("neg-pending", 5);
    negative_pending["pendingPoints"] =
        json!([{"points": -3, "availableAt": at(Duration::days(3))}]);
    let mut expired = plain("expired", 5);
    expired["lots"] = json!([{"points": 5, "expiresAt": at(-Duration::seconds(1))}]);
    let mut unknown_tier = plain("unknown-tier", 5);
    unknown_tier["tier"] = json!("Platinum");
    let mut bad_time = plain("bad-time", 5);
    bad_time["enrolledAt"] = json!("yesterday");
    let mut future = plain("future", 5);
    future["enrolledAt"] = json!(at(Duration::days(1)));
    let mut negative_count = plain("neg-count", 5);
    negative_count["lifetimePoints"] = json!(-1);
    let batch = json!([
        plain("ok-1", 10),
        zero,
        plain("bad id!", 10),
        negative_pending,
        expired,
        unknown_tier,
        bad_time,
        future,
        negative_count,
        plain("ok-2", 20),
    ]);
    let reply = import_ok(&env, batch).await;
    assert_eq!(reply["imported"], 2, "{reply}");
    assert_eq!(reply["skipped"], 0);
    let errors = reply["errors"].as_array().expect("errors");
    let refused: Vec<&str> = errors
        .iter()
        .map(|e| e["memberId"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        refused,
        vec![
            "zero",
            "bad id!",
            "neg-pending",
            "expired",
            "unknown-tier",
            "bad-time",
            "future",
            "neg-count"
        ]
    );
    for error in errors {
        assert_eq!(error["code"], "invalid_request");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(
        errors[4]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Platinum")
    );
    assert!(
        errors[3]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("lots[0].expiresAt")
    );
    for ok in ["ok-1", "ok-2"] {
        assert_eq!(
            admin_get(&env, &format!("/v1/members/{ok}")).await.status,
            StatusCode::OK
        );
    }
    for refused in [
        "zero",
        "neg-pending",
        "expired",
        "unknown-tier",
        "bad-time",
        "future",
    ] {
        let response = admin_get(&env, &format!("/v1/members/{refused}")).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{refused}");
    }
}

#[tokio::test]
async fn a_malformed_batch_is_refused_whole_and_changes_nothing() {
    let env = TestEnv::new().await;
    let too_many: Vec<Value> = (0..101).map(|i| plain(&format!("m-{i}"), 1)).collect();
    let mut wrong_type = plain("typed", 1);
    wrong_type["lots"][0]["points"] = json!("ten");
    let mut unknown_field = plain("extra", 1);
    unknown_field["balance"] = json!(5);
    let mut no_lots = plain("no-lots", 1);
    if let Some(fields) = no_lots.as_object_mut() {
        fields.remove("lots");
    }
    let before = env.table_snapshot().await;
    for body in [
        "{".to_string(),
        "[]".to_string(),
        json!({}).to_string(),
        json!({"members": "all"}).to_string(),
        json!({"members": too_many}).to_string(),
        json!({"members": [plain("dup", 1), plain("other", 1), plain("dup", 2)]}).to_string(),
        json!({"members": [plain("fine", 1), wrong_type]}).to_string(),
        json!({"members": [plain("fine", 1), unknown_field]}).to_string(),
        json!({"members": [plain("fine", 1), no_lots]}).to_string(),
    ] {
        let response = env
            .call(
                Function::MemberApi,
                Call::new("POST", "/v1/imports/members")
                    .bearer(&env.admin_token())
                    .raw_body(body.clone()),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            response.body
        );
        assert_eq!(response.error_code(), "invalid_request");
    }
    let bad_key = env
        .call(
            Function::MemberApi,
            Call::new("POST", "/v1/imports/members")
                .bearer(&env.admin_token())
                .header("idempotency-key", "no spaces")
                .json(&json!({"members": [plain("fine", 1)]})),
        )
        .await;
    assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    // Only operators import.
    for token in [env.till_token(), env.member_token("fine")] {
        let response = env
            .call(
                Function::MemberApi,
                Call::new("POST", "/v1/imports/members")
                    .bearer(&token)
                    .json(&json!({"members": [plain("fine", 1)]})),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
    }
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn a_full_batch_of_100_is_imported_and_the_key_header_is_accepted() {
    let env = TestEnv::new().await;
    let members: Vec<Value> = (0..100)
        .map(|i| plain(&format!("full-{i}"), i + 1))
        .collect();
    let response = env
        .call(
            Function::MemberApi,
            Call::new("POST", "/v1/imports/members")
                .bearer(&env.admin_token())
                .header("idempotency-key", "batch-1")
                .json(&json!({ "members": members })),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["imported"], 100);
    let total: i64 = (1..=100).sum();
    let mut held = 0;
    for ((pk, sk), item) in env.table_snapshot().await {
        if pk.starts_with("MEMBER#full-") && sk == "PROFILE" {
            held += item["balance"].as_i64().expect("a balance");
        }
    }
    assert_eq!(held, total);
}
