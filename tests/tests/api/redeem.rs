//! Redemptions against DynamoDB Local: balance, stock, ledger, redemption and voucher move
//! together or not at all, however many phones and tills act at once.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, purchase};
use serde_json::{Value, json};

pub(crate) async fn put_reward(env: &TestEnv, id: &str, body: Value) {
    let call = Call::new("PUT", format!("/v1/rewards/{id}"))
        .bearer(&env.admin_token())
        .json(&body);
    let response = env.call(Function::RedeemReward, call).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

/// Enrols `member` and gives it `points` through an operator adjustment.
pub(crate) async fn member_with(env: &TestEnv, member: &str, points: i64) {
    env.enrol(member).await;
    if points > 0 {
        let call = Call::new("POST", format!("/v1/members/{member}/adjustments"))
            .bearer(&env.admin_token())
            .header("idempotency-key", &format!("seed-{member}"))
            .json(&json!({"points": points, "reason": "test balance"}));
        let response = env.call(Function::EarnPoints, call).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
}

pub(crate) async fn redeem(env: &TestEnv, member: &str, reward: &str, key: &str) -> TestResponse {
    let call = Call::new("POST", "/v1/members/me/redemptions")
        .bearer(&env.member_token(member))
        .header("idempotency-key", key)
        .json(&json!({"rewardId": reward}));
    env.call(Function::RedeemReward, call).await
}

async fn cancel(env: &TestEnv, member: &str, redemption: &str) -> TestResponse {
    let call = Call::new(
        "POST",
        format!("/v1/members/me/redemptions/{redemption}/cancel"),
    )
    .bearer(&env.member_token(member));
    env.call(Function::RedeemReward, call).await
}

async fn use_voucher(env: &TestEnv, code: &str, till: &str) -> TestResponse {
    let call = Call::new("POST", format!("/v1/vouchers/{code}/use"))
        .bearer(&env.token(till, "loyalty/earn"));
    env.call(Function::RedeemReward, call).await
}

async fn stock_of(env: &TestEnv, reward: &str) -> Option<i64> {
    let call = Call::new("GET", "/v1/rewards").bearer(&env.admin_token());
    let list = env.call(Function::RedeemReward, call).await;
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rewardId"] == reward)
        .unwrap()["stock"]
        .as_i64()
}

async fn balance(env: &TestEnv, member: &str) -> i64 {
    env.me(member).await.body["balance"].as_i64().unwrap()
}

#[tokio::test]
async fn a_hundred_concurrent_redemptions_succeed_exactly_as_often_as_the_balance_allows() {
    let env = TestEnv::new().await;
    put_reward(&env, "coffee", json!({"name": "Coffee", "cost": 100})).await;
    member_with(&env, "phone", 500).await;
    let keys: Vec<String> = (0..100).map(|i| format!("tap-{i}")).collect();

    let responses =
        futures::future::join_all(keys.iter().map(|k| redeem(&env, "phone", "coffee", k))).await;
    let won: Vec<&TestResponse> = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(won.len(), 5);
    for refused in responses.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(
            refused.error_code(),
            "insufficient_points",
            "{}",
            refused.body
        );
    }
    let mut codes: Vec<&str> = won
        .iter()
        .map(|r| r.body["code"].as_str().unwrap())
        .collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 5, "every voucher code is unique");
    assert!(won.iter().all(|r| r.body["balance"].as_i64().unwrap() >= 0));

    assert_eq!(balance(&env, "phone").await, 0);
    assert_eq!(env.ledger_sum("phone").await, 0);
    let activity = env.all_activity("phone", 100).await;
    assert_eq!(activity.iter().filter(|e| e["type"] == "redeem").count(), 5);
    assert!(
        activity
            .iter()
            .all(|e| e["balanceAfter"].as_i64().unwrap() >= 0)
    );
}

