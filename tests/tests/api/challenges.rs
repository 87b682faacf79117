//! Challenges against DynamoDB Local: purchases and actions in the window move the
//! member's progress, reaching the goal pays once (even when twenty concurrent purchases
//! cross it together), a full reversal takes its progress back and keeps a paid reward, the
//! programme's new fields are checked on `PUT /v1/program`, and earn stays at two calls
//! with challenges and a membership running.

use futures::future::join_all;
use lambda_http::http::StatusCode;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, TestEnv, program_with, purchase};
use serde_json::{Value, json};

use crate::actions::act;

/// The demo programme with `coffee-3` (three coffees in the window: 200 points and the badge
/// `regular`) and `spend-50` (50.00 EUR of anything: 300 points).
fn challenge_programme() -> Value {
    program_with(|p| {
        let window = ("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z");
        let challenges = p["challenges"].as_array_mut().unwrap();
        challenges.push(json!({"challengeId": "coffee-3", "name": "Three coffees",
            "validFrom": window.0, "validTo": window.1, "goal": {"purchases": 3},
            "categories": ["coffee"], "reward": {"points": 200}, "badge": "regular"}));
        challenges.push(json!({"challengeId": "spend-50", "name": "Spend 50 EUR",
            "validFrom": window.0, "validTo": window.1,
            "goal": {"spend": {"amount": 5000, "currency": "EUR"}}, "reward": {"points": 300}}));
    })
}

async fn my_challenges(env: &TestEnv, member: &str) -> Vec<Value> {
    let response = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me/challenges").bearer(&env.member_token(member)),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body["items"].as_array().unwrap().clone()
}

fn challenge<'a>(items: &'a [Value], id: &str) -> &'a Value {
    items.iter().find(|c| c["challengeId"] == id).unwrap()
}

async fn rewards(env: &TestEnv, member: &str) -> Vec<Value> {
    env.all_activity(member, 100)
        .await
        .into_iter()
        .filter(|e| e["type"] == "challenge_reward")
        .collect()
}

async fn events_of(env: &TestEnv, member: &str, kind: &str) -> Vec<Value> {
    let events = env.events(member).await;
    events.into_iter().filter(|e| e["type"] == kind).collect()
}

