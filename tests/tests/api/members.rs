//! Enrolment, the member's view of its account, and paging through its history.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::json;

#[tokio::test]
async fn enrolling_twice_answers_200_with_the_same_member() {
    let env = TestEnv::new().await;
    let token = env.member_token("eva");
    let first = env
        .call(
            Function::MemberApi,
            Call::new("POST", "/v1/members")
                .bearer(&token)
                .json(&json!({"displayName": "Eva"})),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["displayName"], "Eva");
    assert_eq!(first.body["tier"]["name"], "Member");
    let second = env
        .call(
            Function::MemberApi,
            Call::new("POST", "/v1/members")
                .bearer(&token)
                .json(&json!({"displayName": "Other"})),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body, first.body);
}

#[tokio::test]
async fn bad_enrolments_are_400_and_change_nothing() {
    let env = TestEnv::new().await;
    let token = env.member_token("fay");
    let before = env.table_snapshot().await;
    for body in [
        r#"{"displayName": ""}"#,
        r#"{"displayName": 5}"#,
        r#"{"displayName": "a\u0000b"}"#,
        r#"{"referralCode": "no spaces allowed"}"#,
        r#"{"unexpected": true}"#,
        "{",
    ] {
        let response = env
            .call(
                Function::MemberApi,
                Call::new("POST", "/v1/members")
                    .bearer(&token)
                    .raw_body(body),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            response.body
        );
    }
    // A subject that cannot be a member id (Cognito subs always can).
    let odd = env
        .call(
            Function::MemberApi,
            Call::new("POST", "/v1/members").bearer(&env.member_token("a b")),
        )
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn me_shows_balance_tier_progress_and_expiring_points() {
    let env = TestEnv::new().await;
    let missing = env.me("gus").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    env.enrol("gus").await;
    env.earn("gus", purchase("g-1", 20_000, None)).await; // 200 points
    let me = env.me("gus").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["memberId"], "gus");
    assert_eq!(me.body["balance"], 200);
    assert_eq!(me.body["tier"]["name"], "Member");
    assert_eq!(me.body["tier"]["qualifyingPoints"], 200);
    assert_eq!(me.body["tier"]["windowDays"], 365);
    assert_eq!(
        me.body["tier"]["next"],
        json!({"name": "Silver", "pointsNeeded": 800})
    );
    // Earned in November 2026, expiring at the end of November 2027 (12 months).
    assert_eq!(
        me.body["expiringPoints"],
        json!([{"points": 200, "expiresAt": "2027-12-01T00:00:00.000Z"}])
    );
}

#[tokio::test]
async fn activity_pages_cover_every_entry_once_even_while_new_entries_arrive() {
    let env = TestEnv::new().await;
    env.enrol("hal").await;
    for i in 0..23 {
        let response = env
            .earn("hal", purchase(&format!("h-{i}"), 100 + i, None))
            .await;
        assert_eq!(response.status, StatusCode::CREATED);
    }
    let token = env.member_token("hal");
    let page = |path: String| env.call(Function::MemberApi, Call::new("GET", path).bearer(&token));

    let first = page("/v1/members/me/activity?limit=5".into()).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 5);
    // New entries while paging appear on a fresh first page, not in the pages after.
    for i in 23..26 {
        env.earn("hal", purchase(&format!("h-{i}"), 100, None))
            .await;
    }
    let mut seen: Vec<String> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reference"].as_str().unwrap().to_string())
        .collect();
    let mut cursor = first.body["nextCursor"].as_str().map(str::to_string);
    while let Some(c) = cursor {
        let next = page(format!("/v1/members/me/activity?limit=5&cursor={c}")).await;
        assert_eq!(next.status, StatusCode::OK);
        seen.extend(
            next.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["reference"].as_str().unwrap().to_string()),
        );
        cursor = next.body["nextCursor"].as_str().map(str::to_string);
    }
    let expected: Vec<String> = (0..23).rev().map(|i| format!("h-{i}")).collect();
    assert_eq!(seen, expected, "no gaps, no repeats, newest first");

    let all = env.all_activity("hal", 100).await;
    assert_eq!(all.len(), 26);
    assert_eq!(all.last().unwrap()["reference"], "h-0");
    // An exact multiple of the page size ends with a null cursor, not an empty page.
    let exact = page("/v1/members/me/activity?limit=26".into()).await;
    assert_eq!(exact.body["nextCursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn bad_activity_queries_are_400() {
    let env = TestEnv::new().await;
    env.enrol("ida").await;
    let token = env.member_token("ida");
    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "cursor=garbage",
        "cursor=djE6MA",
    ] {
        let response = env
            .call(
                Function::MemberApi,
                Call::new("GET", format!("/v1/members/me/activity?{query}")).bearer(&token),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            response.body
        );
    }
    let empty = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me/activity").bearer(&token),
        )
        .await;
    assert_eq!(empty.body, json!({"items": [], "nextCursor": null}));
    let stranger = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me/activity").bearer(&env.member_token("nobody")),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_path_no_route_matches_gets_the_apis_own_404() {
    let env = TestEnv::new().await;
    // As the $default route delivers them: any method, any path, no token checked.
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/v2/members/me"),
        ("PUT", "/v1/members/me"),
        ("POST", "/v1/no/such/thing"),
    ] {
        let response = env
            .call(
                loyalty_tests::Function::MemberApi,
                loyalty_tests::Call::new(method, path),
            )
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(response.error_code(), "not_found");
        assert!(
            response.body["error"]["requestId"].is_string(),
            "{}",
            response.body
        );
    }
}
