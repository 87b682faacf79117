//! Targeted offers against DynamoDB Local (API.md "Targeted offers"): audiences of each kind
//! and combined, activation, per-member limits and budgets under concurrent purchases, a
//! refund giving back to the budget and the member, the erasure taking a member out of an
//! audience, earn staying at two calls, and every refusal changing nothing.

use std::collections::BTreeSet;

use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty::Context;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, invoke, purchase};
use serde_json::{Value, json};
use time::macros::datetime;

const FROM: &str = "2026-11-01T00:00:00Z";
const TO: &str = "2027-03-01T00:00:00Z";

/// An offer body: `fixedPoints` for everyone in the demo window, changed by `extra`.
fn offer(points: i64, extra: Value) -> Value {
    let mut body = json!({"title": "Bonus", "bonus": {"fixedPoints": points},
        "validFrom": FROM, "validTo": TO});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn put_call(env: &TestEnv, id: &str, body: &Value) -> Call {
    Call::new("PUT", format!("/v1/offers/{id}"))
        .bearer(&env.admin_token())
        .json(body)
}

async fn put_offer(env: &TestEnv, id: &str, body: Value) -> Value {
    let response = env
        .call(Function::EarnPoints, put_call(env, id, &body))
        .await;
    assert!(
        response.status == StatusCode::CREATED || response.status == StatusCode::OK,
        "{id}: {}",
        response.body
    );
    response.body
}

async fn all_offers(env: &TestEnv) -> Vec<Value> {
    let response = env
        .call(
            Function::EarnPoints,
            Call::new("GET", "/v1/offers").bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body["items"].as_array().unwrap().clone()
}

async fn budget_used(env: &TestEnv, id: &str) -> i64 {
    let offers = all_offers(env).await;
    let offer = offers.iter().find(|o| o["offerId"] == id).unwrap();
    offer["budgetUsed"].as_i64().unwrap()
}

async fn my_offers(env: &TestEnv, member: &str) -> Vec<Value> {
    let response = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me/offers").bearer(&env.member_token(member)),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body["items"].as_array().unwrap().clone()
}

async fn offered_ids(env: &TestEnv, member: &str) -> BTreeSet<String> {
    my_offers(env, member)
        .await
        .iter()
        .map(|o| o["offerId"].as_str().unwrap().to_string())
        .collect()
}

fn activate_call(env: &TestEnv, member: &str, id: &str) -> Call {
    Call::new("POST", format!("/v1/members/me/offers/{id}/activate"))
        .bearer(&env.member_token(member))
}

/// The `offer:<id>` lines of an earn's breakdown, as (id, points).
fn offer_lines(earned: &TestResponse) -> Vec<(String, i64)> {
    assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    earned.body["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| {
            let rule = line["rule"].as_str()?.strip_prefix("offer:")?;
            Some((rule.to_string(), line["points"].as_i64()?))
        })
        .collect()
}

fn ids(lines: &[(String, i64)]) -> BTreeSet<String> {
    lines.iter().map(|(id, _)| id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_string()).collect()
}

async fn set_floor(env: &TestEnv, member: &str, tier: &str) {
    let floor = Call::new("PUT", format!("/v1/members/{member}/tier-floor"))
        .bearer(&env.admin_token())
        .header("idempotency-key", &format!("floor-{member}"))
        .json(&json!({"tier": tier, "until": "2027-06-01T00:00:00Z", "reason": "status match"}));
    let response = env.call(Function::EarnPoints, floor).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

async fn set_birthday(env: &TestEnv, member: &str, birthday: &str) {
    let patch = Call::new("PATCH", "/v1/members/me")
        .bearer(&env.member_token(member))
        .json(&json!({ "birthday": birthday }));
    let response = env.call(Function::MemberApi, patch).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn each_kind_of_audience_and_their_combination_pick_the_members_they_name() {
    let env = TestEnv::new().await;
    for member in ["ana", "ben", "cat", "dan"] {
        env.enrol(member).await;
    }
    set_birthday(&env, "ben", "11-30").await;
    set_floor(&env, "cat", "Gold").await;
    set_floor(&env, "dan", "Gold").await;
    set_birthday(&env, "dan", "11-02").await;
    let audiences = [
        ("everyone", Value::Null),
        ("for-gold", json!({"tiers": ["Gold"]})),
        ("quiet-30", json!({"inactiveForDays": 30})),
        ("newcomers-7", json!({"enrolledWithinDays": 7})),
        ("birthday", json!({"birthdayMonth": true})),
        ("listed", json!({"memberIds": ["ana"]})),
        (
            "gold-birthday",
            json!({"tiers": ["Gold"], "birthdayMonth": true}),
        ),
    ];
    for (points, (id, audience)) in (1..).zip(audiences) {
        let extra = match audience {
            Value::Null => json!({}),
            audience => json!({ "audience": audience }),
        };
        put_offer(&env, id, offer(points, extra)).await;
    }

    // 2026-11-23, in everyone's first week and in November.
    let now = [
        ("ana", set(&["everyone", "newcomers-7", "listed"])),
        ("ben", set(&["everyone", "newcomers-7", "birthday"])),
        ("cat", set(&["everyone", "newcomers-7", "for-gold"])),
        (
            "dan",
            set(&[
                "everyone",
                "newcomers-7",
                "for-gold",
                "birthday",
                "gold-birthday",
            ]),
        ),
    ];
    for (member, expected) in &now {
        assert_eq!(&offered_ids(&env, member).await, expected, "{member}");
    }
    // An earn applies exactly the offers the member is shown, each with its own points.
    let earned = env.earn("dan", purchase("d-1", 1000, None)).await;
    let lines = offer_lines(&earned);
    assert_eq!(ids(&lines), now[3].1);
    assert!(lines.contains(&("gold-birthday".into(), 7)), "{lines:?}");

    // 31 days on, in December: ana has just bought, the others have been quiet since they
    // enrolled; nobody is new and nobody's birthday is this month.
    env.clock.set(datetime!(2026-12-24 12:00 UTC));
    offer_lines(&env.earn("ana", purchase("a-1", 1000, None)).await);
    let later = [
        ("ana", set(&["everyone", "listed"])),
        ("ben", set(&["everyone", "quiet-30"])),
        ("cat", set(&["everyone", "for-gold", "quiet-30"])),
        // dan bought on the first day: quiet for 31 days too.
        ("dan", set(&["everyone", "for-gold", "quiet-30"])),
    ];
    for (member, expected) in &later {
        assert_eq!(&offered_ids(&env, member).await, expected, "{member}");
    }
    let earned = env.earn("ben", purchase("b-1", 1000, None)).await;
    assert_eq!(ids(&offer_lines(&earned)), later[1].1);
    // Having bought, ben is no longer quiet.
    assert_eq!(offered_ids(&env, "ben").await, set(&["everyone"]));
}

#[tokio::test]
async fn an_offer_that_needs_activation_applies_only_once_activated_and_only_for_its_audience() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    env.enrol("ben").await;
    put_offer(
        &env,
        "clip",
        offer(
            50,
            json!({"requiresActivation": true, "audience": {"memberIds": ["ana"]}}),
        ),
    )
    .await;
    put_offer(&env, "paused", offer(5, json!({"active": false}))).await;
    let before = offer_lines(&env.earn("ana", purchase("a-1", 1000, None)).await);
    assert!(before.is_empty(), "not activated yet: {before:?}");
    let shown = my_offers(&env, "ana").await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0]["requiresActivation"], true);
    assert_eq!(shown[0]["activated"], false);

    let activated = env
        .call(Function::MemberApi, activate_call(&env, "ana", "clip"))
        .await;
    assert_eq!(activated.status, StatusCode::OK, "{}", activated.body);
    assert_eq!(
        activated.body,
        json!({"offerId": "clip", "activated": true})
    );
    // Again: the same answer, and nothing written.
    let table = env.table_snapshot().await;
    let again = env
        .call(Function::MemberApi, activate_call(&env, "ana", "clip"))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, activated.body);
    assert_eq!(env.table_snapshot().await, table);
    assert_eq!(my_offers(&env, "ana").await[0]["activated"], true);
    // The member's export holds the activation.
    let export = Call::new("GET", "/v1/members/me/export").bearer(&env.member_token("ana"));
    let exported = env.call(Function::MemberApi, export).await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    assert_eq!(
        exported.body["storedProfile"]["offers"]["clip"]["activated"],
        true
    );
    let after = offer_lines(&env.earn("ana", purchase("a-2", 1000, None)).await);
    assert_eq!(after, vec![("clip".to_string(), 50)]);

    // Not ben's, unknown, paused, or over: 404, and nothing changes.
    let table = env.table_snapshot().await;
    for (member, id) in [("ben", "clip"), ("ana", "nope"), ("ana", "paused")] {
        let refused = env
            .call(Function::MemberApi, activate_call(&env, member, id))
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{member} {id}");
        assert_eq!(refused.error_code(), "not_found");
    }
    assert_eq!(env.table_snapshot().await, table);
    env.clock.set(datetime!(2027-03-01 0:00 UTC));
    let table = env.table_snapshot().await;
    let over = env
        .call(Function::MemberApi, activate_call(&env, "ana", "clip"))
        .await;
    assert_eq!(over.status, StatusCode::NOT_FOUND);
    assert!(my_offers(&env, "ana").await.is_empty());
    assert_eq!(env.table_snapshot().await, table);
}

