//! The programme's figures (`GET /v1/metrics`, `GET /v1/metrics/journal`) after a concurrent
//! mixed workload over a year: earns with duplicates, partner purchases with redeliveries, full
//! and partial reversals, adjustments both ways, redemptions and a cancellation, daily runs
//! that expire points. The figures
//! must equal what the table holds: the liability the sum of the members' balances (pending
//! points included, see `pending`) and of their ledgers, each day's movements the sums of the entries written that day, the active
//! members a count from each member's last activity, the journal the same movements; and
//! replaying the table's stream must change none of it.

use std::collections::BTreeMap;
use std::sync::Arc;

use evaluate_tier::{RecordingPublisher, TierContext};
use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty_tests::stream::StreamReader;
use loyalty_tests::{Call, Function, START, TestEnv, held_points, purchase, signed_webhook};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Date, Duration, OffsetDateTime};

const MEMBERS: usize = 6;
const ACTIVE_DAYS: i64 = 60;

fn member(i: usize) -> String {
    format!("metrics-{i}")
}

fn day_of(at: &str) -> Date {
    OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 time")
        .date()
}

async fn ok(env: &TestEnv, function: Function, call: Call, status: StatusCode) -> Value {
    let response = env.call(function, call).await;
    assert_eq!(response.status, status, "{}", response.body);
    response.body
}

/// The figures of `from..=to` (each at most 366 days), oldest first, and the current ones.
async fn metrics(env: &TestEnv, ranges: &[(&str, &str)]) -> (Vec<Value>, Value) {
    let mut days = Vec::new();
    let mut current = Value::Null;
    for (from, to) in ranges {
        let call =
            Call::new("GET", format!("/v1/metrics?from={from}&to={to}")).bearer(&env.admin_token());
        let report = ok(env, Function::EarnPoints, call, StatusCode::OK).await;
        days.extend(report["days"].as_array().cloned().unwrap_or_default());
        current = report["current"].clone();
    }
    (days, current)
}

/// What the table holds: every ledger entry as (member, day written, type, points), and
/// every member's stored balance with its pending points.
async fn table(env: &TestEnv) -> (Vec<(String, Date, String, i64)>, BTreeMap<String, i64>) {
    let mut entries = Vec::new();
    let mut balances = BTreeMap::new();
    for ((pk, sk), item) in env.table_snapshot().await {
        if sk.starts_with("LEDGER#") {
            entries.push((
                pk,
                day_of(item["recordedAt"].as_str().expect("recordedAt")),
                item["type"].as_str().expect("type").to_string(),
                item["points"].as_i64().expect("points"),
            ));
        } else if pk.starts_with("MEMBER#") && sk == "PROFILE" {
            balances.insert(pk, held_points(&item));
        }
    }
    (entries, balances)
}

