//! Pending points (API.md "Pending points (a return window)"): with `pendingDays`, what a
//! purchase earns waits out the return window before it can be spent, qualifies for tiers at
//! once, is taken back without debt by a reversal, and becomes spendable on time with no job
//! run; the figures owe it all along.

use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty::domain::clock::Clock;
use loyalty::domain::rfc3339;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{
    Call, Function, START, TestEnv, TestResponse, demo_program, held_points, program_with, purchase,
};
use serde_json::{Value, json};
use time::Duration;

use crate::metrics::reconcile;
use crate::partners::{OFFER, deliver, now, partner, signed_call};
use crate::redeem::{member_with, put_reward, redeem};

const WINDOW_DAYS: i64 = 14;

fn available_at() -> String {
    rfc3339::format(START + Duration::days(WINDOW_DAYS))
}

async fn put_program(env: &TestEnv, program: &Value) -> TestResponse {
    let call = Call::new("PUT", "/v1/program")
        .bearer(&env.admin_token())
        .json(program);
    env.call(Function::EarnPoints, call).await
}

/// A test environment whose programme holds earned points for `WINDOW_DAYS`.
async fn with_window() -> TestEnv {
    with_window_on(TestEnv::new().await).await
}

async fn with_window_on(env: TestEnv) -> TestEnv {
    let put = put_program(
        &env,
        &program_with(|p| p["pendingDays"] = json!(WINDOW_DAYS)),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    env
}

fn reverse(member: &str, transaction: &str, amount: Option<i64>) -> Call {
    let call = Call::new(
        "POST",
        format!("/v1/members/{member}/earn/{transaction}/reverse"),
    );
    match amount {
        Some(minor) => call
            .header("idempotency-key", &format!("refund-{transaction}-{minor}"))
            .json(&json!({"amount": {"amount": minor, "currency": "EUR"}})),
        None => call,
    }
}

/// A reversal by the till, which must succeed; its answer.
async fn reversed(env: &TestEnv, member: &str, transaction: &str, amount: Option<i64>) -> Value {
    let call = reverse(member, transaction, amount).bearer(&env.till_token());
    ok(env, Function::EarnPoints, call, StatusCode::CREATED).await
}

async fn ok(env: &TestEnv, function: Function, call: Call, status: StatusCode) -> Value {
    let response = env.call(function, call).await;
    assert_eq!(response.status, status, "{}", response.body);
    response.body
}

/// `(balance, pendingPoints, pending)` as the member sees them.
async fn holding(env: &TestEnv, member: &str) -> (i64, i64, Value) {
    let me = env.me(member).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    (
        me.body["balance"].as_i64().expect("a balance"),
        me.body["pendingPoints"].as_i64().expect("pending points"),
        me.body["pending"].clone(),
    )
}

#[tokio::test]
async fn earned_points_wait_out_the_window_then_are_spendable_with_no_job_run() {
    let counter = CallCounter::default();
    let env = with_window_on(TestEnv::new_on(counter.client().await).await).await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 30})).await;
    env.enrol("pat").await;
    env.keep_offers().await;
    counter.reset();
    let earned = env.earn("pat", purchase("p-1", 5000, None)).await;
    assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    assert_eq!(
        counter.total(),
        2,
        "earn stays at 2 calls: {:?}",
        counter.by_operation()
    );
    assert_eq!(earned.body["points"], 50);
    assert_eq!(earned.body["balance"], 0, "nothing spendable yet");
    assert_eq!(earned.body["availableAt"], json!(available_at()));

    let me = env.me("pat").await;
    assert_eq!(me.body["balance"], 0);
    assert_eq!(me.body["pendingPoints"], 50);
    assert_eq!(
        me.body["pending"],
        json!([{"points": 50, "availableAt": available_at()}])
    );
    assert_eq!(
        me.body["tier"]["qualifyingPoints"], 50,
        "pending points qualify at once"
    );
    let activity = env.all_activity("pat", 10).await;
    assert_eq!(activity[0]["availableAt"], json!(available_at()));
    assert_eq!(activity[0]["balanceAfter"], 50, "the ledger holds them");

    // At the end of the window, with no job run and nothing written, they are spendable.
    let stored = env.table_snapshot().await;
    env.clock.set(START + Duration::days(WINDOW_DAYS));
    assert_eq!(holding(&env, "pat").await, (50, 0, json!([])));
    assert_eq!(env.table_snapshot().await, stored, "a read writes nothing");
    let redeemed = redeem(&env, "pat", "mug", "mug-1").await;
    assert_eq!(redeemed.status, StatusCode::CREATED, "{}", redeemed.body);
    assert_eq!(redeemed.body["balance"], 20);
    assert_eq!(holding(&env, "pat").await, (20, 0, json!([])));
}