#[tokio::test]
async fn a_per_member_limit_holds_under_concurrent_purchases() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    put_offer(&env, "thrice", offer(10, json!({"perMemberLimit": 3}))).await;
    let earns = (0..12).map(|i| env.earn("ana", purchase(&format!("a-{i}"), 1000, None)));
    let awarded: Vec<(String, i64)> = join_all(earns).await.iter().flat_map(offer_lines).collect();
    assert_eq!(awarded.len(), 3, "{awarded:?}");
    let shown = my_offers(&env, "ana").await;
    assert_eq!(shown[0]["usesLeft"], 0, "{shown:?}");
    assert_eq!(budget_used(&env, "thrice").await, 30);
}

/// `concurrent` purchases by as many members, each worth `points` of an offer whose budget
/// is `budget`: the offer's lines summed, and how many purchases got it.
async fn race_for_budget(env: &TestEnv, id: &str, budget: i64, points: i64, concurrent: usize) {
    put_offer(env, id, offer(points, json!({ "budgetPoints": budget }))).await;
    let members: Vec<String> = (0..concurrent).map(|i| format!("{id}-m{i}")).collect();
    for member in &members {
        env.enrol(member).await;
    }
    let earns = members
        .iter()
        .map(|m| env.earn(m, purchase(&format!("{m}-t"), 1000, None)));
    let responses = join_all(earns).await;
    let awarded: i64 = responses
        .iter()
        .flat_map(offer_lines)
        .map(|(_, points)| points)
        .sum();
    assert_eq!(awarded, budget, "{id}: exactly the budget, never more");
    assert_eq!(budget_used(env, id).await, budget, "{id}");
    // Spent: one more purchase gets nothing from it.
    let late = env.earn(&members[0], purchase("late", 1000, None)).await;
    assert!(offer_lines(&late).is_empty(), "{}", late.body);
}