#[tokio::test]
async fn a_reward_with_stock_s_sells_exactly_s_to_3s_concurrent_members() {
    let env = TestEnv::new().await;
    put_reward(&env, "cup", json!({"name": "Cup", "cost": 50, "stock": 4})).await;
    let members: Vec<String> = (0..12).map(|i| format!("fan-{i}")).collect();
    for member in &members {
        member_with(&env, member, 50).await;
    }
    let responses =
        futures::future::join_all(members.iter().map(|m| redeem(&env, m, "cup", "cup-please")))
            .await;
    let sold = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(sold, 4);
    for refused in responses.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(refused.error_code(), "out_of_stock", "{}", refused.body);
    }
    assert_eq!(stock_of(&env, "cup").await, Some(0));
    let mut total = 0;
    for member in &members {
        let left = balance(&env, member).await;
        assert_eq!(env.ledger_sum(member).await, left);
        total += left;
    }
    assert_eq!(
        total,
        8 * 50,
        "only the 8 members who got nothing kept their points"
    );
}

#[tokio::test]
async fn a_replayed_redemption_returns_the_same_redemption_and_code() {
    let env = TestEnv::new().await;
    put_reward(&env, "coffee", json!({"name": "Coffee", "cost": 100})).await;
    member_with(&env, "rae", 250).await;
    let first = redeem(&env, "rae", "coffee", "k-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = redeem(&env, "rae", "coffee", "k-1").await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.replayed());
    assert_eq!(again.body, first.body);
    assert_eq!(balance(&env, "rae").await, 150);
    let other = redeem(&env, "rae", "pastry", "k-1").await;
    assert_eq!(other.error_code(), "idempotency_conflict");
    let missing_key = env
        .call(
            Function::RedeemReward,
            Call::new("POST", "/v1/members/me/redemptions")
                .bearer(&env.member_token("rae"))
                .json(&json!({"rewardId": "coffee"})),
        )
        .await;
    assert_eq!(missing_key.status, StatusCode::BAD_REQUEST);

    let list = env
        .call(
            Function::RedeemReward,
            Call::new("GET", "/v1/members/me/redemptions").bearer(&env.member_token("rae")),
        )
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["code"], first.body["code"]);
    assert_eq!(list.body["items"][0]["status"], "issued");
}

#[tokio::test]
async fn refusals_change_nothing() {
    let env = TestEnv::new().await;
    put_reward(&env, "dear", json!({"name": "Dear", "cost": 1000})).await;
    put_reward(
        &env,
        "gone",
        json!({"name": "Gone", "cost": 10, "stock": 0}),
    )
    .await;
    put_reward(
        &env,
        "gold",
        json!({"name": "Gold only", "cost": 10, "minTier": "Gold"}),
    )
    .await;
    put_reward(
        &env,
        "off",
        json!({"name": "Off", "cost": 10, "active": false}),
    )
    .await;
    put_reward(
        &env,
        "later",
        json!({"name": "Later", "cost": 10, "validFrom": "2027-01-01T00:00:00.000Z"}),
    )
    .await;
    put_reward(
        &env,
        "over",
        json!({"name": "Over", "cost": 10, "validTo": "2026-11-01T00:00:00.000Z"}),
    )
    .await;
    member_with(&env, "sam", 100).await;
    let before = env.table_snapshot().await;
    for (reward, code) in [
        ("dear", "insufficient_points"),
        ("gone", "out_of_stock"),
        ("gold", "tier_not_eligible"),
        ("off", "reward_unavailable"),
        ("later", "reward_unavailable"),
        ("over", "reward_unavailable"),
    ] {
        let response = redeem(&env, "sam", reward, &format!("try-{reward}")).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{reward}: {}",
            response.body
        );
        assert_eq!(response.error_code(), code, "{reward}");
    }
    let unknown = redeem(&env, "sam", "no-such-reward", "try-unknown").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let stranger = redeem(&env, "never-enrolled", "dear", "x").await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    let bad = env
        .call(
            Function::RedeemReward,
            Call::new("POST", "/v1/members/me/redemptions")
                .bearer(&env.member_token("sam"))
                .header("idempotency-key", "bad")
                .raw_body(r#"{"rewardId": 5}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn points_are_spent_oldest_expiring_first_and_a_cancellation_puts_them_back() {
    let env = TestEnv::new().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 60, "stock": 3})).await;
    env.enrol("old").await;
    // 50 points in September 2026 (lot 2027-09), 100 now (lot 2027-11).
    env.clock.set(time::macros::datetime!(2026-09-10 12:00 UTC));
    env.earn("old", purchase("sept", 5000, None)).await;
    env.clock.set(loyalty_tests::START);
    env.earn("old", purchase("nov", 10_000, None)).await;

    let redeemed = redeem(&env, "old", "mug", "mug-1").await;
    assert_eq!(redeemed.status, StatusCode::CREATED, "{}", redeemed.body);
    let me = env.me("old").await;
    assert_eq!(
        me.body["expiringPoints"],
        json!([{"points": 90, "expiresAt": "2027-12-01T00:00:00.000Z"}])
    );
    assert_eq!(stock_of(&env, "mug").await, Some(2));

    let id = redeemed.body["redemptionId"].as_str().unwrap();
    let cancelled = cancel(&env, "old", id).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["balance"], 150);
    let me = env.me("old").await;
    assert_eq!(
        me.body["expiringPoints"],
        json!([{"points": 50, "expiresAt": "2027-10-01T00:00:00.000Z"}, {"points": 100, "expiresAt": "2027-12-01T00:00:00.000Z"}])
    );
    assert_eq!(stock_of(&env, "mug").await, Some(3));

    let again = cancel(&env, "old", id).await;
    assert_eq!(again.error_code(), "not_cancellable");
    let code = redeemed.body["code"].as_str().unwrap();
    assert_eq!(
        use_voucher(&env, code, "till-1").await.error_code(),
        "voucher_not_usable"
    );
    assert_eq!(env.ledger_sum("old").await, 150);
}

