//! Every bad input gets a clear 4xx JSON error and leaves the table exactly as it was.

use lambda_http::http::StatusCode;
use loyalty::webhook::secret::SigningKey;
use loyalty::webhook::signature::sign;
use loyalty_tests::{Call, Function, START, TestEnv, purchase};
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
            .header("idempotency-key", "adj-1")
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

/// Found by the contract run (scripts/schemathesis.sh): `cargo lambda watch` hands the
/// functions `lambda-runtime-deadline-ms: 600000`, its timeout, where Lambda sends a point in
/// time (milliseconds since the epoch). Read as a time, that deadline passed in 1970, and every
/// request on the local stack ended in 503 `unavailable` before it started.
#[tokio::test]
async fn an_emulators_relative_deadline_does_not_cut_requests_short() {
    use lambda_http::RequestExt;

    let env = TestEnv::new().await;
    env.enrol("dee").await;
    let me = |deadline_ms: u64| {
        let request = Call::new("GET", "/v1/members/me")
            .bearer(&env.member_token("dee"))
            .to_request();
        let mut context = request.lambda_context();
        context.deadline = deadline_ms;
        request.with_lambda_context(context)
    };
    let in_a_minute = u64::try_from(
        (std::time::SystemTime::now() + std::time::Duration::from_secs(60))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    for (what, deadline_ms) in [
        ("cargo lambda watch's 600000", 600_000),
        ("a Lambda deadline a minute away", in_a_minute),
    ] {
        let response = member_api::handle(&env.context, me(deadline_ms))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{what}");
    }
}

/// Sends `call` to `function` and checks it is a 400 `invalid_request` that changes nothing
/// and whose message names no Rust type.
async fn assert_400_without_change(env: &TestEnv, function: Function, name: &str, call: Call) {
    let before = env.table_snapshot().await;
    let response = env.call(function, call).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{name}: {}",
        response.body
    );
    assert_eq!(response.error_code(), "invalid_request", "{name}");
    let message = response.body["error"]["message"]
        .as_str()
        .unwrap_or_default();
    for internal in ["struct", "Document", "Request", "enum "] {
        assert!(
            !message.contains(internal),
            "{name}: the message names a Rust type: {message:?}"
        );
    }
    assert_eq!(
        env.table_snapshot().await,
        before,
        "{name} changed the table"
    );
}

