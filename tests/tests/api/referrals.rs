//! Referrals (API.md "Referrals"): a member enrols with another's code; its first purchase of
//! at least `minSpend` within `withinDays` earns both a `referral_bonus`, exactly once
//! whatever the retries, concurrent purchases or redelivered stream records; the referrer's
//! part comes from the stream and stops at `maxPerReferrer`; bonuses are pending like their
//! purchase and withdrawn when it is reversed in full while pending.
//!
//! The demo programme pays the referrer 500 and the referred member 250 for a first purchase
//! of at least 20.00 EUR within 30 days, at most 20 times per referrer.

use evaluate_tier::TierContext;
use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty::domain::event::EventKind;
use loyalty::domain::rfc3339;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, START, TestEnv, TestResponse, program_with, purchase};
use serde_json::{Value, json};
use time::Duration;

use crate::tiers::Tiers;

/// Enrols `member`, with `code` when given; the answer as it is.
async fn enrol_with(env: &TestEnv, member: &str, code: Option<&str>) -> TestResponse {
    let call = Call::new("POST", "/v1/members").bearer(&env.member_token(member));
    let call = match code {
        Some(code) => call.json(&json!({ "referralCode": code })),
        None => call,
    };
    env.call(Function::MemberApi, call).await
}

/// Enrols `referrer`, then each of `referred` with its code; the referrer's code.
async fn referrer_with(env: &TestEnv, referrer: &str, referred: &[&str]) -> String {
    let code = env.enrol(referrer).await.body["referralCode"]
        .as_str()
        .expect("every new member has a referral code")
        .to_string();
    for member in referred {
        // Codes are case-insensitive.
        let enrolled = enrol_with(env, member, Some(&code.to_lowercase())).await;
        assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    }
    code
}

