//! Faults DynamoDB Local cannot produce on demand, injected with a mocked client
//! (throttling, transaction conflicts, a commit whose outcome is unknown, DynamoDB's internal
//! errors), and an unreachable endpoint. Each ends in the documented error (or, for an unknown outcome, a fresh decision)
//! with `retry-after` where a retry helps, and never a leaked SDK message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ErrorMetadata;
use aws_sdk_dynamodb::operation::get_item::{GetItemError, GetItemOutput};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_get_items::{
    TransactGetItemsError, TransactGetItemsOutput,
};
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::types::error::{
    InternalServerError, ProvisionedThroughputExceededException, TransactionCanceledException,
    TransactionInProgressException,
};
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, ItemResponse};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use lambda_http::http::StatusCode;
use loyalty::Context;
use loyalty::domain::clock::ManualClock;
use loyalty::identity::AuthConfig;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::Store;
use loyalty_tests::{DEV_SECRET, START, TestEnv, purchase};

fn context_with(client: Client) -> Context {
    Context {
        store: Store::new(client, "loyalty"),
        clock: Arc::new(ManualClock::at(START)),
        auth: AuthConfig::with_dev_secret(DEV_SECRET),
        shared: SharedItems::new(DEFAULT_TTL),
    }
}

async fn earn_with(context: &Context, env: &TestEnv) -> loyalty_tests::TestResponse {
    let call = loyalty_tests::Call::new("POST", "/v1/members/mock/earn")
        .bearer(&env.till_token())
        .json(&purchase("f-1", 1000, None));
    loyalty_tests::invoke(context, loyalty_tests::Function::EarnPoints, call).await
}

fn assert_no_leak(body: &serde_json::Value) {
    let text = body.to_string();
    for internal in [
        "Exception",
        "dynamodb",
        "DynamoDB",
        "aws",
        "Throughput",
        "Transaction",
    ] {
        assert!(!text.contains(internal), "{text} leaks {internal}");
    }
}

