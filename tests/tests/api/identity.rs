//! Who may do what: tokens, scopes, and one member never reaching another's points.

use lambda_http::http::StatusCode;
use loyalty::identity::AuthConfig;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::json;

#[tokio::test]
async fn earn_needs_the_earn_scope() {
    let env = TestEnv::new().await;
    env.enrol("mia").await;
    let before = env.table_snapshot().await;
    for token in [
        env.member_token("mia"),
        env.admin_token(),
        env.token("till-x", "loyalty/earnx"),
    ] {
        let response = env
            .call(
                Function::EarnPoints,
                Call::new("POST", "/v1/members/mia/earn")
                    .bearer(&token)
                    .json(&purchase("t-1", 1000, None)),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
        assert_eq!(response.error_code(), "forbidden");
    }
    assert_eq!(env.table_snapshot().await, before);
}

#[tokio::test]
async fn a_member_cannot_read_or_move_another_members_points() {
    let env = TestEnv::new().await;
    env.enrol("ann").await;
    env.enrol("ben").await;
    env.earn("ben", purchase("b-1", 5000, None)).await;
    let ann = env.member_token("ann");
    let before = env.table_snapshot().await;

    for path in ["/v1/members/ben", "/v1/members/ben/activity"] {
        let response = env
            .call(Function::MemberApi, Call::new("GET", path).bearer(&ann))
            .await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            response.body
        );
    }
    let calls = [
        Call::new("POST", "/v1/members/ben/earn").json(&purchase("steal", 100_000, None)),
        Call::new("POST", "/v1/members/ben/earn/b-1/reverse"),
        Call::new("POST", "/v1/members/ben/adjustments")
            .json(&json!({"points": -50, "reason": "mine now"})),
    ];
    for call in calls {
        let response = env.call(Function::EarnPoints, call.bearer(&ann)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
    }
    assert_eq!(env.table_snapshot().await, before);

    // /me is always the caller's own account.
    let me = env.me("ann").await;
    assert_eq!(me.body["memberId"], "ann");
    assert_eq!(me.body["balance"], 0);
    // The member itself and operators may use the id form.
    let own = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/ann").bearer(&ann),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let operator = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/ben").bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(operator.body["balance"], 50);
}

#[tokio::test]
async fn missing_forged_and_expired_tokens_are_401() {
    let env = TestEnv::new().await;
    env.enrol("tom").await;
    let forged = loyalty::identity::dev_token::mint(
        &loyalty::identity::dev_token::DevClaims::member("tom"),
        b"not-the-secret",
    );
    let expired = loyalty::identity::dev_token::mint(
        &loyalty::identity::dev_token::DevClaims {
            exp: Some(loyalty_tests::START.unix_timestamp() - 1),
            ..loyalty::identity::dev_token::DevClaims::member("tom")
        },
        loyalty_tests::DEV_SECRET.as_bytes(),
    );
    let calls = [
        Call::new("GET", "/v1/members/me"),
        Call::new("GET", "/v1/members/me").bearer(&forged),
        Call::new("GET", "/v1/members/me").bearer(&expired),
        Call::new("GET", "/v1/members/me").bearer("not.a.jwt"),
        Call::new("GET", "/v1/members/me").header("authorization", "Basic dG9tOnB3"),
    ];
    for call in calls {
        let response = env.call(Function::MemberApi, call).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            response.body
        );
        assert_eq!(response.error_code(), "unauthorized");
    }
}

#[tokio::test]
async fn authorizer_claims_are_trusted_and_dev_tokens_only_when_enabled() {
    let mut env = TestEnv::new().await;
    env.enrol("ivy").await;
    // As in AWS: API Gateway verified the Cognito token and passes its claims (shapes below).
    let till_claims = client_credentials("pos-client", "loyalty/earn");
    let earned = env
        .call(
            Function::EarnPoints,
            Call::new("POST", "/v1/members/ivy/earn")
                .claims(till_claims)
                .json(&purchase("c-1", 1000, None)),
        )
        .await;
    assert_eq!(earned.status, StatusCode::CREATED, "{}", earned.body);
    let me = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me").claims(user_access_token("ivy", None)),
        )
        .await;
    assert_eq!(me.body["balance"], 10);

    // Without LOYALTY_DEV_JWT_SECRET (as deployed), a dev token is just an unknown header.
    env.context.auth = AuthConfig::authorizer_only();
    let response = env
        .call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me").bearer(&env.member_token("ivy")),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn programme_changes_need_the_admin_scope() {
    let env = TestEnv::new().await;
    let program = loyalty_tests::demo_program();
    for token in [env.till_token(), env.member_token("x")] {
        let put = env
            .call(
                Function::EarnPoints,
                Call::new("PUT", "/v1/program")
                    .bearer(&token)
                    .json(&program),
            )
            .await;
        assert_eq!(put.status, StatusCode::FORBIDDEN);
        let get = env
            .call(
                Function::EarnPoints,
                Call::new("GET", "/v1/program").bearer(&token),
            )
            .await;
        assert_eq!(get.status, StatusCode::FORBIDDEN);
    }
}

