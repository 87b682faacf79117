//! Operators replace the programme; a bad one is refused with its reason and the old
//! one keeps running.

use lambda_http::http::StatusCode;
use loyalty_tests::{Call, Function, TestEnv, purchase};
use serde_json::{Value, json};

fn demo() -> Value {
    serde_json::from_str(loyalty_tests::demo_program_json()).unwrap()
}

#[tokio::test]
async fn a_valid_programme_replaces_the_old_one() {
    let env = TestEnv::new().await;
    env.enrol("pia").await;
    let mut program = demo();
    program["earnRules"]["baseRates"][0]["points"] = json!(3);
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
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut no_rates = demo();
    no_rates["earnRules"]["baseRates"] = json!([]);
    cases.push((no_rates, "baseRates"));
    let mut unsorted = demo();
    unsorted["tiers"][1]["qualifyingPoints"] = json!(99_999);
    cases.push((unsorted, "tier"));
    let mut backwards = demo();
    backwards["earnRules"]["promotions"][0]["validTo"] = json!("2020-01-01T00:00:00Z");
    cases.push((backwards, "winter-warmers"));
    let mut bad_currency = demo();
    bad_currency["earnRules"]["baseRates"][0]["currency"] = json!("ZZZ");
    cases.push((bad_currency, "ZZZ"));
    let mut float_points = demo();
    float_points["earnRules"]["baseRates"][0]["points"] = json!(1.5);
    cases.push((float_points, ""));

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
    assert_eq!(get.body, demo());
}