#[tokio::test]
async fn cancel_and_use_race_and_only_one_happens() {
    let env = TestEnv::new().await;
    put_reward(&env, "mug", json!({"name": "Mug", "cost": 60, "stock": 10})).await;
    for round in 0..4 {
        let member = format!("racer-{round}");
        member_with(&env, &member, 60).await;
        let redeemed = redeem(&env, &member, "mug", "r").await;
        let id = redeemed.body["redemptionId"].as_str().unwrap().to_string();
        let code = redeemed.body["code"].as_str().unwrap().to_string();

        let cancels = futures::future::join_all((0..5).map(|_| cancel(&env, &member, &id)));
        let tills: Vec<String> = (0..5).map(|i| format!("till-{i}")).collect();
        let uses = futures::future::join_all(tills.iter().map(|t| use_voucher(&env, &code, t)));
        let (cancels, uses) = tokio::join!(cancels, uses);
        let cancelled = cancels
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        let used = uses.iter().filter(|r| r.status == StatusCode::OK).count();
        assert_eq!(cancelled + used, 1, "cancels {cancels:?} uses {uses:?}");
        for refused in cancels.iter().filter(|r| r.status != StatusCode::OK) {
            assert_eq!(refused.error_code(), "not_cancellable", "{}", refused.body);
        }
        for refused in uses.iter().filter(|r| r.status != StatusCode::OK) {
            assert_eq!(
                refused.error_code(),
                "voucher_not_usable",
                "{}",
                refused.body
            );
        }
        let expected = if cancelled == 1 { 60 } else { 0 };
        assert_eq!(balance(&env, &member).await, expected);
        assert_eq!(env.ledger_sum(&member).await, expected);
    }
    // Every redemption took one cup; the cancelled ones gave theirs back.
    let activity_refunds = {
        let mut refunds = 0;
        for round in 0..4 {
            refunds += env
                .all_activity(&format!("racer-{round}"), 100)
                .await
                .iter()
                .filter(|e| e["type"] == "refund")
                .count();
        }
        refunds as i64
    };
    assert_eq!(stock_of(&env, "mug").await, Some(10 - 4 + activity_refunds));
}