#[tokio::test]
async fn a_budget_of_1000_points_under_40_concurrent_earns_awards_exactly_the_budget() {
    let env = TestEnv::new().await;
    race_for_budget(&env, "thousand", 1000, 50, 40).await;
    // A budget big enough for three shards: the purchases that find theirs spent move to
    // the others, until all three are.
    race_for_budget(&env, "sharded", 30_000, 1000, 40).await;
    let offers = all_offers(&env).await;
    let sharded = offers.iter().find(|o| o["offerId"] == "sharded").unwrap();
    assert_eq!(sharded["budgetShards"], 3, "{sharded}");
}

#[tokio::test]
async fn a_refund_gives_the_offers_points_back_to_its_budget_and_the_use_back_to_the_member() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    env.enrol("ben").await;
    put_offer(
        &env,
        "once",
        offer(100, json!({"budgetPoints": 100, "perMemberLimit": 1})),
    )
    .await;
    let first = env.earn("ana", purchase("a-1", 1000, None)).await;
    assert_eq!(offer_lines(&first), vec![("once".to_string(), 100)]);
    assert!(offer_lines(&env.earn("ben", purchase("b-1", 1000, None)).await).is_empty());
    assert_eq!(my_offers(&env, "ana").await[0]["usesLeft"], 0);

    let reverse = |key: &str, body: Value| {
        Call::new("POST", "/v1/members/ana/earn/a-1/reverse")
            .bearer(&env.till_token())
            .header("idempotency-key", key)
            .json(&body)
    };
    let half = env
        .call(
            Function::EarnPoints,
            reverse("r-1", json!({"amount": {"amount": 500, "currency": "EUR"}})),
        )
        .await;
    assert_eq!(half.status, StatusCode::CREATED, "{}", half.body);
    assert_eq!(
        budget_used(&env, "once").await,
        50,
        "half the refund, half back"
    );
    assert_eq!(my_offers(&env, "ana").await[0]["usesLeft"], 0, "still used");
    let rest = env
        .call(Function::EarnPoints, reverse("r-2", json!({})))
        .await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    assert_eq!(budget_used(&env, "once").await, 0);
    assert_eq!(my_offers(&env, "ana").await[0]["usesLeft"], 1);
    // The budget is whole again: the next purchase gets the offer.
    let second = env.earn("ben", purchase("b-2", 1000, None)).await;
    assert_eq!(offer_lines(&second), vec![("once".to_string(), 100)]);
    assert_eq!(budget_used(&env, "once").await, 100);
}