#[tokio::test]
async fn progress_shows_in_the_app_and_the_goal_pays_its_reward_and_badge() {
    let env = TestEnv::with(&challenge_programme()).await;
    env.enrol("ana").await;
    let items = my_challenges(&env, "ana").await;
    let ids: Vec<&str> = items
        .iter()
        .map(|c| c["challengeId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["critic", "coffee-3", "spend-50"]);
    let spend = challenge(&items, "spend-50");
    assert_eq!(
        (
            spend["kind"].as_str(),
            spend["goal"].as_i64(),
            spend["currency"].as_str()
        ),
        (Some("spend"), Some(5000), Some("EUR"))
    );
    for (i, amount) in [300, 300].into_iter().enumerate() {
        let earned = env
            .earn("ana", purchase(&format!("c-{i}"), amount, Some("coffee")))
            .await;
        assert_eq!(
            earned.body["challengesCompleted"],
            json!([]),
            "{}",
            earned.body
        );
    }
    // A bakery purchase adds to the spend, not to the coffees.
    env.earn("ana", purchase("b-1", 1000, Some("bakery"))).await;
    let items = my_challenges(&env, "ana").await;
    assert_eq!(challenge(&items, "coffee-3")["progress"], 2);
    assert_eq!(challenge(&items, "spend-50")["progress"], 1600);
    let third = env.earn("ana", purchase("c-3", 300, Some("coffee"))).await;
    assert_eq!(
        third.body["challengesCompleted"],
        json!(["coffee-3"]),
        "{}",
        third.body
    );
    let items = my_challenges(&env, "ana").await;
    assert_eq!(challenge(&items, "coffee-3")["completed"], true);
    assert_eq!(challenge(&items, "spend-50")["completed"], false);
    let paid = rewards(&env, "ana").await;
    assert_eq!(paid.len(), 1);
    assert_eq!(
        (paid[0]["points"].as_i64(), paid[0]["reference"].as_str()),
        (Some(200), Some("challenge:coffee-3"))
    );
    assert_eq!(env.me("ana").await.body["badges"], json!(["regular"]));
    let events = events_of(&env, "ana", "ChallengeCompleted").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["detail"]["challengeId"], "coffee-3");
    assert_eq!(events[0]["detail"]["marketingConsent"], false);
    // Three reviews, on three days, complete the action challenge.
    for day in 0..3 {
        let done = act(&env, "ana", &format!("r-{day}"), "review").await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
        let expected = if day == 2 {
            json!(["critic"])
        } else {
            json!([])
        };
        assert_eq!(done.body["challengesCompleted"], expected);
        env.clock.advance(time::Duration::days(1));
    }
    assert_eq!(
        env.me("ana").await.body["badges"],
        json!(["regular", "critic"])
    );
    let me = env.me("ana").await.body;
    assert_eq!(loyalty_tests::held_points(&me), env.ledger_sum("ana").await);
}

#[tokio::test]
async fn twenty_concurrent_purchases_crossing_the_goal_pay_the_challenge_once() {
    let env = TestEnv::with(&challenge_programme()).await;
    env.enrol("ana").await;
    env.earn("ana", purchase("c-0", 300, Some("coffee"))).await;
    let replies = join_all((1..=20).map(|i| {
        let env = &env;
        // 21 purchases of at most 3.00 EUR stay below spend-50's goal.
        async move {
            env.earn("ana", purchase(&format!("c-{i}"), 200, Some("coffee")))
                .await
        }
    }))
    .await;
    let completing: Vec<&Value> = replies
        .iter()
        .inspect(|r| assert_eq!(r.status, StatusCode::CREATED, "{}", r.body))
        .filter(|r| r.body["challengesCompleted"] != json!([]))
        .map(|r| &r.body)
        .collect();
    assert_eq!(
        completing.len(),
        1,
        "exactly one purchase completes it: {completing:?}"
    );
    assert_eq!(rewards(&env, "ana").await.len(), 1);
    assert_eq!(events_of(&env, "ana", "ChallengeCompleted").await.len(), 1);
    assert_eq!(env.me("ana").await.body["badges"], json!(["regular"]));
    assert_eq!(
        challenge(&my_challenges(&env, "ana").await, "coffee-3")["progress"],
        21
    );
    let me = env.me("ana").await.body;
    assert_eq!(loyalty_tests::held_points(&me), env.ledger_sum("ana").await);
}

#[tokio::test]
async fn a_full_reversal_takes_back_its_progress_and_a_paid_reward_stays() {
    let env = TestEnv::with(&challenge_programme()).await;
    env.enrol("ana").await;
    for i in 0..3 {
        env.earn("ana", purchase(&format!("c-{i}"), 300, Some("coffee")))
            .await;
    }
    assert_eq!(rewards(&env, "ana").await.len(), 1);
    let reverse = |id: &str| {
        Call::new("POST", format!("/v1/members/ana/earn/{id}/reverse")).bearer(&env.till_token())
    };
    let reversed = env.call(Function::EarnPoints, reverse("c-2")).await;
    assert_eq!(reversed.status, StatusCode::CREATED, "{}", reversed.body);
    assert_eq!(reversed.body["challengesKept"], json!(["coffee-3"]));
    let items = my_challenges(&env, "ana").await;
    assert_eq!(challenge(&items, "coffee-3")["progress"], 2);
    assert_eq!(challenge(&items, "coffee-3")["completed"], true);
    assert_eq!(challenge(&items, "spend-50")["progress"], 600);
    assert_eq!(rewards(&env, "ana").await.len(), 1, "the reward stays");
    // A partial refund keeps the progress; the reversal before the goal undoes it.
    env.earn("ana", purchase("s-1", 4000, None)).await;
    let partial = Call::new("POST", "/v1/members/ana/earn/s-1/reverse")
        .bearer(&env.till_token())
        .header("idempotency-key", "part-1")
        .json(&json!({"amount": {"amount": 1000, "currency": "EUR"}}));
    let partial = env.call(Function::EarnPoints, partial).await;
    assert_eq!(
        partial.body["challengesKept"],
        json!([]),
        "{}",
        partial.body
    );
    assert_eq!(
        challenge(&my_challenges(&env, "ana").await, "spend-50")["progress"],
        4600
    );
    let rest = env.call(Function::EarnPoints, reverse("s-1")).await;
    assert_eq!(rest.body["challengesKept"], json!([]), "{}", rest.body);
    assert_eq!(
        challenge(&my_challenges(&env, "ana").await, "spend-50")["progress"],
        600
    );
    let me = env.me("ana").await.body;
    assert_eq!(loyalty_tests::held_points(&me), env.ledger_sum("ana").await);
}

/// A change made to the demo programme's document.
type Edit = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn the_programme_s_actions_challenges_and_plans_are_checked_with_the_reason() {
    let env = TestEnv::new().await;
    let table = env.table_snapshot().await;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "is not a tier",
            Box::new(|p| p["membershipPlans"][0]["tier"] = json!("Platinum")),
        ),
        (
            "validFrom must be before validTo",
            Box::new(|p| p["challenges"][0]["validTo"] = json!("2025-01-01T00:00:00Z")),
        ),
        (
            "goal must be at least 1",
            Box::new(|p| p["challenges"][0]["goal"]["actions"]["count"] = json!(0)),
        ),
        (
            "goal must be at least 1",
            Box::new(|p| p["challenges"][0]["goal"] = json!({"purchases": 0})),
        ),
        (
            "reward.points",
            Box::new(|p| p["challenges"][0]["reward"]["points"] = json!(-5)),
        ),
        (
            "points must be between 1",
            Box::new(|p| p["actionRules"][0]["points"] = json!(-1)),
        ),
        (
            "maxPerDay",
            Box::new(|p| p["actionRules"][0]["maxPerDay"] = json!(0)),
        ),
        (
            "more than once",
            Box::new(|p| {
                let rule = p["actionRules"][0].clone();
                p["actionRules"].as_array_mut().unwrap().push(rule);
            }),
        ),
        (
            "more than once",
            Box::new(|p| {
                let c = p["challenges"][0].clone();
                p["challenges"].as_array_mut().unwrap().push(c);
            }),
        ),
        (
            "more than once",
            Box::new(|p| {
                let plan = p["membershipPlans"][0].clone();
                p["membershipPlans"].as_array_mut().unwrap().push(plan);
            }),
        ),
        (
            "has no rule in actionRules",
            Box::new(|p| p["challenges"][0]["goal"]["actions"]["action"] = json!("tweet")),
        ),
        (
            "is not one the programme takes",
            Box::new(|p| {
                p["challenges"][0]["goal"] = json!({"spend": {"amount": 100, "currency": "JPY"}})
            }),
        ),
        (
            "multiplier",
            Box::new(|p| p["membershipPlans"][0]["earnMultiplier"] = json!(0)),
        ),
        (
            "unknown field",
            Box::new(|p| p["membershipPlans"][0]["price"] = json!(10)),
        ),
    ];
    for (reason, change) in cases {
        let body = program_with(|p| change(p));
        let put = Call::new("PUT", "/v1/program")
            .bearer(&env.admin_token())
            .json(&body);
        let refused = env.call(Function::EarnPoints, put).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{reason}: {}",
            refused.body
        );
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{reason}: {message}");
    }
    assert_eq!(env.table_snapshot().await, table);
}