async fn referrals(env: &TestEnv, member: &str) -> Value {
    let call = Call::new("GET", "/v1/members/me/referrals").bearer(&env.member_token(member));
    let response = env.call(Function::MemberApi, call).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

/// The member's `referral_bonus` entries' points, oldest first.
async fn bonuses(env: &TestEnv, member: &str) -> Vec<i64> {
    let mut points: Vec<i64> = env
        .all_activity(member, 100)
        .await
        .iter()
        .filter(|e| e["type"] == "referral_bonus")
        .map(|e| e["points"].as_i64().expect("points"))
        .collect();
    points.reverse();
    points
}

async fn earned(env: &TestEnv, member: &str, transaction: &str, minor: i64) -> Value {
    let response = env.earn(member, purchase(transaction, minor, None)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

async fn put_program(env: &TestEnv, program: &Value) -> TestResponse {
    let call = Call::new("PUT", "/v1/program")
        .bearer(&env.admin_token())
        .json(program);
    env.call(Function::EarnPoints, call).await
}

async fn with_program(env: &TestEnv, program: Value) {
    let put = put_program(env, &program).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
}

#[tokio::test]
async fn a_first_qualifying_purchase_rewards_both_members_once() {
    let counter = CallCounter::default();
    let env = TestEnv::new_on(counter.client().await).await;
    let mut tiers = Tiers::new(&env).await;
    let code = referrer_with(&env, "rhea", &["remy"]).await;
    assert_eq!(
        referrals(&env, "rhea").await,
        json!({"referralCode": code, "referred": 1, "rewarded": 0, "pointsEarned": 0})
    );

    // Below the minimum spend: no bonus, and the referral stays open.
    env.keep_offers().await;
    counter.reset();
    let small = earned(&env, "remy", "small", 1999).await;
    assert_eq!(counter.total(), 2, "{:?}", counter.by_operation());
    assert!(bonuses(&env, "remy").await.is_empty());

    counter.reset();
    let first = earned(&env, "remy", "big", 2500).await;
    assert_eq!(
        counter.total(),
        2,
        "a qualifying earn is still 2 calls: {:?}",
        counter.by_operation()
    );
    assert_eq!(first["points"], 25);
    assert_eq!(
        first["balance"].as_i64(),
        small["balance"].as_i64().map(|b| b + 25 + 250),
        "the bonus is spendable at once"
    );
    earned(&env, "remy", "later", 5000).await;
    assert_eq!(bonuses(&env, "remy").await, vec![250]);

    tiers.drain_stream().await;
    assert_eq!(bonuses(&env, "rhea").await, vec![500]);
    assert_eq!(
        referrals(&env, "rhea").await,
        json!({"referralCode": code, "referred": 1, "rewarded": 1, "pointsEarned": 500})
    );
    assert_eq!(env.me("rhea").await.body["balance"], 500);
    let events = tiers.published(EventKind::ReferralRewarded);
    let roles: Vec<&Value> = events.iter().map(|e| &e["role"]).collect();
    assert_eq!(roles, vec!["referee", "referrer"], "{events:?}");
    assert!(
        events.iter().all(|e| !e.to_string().contains("remy")),
        "an event names no other member: {events:?}"
    );
    for member in ["rhea", "remy"] {
        assert_eq!(
            env.ledger_sum(member).await,
            env.me(member).await.body["balance"].as_i64().unwrap()
        );
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_code_enrols_nobody_and_changes_nothing() {
    let env = TestEnv::new().await;
    referrer_with(&env, "rosa", &[]).await;
    let before = env.table_snapshot().await;
    let unknown = enrol_with(&env, "ugo", Some("ABCDEFGH")).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.error_code(), "referral_invalid", "{}", unknown.body);
    for bad in ["short", "ABCDEFG0", "ABCD EFGH", "ABCDEFGHJ"] {
        let refused = enrol_with(&env, "ugo", Some(bad)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(refused.error_code(), "invalid_request");
        assert!(
            refused.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("referralCode"),
            "{}",
            refused.body
        );
    }
    assert_eq!(env.table_snapshot().await, before);
    assert_eq!(env.me("ugo").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_referral_terms_are_refused_with_the_reason_and_the_old_programme_stays() {
    let env = TestEnv::new().await;
    let before = env.table_snapshot().await;
    let cases = [
        (
            json!({"referrerPoints": -1, "refereePoints": 1, "withinDays": 30}),
            "referral.referrerPoints",
        ),
        (
            json!({"referrerPoints": 1, "refereePoints": 1.5, "withinDays": 30}),
            "referral.refereePoints",
        ),
        (
            json!({"referrerPoints": 1, "refereePoints": 1, "withinDays": 0}),
            "referral.withinDays",
        ),
        (
            json!({"referrerPoints": 1, "refereePoints": 1, "withinDays": 30, "maxPerReferrer": 0}),
            "referral.maxPerReferrer",
        ),
        (
            json!({"referrerPoints": 1, "refereePoints": 1, "withinDays": 30, "minSpend": {"amount": 100, "currency": "JPY"}}),
            "referral.minSpend",
        ),
        (
            json!({"referrerPoints": 0, "refereePoints": 0, "withinDays": 30}),
            "both 0",
        ),
        (
            json!({"referrerPoints": 1, "refereePoints": 1}),
            "withinDays",
        ),
    ];
    for (referral, reason) in cases {
        let refused = put_program(&env, &program_with(|p| p["referral"] = referral.clone())).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{referral}");
        assert_eq!(refused.error_code(), "invalid_request");
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{referral}: {message}");
    }
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn purchases_outside_the_window_or_before_enrolment_do_not_qualify() {
    let env = TestEnv::new().await;
    referrer_with(&env, "raul", &["late", "early"]).await;
    // A purchase made before the member enrolled (a till posting late) is not the referral.
    let mut before = purchase("before", 5000, None);
    before["occurredAt"] = json!(rfc3339::format(START - Duration::hours(1)));
    assert_eq!(env.earn("early", before).await.status, StatusCode::CREATED);
    assert!(bonuses(&env, "early").await.is_empty());

    env.clock
        .set(START + Duration::days(30) + Duration::minutes(1));
    earned(&env, "late", "too-late", 5000).await;
    assert!(bonuses(&env, "late").await.is_empty());
    // Without the programme's referral terms nobody earns one.
    env.clock.set(START + Duration::minutes(1));
    let without = program_with(|p| {
        p.as_object_mut().unwrap().remove("referral");
    });
    with_program(&env, without).await;
    earned(&env, "early", "no-terms", 5000).await;
    assert!(bonuses(&env, "early").await.is_empty());
}

#[tokio::test]
async fn thirty_concurrent_first_purchases_and_their_retries_pay_one_bonus_each_side() {
    let env = TestEnv::new().await;
    let mut tiers = Tiers::new(&env).await;
    referrer_with(&env, "rory", &["rush"]).await;
    let purchases = (0..30).flat_map(|n| {
        let body = purchase(&format!("rush-{n}"), 2000 + n, None);
        [body.clone(), body]
    });
    let answers = join_all(purchases.map(|body| env.earn("rush", body))).await;
    for answer in &answers {
        assert!(
            matches!(answer.status, StatusCode::CREATED | StatusCode::OK),
            "{}",
            answer.body
        );
    }
    assert_eq!(bonuses(&env, "rush").await, vec![250]);
    let batch = tiers.stream.next_event().await;
    handle(&tiers.context, &batch).await;
    tiers.drain_stream().await;
    assert_eq!(bonuses(&env, "rory").await, vec![500]);

    // The same stream records again (redeliveries) change nothing.
    let stored = env.table_snapshot().await;
    for _ in 0..3 {
        handle(&tiers.context, &batch).await;
    }
    assert_eq!(env.table_snapshot().await, stored);
}

/// One invocation of the tier function with `batch`, which must succeed for every record.
async fn handle(context: &TierContext, batch: &Value) {
    let answer = evaluate_tier::handle(context, batch.clone())
        .await
        .expect("handled");
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
}

#[tokio::test]
async fn the_referrers_part_never_exceeds_max_per_referrer_when_many_qualify_at_once() {
    let env = TestEnv::new().await;
    let mut tiers = Tiers::new(&env).await;
    with_program(
        &env,
        program_with(|p| p["referral"]["maxPerReferrer"] = json!(3)),
    )
    .await;
    let referred: Vec<String> = (0..8).map(|n| format!("friend-{n}")).collect();
    let names: Vec<&str> = referred.iter().map(String::as_str).collect();
    referrer_with(&env, "ruth", &names).await;
    // Drain the enrolments, so the next batch holds only the purchases' records.
    tiers.drain_stream().await;
    join_all(names.iter().map(|m| earned(&env, m, "first", 3000))).await;
    // Each record handled by its own invocation, all at once, as many shards would.
    let batch = tiers.stream.next_event().await;
    let records = batch["Records"].as_array().expect("records").clone();
    let batches: Vec<Value> = records
        .into_iter()
        .map(|record| json!({ "Records": [record] }))
        .collect();
    join_all(batches.iter().map(|batch| handle(&tiers.context, batch))).await;
    tiers.drain_stream().await;
    assert_eq!(bonuses(&env, "ruth").await, vec![500, 500, 500]);
    let stats = referrals(&env, "ruth").await;
    assert_eq!(
        (
            &stats["referred"],
            &stats["rewarded"],
            &stats["pointsEarned"]
        ),
        (&json!(8), &json!(3), &json!(1500))
    );
    // The referred members' own bonuses are not limited.
    for member in names {
        assert_eq!(bonuses(&env, member).await, vec![250], "{member}");
    }
}

#[tokio::test]
async fn bonuses_are_pending_like_their_purchase_and_withdrawn_by_a_full_reversal() {
    let env = TestEnv::new().await;
    let mut tiers = Tiers::new(&env).await;
    with_program(&env, program_with(|p| p["pendingDays"] = json!(14))).await;
    referrer_with(&env, "rita", &["rene", "rolf"]).await;
    let available_at = json!(rfc3339::format(START + Duration::days(14)));

    earned(&env, "rene", "r-1", 4000).await;
    earned(&env, "rolf", "k-1", 4000).await;
    tiers.drain_stream().await;
    let me = env.me("rita").await.body;
    assert_eq!(
        (&me["balance"], &me["pendingPoints"]),
        (&json!(0), &json!(1000))
    );
    assert_eq!(me["pending"][0]["availableAt"], available_at);
    let rene = env.me("rene").await.body;
    assert_eq!(rene["pendingPoints"], 40 + 250);

    // A partial refund withdraws nothing; the rest of it (a full reversal) withdraws both.
    let partial = Call::new("POST", "/v1/members/rene/earn/r-1/reverse")
        .bearer(&env.till_token())
        .header("idempotency-key", "part")
        .json(&json!({"amount": {"amount": 1000, "currency": "EUR"}}));
    assert_eq!(
        env.call(Function::EarnPoints, partial).await.status,
        StatusCode::CREATED
    );
    assert_eq!(bonuses(&env, "rene").await, vec![250]);
    let rest = Call::new("POST", "/v1/members/rene/earn/r-1/reverse").bearer(&env.till_token());
    assert_eq!(
        env.call(Function::EarnPoints, rest).await.status,
        StatusCode::CREATED
    );
    assert_eq!(bonuses(&env, "rene").await, vec![250, -250]);
    assert_eq!(env.me("rene").await.body["pendingPoints"], 0, "no debt");
    tiers.drain_stream().await;
    assert_eq!(bonuses(&env, "rita").await, vec![500, 500, -500]);
    let stats = referrals(&env, "rita").await;
    assert_eq!(
        (&stats["rewarded"], &stats["pointsEarned"]),
        (&json!(1), &json!(500))
    );
    // A withdrawn referral never pays again.
    earned(&env, "rene", "r-2", 4000).await;
    tiers.drain_stream().await;
    assert_eq!(bonuses(&env, "rene").await, vec![250, -250]);

    // After the window, with no job run, the bonus that stayed is spendable and a reversal
    // no longer withdraws it.
    env.clock
        .set(START + Duration::days(14) + Duration::minutes(1));
    assert_eq!(env.me("rita").await.body["balance"], 500);
    let late = Call::new("POST", "/v1/members/rolf/earn/k-1/reverse").bearer(&env.till_token());
    assert_eq!(
        env.call(Function::EarnPoints, late).await.status,
        StatusCode::CREATED
    );
    tiers.drain_stream().await;
    assert_eq!(bonuses(&env, "rolf").await, vec![250]);
    assert_eq!(bonuses(&env, "rita").await, vec![500, 500, -500]);
    for member in ["rita", "rene", "rolf"] {
        let me = env.me(member).await.body;
        let held = me["balance"].as_i64().unwrap() + me["pendingPoints"].as_i64().unwrap();
        assert_eq!(env.ledger_sum(member).await, held, "{member}");
    }
}