#[tokio::test]
async fn replacing_an_offer_moves_its_budget_and_keeps_what_it_gave() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    let created = put_offer(&env, "grow", offer(40, json!({"budgetPoints": 100}))).await;
    assert_eq!(created["budgetUsed"], 0);
    assert_eq!(created["active"], true);
    assert_eq!(created["requiresActivation"], false);
    for i in 0..3 {
        env.earn("ana", purchase(&format!("g-{i}"), 1000, None))
            .await;
    }
    assert_eq!(budget_used(&env, "grow").await, 80, "two of 40 fit in 100");
    let replaced = env
        .call(
            Function::EarnPoints,
            put_call(&env, "grow", &offer(40, json!({"budgetPoints": 200}))),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["budgetUsed"], 80);
    for i in 3..8 {
        env.earn("ana", purchase(&format!("g-{i}"), 1000, None))
            .await;
    }
    assert_eq!(budget_used(&env, "grow").await, 200, "three more of 40 fit");
    // Lowered below what it gave, and then without a budget: nothing more, then all.
    put_offer(&env, "grow", offer(40, json!({"budgetPoints": 10}))).await;
    let none = env.earn("ana", purchase("g-9", 1000, None)).await;
    assert!(offer_lines(&none).is_empty());
    put_offer(&env, "grow", offer(40, json!({}))).await;
    let unlimited = env.earn("ana", purchase("g-10", 1000, None)).await;
    assert_eq!(offer_lines(&unlimited), vec![("grow".to_string(), 40)]);
    assert_eq!(budget_used(&env, "grow").await, 240);
}

#[tokio::test]
async fn a_till_that_kept_an_offer_before_its_budget_changed_never_overspends_it() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    // The tills' function keeps its own copy of the offer set.
    let tills = Context {
        shared: SharedItems::new(DEFAULT_TTL),
        ..env.context.clone()
    };
    let earn = |transaction: &str| {
        Call::new("POST", "/v1/members/ana/earn")
            .bearer(&env.till_token())
            .json(&purchase(transaction, 1000, None))
    };
    put_offer(&env, "switch", offer(30, json!({}))).await;
    let first = invoke(&tills, Function::EarnPoints, earn("s-1")).await;
    assert_eq!(offer_lines(&first), vec![("switch".to_string(), 30)]);
    // Given a budget of nothing: the tills still think it has none, and give nothing.
    put_offer(&env, "switch", offer(30, json!({"budgetPoints": 0}))).await;
    let stale = invoke(&tills, Function::EarnPoints, earn("s-2")).await;
    assert!(offer_lines(&stale).is_empty(), "{}", stale.body);
    assert_eq!(budget_used(&env, "switch").await, 30);
    // Without a budget again; a refund by the stale tills gives the points back, and the
    // offer applies again once the tills read it afresh.
    put_offer(&env, "switch", offer(30, json!({}))).await;
    let refund = Call::new("POST", "/v1/members/ana/earn/s-1/reverse")
        .bearer(&env.till_token())
        .json(&json!({}));
    let refunded = invoke(&tills, Function::EarnPoints, refund).await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
    assert_eq!(budget_used(&env, "switch").await, 0);
    env.clock.advance(DEFAULT_TTL);
    let fresh = invoke(&tills, Function::EarnPoints, earn("s-3")).await;
    assert_eq!(offer_lines(&fresh), vec![("switch".to_string(), 30)]);
}