#[tokio::test]
async fn throttling_is_429_with_retry_after() {
    let env = TestEnv::new().await;
    let throttled = mock!(Client::transact_get_items)
        .sequence()
        .error(|| {
            TransactGetItemsError::ProvisionedThroughputExceededException(
                // As a real response carries it: the error code comes with the error.
                ProvisionedThroughputExceededException::builder()
                    .message("Rate exceeded for table loyalty")
                    .meta(
                        ErrorMetadata::builder()
                            .code("ProvisionedThroughputExceededException")
                            .build(),
                    )
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let context = context_with(mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        &[&throttled]
    ));
    let response = earn_with(&context, &env).await;
    assert_eq!(
        response.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        response.body
    );
    assert_eq!(response.error_code(), "throttled");
    assert_eq!(response.headers.get("retry-after").unwrap(), "1");
    assert_no_leak(&response.body);
}

/// Real items, read from DynamoDB Local (the member "mock" and the programme), served by mocks
/// of the two reads an earn makes: the TransactGetItems and the programme's GetItem.
/// The offer set an earn reads (and keeps): no offers.
fn no_offers() -> aws_smithy_mocks::Rule {
    mock!(Client::query)
        .sequence()
        .output(|| QueryOutput::builder().set_items(Some(Vec::new())).build())
        .repeatedly()
        .build()
}

async fn mocked_reads(env: &TestEnv) -> (aws_smithy_mocks::Rule, aws_smithy_mocks::Rule) {
    env.enrol("mock").await;
    let (program, items): (Vec<_>, Vec<_>) = {
        let scan = env
            .client
            .scan()
            .table_name(&env.table)
            .send()
            .await
            .unwrap();
        // The member and the programme (enrolment's figures and the member's referral code
        // are not read by an earn).
        scan.items
            .unwrap_or_default()
            .into_iter()
            .filter(|item| {
                item["PK"]
                    .as_s()
                    .is_ok_and(|pk| pk.starts_with("MEMBER#") || pk == "PROGRAM")
            })
            .partition(|item: &std::collections::HashMap<String, AttributeValue>| {
                item["PK"].as_s().is_ok_and(|pk| pk == "PROGRAM")
            })
    };
    // The programme is read outside the transaction (and kept): one GetItem.
    let program = program.into_iter().next().unwrap();
    let program_read = mock!(Client::get_item)
        .sequence()
        .output(move || {
            GetItemOutput::builder()
                .set_item(Some(program.clone()))
                .build()
        })
        .repeatedly()
        .build();
    let reads = mock!(Client::transact_get_items)
        .sequence()
        .output(move || {
            TransactGetItemsOutput::builder()
                .set_responses(Some(
                    items
                        .iter()
                        .map(|item| ItemResponse::builder().set_item(Some(item.clone())).build())
                        .collect(),
                ))
                .build()
        })
        .repeatedly()
        .build();
    (reads, program_read)
}

#[tokio::test]
async fn transaction_conflicts_are_retried_a_bounded_number_of_times_then_409() {
    // Real items, read from DynamoDB Local, served by the mock; every commit then conflicts.
    let env = TestEnv::new().await;
    let (reads, program_read) = mocked_reads(&env).await;
    let conflicts = mock!(Client::transact_write_items)
        .sequence()
        .error(|| {
            let reason = |code: &str| CancellationReason::builder().code(code).build();
            TransactWriteItemsError::TransactionCanceledException(
                TransactionCanceledException::builder()
                    .message("Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]")
                    .cancellation_reasons(reason("TransactionConflict"))
                    .cancellation_reasons(reason("None"))
                    .cancellation_reasons(reason("None"))
                    .cancellation_reasons(reason("None"))
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let context = context_with(mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        &[&reads, &program_read, &no_offers(), &conflicts]
    ));
    let started = Instant::now();
    let response = earn_with(&context, &env).await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.body);
    assert_eq!(response.error_code(), "conflict");
    assert_no_leak(&response.body);
    assert_eq!(conflicts.num_calls(), 30, "bounded internal retries");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_transaction_whose_outcome_is_unknown_is_decided_again_from_a_fresh_read() {
    // The SDK's retry of a commit can meet the first attempt still running (or DynamoDB can
    // fail inside it): neither says whether it landed, so the write reads again and decides
    // again rather than answering 500; the read shows an attempt that did land.
    let env = TestEnv::new().await;
    let (reads, program_read) = mocked_reads(&env).await;
    let writes = mock!(Client::transact_write_items)
        .sequence()
        .error(|| {
            TransactWriteItemsError::TransactionInProgressException(
                TransactionInProgressException::builder()
                    .message("the transaction with this token is in progress")
                    .build(),
            )
        })
        .error(|| {
            TransactWriteItemsError::InternalServerError(
                InternalServerError::builder()
                    .message("internal failure")
                    .build(),
            )
        })
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    let context = context_with(mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        &[&reads, &program_read, &no_offers(), &writes]
    ));
    let response = earn_with(&context, &env).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(writes.num_calls(), 3);
    assert_eq!(reads.num_calls(), 3, "each attempt read afresh");
}

#[tokio::test]
async fn a_read_that_dynamodb_fails_is_read_again_and_the_write_goes_on() {
    // DynamoDB Local fails a read that waited too long for a committing transaction's lock
    // with InternalServerError (DynamoDB documents it as transient): the write reads again.
    let env = TestEnv::new().await;
    let (reads, program_read) = mocked_reads(&env).await;
    let failed_read = mock!(Client::transact_get_items)
        .sequence()
        .error(|| {
            TransactGetItemsError::InternalServerError(
                InternalServerError::builder()
                    .message("This action timed out because it too long waiting for a lock")
                    .build(),
            )
        })
        .build();
    let writes = mock!(Client::transact_write_items)
        .sequence()
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    let context = context_with(mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        &[&failed_read, &reads, &program_read, &no_offers(), &writes]
    ));
    let response = earn_with(&context, &env).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(failed_read.num_calls(), 1);
    assert_eq!(reads.num_calls(), 1, "read again after the failure");
    assert_eq!(writes.num_calls(), 1);
}

#[tokio::test]
async fn an_internal_error_of_dynamodb_is_503_with_retry_after_never_500() {
    let env = TestEnv::new().await;
    let (reads, _) = mocked_reads(&env).await;
    let program_fails = mock!(Client::get_item)
        .sequence()
        .error(|| {
            GetItemError::InternalServerError(
                InternalServerError::builder()
                    .message("Internal server error")
                    .meta(ErrorMetadata::builder().code("InternalServerError").build())
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let context = context_with(mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        &[&reads, &program_fails]
    ));
    let response = earn_with(&context, &env).await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.body
    );
    assert_eq!(response.error_code(), "unavailable");
    assert!(response.headers.contains_key("retry-after"));
    assert_no_leak(&response.body);
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_503_with_retry_after_and_no_hang() {
    let env = TestEnv::new().await;
    // A port nothing listens on: connections are refused at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    // The functions' own client (production timeouts and retries), pointed at the dead port.
    let production = loyalty::store::client_from_env().await;
    let config = production
        .config()
        .to_builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .build();
    let context = context_with(Client::from_conf(config));
    let started = Instant::now();
    let response = earn_with(&context, &env).await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.body
    );
    assert_eq!(response.error_code(), "unavailable");
    assert!(response.headers.contains_key("retry-after"));
    assert_no_leak(&response.body);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
