//! The test kit: a private table on DynamoDB Local per test, the functions' handlers
//! called with API Gateway events built from a fixture, dev tokens, and table snapshots.

pub mod access;
pub mod calls;
pub mod stream;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Request, RequestExt};
use loyalty::Context;
use loyalty::domain::clock::ManualClock;
use loyalty::domain::program::Program;
use loyalty::identity::AuthConfig;
use loyalty::identity::dev_token::{DevClaims, mint};
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::Store;
use loyalty::store::table::TableDefinition;
use loyalty::webhook::cipher::SecretCipher;
use partner_offers::PartnerContext;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

pub const DEV_SECRET: &str = "test-secret";
pub const TILL: &str = "till-001";
pub const OPERATOR: &str = "operator-1";
/// Inside the demo programme's winter promotion (2026-11-01 to 2027-01-31).
pub const START: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

pub fn demo_program_json() -> &'static str {
    include_str!("../fixtures/demo-program.json")
}

/// The demo programme (`tests/fixtures/demo-program.json`), the `PUT /v1/program` body.
pub fn demo_program() -> Value {
    serde_json::from_str(demo_program_json()).expect("demo programme is JSON")
}

/// The demo programme with `change` made to it, e.g.
/// `program_with(|p| p["earnRules"]["baseRates"] = json!([]))`.
pub fn program_with(change: impl FnOnce(&mut Value)) -> Value {
    let mut program = demo_program();
    change(&mut program);
    program
}

/// The demo catalogue: `(rewardId, PUT /v1/rewards/{rewardId} body)`.
pub fn demo_rewards() -> Vec<(String, Value)> {
    let rewards: Vec<Value> = serde_json::from_str(include_str!("../fixtures/demo-rewards.json"))
        .expect("demo rewards are JSON");
    rewards
        .into_iter()
        .map(|mut reward| {
            let id = reward["rewardId"].as_str().unwrap_or_default().to_string();
            if let Some(fields) = reward.as_object_mut() {
                fields.remove("rewardId");
            }
            (id, reward)
        })
        .collect()
}

pub fn template_path() -> String {
    std::env::var("LOYALTY_TEMPLATE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml").into())
}

pub fn table_definition() -> TableDefinition {
    let yaml = std::fs::read_to_string(template_path()).expect("infra/template.yaml is readable");
    TableDefinition::from_sam_template(&yaml).expect("the template defines the table")
}

/// A client for DynamoDB Local at `DYNAMODB_ENDPOINT` (set by `make test`).
pub async fn local_client() -> Client {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect(
        "DYNAMODB_ENDPOINT is not set: run the tests with `make test`, which starts DynamoDB Local",
    );
    local_client_at(&endpoint).await
}

/// A client for the DynamoDB Local at `endpoint`. Its timeouts are looser than the
/// functions' (`loyalty::store::client_from_env`): DynamoDB Local on a busy two-core
/// machine, serving a hundred concurrent requests of one test while other tests run, is far
/// slower than DynamoDB, and production timeouts would turn that into 503s. The fault tests
/// check the production timeouts against a dead endpoint.
pub async fn local_client_at(endpoint: &str) -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        )
        .load()
        .await;
    Client::new(&config)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    EarnPoints,
    MemberApi,
    RedeemReward,
    PartnerOffers,
}

#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn replayed(&self) -> bool {
        self.headers
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true")
    }
}

/// One HTTP call as a test describes it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Claims put where API Gateway's JWT authorizer puts them, instead of a dev token.
    pub authorizer_claims: Option<Value>,
}

impl Call {
    pub fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            headers: Vec::new(),
            authorizer_claims: None,
        }
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string());
        self
    }

    pub fn raw_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn claims(mut self, claims: Value) -> Self {
        self.authorizer_claims = Some(claims);
        self
    }

    /// The API Gateway HTTP API (payload 2.0) event for this call.
    pub fn to_request(&self) -> Request {
        let mut event: Value =
            serde_json::from_str(include_str!("../fixtures/apigw-v2-request.json"))
                .expect("fixture is JSON");
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        event["rawPath"] = json!(path);
        event["rawQueryString"] = json!(query);
        event["requestContext"]["http"]["method"] = json!(self.method);
        event["requestContext"]["http"]["path"] = json!(path);
        if !query.is_empty() {
            let mut params = serde_json::Map::new();
            for pair in query.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                params.insert(k.to_string(), json!(v));
            }
            event["queryStringParameters"] = Value::Object(params);
        }
        for (name, value) in &self.headers {
            event["headers"][name.to_lowercase()] = json!(value);
        }
        if let Some(body) = &self.body {
            event["body"] = json!(body);
        }
        if let Some(claims) = &self.authorizer_claims {
            event["requestContext"]["authorizer"] =
                json!({"jwt": {"claims": claims, "scopes": null}});
        }
        let request =
            lambda_http::request::from_str(&event.to_string()).expect("fixture event parses");
        let mut context = lambda_http::Context::default();
        context.request_id = format!("req-{}", rand::random::<u32>());
        request.with_lambda_context(context)
    }
}

