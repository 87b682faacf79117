//! Partner webhooks against DynamoDB Local: a table of signature test vectors, each a
//! test, then offers, purchases and statements.

use lambda_http::http::StatusCode;
use loyalty::webhook::secret::SigningKey;
use loyalty::webhook::signature::sign;
use loyalty_tests::{Call, Function, START, TestEnv, TestResponse};
use serde_json::{Value, json};

pub(crate) const OFFER: &str = r#"{"type": "offer.upserted", "data": {"offerId": "double-nov", "title": "Double points in November",
    "bonus": {"multiplier": 2}, "minSpend": {"amount": 1000, "currency": "EUR"},
    "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z"}}"#;

/// A partner created by an operator, with the secret it was shown once.
pub(crate) async fn partner(env: &TestEnv, id: &str) -> String {
    let call = Call::new("PUT", format!("/v1/partners/{id}"))
        .bearer(&env.admin_token())
        .json(&json!({"name": "Bike Shop"}));
    let created = env.call(Function::PartnerOffers, call).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    secret
}

pub(crate) fn signed_call(
    partner: &str,
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
) -> Call {
    let key = SigningKey::from_secret(secret).unwrap();
    Call::new("POST", format!("/v1/partners/{partner}/webhooks"))
        .header("webhook-id", id)
        .header("webhook-timestamp", &timestamp.to_string())
        .header(
            "webhook-signature",
            &sign(&key, id, timestamp, body.as_bytes()),
        )
        .raw_body(body)
}

pub(crate) async fn deliver(env: &TestEnv, call: Call) -> TestResponse {
    env.call(Function::PartnerOffers, call).await
}

pub(crate) fn now() -> i64 {
    START.unix_timestamp()
}

/// Sends `call` and checks it is refused with `status` and `code` and changes nothing.
async fn refused(env: &TestEnv, call: Call, status: StatusCode, code: &str) {
    let before = env.table_snapshot().await;
    let response = deliver(env, call).await;
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.error_code(), code);
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn vector_valid_signature_is_processed() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let response = deliver(&env, signed_call("bikes", &secret, "msg_1", now(), OFFER)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["status"], "processed");
}