#[tokio::test]
async fn a_till_looks_a_voucher_up_and_uses_it_once() {
    let env = TestEnv::new().await;
    put_reward(&env, "coffee", json!({"name": "Coffee", "cost": 100})).await;
    member_with(&env, "val", 100).await;
    let redeemed = redeem(&env, "val", "coffee", "v-1").await;
    let code = redeemed.body["code"].as_str().unwrap();
    let till = env.till_token();

    // Tills type codes as they come: lower case, no dashes.
    let typed = code.replace('-', "").to_lowercase();
    let looked = env
        .call(
            Function::RedeemReward,
            Call::new("GET", format!("/v1/vouchers/{typed}")).bearer(&till),
        )
        .await;
    assert_eq!(looked.status, StatusCode::OK, "{}", looked.body);
    assert_eq!(looked.body["usable"], true);
    assert_eq!(looked.body["rewardName"], "Coffee");
    let member_lookup = env
        .call(
            Function::RedeemReward,
            Call::new("GET", format!("/v1/vouchers/{code}")).bearer(&env.member_token("val")),
        )
        .await;
    assert_eq!(member_lookup.status, StatusCode::FORBIDDEN);

    let used = use_voucher(&env, code, loyalty_tests::TILL).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    assert_eq!(used.body["status"], "used");
    // Used is used, whichever till asks (tills of one backend share a token): only a retry
    // with the first use's idempotency-key gets the first answer (see
    // a_voucher_use_retried_with_its_key_is_a_replay_and_without_it_is_refused).
    assert_eq!(
        use_voucher(&env, code, loyalty_tests::TILL)
            .await
            .error_code(),
        "voucher_not_usable"
    );
    assert_eq!(
        use_voucher(&env, code, "till-2").await.error_code(),
        "voucher_not_usable"
    );
    assert_eq!(
        cancel(&env, "val", redeemed.body["redemptionId"].as_str().unwrap())
            .await
            .error_code(),
        "not_cancellable"
    );
    let unknown = env
        .call(
            Function::RedeemReward,
            Call::new("GET", "/v1/vouchers/AAAA-AAAA-AAAAA").bearer(&till),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let junk = env
        .call(
            Function::RedeemReward,
            Call::new("GET", "/v1/vouchers/not-a-code").bearer(&till),
        )
        .await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    assert_eq!(balance(&env, "val").await, 0);
}

#[tokio::test]
async fn the_catalogue_shows_members_what_they_can_afford_and_are_eligible_for() {
    let env = TestEnv::new().await;
    for (id, body) in loyalty_tests::demo_rewards() {
        put_reward(&env, &id, body).await;
    }
    put_reward(
        &env,
        "hidden",
        json!({"name": "Hidden", "cost": 1, "active": false}),
    )
    .await;
    member_with(&env, "cat", 150).await;
    let list = env
        .call(
            Function::RedeemReward,
            Call::new("GET", "/v1/rewards").bearer(&env.member_token("cat")),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().unwrap();
    let find = |id: &str| items.iter().find(|r| r["rewardId"] == id).cloned();
    assert!(find("hidden").is_none());
    let coffee = find("free-coffee").unwrap();
    assert_eq!(
        (
            coffee["available"].clone(),
            coffee["affordable"].clone(),
            coffee["eligible"].clone()
        ),
        (json!(true), json!(true), json!(true))
    );
    let cup = find("reusable-cup").unwrap();
    assert_eq!(
        (cup["affordable"].clone(), cup["remaining"].clone()),
        (json!(false), json!(25))
    );
    let gold = find("gold-tasting").unwrap();
    assert_eq!(
        (
            gold["eligible"].clone(),
            gold["minTier"].clone(),
            gold["validTo"].clone()
        ),
        (
            json!(false),
            json!("Gold"),
            json!("2027-03-01T00:00:00.000Z")
        )
    );
}

#[tokio::test]
async fn bad_catalogue_changes_are_refused() {
    let env = TestEnv::new().await;
    let before = env.table_snapshot().await;
    let put = |id: &str, body: Value, token: String| {
        env.call(
            Function::RedeemReward,
            Call::new("PUT", format!("/v1/rewards/{id}"))
                .bearer(&token)
                .json(&body),
        )
    };
    for body in [
        json!({"name": "x", "cost": 0}),
        json!({"name": "x", "cost": -5}),
        json!({"name": "", "cost": 5}),
        json!({"name": "x", "cost": 5, "stock": -1}),
        json!({"name": "x", "cost": 5, "minTier": "Diamond"}),
        json!({"name": "x", "cost": 5, "validFrom": "2027-01-01T00:00:00.000Z", "validTo": "2026-01-01T00:00:00.000Z"}),
        json!({"name": "x"}),
        json!({"name": "x", "cost": 5, "colour": "red"}),
    ] {
        let response = put("r-1", body.clone(), env.admin_token()).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            response.body
        );
    }
    assert_eq!(
        put("bad id", json!({"name": "x", "cost": 5}), env.admin_token())
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        put("r-1", json!({"name": "x", "cost": 5}), env.till_token())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(
            "r-1",
            json!({"name": "x", "cost": 5}),
            env.member_token("m")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(env.table_snapshot().await, before);
}
