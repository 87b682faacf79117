//! Engagement against DynamoDB Local: the signals the daily run sends (`MemberInactive`,
//! `TierAtRisk`) once each across repeated and late runs, `MemberReactivated` on the next
//! earn, the member's marketing consent carried in every event, the operators' view of a
//! member's activity and status, and its events a page at a time.

use lambda_http::http::StatusCode;
use loyalty::domain::event::EventKind;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::tiers::Tiers;

fn consents(env: &TestEnv, member: &str, body: &Value) -> Call {
    Call::new("PUT", "/v1/members/me/consents")
        .bearer(&env.member_token(member))
        .json(body)
}

async fn set_consent(env: &TestEnv, member: &str, marketing: bool) {
    let response = env
        .call(
            Function::MemberApi,
            consents(env, member, &json!({"marketing": marketing})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["consents"], json!({"marketing": marketing}));
}

async fn admin_view(env: &TestEnv, member: &str) -> Value {
    let response = env
        .call(
            Function::MemberApi,
            Call::new("GET", format!("/v1/members/{member}")).bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

#[tokio::test]
async fn signals_go_out_once_across_repeated_and_late_runs_each_with_the_consent() {
    let env = TestEnv::new().await;
    env.enrol("quiet").await;
    set_consent(&env, "quiet", true).await;
    let mut tiers = Tiers::new(&env).await;
    let earned = env.earn("quiet", purchase("q-1", 100_000, None)).await;
    assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    // The stream upgrades the member 100 days later: its review, a year on, would no longer
    // count the November 2026 points.
    env.clock.set(datetime!(2027-03-03 12:00 UTC));
    tiers.drain_stream().await;
    let view = admin_view(&env, "quiet").await;
    assert_eq!(view["tier"]["name"], "Silver", "{view}");
    assert_eq!(view["tier"]["reviewAt"], "2028-03-02T12:00:00.000Z");
    assert_eq!(view["lastActivityAt"], "2026-11-23T12:00:00.000Z");
    assert_eq!(view["status"], "inactive", "60 days after the last earn");

    // The spell began on 2027-01-22 12:00, unannounced until now; a run today, again, and
    // weeks later: once.
    for at in [
        datetime!(2027-03-03 13:00 UTC),
        datetime!(2027-03-04 0:15 UTC),
        datetime!(2027-04-20 0:15 UTC),
    ] {
        tiers.daily(&env, at).await;
    }
    let quiet = tiers.published(EventKind::MemberInactive);
    assert_eq!(quiet.len(), 1, "{quiet:?}");
    assert_eq!(quiet[0]["lastActivityAt"], "2026-11-23T12:00:00.000Z");
    // The November 2026 lot: its warning, then its expiry.
    tiers.daily(&env, datetime!(2027-11-02 0:15 UTC)).await;
    tiers.daily(&env, datetime!(2027-12-01 0:15 UTC)).await;
    assert_eq!(tiers.published(EventKind::PointsExpiring).len(), 1);
    assert_eq!(tiers.published(EventKind::MemberInactive).len(), 1);

    // The risk is checked from 2028-02-01 12:00; the run is late and then repeated.
    tiers.daily(&env, datetime!(2028-02-10 0:15 UTC)).await;
    tiers.daily(&env, datetime!(2028-02-10 0:15 UTC)).await;
    tiers.daily(&env, datetime!(2028-02-11 0:15 UTC)).await;
    let at_risk = tiers.published(EventKind::TierAtRisk);
    assert_eq!(at_risk.len(), 1, "{at_risk:?}");
    assert_eq!(at_risk[0]["tier"], "Silver");
    assert_eq!(at_risk[0]["reviewAt"], "2028-03-02T12:00:00.000Z");
    assert_eq!(at_risk[0]["pointsNeeded"], 1000);

    // The next earn ends the spell, and says so once.
    env.clock.set(datetime!(2028-02-12 9:00 UTC));
    let back = env.earn("quiet", purchase("q-2", 1_000, None)).await;
    assert_eq!(back.status, StatusCode::CREATED, "{}", back.body);
    env.earn("quiet", purchase("q-3", 1_000, None)).await;
    tiers.drain_stream().await;
    assert_eq!(tiers.published(EventKind::MemberReactivated).len(), 1);
    let view = admin_view(&env, "quiet").await;
    assert_eq!(view["status"], "active");
    assert_eq!(view["lastActivityAt"], "2028-02-12T09:00:00.000Z");

    // Every event so far carried the consent given before it; a withdrawal reaches the next.
    let all = tiers.published_all();
    assert!(all.len() >= 5, "{all:?}");
    for (kind, detail) in &all {
        assert_eq!(detail["marketingConsent"], true, "{kind:?} {detail}");
    }
    set_consent(&env, "quiet", false).await;
    // The review (with its grace) lowers the tier, as the risk said it would.
    tiers.daily(&env, datetime!(2028-04-02 0:15 UTC)).await;
    let changes = tiers.published(EventKind::TierChanged);
    let down = changes.last().unwrap();
    assert_eq!(down["direction"], "down", "{changes:?}");
    assert_eq!(down["marketingConsent"], false);
    let kinds: Vec<EventKind> = tiers.published_all().into_iter().map(|(k, _)| k).collect();
    for kind in [
        EventKind::TierChanged,
        EventKind::PointsExpiring,
        EventKind::MemberInactive,
        EventKind::TierAtRisk,
        EventKind::MemberReactivated,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
}

/// A referrer with `count` referred members, each of whose first purchase (a second apart)
/// gives it a `ReferralRewarded` event, written when the stream brings the purchase.
async fn referrer_with_events(env: &TestEnv, count: usize) {
    let mut tiers = Tiers::new(env).await;
    env.enrol("host").await;
    let code = env.me("host").await.body["referralCode"].clone();
    for i in 0..count {
        let friend = format!("friend-{i}");
        let enrolled = env
            .call(
                Function::MemberApi,
                Call::new("POST", "/v1/members")
                    .bearer(&env.member_token(&friend))
                    .json(&json!({"referralCode": code})),
            )
            .await;
        assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
        env.clock.advance(time::Duration::seconds(1));
        let earned = env
            .earn(&friend, purchase(&format!("{friend}-t"), 2_500, None))
            .await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
        tiers.drain_stream().await;
    }
}

async fn events_page(env: &TestEnv, member: &str, query: &str, token: &str) -> (StatusCode, Value) {
    let response = env
        .call(
            Function::MemberApi,
            Call::new("GET", format!("/v1/members/{member}/events{query}")).bearer(token),
        )
        .await;
    (response.status, response.body)
}

#[tokio::test]
async fn operators_page_through_a_members_events_newest_first_for_a_week() {
    let env = TestEnv::new().await;
    referrer_with_events(&env, 5).await;
    let admin = env.admin_token();
    let mut seen: Vec<Value> = Vec::new();
    let mut query = "?limit=2".to_string();
    let mut pages = 0;
    loop {
        let (status, page) = events_page(&env, "host", &query, &admin).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5, "{seen:?}");
    let times: Vec<&str> = seen
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    let mut newest_first = times.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, newest_first);
    let mut ids: Vec<&str> = seen
        .iter()
        .map(|e| e["eventId"].as_str().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 5, "no event twice");
    for event in &seen {
        assert_eq!(event["type"], "ReferralRewarded");
        assert_eq!(event["detail"]["role"], "referrer");
        assert_eq!(event["detail"]["marketingConsent"], false);
    }

    // Members may not read them; bad paging is refused; an unknown member is not found.
    let (status, _) = events_page(&env, "host", "", &env.member_token("host")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for bad in [
        "?limit=0",
        "?limit=101",
        "?cursor=bm90LW9uZQ",
        "?cursor=%%%",
    ] {
        let (status, body) = events_page(&env, "host", bad, &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request");
    }
    let (status, body) = events_page(&env, "nobody", "", &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Kept a week: past it they are gone from the page, whether or not TTL has run yet.
    env.clock.advance(time::Duration::days(8));
    let (status, page) = events_page(&env, "host", "", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"], json!([]), "{page}");
}

#[tokio::test]
async fn consent_is_set_replayed_and_a_bad_request_changes_nothing() {
    let env = TestEnv::new().await;
    env.enrol("asked").await;
    assert_eq!(
        env.me("asked").await.body["consents"],
        json!({"marketing": false}),
        "no consent until given"
    );
    let call =
        consents(&env, "asked", &json!({"marketing": true})).header("idempotency-key", "c-1");
    let first = env.call(Function::MemberApi, call.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = env.call(Function::MemberApi, call).await;
    assert!(again.replayed());
    assert_eq!(again.body, first.body);
    assert_eq!(
        env.me("asked").await.body["consents"],
        json!({"marketing": true})
    );

    let before = env.table_snapshot().await;
    for bad in [
        json!({}),
        json!({"marketing": "yes"}),
        json!({"marketing": null}),
        json!({"marketing": true, "sms": true}),
        json!([true]),
    ] {
        let refused = env
            .call(Function::MemberApi, consents(&env, "asked", &bad))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.body
        );
        assert_eq!(refused.error_code(), "invalid_request");
    }
    let not_enrolled = env
        .call(
            Function::MemberApi,
            consents(&env, "stranger", &json!({"marketing": true})),
        )
        .await;
    assert_eq!(
        not_enrolled.status,
        StatusCode::NOT_FOUND,
        "{}",
        not_enrolled.body
    );
    let no_token = env
        .call(
            Function::MemberApi,
            Call::new("PUT", "/v1/members/me/consents").json(&json!({"marketing": true})),
        )
        .await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        env.table_snapshot().await,
        before,
        "refusals change nothing"
    );
}