#[tokio::test]
async fn vector_body_changed_by_one_byte_is_401() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let mut call = signed_call("bikes", &secret, "msg_1", now(), OFFER);
    call.body = Some(OFFER.replacen("Double", "Dauble", 1));
    refused(&env, call, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn vector_wrong_secret_is_401() {
    let env = TestEnv::new().await;
    partner(&env, "bikes").await;
    let stranger = SigningKey::generate().to_secret();
    refused(
        &env,
        signed_call("bikes", &stranger, "msg_1", now(), OFFER),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn vector_signature_of_another_partner_is_401() {
    let env = TestEnv::new().await;
    partner(&env, "bikes").await;
    let other = partner(&env, "books").await;
    refused(
        &env,
        signed_call("bikes", &other, "msg_1", now(), OFFER),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn vector_missing_or_malformed_headers_are_401() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let good = signed_call("bikes", &secret, "msg_1", now(), OFFER);
    for (header, value) in [
        ("webhook-id", None),
        ("webhook-timestamp", None),
        ("webhook-signature", None),
        ("webhook-timestamp", Some("yesterday")),
        ("webhook-signature", Some("v1,not-base64!")),
        ("webhook-signature", Some("v2,AAAA")),
        ("webhook-signature", Some("")),
    ] {
        let mut call = good.clone();
        call.headers.retain(|(name, _)| name != header);
        if let Some(value) = value {
            call = call.header(header, value);
        }
        refused(&env, call, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

#[tokio::test]
async fn vector_timestamp_six_minutes_old_is_401() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    refused(
        &env,
        signed_call("bikes", &secret, "msg_1", now() - 360, OFFER),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn vector_timestamp_six_minutes_ahead_is_401() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    refused(
        &env,
        signed_call("bikes", &secret, "msg_1", now() + 360, OFFER),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn vector_replayed_webhook_id_is_200_and_changes_nothing() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let first = deliver(&env, signed_call("bikes", &secret, "msg_1", now(), OFFER)).await;
    assert_eq!(first.status, StatusCode::OK);
    let before = env.table_snapshot().await;
    // A redelivery a minute later, freshly signed, as Standard Webhooks senders do.
    env.clock.advance(time::Duration::minutes(1));
    let again = deliver(
        &env,
        signed_call("bikes", &secret, "msg_1", now() + 60, OFFER),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.replayed());
    assert_eq!(again.body, first.body);
    // Even a different body under the same webhook-id is the same event, already processed.
    let other = OFFER.replace("Double points in November", "Something else");
    let changed = deliver(
        &env,
        signed_call("bikes", &secret, "msg_1", now() + 60, &other),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.replayed());
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn vector_old_and_new_secrets_both_verify_during_rotation_and_the_old_not_after_retirement() {
    let env = TestEnv::new().await;
    let old = partner(&env, "bikes").await;
    let admin = env.admin_token();
    let added = deliver(
        &env,
        Call::new("POST", "/v1/partners/bikes/secrets").bearer(&admin),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let new = added.body["secret"].as_str().unwrap().to_string();
    assert_eq!(
        deliver(&env, signed_call("bikes", &old, "msg_old", now(), OFFER))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        deliver(&env, signed_call("bikes", &new, "msg_new", now(), OFFER))
            .await
            .status,
        StatusCode::OK
    );
    // A third secret at once is refused.
    let third = deliver(
        &env,
        Call::new("POST", "/v1/partners/bikes/secrets").bearer(&admin),
    )
    .await;
    assert_eq!(third.status, StatusCode::CONFLICT);

    let view = deliver(&env, Call::new("GET", "/v1/partners/bikes").bearer(&admin)).await;
    let old_id = view.body["secrets"][0]["secretId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !view.body.to_string().contains("whsec_"),
        "secrets are never shown again"
    );
    let retired = deliver(
        &env,
        Call::new("DELETE", format!("/v1/partners/bikes/secrets/{old_id}")).bearer(&admin),
    )
    .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
    refused(
        &env,
        signed_call("bikes", &old, "msg_old2", now(), OFFER),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        deliver(&env, signed_call("bikes", &new, "msg_new2", now(), OFFER))
            .await
            .status,
        StatusCode::OK
    );
    // The last secret cannot be retired.
    let new_id = added.body["secretId"].as_str().unwrap();
    let last = deliver(
        &env,
        Call::new("DELETE", format!("/v1/partners/bikes/secrets/{new_id}")).bearer(&admin),
    )
    .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn vector_suspended_partner_is_403() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let suspend = Call::new("PUT", "/v1/partners/bikes")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Bike Shop", "status": "suspended"}));
    assert_eq!(deliver(&env, suspend).await.status, StatusCode::OK);
    refused(
        &env,
        signed_call("bikes", &secret, "msg_1", now(), OFFER),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn vector_unknown_event_type_is_400() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let body = r#"{"type": "offer.exploded", "data": {}}"#;
    refused(
        &env,
        signed_call("bikes", &secret, "msg_1", now(), body),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn vector_oversized_body_is_413() {
    let env = TestEnv::new().await;
    let secret = partner(&env, "bikes").await;
    let body = format!(
        r#"{{"type": "offer.withdrawn", "data": {{"offerId": "x"}}, "pad": "{}"}}"#,
        "x".repeat(70_000)
    );
    refused(
        &env,
        signed_call("bikes", &secret, "msg_1", now(), &body),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
}

#[tokio::test]
async fn vector_unknown_partner_is_401() {
    let env = TestEnv::new().await;
    let secret = SigningKey::generate().to_secret();
    refused(
        &env,
        signed_call("nobody", &secret, "msg_1", now(), OFFER),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

fn purchase(
    member: &str,
    transaction: &str,
    minor: i64,
    occurred_at: &str,
    offer: Option<&str>,
) -> String {
    let mut data = json!({"memberId": member, "partnerTransactionId": transaction,
        "amount": {"amount": minor, "currency": "EUR"}, "occurredAt": occurred_at});
    if let Some(offer) = offer {
        data["offerId"] = json!(offer);
    }
    json!({"type": "purchase.completed", "data": data}).to_string()
}

async fn partner_with_offer(env: &TestEnv) -> String {
    let secret = partner(env, "bikes").await;
    let offer = deliver(
        env,
        signed_call("bikes", &secret, "msg_offer", now(), OFFER),
    )
    .await;
    assert_eq!(offer.status, StatusCode::OK);
    secret
}

#[tokio::test]
async fn twenty_concurrent_deliveries_of_one_purchase_credit_once() {
    let env = TestEnv::new().await;
    env.enrol("rider").await;
    let secret = partner_with_offer(&env).await;
    // 50.00 EUR: programme base 50, offer x2 = 100 bonus points.
    let body = purchase("rider", "bk-1", 5000, "2026-11-20T10:00:00Z", None);
    let call = signed_call("bikes", &secret, "msg_purchase", now(), &body);
    let responses = futures::future::join_all((0..20).map(|_| deliver(&env, call.clone()))).await;
    for response in &responses {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        assert_eq!(response.body["points"], 100, "{}", response.body);
    }
    assert_eq!(responses.iter().filter(|r| !r.replayed()).count(), 1);
    assert_eq!(env.me("rider").await.body["balance"], 100);
    let activity = env.all_activity("rider", 100).await;
    assert_eq!(activity.len(), 1);
    assert_eq!(activity[0]["type"], "partner_bonus");
    assert_eq!(
        activity[0]["breakdown"],
        json!([{"rule": "offer:double-nov", "points": 100}])
    );

    // The same partner transaction under a new webhook-id is acknowledged, not credited.
    let again = deliver(
        &env,
        signed_call("bikes", &secret, "msg_purchase_2", now(), &body),
    )
    .await;
    assert_eq!(again.body["status"], "duplicate");
    assert_eq!(env.ledger_sum("rider").await, 100);
}

#[tokio::test]
async fn a_purchase_outside_the_offers_window_or_below_its_minimum_earns_no_bonus() {
    let env = TestEnv::new().await;
    env.enrol("late").await;
    let secret = partner_with_offer(&env).await;
    let before = env.table_snapshot().await;
    for (id, body) in [
        (
            "m1",
            purchase("late", "t-oct", 5000, "2026-10-31T23:59:59Z", None),
        ),
        (
            "m2",
            purchase("late", "t-small", 999, "2026-11-20T10:00:00Z", None),
        ),
    ] {
        let response = deliver(&env, signed_call("bikes", &secret, id, now(), &body)).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.body["status"], "no_offer_applied");
        assert_eq!(response.body["points"], 0);
    }
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn unknown_member_unknown_offer_and_another_partners_offer_are_4xx_and_change_nothing() {
    let env = TestEnv::new().await;
    env.enrol("kai").await;
    let secret = partner_with_offer(&env).await;
    let books = partner(&env, "books").await;
    let books_offer = OFFER.replace("double-nov", "books-offer");
    assert_eq!(
        deliver(
            &env,
            signed_call("books", &books, "msg_b", now(), &books_offer)
        )
        .await
        .status,
        StatusCode::OK
    );

    let at = "2026-11-20T10:00:00Z";
    for (id, body, status) in [
        (
            "u1",
            purchase("ghost", "t1", 5000, at, None),
            StatusCode::NOT_FOUND,
        ),
        (
            "u2",
            purchase("kai", "t2", 5000, at, Some("no-such-offer")),
            StatusCode::NOT_FOUND,
        ),
        (
            "u3",
            purchase("kai", "t3", 5000, at, Some("books-offer")),
            StatusCode::NOT_FOUND,
        ),
        (
            "u4",
            purchase("kai", "t4", -5, at, None),
            StatusCode::BAD_REQUEST,
        ),
        (
            "u5",
            purchase("kai", "has space", 5000, at, None),
            StatusCode::BAD_REQUEST,
        ),
        (
            "u6",
            r#"{"type": "purchase.completed", "data": {"memberId": "kai"}}"#.to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "u7",
            r#"{"type": "offer.withdrawn", "data": {"offerId": "never-published"}}"#.to_string(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let before = env.table_snapshot().await;
        let response = deliver(&env, signed_call("bikes", &secret, id, now(), &body)).await;
        assert_eq!(response.status, status, "{id}: {}", response.body);
        assert_eq!(env.table_snapshot().await, before, "{id} changed the table");
    }
}

#[tokio::test]
async fn withdrawn_offers_stop_applying_and_per_member_caps_hold() {
    let env = TestEnv::new().await;
    env.enrol("cap").await;
    let secret = partner(&env, "bikes").await;
    let capped = r#"{"type": "offer.upserted", "data": {"offerId": "ten", "title": "10 points a visit",
        "bonus": {"fixedPoints": 10}, "validFrom": "2026-11-01T00:00:00Z", "validTo": "2027-01-01T00:00:00Z", "perMemberCap": 25}}"#;
    assert_eq!(
        deliver(&env, signed_call("bikes", &secret, "o1", now(), capped))
            .await
            .status,
        StatusCode::OK
    );
    let mut points = Vec::new();
    for i in 0..4 {
        let body = purchase("cap", &format!("v{i}"), 100, "2026-11-20T10:00:00Z", None);
        points.push(
            deliver(
                &env,
                signed_call("bikes", &secret, &format!("p{i}"), now(), &body),
            )
            .await
            .body["points"]
                .clone(),
        );
    }
    assert_eq!(points, vec![json!(10), json!(10), json!(5), json!(0)]);
    let withdraw = r#"{"type": "offer.withdrawn", "data": {"offerId": "ten"}}"#;
    assert_eq!(
        deliver(&env, signed_call("bikes", &secret, "w1", now(), withdraw))
            .await
            .status,
        StatusCode::OK
    );
    let view = deliver(
        &env,
        Call::new("GET", "/v1/partners/bikes").bearer(&env.admin_token()),
    )
    .await;
    assert_eq!(view.body["offers"], json!([]));
    assert_eq!(env.me("cap").await.body["balance"], 25);
}

#[tokio::test]
async fn the_statement_sums_to_the_ledgers_partner_bonus_entries() {
    let env = TestEnv::new().await;
    let secret = partner_with_offer(&env).await;
    let members = ["s1", "s2", "s3"];
    for member in members {
        env.enrol(member).await;
    }
    for (i, member) in members.iter().cycle().take(7).enumerate() {
        let body = purchase(
            member,
            &format!("st-{i}"),
            1000 + 500 * i as i64,
            "2026-11-20T10:00:00Z",
            None,
        );
        let response = deliver(
            &env,
            signed_call("bikes", &secret, &format!("s-{i}"), now(), &body),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        env.clock.advance(time::Duration::seconds(1));
    }
    let mut ledger_total = 0;
    for member in members {
        let activity = env.all_activity(member, 100).await;
        ledger_total += activity
            .iter()
            .filter(|e| e["type"] == "partner_bonus")
            .map(|e| e["points"].as_i64().unwrap())
            .sum::<i64>();
    }
    let statement = deliver(
        &env,
        Call::new(
            "GET",
            "/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
        )
        .bearer(&env.admin_token()),
    )
    .await;
    assert_eq!(statement.status, StatusCode::OK, "{}", statement.body);
    assert_eq!(statement.body["pointsIssued"], ledger_total);
    assert_eq!(statement.body["purchases"], 7);
    assert_eq!(statement.body["complete"], true);
    assert_eq!(statement.body["nextCursor"], json!(null));
    // Cut short (pages of 2 lines, a deadline already passed), each call adds up what it
    // read and hands on a cursor; together they add up to the whole.
    let (from, to) = (
        time::macros::datetime!(2026-11-01 0:00 UTC),
        time::macros::datetime!(2026-12-01 0:00 UTC),
    );
    let bikes = loyalty::domain::identifier::PartnerId::try_from("bikes").unwrap();
    let first = env
        .context
        .store
        .partner_statement(&bikes, from, to, None, std::time::Instant::now(), Some(2))
        .await
        .unwrap();
    assert_eq!(first.statement.purchases, 2);
    let mut cursor = first.next.clone().expect("cut short");
    let (mut points, mut purchases) = (first.statement.points.value(), 2);
    for _ in 0..10 {
        let encoded =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &cursor);
        let next = deliver(
            &env,
            Call::new(
                "GET",
                format!("/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&cursor={encoded}"),
            )
            .bearer(&env.admin_token()),
        )
        .await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);
        points += next.body["pointsIssued"].as_i64().unwrap();
        purchases += next.body["purchases"].as_i64().unwrap();
        if next.body["complete"] == true {
            break;
        }
        let more = next.body["nextCursor"].as_str().unwrap();
        cursor = String::from_utf8(
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, more)
                .unwrap(),
        )
        .unwrap();
    }
    assert_eq!((points, purchases), (ledger_total, 7));
    assert_eq!(
        statement.body["byOffer"],
        json!([{"offerId": "double-nov", "points": ledger_total}])
    );
    // A period that ends before the first purchase is empty.
    let empty = deliver(
        &env,
        Call::new(
            "GET",
            "/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-11-23T12:00:00Z",
        )
        .bearer(&env.admin_token()),
    )
    .await;
    assert_eq!(empty.body["pointsIssued"], 0);
    let bad = deliver(
        &env,
        Call::new("GET", "/v1/partners/bikes/statement?from=x&to=y").bearer(&env.admin_token()),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let member = deliver(
        &env,
        Call::new(
            "GET",
            "/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
        )
        .bearer(&env.member_token("s1")),
    )
    .await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
    let _: Value = statement.body;
}
