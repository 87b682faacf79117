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
        &loyalty::identity::dev_token::DevClaims {
            sub: "tom".into(),
            scope: None,
            exp: None,
        },
        b"not-the-secret",
    );
    let expired = loyalty::identity::dev_token::mint(
        &loyalty::identity::dev_token::DevClaims {
            sub: "tom".into(),
            scope: None,
            exp: Some(loyalty_tests::START.unix_timestamp() - 1),
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
    // As in AWS: API Gateway verified the Cognito token and passes its claims.
    let till_claims = json!({"sub": "pos-client", "scope": "openid loyalty/earn"});
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
            Call::new("GET", "/v1/members/me").claims(json!({"sub": "ivy"})),
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