#[tokio::test]
async fn a_redemption_cannot_spend_pending_points_and_a_refusal_changes_nothing() {
    let env = with_window().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 30})).await;
    member_with(&env, "quinn", 10).await;
    env.earn("quinn", purchase("q-1", 5000, None)).await;
    for at in [
        START,
        START + Duration::days(WINDOW_DAYS) - Duration::seconds(1),
    ] {
        env.clock.set(at);
        let before = env.table_snapshot().await;
        let refused = redeem(&env, "quinn", "mug", "mug-early").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.error_code(), "insufficient_points");
        assert_eq!(env.table_snapshot().await, before);
    }
    assert_eq!(holding(&env, "quinn").await.0, 10);
}

#[tokio::test]
async fn a_reversal_while_pending_takes_the_pending_points_and_leaves_no_debt() {
    let env = with_window().await;
    member_with(&env, "rae", 20).await;
    env.earn("rae", purchase("r-1", 5000, None)).await;
    let partial = reversed(&env, "rae", "r-1", Some(2500)).await;
    assert_eq!(
        (&partial["points"], &partial["balance"]),
        (&json!(-25), &json!(20))
    );
    assert_eq!(
        holding(&env, "rae").await,
        (
            20,
            25,
            json!([{"points": 25, "availableAt": available_at()}])
        )
    );
    let rest = reversed(&env, "rae", "r-1", None).await;
    assert_eq!(
        (&rest["points"], &rest["balance"]),
        (&json!(-25), &json!(20))
    );
    assert_eq!(holding(&env, "rae").await, (20, 0, json!([])));
    assert_eq!(env.ledger_sum("rae").await, 20);

    // Part reversed while pending, the rest once spendable: the spendable rules apply to it.
    env.earn("rae", purchase("r-2", 4000, None)).await;
    reversed(&env, "rae", "r-2", Some(1000)).await;
    assert_eq!(
        holding(&env, "rae").await,
        (
            20,
            30,
            json!([{"points": 30, "availableAt": available_at()}])
        )
    );
    env.clock.set(START + Duration::days(WINDOW_DAYS));
    assert_eq!(holding(&env, "rae").await, (50, 0, json!([])));
    reversed(&env, "rae", "r-2", None).await;
    assert_eq!(holding(&env, "rae").await, (20, 0, json!([])));
}

#[tokio::test]
async fn a_partner_s_purchase_is_pending_from_when_it_happened() {
    let env = with_window().await;
    env.enrol("sol").await;
    let secret = partner(&env, "bikes").await;
    let offered = deliver(&env, signed_call("bikes", &secret, "o-1", now(), OFFER)).await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    let occurred = START - Duration::days(2);
    let bought = json!({"type": "purchase.completed", "data": {"memberId": "sol",
        "partnerTransactionId": "bk-1", "amount": {"amount": 5000, "currency": "EUR"},
        "occurredAt": rfc3339::format(occurred)}})
    .to_string();
    let credited = deliver(&env, signed_call("bikes", &secret, "p-1", now(), &bought)).await;
    assert_eq!(credited.status, StatusCode::OK, "{}", credited.body);
    let until = occurred + Duration::days(WINDOW_DAYS);
    assert_eq!(
        holding(&env, "sol").await,
        (
            0,
            100,
            json!([{"points": 100, "availableAt": rfc3339::format(until)}])
        )
    );
    env.clock.set(until);
    assert_eq!(holding(&env, "sol").await, (100, 0, json!([])));
}

#[tokio::test]
async fn a_bad_return_window_is_refused_with_its_reason_and_changes_nothing() {
    let env = TestEnv::new().await;
    let before = env.table_snapshot().await;
    for days in [json!(-1), json!(91), json!(1.5)] {
        let put = put_program(&env, &program_with(|p| p["pendingDays"] = days.clone())).await;
        assert_eq!(put.status, StatusCode::BAD_REQUEST, "{days}: {}", put.body);
        assert_eq!(put.error_code(), "invalid_request");
        let message = put.body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(
            message,
            format!("pendingDays must be a whole number of days from 0 to 90, got {days}")
        );
    }
    assert_eq!(env.table_snapshot().await, before);
    let get = ok(
        &env,
        Function::EarnPoints,
        Call::new("GET", "/v1/program").bearer(&env.admin_token()),
        StatusCode::OK,
    )
    .await;
    assert_eq!(get, demo_program());
}

