//! The items every request would otherwise read, the programme, the catalogue's list and the
//! targeted offers, are kept per execution environment for a bounded time: a warm request
//! reads none of them, and a change reaches a warm environment within that time (the
//! environment that made it at once).

use lambda_http::http::StatusCode;
use loyalty::Context;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::Store;
use loyalty_tests::access::AccessRecorder;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, invoke, purchase};
use serde_json::json;

use crate::redeem::{member_with, put_reward};

/// One function's environment: its own shared items, and every DynamoDB access recorded.
struct Environment {
    context: Context,
    recorder: AccessRecorder,
}

impl Environment {
    fn new(env: &TestEnv, shared: &SharedItems) -> Self {
        let recorder = AccessRecorder::default();
        let context = Context {
            store: Store::new(recorder.client(&env.client), env.table.clone()),
            shared: shared.clone(),
            ..env.context.clone()
        };
        Self { context, recorder }
    }

    async fn call(&self, function: Function, call: Call) -> TestResponse {
        invoke(&self.context, function, call).await
    }

    /// Reads of the shared items: the programme, the catalogue's list of rewards and the
    /// targeted offers. (A
    /// redemption still reads its own reward's item, in its transaction: its stock and terms
    /// decide, and a stale copy could oversell.)
    fn shared_reads(&self) -> Vec<String> {
        self.recorder
            .accesses()
            .into_iter()
            .filter(|a| {
                (a.action == "dynamodb:GetItem" && a.partition == "PROGRAM")
                    || (a.action == "dynamodb:Query"
                        && (a.partition == "CATALOGUE" || a.partition == "OFFERS"))
            })
            .map(|a| format!("{} {}", a.action, a.partition))
            .collect()
    }
}

fn redeem_call(env: &TestEnv, key: &str) -> Call {
    Call::new("POST", "/v1/members/me/redemptions")
        .bearer(&env.member_token("wes"))
        .header("idempotency-key", key)
        .json(&json!({"rewardId": "coffee"}))
}

#[tokio::test]
async fn a_warm_request_reads_no_shared_item_and_a_cold_one_reads_each_once() {
    let env = TestEnv::new().await;
    put_reward(&env, "coffee", json!({"name": "Coffee", "cost": 10})).await;
    member_with(&env, "wes", 100).await;
    let shared = SharedItems::new(DEFAULT_TTL);
    let cold = Environment::new(&env, &shared);
    let earned = cold
        .call(
            Function::EarnPoints,
            Call::new("POST", "/v1/members/wes/earn")
                .bearer(&env.till_token())
                .json(&purchase("w-1", 1000, None)),
        )
        .await;
    assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    let redeemed = cold
        .call(Function::RedeemReward, redeem_call(&env, "w-r1"))
        .await;
    assert_eq!(redeemed.status, StatusCode::CREATED, "{}", redeemed.body);
    let rewards = Call::new("GET", "/v1/rewards").bearer(&env.member_token("wes"));
    let listed = cold.call(Function::RedeemReward, rewards).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(
        cold.shared_reads(),
        [
            "dynamodb:GetItem PROGRAM",
            "dynamodb:Query CATALOGUE",
            "dynamodb:Query OFFERS"
        ],
        "a cold environment reads each shared item once"
    );

    // Warm: earn, redeem, profile and catalogue read neither.
    let warm = Environment::new(&env, &shared);
    let calls = [
        (
            Function::EarnPoints,
            Call::new("POST", "/v1/members/wes/earn")
                .bearer(&env.till_token())
                .json(&purchase("w-2", 1000, None)),
        ),
        (Function::RedeemReward, redeem_call(&env, "w-r2")),
        (
            Function::MemberApi,
            Call::new("GET", "/v1/members/me").bearer(&env.member_token("wes")),
        ),
        (
            Function::RedeemReward,
            Call::new("GET", "/v1/rewards").bearer(&env.member_token("wes")),
        ),
    ];
    for (function, call) in calls {
        let response = warm.call(function, call).await;
        assert!(response.status.is_success(), "{}", response.body);
    }
    assert_eq!(warm.shared_reads(), Vec::<String>::new());

    // After the time to live, one read again.
    env.clock.advance(DEFAULT_TTL + time::Duration::seconds(1));
    let later = Environment::new(&env, &shared);
    let earned = later
        .call(
            Function::EarnPoints,
            Call::new("POST", "/v1/members/wes/earn")
                .bearer(&env.till_token())
                .json(&purchase("w-3", 1000, None)),
        )
        .await;
    assert_eq!(earned.status, StatusCode::CREATED);
    assert_eq!(
        later.shared_reads(),
        ["dynamodb:GetItem PROGRAM", "dynamodb:Query OFFERS"]
    );
}

#[tokio::test]
async fn a_programme_change_applies_at_once_where_it_was_made_and_within_the_ttl_elsewhere() {
    let env = TestEnv::new().await;
    env.enrol("pat").await;
    let (here, there) = (SharedItems::new(DEFAULT_TTL), SharedItems::new(DEFAULT_TTL));
    let (operator, till) = (
        Environment::new(&env, &here),
        Environment::new(&env, &there),
    );
    let earn = |transaction: &str| {
        Call::new("POST", "/v1/members/pat/earn")
            .bearer(&env.till_token())
            .json(&purchase(transaction, 1000, None))
    };
    let before = till.call(Function::EarnPoints, earn("p-1")).await.body["points"].clone();
    // Ten points per euro instead of one.
    let richer = loyalty_tests::program_with(|p| {
        p["earnRules"]["baseRates"][0]["points"] = json!(10);
    });
    let put = Call::new("PUT", "/v1/program")
        .bearer(&env.admin_token())
        .json(&richer);
    assert_eq!(
        operator.call(Function::EarnPoints, put).await.status,
        StatusCode::OK
    );
    let at_once = operator.call(Function::EarnPoints, earn("p-2")).await;
    assert_ne!(at_once.body["points"], before, "{}", at_once.body);
    // Another warm environment still has the old programme, until its copy is stale.
    let stale = till.call(Function::EarnPoints, earn("p-3")).await;
    assert_eq!(stale.body["points"], before, "{}", stale.body);
    env.clock.advance(DEFAULT_TTL);
    let fresh = till.call(Function::EarnPoints, earn("p-4")).await;
    assert_eq!(
        fresh.body["points"], at_once.body["points"],
        "{}",
        fresh.body
    );
}