#[tokio::test]
async fn an_erased_member_leaves_every_audience_that_named_it() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    env.enrol("ben").await;
    put_offer(
        &env,
        "pair",
        offer(5, json!({"audience": {"memberIds": ["ana", "ben"]}})),
    )
    .await;
    let erase = Call::new("DELETE", "/v1/members/me").bearer(&env.member_token("ana"));
    let erased = env.call(Function::MemberApi, erase).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    let offers = all_offers(&env).await;
    assert_eq!(offers[0]["audience"]["memberIds"], json!(["ben"]));
    assert_eq!(offered_ids(&env, "ben").await, set(&["pair"]));
}

#[tokio::test]
async fn earn_stays_at_two_calls_with_fifty_offers() {
    let counter = CallCounter::default();
    let env = TestEnv::new_on(counter.client().await).await;
    env.enrol("ana").await;
    for i in 0..50 {
        put_offer(&env, &format!("o-{i:02}"), offer(1, json!({}))).await;
    }
    // The first earn reads the offer set; it is kept for the next.
    offer_lines(&env.earn("ana", purchase("a-0", 1000, None)).await);
    counter.reset();
    let earned = env.earn("ana", purchase("a-1", 1000, None)).await;
    assert_eq!(
        offer_lines(&earned).len(),
        40,
        "at most 40 offers a purchase"
    );
    assert_eq!(
        counter.by_operation(),
        [
            ("TransactGetItems".to_string(), 1),
            ("TransactWriteItems".to_string(), 1)
        ]
        .into(),
    );
}

#[tokio::test]
async fn every_refusal_is_a_clear_error_and_changes_nothing() {
    let env = TestEnv::new().await;
    env.enrol("ana").await;
    put_offer(&env, "kept", offer(5, json!({}))).await;
    let too_many: Vec<String> = (0..1001).map(|i| format!("m-{i}")).collect();
    let bad = [
        json!({"audience": {"tiers": ["Platinum"]}}),
        json!({"audience": {"memberIds": too_many}}),
        json!({"audience": {"inactiveForDays": 0}}),
        json!({"audience": {"enrolledWithinDays": 3651}}),
        json!({"audience": {"memberIds": ["not an id!"]}}),
        json!({"validFrom": TO, "validTo": FROM}),
        json!({"validTo": FROM}),
        json!({"bonus": {"multiplier": 0}}),
        json!({"bonus": {"multiplier": -1}}),
        json!({"bonus": {"multiplier": 100.5}}),
        json!({"bonus": {"fixedPoints": 0}}),
        json!({"bonus": {}}),
        json!({"budgetPoints": -1}),
        json!({"perMemberLimit": 0}),
        json!({"title": ""}),
        json!({"title": "x".repeat(129)}),
        json!({"minSpend": {"amount": -1, "currency": "EUR"}}),
        json!({"unknown": true}),
    ];
    let table = env.table_snapshot().await;
    for extra in bad {
        let body = offer(10, extra.clone());
        for id in ["kept", "new-one"] {
            let refused = env
                .call(Function::EarnPoints, put_call(&env, id, &body))
                .await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{extra}: {}",
                refused.body
            );
            assert_eq!(refused.error_code(), "invalid_request", "{extra}");
            assert!(
                refused.body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
    // Members and tills may not publish or list offers; a bad offer id is refused.
    let member = env.member_token("ana");
    for (call, status) in [
        (
            put_call(&env, "mine", &offer(5, json!({}))).bearer(&member),
            StatusCode::FORBIDDEN,
        ),
        (
            Call::new("GET", "/v1/offers").bearer(&env.till_token()),
            StatusCode::FORBIDDEN,
        ),
        (
            put_call(&env, "bad%20id", &offer(5, json!({}))),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = env.call(Function::EarnPoints, call).await;
        assert_eq!(refused.status, status, "{}", refused.body);
    }
    // A member not enrolled has no offers to list or activate.
    for call in [
        Call::new("GET", "/v1/members/me/offers").bearer(&env.member_token("zed")),
        activate_call(&env, "zed", "kept"),
    ] {
        let refused = env.call(Function::MemberApi, call).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    }
    assert_eq!(env.table_snapshot().await, table);
}