/// Every member's points held (balance and pending, as stored), summed, and the sum of
/// every ledger entry.
async fn held_and_ledger(env: &TestEnv) -> (i64, i64) {
    let mut held = 0;
    let mut ledger = 0;
    for ((pk, sk), item) in env.table_snapshot().await {
        if sk.starts_with("LEDGER#") {
            ledger += item["points"].as_i64().expect("points");
        } else if pk.starts_with("MEMBER#") && sk == "PROFILE" {
            held += held_points(&item);
        }
    }
    (held, ledger)
}

async fn liability_and_reconciliation(env: &TestEnv) -> (Value, Value) {
    let today = rfc3339::format(env.clock.now())[..10].to_string();
    let call =
        Call::new("GET", format!("/v1/metrics?from={today}&to={today}")).bearer(&env.admin_token());
    let figures = ok(env, Function::EarnPoints, call, StatusCode::OK).await;
    let (reconciliation, _) = reconcile(env, 1000).await;
    (figures["current"]["liability"].clone(), reconciliation)
}

#[tokio::test]
async fn the_figures_owe_pending_points_until_they_are_spent_or_taken_back() {
    let env = &with_window().await;
    put_reward(env, "mug", json!({"name": "Mug", "cost": 30})).await;
    let members = ["tam-0", "tam-1", "tam-2", "tam-3"];
    for member in members {
        member_with(env, member, 40).await;
    }
    let secret = partner(env, "bikes").await;
    deliver(env, signed_call("bikes", &secret, "o-1", now(), OFFER)).await;
    let ticket = json!({"type": "purchase.completed", "data": {"memberId": "tam-3",
        "partnerTransactionId": "bk-1", "amount": {"amount": 2000, "currency": "EUR"},
        "occurredAt": rfc3339::format(START)}})
    .to_string();
    let till = env.till_token();
    // At once: purchases (each posted twice), a partner's purchase, reversals of pending
    // points in part and in full, and redemptions of the adjusted, spendable points.
    let mut calls = Vec::new();
    for member in members {
        for _ in 0..2 {
            calls.push((
                Function::EarnPoints,
                Call::new("POST", format!("/v1/members/{member}/earn"))
                    .bearer(&till)
                    .json(&purchase(&format!("{member}-t"), 6000, Some("coffee"))),
            ));
        }
        calls.push((
            Function::RedeemReward,
            Call::new("POST", "/v1/members/me/redemptions")
                .bearer(&env.member_token(member))
                .header("idempotency-key", &format!("mug-{member}"))
                .json(&json!({"rewardId": "mug"})),
        ));
    }
    calls.push((
        Function::PartnerOffers,
        signed_call("bikes", &secret, "p-1", now(), &ticket),
    ));
    for answer in join_all(calls.into_iter().map(|(f, c)| env.call(f, c))).await {
        assert!(answer.status.is_success(), "{}", answer.body);
    }
    for (member, amount) in [("tam-0", Some(3000)), ("tam-1", None)] {
        reversed(env, member, &format!("{member}-t"), amount).await;
    }

    let check = |when: &'static str| async move {
        let (held, ledger) = held_and_ledger(env).await;
        let seen: i64 = join_all(members.iter().map(|m| holding(env, m)))
            .await
            .iter()
            .map(|(balance, pending, _)| balance + pending)
            .sum();
        let (liability, reconciliation) = liability_and_reconciliation(env).await;
        assert_eq!(
            liability,
            json!(held),
            "{when}: the figures owe what members hold"
        );
        assert_eq!((held, seen), (ledger, ledger), "{when}");
        assert_eq!(reconciliation["balances"], json!(held), "{when}");
        assert_eq!(reconciliation["difference"], json!(0), "{when}");
        held
    };
    let pending_now: i64 = join_all(members.iter().map(|m| holding(env, m)))
        .await
        .iter()
        .map(|(_, pending, _)| pending)
        .sum();
    assert!(pending_now > 0, "the workload left pending points");
    let owed = check("while pending").await;
    // The window ends with no write: the points owed stay the same, now spendable.
    env.clock.advance(Duration::days(WINDOW_DAYS));
    assert_eq!(check("once spendable").await, owed);
    // And a write after it records them as spendable without moving the figures.
    env.earn("tam-2", purchase("tam-2-later", 1000, None)).await;
    assert_eq!(check("after a later write").await, owed + 10);
}