/// A client-credentials access token's claims, as API Gateway passes them on: the subject
/// is the app client itself (Cognito's documented shape).
fn client_credentials(client_id: &str, scope: &str) -> serde_json::Value {
    json!({
        "sub": client_id,
        "client_id": client_id,
        "token_use": "access",
        "scope": scope,
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "exp": "1795000000",
        "iat": "1794996400",
        "version": "2",
        "jti": "5f1b0d42-4e0e-4a7f-9c63-1f2e3d4c5b6a",
    })
}

/// A user's access token from the SDK sign-in the app uses (Amplify): no custom scope, and
/// groups as API Gateway renders a list claim, `"[a b]"`.
fn user_access_token(sub: &str, groups: Option<&str>) -> serde_json::Value {
    let mut claims = json!({
        "sub": sub,
        "username": sub,
        "client_id": "7app0client0id00000000000",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "auth_time": "1794996400",
        "exp": "1795000000",
        "origin_jti": "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
        "event_id": "9e8d7c6b-5a4f-3e2d-1c0b-a9f8e7d6c5b4",
    });
    if let Some(groups) = groups {
        claims["cognito:groups"] = json!(groups);
    }
    claims
}

#[tokio::test]
async fn a_machine_clients_token_can_never_act_as_a_member() {
    let env = TestEnv::new().await;
    env.enrol("kim").await;
    env.earn("kim", purchase("k-1", 5000, None)).await;
    let before = env.table_snapshot().await;
    let client = "4tc1ient0for0the0tills0000";
    // A till's (or backend's, or admin tool's) client-credentials token: enrolling itself,
    // reading or redeeming as "member <client id>", or reading a member's account.
    for scope in ["loyalty/earn", "loyalty/admin loyalty/earn", ""] {
        let claims = client_credentials(client, scope);
        let attempts = [
            (Function::MemberApi, Call::new("POST", "/v1/members")),
            (Function::MemberApi, Call::new("GET", "/v1/members/me")),
            (
                Function::MemberApi,
                Call::new("GET", format!("/v1/members/{client}")),
            ),
            (
                Function::RedeemReward,
                Call::new("POST", "/v1/members/me/redemptions")
                    .header("idempotency-key", "k")
                    .json(&json!({"rewardId": "free-coffee"})),
            ),
            (
                Function::RedeemReward,
                Call::new("GET", "/v1/members/me/redemptions"),
            ),
        ];
        for (function, call) in attempts {
            let path = call.path.clone();
            let response = env.call(function, call.claims(claims.clone())).await;
            // An operator's tool may read any member, as an operator: there is no member by
            // its client id, so not found. Everything else is refused outright.
            let expected =
                if scope.contains("loyalty/admin") && path == format!("/v1/members/{client}") {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::FORBIDDEN
                };
            assert_eq!(
                response.status, expected,
                "{scope:?} {path}: {}",
                response.body
            );
        }
    }
    // The same holds for dev tokens: a till's is shaped as a client's.
    let enrol = Call::new("POST", "/v1/members").bearer(&env.till_token());
    assert_eq!(
        env.call(Function::MemberApi, enrol).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(env.table_snapshot().await, before);
    // A member's own sign-in is a member.
    let me = Call::new("GET", "/v1/members/me").claims(user_access_token("kim", None));
    assert_eq!(
        env.call(Function::MemberApi, me).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn operators_who_sign_in_as_people_administer_through_their_group() {
    let env = TestEnv::new().await;
    env.enrol("lou").await;
    let adjust = |claims: serde_json::Value, key: &str| {
        Call::new("POST", "/v1/members/lou/adjustments")
            .claims(claims)
            .header("idempotency-key", key)
            .json(&json!({"points": 25, "reason": "service recovery"}))
    };
    // The SDK sign-in carries no custom scope; the group does it.
    let operator = user_access_token("ops-anna", Some("[support loyalty-admins]"));
    let done = env
        .call(Function::EarnPoints, adjust(operator, "a-1"))
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
    // A person outside the group, and a member, are refused.
    for claims in [
        user_access_token("ops-bob", Some("[support]")),
        user_access_token("lou", None),
    ] {
        let refused = env.call(Function::EarnPoints, adjust(claims, "a-2")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    // An ID token names the user and the groups differently; it works the same.
    let id_token = json!({"sub": "ops-cy", "cognito:username": "ops-cy", "aud": "7app0client0id00000000000",
        "token_use": "id", "cognito:groups": "[loyalty-admins]"});
    let read = Call::new("GET", "/v1/members/lou").claims(id_token);
    assert_eq!(
        env.call(Function::MemberApi, read).await.status,
        StatusCode::OK
    );
    // And a dev token in the group, as the local stack mints one.
    let dev = Call::new("GET", "/v1/program").bearer(&env.operator_user_token("ops-dev"));
    assert_eq!(
        env.call(Function::EarnPoints, dev).await.status,
        StatusCode::OK
    );
    assert_eq!(env.me("lou").await.body["balance"], 25);
}
