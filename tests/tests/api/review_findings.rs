//! What a review of the code found (issue "Hold at programme scale", findings d to i), each
//! tried against the running functions: a voucher used twice, purchases of tills and
//! partners colliding, a partner minting points, retries that repeat, and partner probing.

use lambda_http::http::StatusCode;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, purchase};
use serde_json::json;

use crate::partners::{OFFER, deliver, now, partner, signed_call};
use crate::redeem::{member_with, put_reward, redeem};

async fn use_voucher(env: &TestEnv, code: &str, key: Option<&str>) -> TestResponse {
    let mut call = Call::new("POST", format!("/v1/vouchers/{code}/use")).bearer(&env.till_token());
    if let Some(key) = key {
        call = call.header("idempotency-key", key);
    }
    env.call(Function::RedeemReward, call).await
}

#[tokio::test]
async fn a_used_voucher_is_refused_to_every_till_and_replayed_only_with_its_key() {
    let env = TestEnv::new().await;
    put_reward(&env, "coffee", json!({"name": "Coffee", "cost": 100})).await;
    member_with(&env, "vic", 100).await;
    let redeemed = redeem(&env, "vic", "coffee", "r-1").await;
    let code = redeemed.body["code"].as_str().unwrap().to_string();
    let first = use_voucher(&env, &code, Some("use-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(!first.replayed());
    // The till's retry after a lost response: the same key, the first answer.
    let retry = use_voucher(&env, &code, Some("use-1")).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert!(retry.replayed());
    assert_eq!(retry.body, first.body);
    // Anything else is a second use: tills of one backend share a token, so "the same
    // till" cannot be told from another.
    let before = env.table_snapshot().await;
    for key in [None, Some("use-2")] {
        let again = use_voucher(&env, &code, key).await;
        assert_eq!(again.error_code(), "voucher_not_usable", "{}", again.body);
    }
    assert_eq!(env.table_snapshot().await, before);
}

fn partner_purchase(member: &str, transaction: &str, minor: i64, at: &str) -> String {
    json!({"type": "purchase.completed", "data": {"memberId": member,
        "partnerTransactionId": transaction, "amount": {"amount": minor, "currency": "EUR"},
        "occurredAt": at}})
    .to_string()
}

#[tokio::test]
async fn tills_and_partners_name_purchases_in_namespaces_of_their_own() {
    let env = TestEnv::new().await;
    env.enrol("nina").await;
    let secret = partner(&env, "bikes").await;
    let offer = deliver(
        &env,
        signed_call("bikes", &secret, "msg-offer", now(), OFFER),
    )
    .await;
    assert_eq!(offer.status, StatusCode::OK);
    // A till's purchase whose id is the partner's transaction id, and the one the old
    // scheme stored the partner's purchase under.
    for transaction in ["p-1", "bikes:p-1"] {
        let earned = env.earn("nina", purchase(transaction, 1000, None)).await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    }
    // The partner's purchase p-1 is still credited: the till's ids pre-empt nothing.
    let body = partner_purchase("nina", "p-1", 5000, "2026-11-20T10:00:00Z");
    let credited = deliver(&env, signed_call("bikes", &secret, "msg-p1", now(), &body)).await;
    assert_eq!(credited.body["status"], "processed", "{}", credited.body);
    let bonus = credited.body["points"].as_i64().unwrap();
    assert!(bonus > 0);
    // A till reversing "its" transactions reverses its own purchases, never the partner's.
    for transaction in ["p-1", "bikes:p-1"] {
        let reversed = env
            .call(
                Function::EarnPoints,
                Call::new(
                    "POST",
                    format!("/v1/members/nina/earn/{transaction}/reverse"),
                )
                .bearer(&env.till_token()),
            )
            .await;
        assert_eq!(reversed.status, StatusCode::CREATED, "{}", reversed.body);
        assert_eq!(reversed.body["points"], -10, "{}", reversed.body);
    }
    let statement = env
        .call(
            Function::PartnerOffers,
            Call::new(
                "GET",
                "/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
            )
            .bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(statement.body["pointsIssued"], bonus);
    assert_eq!(env.me("nina").await.body["balance"], bonus);
}

#[tokio::test]
async fn a_partner_cannot_mint_points_or_credit_purchases_earns_would_refuse() {
    let env = TestEnv::new().await;
    env.enrol("mia").await;
    let secret = partner(&env, "mint").await;
    let greedy = r#"{"type": "offer.upserted", "data": {"offerId": "all", "title": "Everything",
        "bonus": {"fixedPoints": 1000000000000}, "validFrom": "2026-11-01T00:00:00Z",
        "validTo": "2026-12-01T00:00:00Z"}}"#;
    let offer = deliver(
        &env,
        signed_call("mint", &secret, "msg-offer", now(), greedy),
    )
    .await;
    assert_eq!(offer.status, StatusCode::OK, "{}", offer.body);
    let before = env.table_snapshot().await;
    for (id, body) in [
        (
            "zero",
            partner_purchase("mia", "z-1", 0, "2026-11-20T10:00:00Z"),
        ),
        (
            "old",
            partner_purchase("mia", "o-1", 500, "2026-08-01T10:00:00Z"),
        ),
    ] {
        let refused = deliver(&env, signed_call("mint", &secret, id, now(), &body)).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{id}: {}",
            refused.body
        );
    }
    assert_eq!(env.table_snapshot().await, before);
    let limits = loyalty_tests::demo_program()["partnerLimits"].clone();
    let (per_purchase, per_day) = (
        limits["perPurchase"].as_i64().unwrap(),
        limits["perMemberPerDay"].as_i64().unwrap(),
    );
    let mut total = 0;
    for n in 0.. {
        let body = partner_purchase("mia", &format!("m-{n}"), 500, "2026-11-23T10:00:00Z");
        let answer = deliver(
            &env,
            signed_call("mint", &secret, &format!("m-{n}"), now(), &body),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        if answer.body["status"] == "limit_reached" {
            break;
        }
        let points = answer.body["points"].as_i64().unwrap();
        assert!(points <= per_purchase, "{}", answer.body);
        total += points;
        assert!(n < 100, "the daily limit never stopped the partner");
    }
    assert_eq!(total, per_day);
    assert_eq!(env.me("mia").await.body["balance"], per_day);
}

#[tokio::test]
async fn writes_a_lost_answer_could_repeat_need_their_idempotency_key() {
    let env = TestEnv::new().await;
    env.enrol("rex").await;
    env.earn("rex", purchase("r-1", 1000, None)).await;
    let before = env.table_snapshot().await;
    let adjust = Call::new("POST", "/v1/members/rex/adjustments")
        .bearer(&env.admin_token())
        .json(&json!({"points": 50, "reason": "goodwill"}));
    let partial = Call::new("POST", "/v1/members/rex/earn/r-1/reverse")
        .bearer(&env.till_token())
        .json(&json!({"amount": {"amount": 300, "currency": "EUR"}}));
    for (function, call) in [
        (Function::EarnPoints, adjust),
        (Function::EarnPoints, partial),
    ] {
        let refused = env.call(function, call).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(
            refused.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("idempotency-key"),
            "{}",
            refused.body
        );
    }
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn unknown_and_known_partners_answer_alike_and_unsigned_calls_read_nothing() {
    let counter = CallCounter::default();
    let env = TestEnv::new_on(counter.client().await).await;
    let secret = partner(&env, "shop").await;
    let other = partner(&env, "other").await;
    // A signature with another partner's secret, and a partner that does not exist.
    let wrong = signed_call("shop", &other, "m-1", now(), OFFER);
    let unknown = signed_call("nobody", &other, "m-1", now(), OFFER);
    let answers = [deliver(&env, wrong).await, deliver(&env, unknown).await];
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    }
    assert_eq!(
        answers[0].body["error"]["message"], answers[1].body["error"]["message"],
        "a prober must not tell a known partner from an unknown one"
    );
    // Without the headers, or with a stale timestamp, nothing is read for the call.
    counter.reset();
    let unsigned = Call::new("POST", "/v1/partners/shop/webhooks").raw_body(OFFER);
    let stale = signed_call("shop", &secret, "m-2", now() - 3600, OFFER);
    for call in [unsigned, stale] {
        assert_eq!(deliver(&env, call).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(counter.total(), 0, "{:?}", counter.by_operation());
}