/// Found by the contract run (scripts/schemathesis.sh): serde builds a struct from an array
/// of its fields, so `POST /v1/members` with the body `[null, null]` enrolled the caller, an
/// adjustment could be `[5, "reason"]` and a purchase's amount `[100, "EUR"]`. API.md: a body
/// or field of the wrong type is 400 `invalid_request`. (Its messages also named the Rust
/// types, "expected struct MoneyDocument", where no error may show an internal name.)
#[tokio::test]
async fn objects_written_as_arrays_are_400_and_change_nothing() {
    let env = TestEnv::new().await;
    env.enrol("arr").await;
    env.earn("arr", purchase("arr-1", 1000, None)).await;
    let member = env.member_token("new-arr");
    let till = env.till_token();
    let admin = env.admin_token();
    let post = |path: &str, token: &str, body: &str| {
        Call::new("POST", path.to_string())
            .bearer(token)
            .raw_body(body)
    };
    let put = |path: &str, token: &str, body: &str| {
        Call::new("PUT", path.to_string())
            .bearer(token)
            .raw_body(body)
    };
    let cases = [
        (
            Function::MemberApi,
            "enrol as [null, null]",
            post("/v1/members", &member, "[null, null]"),
        ),
        (
            Function::MemberApi,
            "enrol as [name]",
            post("/v1/members", &member, r#"["Arr"]"#),
        ),
        (
            Function::EarnPoints,
            "earn as an array",
            post(
                "/v1/members/arr/earn",
                &till,
                r#"["arr-2", {"amount": 100, "currency": "EUR"}]"#,
            ),
        ),
        (
            Function::EarnPoints,
            "earn with the amount as an array",
            post(
                "/v1/members/arr/earn",
                &till,
                r#"{"transactionId": "arr-2", "amount": [100, "EUR"]}"#,
            ),
        ),
        (
            Function::EarnPoints,
            "earn with the amount as a number",
            post(
                "/v1/members/arr/earn",
                &till,
                r#"{"transactionId": "arr-2", "amount": 100}"#,
            ),
        ),
        (
            Function::EarnPoints,
            "earn as a number",
            post("/v1/members/arr/earn", &till, "5"),
        ),
        (
            Function::EarnPoints,
            "reverse as an array",
            post(
                "/v1/members/arr/earn/arr-1/reverse",
                &till,
                r#"[[500, "EUR"]]"#,
            ),
        ),
        (
            Function::EarnPoints,
            "reverse with the amount as an array",
            post(
                "/v1/members/arr/earn/arr-1/reverse",
                &till,
                r#"{"amount": [500, "EUR"]}"#,
            ),
        ),
        (
            Function::EarnPoints,
            "adjustment as an array",
            post(
                "/v1/members/arr/adjustments",
                &admin,
                r#"[5, "array reason"]"#,
            ),
        ),
        (
            Function::EarnPoints,
            "tier floor as an array",
            put(
                "/v1/members/arr/tier-floor",
                &admin,
                r#"["Gold", "2027-06-30T00:00:00Z", "status match"]"#,
            ),
        ),
        (
            Function::EarnPoints,
            "programme as an array",
            put("/v1/program", &admin, "[{}]"),
        ),
        (
            Function::EarnPoints,
            "programme with earnRules as an array",
            put(
                "/v1/program",
                &admin,
                r#"{"earnRules": [[]], "tiers": [{"name": "Member", "qualifyingPoints": 0}]}"#,
            ),
        ),
        (
            Function::EarnPoints,
            "programme with earnRules as a number",
            put("/v1/program", &admin, r#"{"earnRules": 1}"#),
        ),
        (
            Function::RedeemReward,
            "reward as an array",
            put("/v1/rewards/arr-reward", &admin, r#"["Array reward", 10]"#),
        ),
        (
            Function::RedeemReward,
            "redemption as an array",
            post(
                "/v1/members/me/redemptions",
                &env.member_token("arr"),
                r#"["free-coffee"]"#,
            )
            .header("idempotency-key", "arr-redeem-1"),
        ),
        (
            Function::PartnerOffers,
            "partner as an array",
            put("/v1/partners/arr-partner", &admin, r#"["Array partner"]"#),
        ),
    ];
    for (function, name, call) in cases {
        assert_400_without_change(&env, function, name, call).await;
    }
}

/// The same for partners' events, whose `data` serde buffered before it knew the type.
#[tokio::test]
async fn webhook_data_written_as_arrays_is_400_and_changes_nothing() {
    let env = TestEnv::new().await;
    env.enrol("arr").await;
    let created = env
        .call(
            Function::PartnerOffers,
            Call::new("PUT", "/v1/partners/bikes")
                .bearer(&env.admin_token())
                .json(&json!({"name": "Bike Shop"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let key = SigningKey::from_secret(created.body["secret"].as_str().unwrap()).unwrap();
    let timestamp = START.unix_timestamp();
    let signed = |id: &str, body: &str| {
        Call::new("POST", "/v1/partners/bikes/webhooks")
            .header("webhook-id", id)
            .header("webhook-timestamp", &timestamp.to_string())
            .header(
                "webhook-signature",
                &sign(&key, id, timestamp, body.as_bytes()),
            )
            .raw_body(body)
    };
    let cases = [
        (
            "withdrawal data as an array",
            r#"{"type": "offer.withdrawn", "data": ["double-nov"]}"#,
        ),
        (
            "offer data as an array",
            r#"{"type": "offer.upserted", "data": ["double-nov", "Double", {"multiplier": 2}, null, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"]}"#,
        ),
        (
            "offer bonus as an array",
            r#"{"type": "offer.upserted", "data": {"offerId": "double-nov", "title": "Double", "bonus": [2], "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z"}}"#,
        ),
        (
            "purchase amount as an array",
            r#"{"type": "purchase.completed", "data": {"memberId": "arr", "partnerTransactionId": "bk-1", "amount": [5000, "EUR"], "occurredAt": "2026-11-23T10:00:00Z"}}"#,
        ),
        (
            "the event as an array",
            r#"["offer.withdrawn", {"offerId": "double-nov"}]"#,
        ),
        ("no data", r#"{"type": "offer.withdrawn"}"#),
        ("data null", r#"{"type": "offer.withdrawn", "data": null}"#),
        ("type not a string", r#"{"type": 5, "data": {}}"#),
    ];
    for (index, (name, body)) in cases.into_iter().enumerate() {
        let call = signed(&format!("msg_arr_{index}"), body);
        assert_400_without_change(&env, Function::PartnerOffers, name, call).await;
    }
}

#[tokio::test]
async fn a_body_of_only_whitespace_is_not_json_even_where_the_body_is_optional() {
    let env = TestEnv::new().await;
    env.enrol("wes").await;
    env.earn("wes", purchase("w-1", 1000, None)).await;
    let before = env.table_snapshot().await;
    // Enrolment and a full reversal take an optional body: 0 bytes is none, "\n" is not JSON.
    for (function, call) in [
        (
            Function::MemberApi,
            Call::new("POST", "/v1/members").bearer(&env.member_token("wes")),
        ),
        (
            Function::EarnPoints,
            Call::new("POST", "/v1/members/wes/earn/w-1/reverse").bearer(&env.till_token()),
        ),
        (
            Function::EarnPoints,
            Call::new("POST", "/v1/members/wes/earn").bearer(&env.till_token()),
        ),
    ] {
        for body in ["\n", " ", "\t\r\n "] {
            let response = env.call(function, call.clone().raw_body(body)).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{body:?}: {}",
                response.body
            );
            assert_eq!(response.error_code(), "invalid_request");
        }
    }
    assert_eq!(env.table_snapshot().await, before);
    // And no body at all is still no body.
    let again = Call::new("POST", "/v1/members").bearer(&env.member_token("wes"));
    assert_eq!(
        env.call(Function::MemberApi, again).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_time_in_a_response_has_exactly_three_fractional_digits() {
    let env = TestEnv::new().await;
    env.clock
        .set(time::macros::datetime!(2026-11-23 12:00:00.5 UTC));
    env.enrol("tia").await;
    env.earn("tia", purchase("t-1", 1000, None)).await;
    let reward = Call::new("PUT", "/v1/rewards/mug")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Mug", "cost": 5, "validTo": "2027-03-01T00:00:00Z"}));
    env.call(Function::RedeemReward, reward).await;
    let redeem = Call::new("POST", "/v1/members/me/redemptions")
        .bearer(&env.member_token("tia"))
        .header("idempotency-key", "r-1")
        .json(&json!({"rewardId": "mug"}));
    env.call(Function::RedeemReward, redeem).await;
    let answers = [
        env.me("tia").await.body,
        env.call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me/activity").bearer(&env.member_token("tia")),
        )
        .await
        .body,
        env.call(
            Function::RedeemReward,
            Call::new("GET", "/v1/members/me/redemptions").bearer(&env.member_token("tia")),
        )
        .await
        .body,
        env.call(
            Function::RedeemReward,
            Call::new("GET", "/v1/rewards").bearer(&env.admin_token()),
        )
        .await
        .body,
        env.call(
            Function::EarnPoints,
            Call::new("GET", "/v1/program").bearer(&env.admin_token()),
        )
        .await
        .body,
    ];
    let exact = |text: &str| {
        text.len() == 24
            && text.ends_with('Z')
            && text.as_bytes()[19] == b'.'
            && text[20..23].bytes().all(|b| b.is_ascii_digit())
    };
    let mut times = Vec::new();
    fn collect<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::String(s)
                if s.len() >= 20 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T' =>
            {
                out.push(s)
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    for answer in &answers {
        collect(answer, &mut times);
    }
    assert!(times.len() >= 8, "{times:?}");
    let wrong: Vec<&&str> = times.iter().filter(|t| !exact(t)).collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}