#[tokio::test]
async fn the_figures_equal_the_ledger_after_a_concurrent_mixed_workload() {
    let env = &TestEnv::patient().await;
    let tiers = TierContext::new(env.context.clone(), Arc::new(RecordingPublisher::default()));
    let mut stream = StreamReader::start(&env.client, &env.table).await;
    let members: Vec<String> = (0..MEMBERS).map(member).collect();

    // Day 1: enrolments, then two purchases each, every one posted three times at once.
    join_all(members.iter().map(|m| env.enrol(m))).await;
    let earns = members.iter().flat_map(|m| {
        (0..2).flat_map(move |t| (0..3).map(move |_| (m.clone(), format!("{m}-t{t}"))))
    });
    for response in
        join_all(earns.map(|(m, t)| async move { env.earn(&m, purchase(&t, 10_000, None)).await }))
            .await
    {
        assert!(response.status.is_success(), "{}", response.body);
    }

    // Still day 1: a partner's offer and its purchases for two members, one posted twice at
    // once under two ids, then one delivered again (the same webhook-id).
    let created = Call::new("PUT", "/v1/partners/cinema")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Cinema"}));
    let created = ok(env, Function::PartnerOffers, created, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().expect("a secret").to_string();
    let offer = r#"{"type": "offer.upserted", "data": {"offerId": "films", "title": "Film night",
        "bonus": {"fixedPoints": 30}, "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-31T00:00:00Z"}}"#;
    let offered = signed_webhook("cinema", &secret, "offer-1", offer);
    ok(env, Function::PartnerOffers, offered, StatusCode::OK).await;
    let ticket = |m: &str| {
        json!({"type": "purchase.completed", "data": {"memberId": m, "partnerTransactionId": format!("ticket-{m}"),
            "amount": {"amount": 1200, "currency": "EUR"}, "occurredAt": "2026-11-23T11:00:00Z"}})
        .to_string()
    };
    let deliveries = [
        ("msg-a", ticket(&members[0])),
        ("msg-b", ticket(&members[5])),
        ("msg-c", ticket(&members[5])),
    ];
    let delivered = join_all(deliveries.iter().map(|(id, body)| {
        env.call(
            Function::PartnerOffers,
            signed_webhook("cinema", &secret, id, body),
        )
    }))
    .await;
    for answer in delivered {
        assert!(answer.status.is_success(), "{}", answer.body);
    }
    let again = signed_webhook("cinema", &secret, "msg-a", &ticket(&members[0]));
    let again = env.call(Function::PartnerOffers, again).await;
    assert!(again.replayed(), "a redelivery is answered from its record");

    // Day 2: a full and a partial reversal, adjustments both ways, a redemption each, and one
    // cancelled; all at once.
    env.clock.set(START + Duration::days(1));
    let put = Call::new("PUT", "/v1/rewards/mug")
        .bearer(&env.admin_token())
        .json(&json!({"name": "Mug", "cost": 60}));
    ok(env, Function::RedeemReward, put, StatusCode::OK).await;
    let mut calls = vec![
        (
            Function::EarnPoints,
            Call::new(
                "POST",
                format!("/v1/members/{}/earn/{}-t0/reverse", members[0], members[0]),
            )
            .bearer(&env.till_token()),
        ),
        (
            Function::EarnPoints,
            Call::new(
                "POST",
                format!("/v1/members/{}/earn/{}-t0/reverse", members[1], members[1]),
            )
            .bearer(&env.till_token())
            .header("idempotency-key", "partial-1")
            .json(&json!({"amount": {"amount": 2500, "currency": "EUR"}})),
        ),
        (
            Function::EarnPoints,
            Call::new("POST", format!("/v1/members/{}/adjustments", members[2]))
                .bearer(&env.admin_token())
                .header("idempotency-key", "gift-2")
                .json(&json!({"points": 50, "reason": "Goodwill"})),
        ),
        (
            Function::EarnPoints,
            Call::new("POST", format!("/v1/members/{}/adjustments", members[3]))
                .bearer(&env.admin_token())
                .header("idempotency-key", "fix-3")
                .json(&json!({"points": -10, "reason": "Correction"})),
        ),
    ];
    for m in &members {
        calls.push((
            Function::RedeemReward,
            Call::new("POST", "/v1/members/me/redemptions")
                .bearer(&env.member_token(m))
                .header("idempotency-key", &format!("mug-{m}"))
                .json(&json!({"rewardId": "mug"})),
        ));
    }
    let answers = join_all(calls.into_iter().map(|(f, c)| env.call(f, c))).await;
    for answer in &answers {
        assert!(answer.status.is_success(), "{}", answer.body);
    }
    // The redemptions answer in the order asked, after the four calls above: cancel one.
    let redemption = answers[4 + 4].body["redemptionId"]
        .as_str()
        .expect("a redemption id");
    let cancel = Call::new(
        "POST",
        format!("/v1/members/me/redemptions/{redemption}/cancel"),
    )
    .bearer(&env.member_token(&members[4]));
    ok(env, Function::RedeemReward, cancel, StatusCode::OK).await;

    // A year on: the daily runs warn a month before the first year's lots end, then expire
    // them on the day.
    for at in [
        datetime!(2027-11-01 0:15 UTC),
        datetime!(2027-12-01 0:15 UTC),
    ] {
        env.clock.set(at);
        evaluate_tier::handle(&tiers, json!({"kind": "daily"}))
            .await
            .expect("the daily run");
    }

    let ranges = [("2026-11-23", "2027-11-22"), ("2027-11-23", "2027-12-01")];
    let (days, current) = metrics(env, &ranges).await;
    let (entries, balances) = table(env).await;
    assert_eq!(days.len(), 374, "every day from the first to today");
    assert!(
        entries.iter().any(|e| e.2 == "expire"),
        "the daily run expired points"
    );
    let partner: Vec<_> = entries.iter().filter(|e| e.2 == "partner_bonus").collect();
    assert_eq!(partner.len(), 2, "each partner purchase credited once");

    // The liability: the members' balances, their ledgers, and the figures agree.
    let balance_sum: i64 = balances.values().sum();
    let ledger_sum: i64 = entries.iter().map(|e| e.3).sum();
    assert_eq!(current["liability"], json!(balance_sum));
    assert_eq!(balance_sum, ledger_sum);
    assert_eq!(current["members"], json!(MEMBERS));

    // Each day, from the entries written that day.
    let mut liability = 0;
    for figures in &days {
        let day = Date::parse(
            figures["date"].as_str().expect("a date"),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .expect("a date");
        let of_day: Vec<_> = entries.iter().filter(|e| e.1 == day).collect();
        let sum = |kind: &str| -> i64 { of_day.iter().filter(|e| e.2 == kind).map(|e| e.3).sum() };
        liability += of_day.iter().map(|e| e.3).sum::<i64>();
        let mut issued = BTreeMap::new();
        for e in of_day.iter().filter(|e| e.3 > 0 && e.2 != "refund") {
            *issued.entry(e.2.clone()).or_insert(0_i64) += e.3;
        }
        assert_eq!(figures["issued"], json!(issued), "issued on {day}");
        assert_eq!(
            figures["redeemed"],
            json!(-sum("redeem") - sum("refund")),
            "redeemed on {day}"
        );
        assert_eq!(
            figures["expired"],
            json!(-sum("expire")),
            "expired on {day}"
        );
        assert_eq!(
            figures["reversed"],
            json!(-sum("reverse")),
            "reversed on {day}"
        );
        assert_eq!(figures["liability"], json!(liability), "liability on {day}");
        let redemptions = of_day.iter().filter(|e| e.2 == "redeem").count();
        assert_eq!(
            figures["redemptions"],
            json!(redemptions),
            "redemptions on {day}"
        );
        let new_members = if day == START.date() { MEMBERS } else { 0 };
        assert_eq!(
            figures["newMembers"],
            json!(new_members),
            "new members on {day}"
        );
        // Active: the members whose last earn or redemption written by then is recent.
        let active = balances
            .keys()
            .filter(|m| {
                entries
                    .iter()
                    .filter(|e| {
                        &e.0 == *m
                            && e.1 <= day
                            && ["earn", "redeem", "partner_bonus"].contains(&e.2.as_str())
                    })
                    .map(|e| e.1)
                    .max()
                    .is_some_and(|last| day < last + Duration::days(ACTIVE_DAYS))
            })
            .count();
        assert_eq!(
            figures["activeMembers"],
            json!(active),
            "active members on {day}"
        );
    }
    assert_eq!(days[0]["activeMembers"], json!(MEMBERS));
    assert_eq!(
        current["activeMembers"],
        json!(0),
        "nobody earned or redeemed in 60 days"
    );

    // The journal: the same movements, by day and type.
    let mut journal: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (from, to) in ranges {
        let call = Call::new("GET", format!("/v1/metrics/journal?from={from}&to={to}"))
            .bearer(&env.admin_token());
        let response = env.call(Function::EarnPoints, call).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.headers["content-type"], "text/csv; charset=utf-8");
        let text = response.body.as_str().expect("a CSV body").to_string();
        let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
        assert_eq!(lines.next(), Some("date,type,points"));
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            let points = fields[2].parse::<i64>().expect("whole points");
            journal.insert((fields[0].to_string(), fields[1].to_string()), points);
        }
    }
    let mut ledger: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (_, day, kind, points) in &entries {
        *ledger.entry((day.to_string(), kind.clone())).or_insert(0) += points;
    }
    assert_eq!(journal, ledger);

    // Reconciliation, two members a call, finds the balances equal to the figures and writes
    // nothing.
    let untouched = env.table_snapshot().await;
    let (last, pages) = reconcile(env, 2).await;
    assert!(pages >= MEMBERS / 2, "paged: {pages} calls");
    assert_eq!(last["membersChecked"], json!(MEMBERS));
    assert_eq!(last["balances"], json!(balance_sum));
    assert_eq!(
        (&last["difference"], &last["membersDifference"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(env.table_snapshot().await, untouched);

    // Replaying every stream record, twice, changes no figure.
    let before = metrics(env, &ranges).await;
    let mut records = Vec::new();
    loop {
        let event = stream.next_event().await;
        let batch = event["Records"].as_array().cloned().unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        records.extend(batch);
    }
    assert!(!records.is_empty(), "the workload wrote to the stream");
    for _ in 0..2 {
        for chunk in records.chunks(100) {
            evaluate_tier::handle(&tiers, json!({"Records": chunk}))
                .await
                .expect("the stream handler");
        }
    }
    assert_eq!(metrics(env, &ranges).await, before);
}

/// A whole reconciliation run, `limit` members a call: its last answer and the calls it took.
pub(crate) async fn reconcile(env: &TestEnv, limit: u16) -> (Value, usize) {
    let mut cursor: Option<String> = None;
    for calls in 1..=100 {
        let path = match &cursor {
            Some(c) => format!("/v1/metrics/reconciliation?limit={limit}&cursor={c}"),
            None => format!("/v1/metrics/reconciliation?limit={limit}"),
        };
        let call = Call::new("GET", path).bearer(&env.admin_token());
        let page = ok(env, Function::EarnPoints, call, StatusCode::OK).await;
        if page["complete"] == json!(true) {
            assert_eq!(page["nextCursor"], Value::Null);
            return (page, calls);
        }
        assert_eq!(page["difference"], Value::Null, "no verdict before the end");
        cursor = Some(page["nextCursor"].as_str().expect("a cursor").to_string());
    }
    panic!("the run did not end in 100 calls");
}

#[tokio::test]
async fn reconciliation_reports_a_balance_changed_behind_the_figures_back() {
    let env = &TestEnv::new().await;
    for m in ["r-1", "r-2", "r-3"] {
        env.enrol(m).await;
        let earned = env.earn(m, purchase(&format!("{m}-t"), 5_000, None)).await;
        assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    }
    let (agreed, _) = reconcile(env, 1000).await;
    assert_eq!(agreed["difference"], json!(0));
    // A balance changed outside any operation (no entry, no figures): the run must see it.
    env.client
        .update_item()
        .table_name(&env.table)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S("MEMBER#r-2".into()),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("PROFILE".into()),
        )
        .update_expression("SET balance = balance + :seven")
        .expression_attribute_values(
            ":seven",
            aws_sdk_dynamodb::types::AttributeValue::N("7".into()),
        )
        .send()
        .await
        .expect("the tampering");
    let (off, _) = reconcile(env, 1).await;
    assert_eq!(off["difference"], json!(7), "{off}");
    assert_eq!(
        (&off["membersDifference"], &off["changedDuringRun"]),
        (&json!(0), &json!(0))
    );

    for query in [
        "limit=0",
        "limit=1001",
        "limit=x",
        "cursor=nope",
        "cursor=eyJzaGFyZCI6MX0",
    ] {
        let call = Call::new("GET", format!("/v1/metrics/reconciliation?{query}"))
            .bearer(&env.admin_token());
        let response = env.call(Function::EarnPoints, call).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.error_code(), "invalid_request", "{query}");
    }
    let till = Call::new("GET", "/v1/metrics/reconciliation").bearer(&env.till_token());
    assert_eq!(
        env.call(Function::EarnPoints, till).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_bad_range_is_refused_and_metrics_are_for_operators_only() {
    let env = TestEnv::new().await;
    for (query, why) in [
        ("from=2026-01-01&to=2027-01-02", "367 days"),
        ("from=2026-02-02&to=2026-02-01", "to before from"),
        ("from=2026-02-30&to=2026-03-01", "not a date"),
        ("from=yesterday&to=2026-03-01", "not a date"),
        ("to=2026-03-01", "from missing"),
        ("from=2026-03-01", "to missing"),
    ] {
        for path in ["/v1/metrics", "/v1/metrics/journal"] {
            let call = Call::new("GET", format!("{path}?{query}")).bearer(&env.admin_token());
            let response = env.call(Function::EarnPoints, call).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path} {why}");
            assert_eq!(response.error_code(), "invalid_request", "{path} {why}");
        }
    }
    let till =
        Call::new("GET", "/v1/metrics?from=2026-01-01&to=2026-01-31").bearer(&env.till_token());
    assert_eq!(
        env.call(Function::EarnPoints, till).await.status,
        StatusCode::FORBIDDEN
    );
    let member = Call::new("GET", "/v1/metrics/journal?from=2026-01-01&to=2026-01-31")
        .bearer(&env.member_token("someone"));
    assert_eq!(
        env.call(Function::EarnPoints, member).await.status,
        StatusCode::FORBIDDEN
    );
}
