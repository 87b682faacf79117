//! Birthdays (API.md "Birthdays"): a member gives its birthday at enrolment or with
//! `PATCH /v1/members/me`, bad ones are refused and change nothing, and the daily run finds
//! the member through the due-date index on the day and credits the programme's
//! `birthdayBonus` once per calendar year, however often, late or concurrently it runs.

use evaluate_tier::TierContext;
use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, program_with};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::daily_run::{daily, tiers};

async fn daily_now(tiers: &TierContext) -> Value {
    evaluate_tier::handle(tiers, json!({"kind": "daily"}))
        .await
        .expect("the daily run")
}

async fn enrol_with(env: &TestEnv, member: &str, body: Value) -> TestResponse {
    let call = Call::new("POST", "/v1/members")
        .bearer(&env.member_token(member))
        .json(&body);
    env.call(Function::MemberApi, call).await
}

fn patch(env: &TestEnv, member: &str) -> Call {
    Call::new("PATCH", "/v1/members/me").bearer(&env.member_token(member))
}

/// The member's `birthday_bonus` entries, newest first, as (points, reference).
async fn bonuses(env: &TestEnv, member: &str) -> Vec<(i64, String)> {
    env.all_activity(member, 100)
        .await
        .iter()
        .filter(|entry| entry["type"] == "birthday_bonus")
        .map(|entry| {
            (
                entry["points"].as_i64().expect("points"),
                entry["reference"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The call is refused with 400 `invalid_request` and the whole table is as it was.
async fn refused_without_change(env: &TestEnv, function: Function, call: Call) {
    let before = env.table_snapshot().await;
    let response = env.call(function, call.clone()).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{} {:?}: {}",
        call.method,
        call.body,
        response.body
    );
    assert_eq!(
        response.error_code(),
        "invalid_request",
        "{}",
        response.body
    );
    assert_eq!(
        env.table_snapshot().await,
        before,
        "{:?} changed the table",
        call.body
    );
}

#[tokio::test]
async fn a_birthday_is_given_at_enrolment_changed_with_patch_and_shown() {
    let env = TestEnv::new().await;
    let enrolled = enrol_with(&env, "ada", json!({"birthday": "12-05"})).await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    assert_eq!(enrolled.body["birthday"], "12-05");
    env.enrol("bob").await;
    assert_eq!(env.me("bob").await.body["birthday"], Value::Null);

    let body = json!({"displayName": "Ada L.", "birthday": "02-29"});
    let call = patch(&env, "ada")
        .header("idempotency-key", "profile-1")
        .json(&body);
    let changed = env.call(Function::MemberApi, call.clone()).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        (&changed.body["displayName"], &changed.body["birthday"]),
        (&json!("Ada L."), &json!("02-29"))
    );
    let me = env.me("ada").await.body;
    assert_eq!(
        (&me["displayName"], &me["birthday"]),
        (&json!("Ada L."), &json!("02-29"))
    );
    // A retry answers the same and changes nothing; the same key with another body is refused.
    let before = env.table_snapshot().await;
    let again = env.call(Function::MemberApi, call).await;
    assert!(again.replayed());
    assert_eq!(again.body, changed.body);
    assert_eq!(env.table_snapshot().await, before);
    let other = patch(&env, "ada")
        .header("idempotency-key", "profile-1")
        .json(&json!({"birthday": "03-01"}));
    assert_eq!(
        env.call(Function::MemberApi, other).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The operator's view of the member shows it too.
    let view = Call::new("GET", "/v1/members/ada").bearer(&env.admin_token());
    assert_eq!(
        env.call(Function::MemberApi, view).await.body["birthday"],
        "02-29"
    );
    // A member not enrolled has nothing to change.
    let stranger = patch(&env, "zed").json(&json!({"birthday": "01-01"}));
    assert_eq!(
        env.call(Function::MemberApi, stranger).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_birthdays_and_bodies_are_refused_and_change_nothing() {
    let env = TestEnv::new().await;
    env.enrol("ada").await;
    for birthday in [
        json!("02-30"),
        json!("13-01"),
        json!("00-10"),
        json!("04-31"),
        json!("12-5"),
        json!("2026-12-05"),
        json!("12/05"),
        json!(1205),
    ] {
        let body = json!({ "birthday": birthday });
        refused_without_change(&env, Function::MemberApi, patch(&env, "ada").json(&body)).await;
        let enrol = Call::new("POST", "/v1/members")
            .bearer(&env.member_token("new"))
            .json(&body);
        refused_without_change(&env, Function::MemberApi, enrol).await;
    }
    for body in [
        json!({}),
        json!({"birthday": null}),
        json!({"birthday": "01-01", "balance": 1000}),
        json!({"displayName": "  "}),
        json!([]),
    ] {
        refused_without_change(&env, Function::MemberApi, patch(&env, "ada").json(&body)).await;
    }
    refused_without_change(&env, Function::MemberApi, patch(&env, "ada")).await;
}

#[tokio::test]
async fn a_bad_birthday_bonus_is_refused_with_its_reason_and_the_old_programme_stays() {
    let env = TestEnv::new().await;
    for (points, shown) in [(json!(0), "0"), (json!(-100), "-100"), (json!(2.5), "2.5")] {
        let program = program_with(|p| p["birthdayBonus"] = json!({ "points": points }));
        let put = Call::new("PUT", "/v1/program")
            .bearer(&env.admin_token())
            .json(&program);
        let before = env.table_snapshot().await;
        let response = env.call(Function::EarnPoints, put).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{}",
            response.body
        );
        assert_eq!(
            response.body["error"]["message"],
            format!(
                "birthdayBonus.points must be a positive whole number of at most 1000000000000, got {shown}"
            )
        );
        assert_eq!(env.table_snapshot().await, before);
    }
}

#[tokio::test]
async fn the_daily_run_pays_a_birthday_once_per_year_however_often_it_runs() {
    let env = TestEnv::new().await;
    let tiers = tiers(&env);
    for member in ["bea", "dan"] {
        let birthday = if member == "bea" { "12-05" } else { "12-06" };
        let enrolled = enrol_with(&env, member, json!({ "birthday": birthday })).await;
        assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    }
    env.enrol("cal").await;

    daily(&tiers, &env, datetime!(2026-12-04 0:15 UTC)).await;
    assert!(bonuses(&env, "bea").await.is_empty(), "not before the day");

    daily(&tiers, &env, datetime!(2026-12-05 0:15 UTC)).await;
    assert_eq!(
        bonuses(&env, "bea").await,
        [(100, "birthday:2026".to_string())]
    );
    assert_eq!(
        env.me("bea").await.body["balance"],
        100,
        "spendable at once"
    );
    daily(&tiers, &env, datetime!(2026-12-05 18:00 UTC)).await;
    assert_eq!(
        bonuses(&env, "bea").await.len(),
        1,
        "a repeated run pays nothing"
    );
    // The figures count it as issued that day.
    let call =
        Call::new("GET", "/v1/metrics?from=2026-12-05&to=2026-12-05").bearer(&env.admin_token());
    let figures = env.call(Function::EarnPoints, call).await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    assert_eq!(
        figures.body["days"][0]["issued"],
        json!({"birthday_bonus": 100})
    );

    // Two runs at once on dan's birthday: one bonus.
    env.clock.set(datetime!(2026-12-06 0:15 UTC));
    tokio::join!(daily_now(&tiers), daily_now(&tiers));
    assert_eq!(
        bonuses(&env, "dan").await,
        [(100, "birthday:2026".to_string())]
    );
    assert_eq!(bonuses(&env, "bea").await.len(), 1);
    assert!(
        bonuses(&env, "cal").await.is_empty(),
        "no birthday, no bonus"
    );
    assert_eq!(env.me("cal").await.body["balance"], 0);

    // The next year's birthday pays again, once.
    daily(&tiers, &env, datetime!(2027-12-05 0:15 UTC)).await;
    daily(&tiers, &env, datetime!(2027-12-05 0:30 UTC)).await;
    assert_eq!(
        bonuses(&env, "bea").await,
        [
            (100, "birthday:2027".to_string()),
            (100, "birthday:2026".to_string())
        ]
    );
}

#[tokio::test]
async fn a_late_run_pays_a_missed_birthday_once() {
    let env = TestEnv::new().await;
    let tiers = tiers(&env);
    let enrolled = enrol_with(&env, "eve", json!({"birthday": "12-05"})).await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    daily(&tiers, &env, datetime!(2026-12-09 0:15 UTC)).await;
    daily(&tiers, &env, datetime!(2026-12-10 0:15 UTC)).await;
    assert_eq!(
        bonuses(&env, "eve").await,
        [(100, "birthday:2026".to_string())]
    );
}

#[tokio::test]
async fn setting_a_birthday_to_today_pays_nothing_until_next_year() {
    let env = TestEnv::new().await;
    let tiers = tiers(&env);
    env.enrol("fay").await;
    env.clock.set(datetime!(2026-12-05 9:00 UTC));
    let call = patch(&env, "fay").json(&json!({"birthday": "12-05"}));
    assert_eq!(
        env.call(Function::MemberApi, call).await.status,
        StatusCode::OK
    );
    daily(&tiers, &env, datetime!(2026-12-06 0:15 UTC)).await;
    assert!(bonuses(&env, "fay").await.is_empty());
}