#[tokio::test]
async fn earn_stays_at_two_calls_with_challenges_and_a_membership_running() {
    let counter = CallCounter::default();
    let env = TestEnv::new_on(counter.client().await).await;
    let put = Call::new("PUT", "/v1/program")
        .bearer(&env.admin_token())
        .json(&challenge_programme());
    assert_eq!(
        env.call(Function::EarnPoints, put).await.status,
        StatusCode::OK
    );
    env.enrol("ana").await;
    let plan = Call::new("PUT", "/v1/members/ana/membership")
        .bearer(&env.admin_token())
        .json(&json!({"planId": "plus", "until": "2027-01-01T00:00:00Z", "reference": "inv-1"}));
    assert_eq!(
        env.call(Function::EarnPoints, plan).await.status,
        StatusCode::OK
    );
    env.earn("ana", purchase("c-0", 300, Some("coffee"))).await;
    env.earn("ana", purchase("c-1", 300, Some("coffee"))).await;
    env.keep_offers().await;
    counter.reset();
    let earned = env.earn("ana", purchase("c-2", 1000, Some("coffee"))).await;
    assert_eq!(
        earned.body["challengesCompleted"],
        json!(["coffee-3"]),
        "{}",
        earned.body
    );
    let rules: Vec<&str> = earned.body["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"membership:plus") && rules.contains(&"tier:Gold"),
        "{rules:?}"
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