/// Runs one call through a function's handler, as API Gateway would invoke it.
/// (The partner-offers function also needs its secrets key: see [`TestEnv::call`].)
pub async fn invoke(context: &Context, function: Function, call: Call) -> TestResponse {
    let request = call.to_request();
    let response = match function {
        Function::EarnPoints => earn_points::handle(context, request).await,
        Function::MemberApi => member_api::handle(context, request).await,
        Function::RedeemReward => redeem_reward::handle(context, request).await,
        Function::PartnerOffers => {
            // The dev stack's key when one is set (devstack seeds what `make dev` serves).
            let cipher = SecretCipher::from_env()
                .ok()
                .flatten()
                .unwrap_or_else(test_cipher);
            let partners = PartnerContext {
                base: context.clone(),
                cipher,
            };
            partner_offers::handle(&partners, request).await
        }
    };
    let response = match response {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = match response.into_body() {
        Body::Text(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Body::Binary(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    TestResponse {
        status,
        headers,
        body,
    }
}

/// The key that seals partners' secrets in tests.
pub const SECRETS_KEY: &str = "test-partner-secrets-key-0123456789abcdef";

pub fn test_cipher() -> SecretCipher {
    SecretCipher::from_key_material(SECRETS_KEY).expect("the test key is long enough")
}

/// A private table on DynamoDB Local with the demo programme loaded, and a clock that
/// tests move by hand.
pub struct TestEnv {
    pub context: Context,
    pub clock: ManualClock,
    pub client: Client,
    pub table: String,
}

impl TestEnv {
    pub async fn new() -> Self {
        Self::new_on(local_client().await).await
    }

    /// A test environment with the demo programme whose members count as active for ten years
    /// after their last earn: for tests of the daily run that start it months after the
    /// members' first writes, which a quiet spell (filed for 60 days on, before the run's
    /// first day) would otherwise keep from the run.
    pub async fn patient() -> Self {
        let document = program_with(|p| {
            p["engagement"] = serde_json::json!({"inactiveAfterDays": 3650});
        });
        Self::with_program(local_client().await, &document.to_string()).await
    }

    /// A test environment with `document` as its programme.
    pub async fn with(document: &Value) -> Self {
        Self::with_program(local_client().await, &document.to_string()).await
    }

    /// A test environment on the DynamoDB that `client` talks to.
    pub async fn new_on(client: Client) -> Self {
        Self::with_program(client, demo_program_json()).await
    }

    async fn with_program(client: Client, document: &str) -> Self {
        let env = Self::without_program_on(client).await;
        let program = Program::from_json(document.as_bytes()).expect("the programme is valid");
        env.context
            .store
            .put_program(&program, START, OPERATOR)
            .await
            .expect("programme stored");
        env
    }

    pub async fn without_program() -> Self {
        Self::without_program_on(local_client().await).await
    }

    async fn without_program_on(client: Client) -> Self {
        let table = format!("loyalty-test-{:016x}", rand::random::<u64>());
        table_definition()
            .create(&client, &table)
            .await
            .expect("table created on DynamoDB Local");
        let clock = ManualClock::at(START);
        let context = Context {
            store: Store::new(client.clone(), table.clone()),
            clock: Arc::new(clock.clone()),
            auth: AuthConfig::with_dev_secret(DEV_SECRET),
            shared: SharedItems::new(DEFAULT_TTL),
        };
        Self {
            context,
            clock,
            client,
            table,
        }
    }

    /// A machine client's token (a till, a backend, an operator's tool), shaped as a
    /// client-credentials token: its `sub` is its client id.
    pub fn token(&self, sub: &str, scope: &str) -> String {
        mint(&DevClaims::client(sub, scope), DEV_SECRET.as_bytes())
    }

    /// A member signed in to the app, shaped as a user's access token.
    pub fn member_token(&self, member: &str) -> String {
        mint(&DevClaims::member(member), DEV_SECRET.as_bytes())
    }

    /// An operator who signed in as a person and belongs to the operators' group.
    pub fn operator_user_token(&self, sub: &str) -> String {
        mint(
            &DevClaims::user_in_group(sub, "loyalty-admins"),
            DEV_SECRET.as_bytes(),
        )
    }

    pub fn till_token(&self) -> String {
        self.token(TILL, "loyalty/earn")
    }

    pub fn admin_token(&self) -> String {
        self.token(OPERATOR, "loyalty/admin")
    }

    pub async fn call(&self, function: Function, call: Call) -> TestResponse {
        invoke(&self.context, function, call).await
    }

    /// Enrols `member` as the member itself would, and checks it worked.
    pub async fn enrol(&self, member: &str) -> TestResponse {
        let response = self
            .call(
                Function::MemberApi,
                Call::new("POST", "/v1/members").bearer(&self.member_token(member)),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "enrol {member}: {}",
            response.body
        );
        response
    }

    /// Reads the targeted offers into the shared items, as a warm function has them (tests
    /// that count an earn's DynamoDB calls count a warm one).
    pub async fn keep_offers(&self) {
        self.context
            .shared
            .offers(&self.context.store, self.context.clock.now())
            .await
            .expect("offers read");
    }

    /// Posts a purchase from the till.
    pub async fn earn(&self, member: &str, body: Value) -> TestResponse {
        self.call(
            Function::EarnPoints,
            Call::new("POST", format!("/v1/members/{member}/earn"))
                .bearer(&self.till_token())
                .json(&body),
        )
        .await
    }

    pub async fn me(&self, member: &str) -> TestResponse {
        self.call(
            Function::MemberApi,
            Call::new("GET", "/v1/members/me").bearer(&self.member_token(member)),
        )
        .await
    }

    /// Every entry of the member's ledger, newest first, following cursors.
    pub async fn all_activity(&self, member: &str, limit: u16) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/members/me/activity?limit={limit}&cursor={c}"),
                None => format!("/v1/members/me/activity?limit={limit}"),
            };
            let page = self
                .call(
                    Function::MemberApi,
                    Call::new("GET", path).bearer(&self.member_token(member)),
                )
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            items.extend(page.body["items"].as_array().cloned().unwrap_or_default());
            match page.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }

    /// The member's events of the last week (at most 100), newest first, as operators read
    /// them.
    pub async fn events(&self, member: &str) -> Vec<Value> {
        let page = self
            .call(
                Function::MemberApi,
                Call::new("GET", format!("/v1/members/{member}/events?limit=100"))
                    .bearer(&self.admin_token()),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.body["items"].as_array().cloned().unwrap_or_default()
    }

    /// Every item in the table, keyed by PK and SK, to show that a refused request
    /// changed nothing at all.
    pub async fn table_snapshot(&self) -> BTreeMap<(String, String), Value> {
        let mut items = BTreeMap::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            for item in page.items.unwrap_or_default() {
                let key = |name: &str| {
                    item.get(name)
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default()
                };
                let id = (key("PK"), key("SK"));
                let value: Value = serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
                    .expect("items convert to JSON");
                items.insert(id, value);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// The sum of a member's ledger entries, straight from the table.
    pub async fn ledger_sum(&self, member: &str) -> i64 {
        self.all_activity(member, 100)
            .await
            .iter()
            .map(|e| e["points"].as_i64().expect("points are integers"))
            .sum()
    }
}

/// The points a stored member item holds: its balance and its pending points.
pub fn held_points(member: &Value) -> i64 {
    let pending: i64 = member["pending"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|group| group["lots"].as_object().into_iter().flatten())
        .map(|(_, points)| points.as_i64().expect("points are integers"))
        .sum();
    member["balance"].as_i64().expect("a balance") + pending
}

/// A partner's webhook, signed with `secret` as the partner's own code would sign it, stamped
/// with the tests' starting time (the clock must be within 5 minutes of it).
pub fn signed_webhook(partner: &str, secret: &str, id: &str, body: &str) -> Call {
    let key = loyalty::webhook::secret::SigningKey::from_secret(secret).expect("a partner secret");
    let at = START.unix_timestamp();
    Call::new("POST", format!("/v1/partners/{partner}/webhooks"))
        .header("webhook-id", id)
        .header("webhook-timestamp", &at.to_string())
        .header(
            "webhook-signature",
            &loyalty::webhook::signature::sign(&key, id, at, body.as_bytes()),
        )
        .raw_body(body)
}

/// A purchase body.
pub fn purchase(transaction_id: &str, amount_minor: i64, category: Option<&str>) -> Value {
    let mut body = json!({"transactionId": transaction_id, "amount": {"amount": amount_minor, "currency": "EUR"}});
    if let Some(category) = category {
        body["category"] = json!(category);
    }
    body
}
