//! Operators replace the programme; a bad one is refused with its reason and the old
//! one keeps running.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, demo_program, program_with, purchase};
use serde_json::{Value, json};

#[tokio::test]
async fn a_valid_programme_replaces_the_old_one() {
    let env = TestEnv::new().await;
    env.enrol("pia").await;
    let program = program_with(|p| p["earnRules"]["baseRates"][0]["points"] = json!(3));
    let put = env
        .call(
            Function::EarnPoints,
            Call::new("PUT", "/v1/program")
                .bearer(&env.admin_token())
                .json(&program),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let get = env
        .call(
            Function::EarnPoints,
            Call::new("GET", "/v1/program").bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(get.body["earnRules"]["baseRates"][0]["points"], 3);
    let earned = env.earn("pia", purchase("p-1", 1000, None)).await;
    assert_eq!(earned.body["points"], 30);
}

#[tokio::test]
async fn a_bad_programme_is_400_with_the_reason_and_the_old_one_stays() {
    let env = TestEnv::new().await;
    let cases: Vec<(Value, &str)> = vec![
        (
            program_with(|p| p["earnRules"]["baseRates"] = json!([])),
            "baseRates",
        ),
        (
            program_with(|p| p["tiers"][1]["qualifyingPoints"] = json!(99_999)),
            "tier",
        ),
        (
            program_with(|p| {
                p["earnRules"]["promotions"][0]["validTo"] = json!("2020-01-01T00:00:00Z");
            }),
            "winter-warmers",
        ),
        (
            program_with(|p| p["earnRules"]["baseRates"][0]["currency"] = json!("ZZZ")),
            "ZZZ",
        ),
        (
            program_with(|p| p["earnRules"]["baseRates"][0]["points"] = json!(1.5)),
            "",
        ),
    ];

    let before = env.table_snapshot().await;
    for (program, reason) in cases {
        let put = env
            .call(
                Function::EarnPoints,
                Call::new("PUT", "/v1/program")
                    .bearer(&env.admin_token())
                    .json(&program),
            )
            .await;
        assert_eq!(put.status, StatusCode::BAD_REQUEST, "{}", put.body);
        assert_eq!(put.error_code(), "invalid_request");
        let message = put.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(reason),
            "{message:?} should name {reason:?}"
        );
    }
    assert_eq!(env.table_snapshot().await, before);
    let get = env
        .call(
            Function::EarnPoints,
            Call::new("GET", "/v1/program").bearer(&env.admin_token()),
        )
        .await;
    assert_eq!(get.body, demo_program());
}
