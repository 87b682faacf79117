//! The benchmark's data and requests: a table made from infra/template.yaml with the demo
//! programme, a reward, a partner with an offer and members with points, all created through
//! the functions' own handlers (the test kit's `invoke`), and the API Gateway / stream events
//! that drive each operation.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context as _, Result, anyhow, bail};
use loyalty::Context;
use loyalty::domain::clock::SystemClock;
use loyalty::domain::program::Program;
use loyalty::identity::AuthConfig;
use loyalty::store::Store;
use loyalty::store::keys;
use loyalty::webhook::{SigningKey, sign};
use loyalty_tests::stream::StreamReader;
use loyalty_tests::{Call, Function, demo_program_json, invoke, table_definition};
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const PARTNER: &str = "bench-partner";
pub const REWARD: &str = "bench-coffee";
const OPERATOR: &str = "bench-operator";
const TILL: &str = "bench-till";
/// Points each member starts with, so redemptions never run out.
const SEED_POINTS: i64 = 100_000;

/// The operations the warm benchmark drives.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Op {
    Earn,
    Reverse,
    Redeem,
    Cancel,
    Me,
    Activity,
    Webhook,
    StreamBatch,
    /// The programme figures over a year: measured in its own section (`figures`), not among
    /// the warm operations.
    Figures,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Earn,
        Op::Reverse,
        Op::Redeem,
        Op::Cancel,
        Op::Me,
        Op::Activity,
        Op::Webhook,
        Op::StreamBatch,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::Earn => "earn",
            Op::Reverse => "reverse",
            Op::Redeem => "redeem",
            Op::Cancel => "cancel",
            Op::Me => "GET me",
            Op::Activity => "activity",
            Op::Webhook => "webhook",
            Op::StreamBatch => "stream batch",
            Op::Figures => "figures 366 days",
        }
    }

    pub fn describe(self, stream_batch: usize) -> String {
        match self {
            Op::Earn => "POST /v1/members/{id}/earn (8.99 EUR coffee)".into(),
            Op::Reverse => "POST /v1/members/{id}/earn/{txn}/reverse (whole purchase)".into(),
            Op::Redeem => "POST /v1/members/me/redemptions (unlimited reward, 100 points)".into(),
            Op::Cancel => "POST /v1/members/me/redemptions/{id}/cancel".into(),
            Op::Me => "GET /v1/members/me".into(),
            Op::Activity => "GET /v1/members/me/activity?limit=20".into(),
            Op::Webhook => "POST /v1/partners/{id}/webhooks (signed purchase.completed)".into(),
            Op::StreamBatch => {
                format!("evaluate-tier, {stream_batch} member-profile stream records")
            }
            Op::Figures => "GET /v1/metrics over 366 days, every shard full".into(),
        }
    }

    /// Whether the function makes its DynamoDB calls all at once (so the floors do too).
    pub fn concurrent_calls(self) -> bool {
        self == Op::Figures
    }

    pub fn function(self) -> &'static str {
        match self {
            Op::Earn | Op::Reverse | Op::Figures => "earn-points",
            Op::Redeem | Op::Cancel => "redeem-reward",
            Op::Me | Op::Activity => "member-api",
            Op::Webhook => "partner-offers",
            Op::StreamBatch => "evaluate-tier",
        }
    }
}

/// The functions, each with the operation its cold start is measured with.
pub const FUNCTIONS: [(&str, Op); 5] = [
    ("earn-points", Op::Earn),
    ("member-api", Op::Me),
    ("redeem-reward", Op::Redeem),
    ("partner-offers", Op::Webhook),
    ("evaluate-tier", Op::StreamBatch),
];

/// What an invocation needs that must exist before it is timed.
#[derive(Debug, Clone)]
pub struct Prep {
    pub op: Op,
    pub member: String,
    /// The purchase to reverse, or the redemption to cancel.
    pub reference: Option<String>,
}

pub struct Scenario {
    /// Handlers called in-process, on a client straight to DynamoDB Local.
    pub context: Context,
    pub table: String,
    signing_key: SigningKey,
    stream_batch: Value,
    seq: AtomicU64,
    tag: String,
}

fn admin() -> Value {
    json!({"sub": OPERATOR, "scope": "loyalty/admin"})
}
fn till() -> Value {
    json!({"sub": TILL, "scope": "loyalty/earn"})
}
/// A member's own sign-in: a user's access token (a user name, issued to the app client).
pub fn member(id: &str) -> Value {
    json!({"sub": id, "username": id, "client_id": "bench-app", "token_use": "access"})
}

fn expect_2xx(what: &str, response: &loyalty_tests::TestResponse) -> Result<()> {
    if response.status.is_success() {
        Ok(())
    } else {
        bail!("{what}: {} {}", response.status, response.body)
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl Scenario {
    /// Creates the table, loads the programme, the reward, the partner and its offer, and the
    /// members whose profile changes make the stream batch.
    pub async fn setup(
        client: aws_sdk_dynamodb::Client,
        table: String,
        stream_batch_records: usize,
    ) -> Result<Self> {
        table_definition()
            .create(&client, &table)
            .await
            .context("creating the table from infra/template.yaml")?;
        let context = Context {
            store: Store::new(client.clone(), table.clone()),
            clock: Arc::new(SystemClock),
            auth: AuthConfig::authorizer_only(),
            shared: loyalty::shared_items::SharedItems::from_env(),
        };
        let program = Program::from_json(demo_program_json().as_bytes())
            .map_err(|e| anyhow!("demo programme: {e}"))?;
        context
            .store
            .put_program(&program, OffsetDateTime::now_utc(), OPERATOR)
            .await
            .map_err(|e| anyhow!("storing the programme: {e}"))?;
        let reward = invoke(
            &context,
            Function::RedeemReward,
            Call::new("PUT", format!("/v1/rewards/{REWARD}"))
                .claims(admin())
                .json(&json!({"name": "Bench coffee", "cost": 100})),
        )
        .await;
        expect_2xx("reward", &reward)?;
        let partner = invoke(
            &context,
            Function::PartnerOffers,
            Call::new("PUT", format!("/v1/partners/{PARTNER}"))
                .claims(admin())
                .json(&json!({"name": "Bench partner"})),
        )
        .await;
        expect_2xx("partner", &partner)?;
        let secret = partner.body["secret"]
            .as_str()
            .ok_or_else(|| anyhow!("the partner's secret is not in {}", partner.body))?;
        let signing_key =
            SigningKey::from_secret(secret).map_err(|e| anyhow!("partner secret: {e}"))?;
        let mut scenario = Self {
            context,
            table,
            signing_key,
            stream_batch: Value::Null,
            seq: AtomicU64::new(0),
            tag: format!("{:08x}", rand::random::<u32>()),
        };
        let from = OffsetDateTime::now_utc() - time::Duration::days(1);
        let to = OffsetDateTime::now_utc() + time::Duration::days(60);
        let offer = json!({"type": "offer.upserted", "data": {
            "offerId": "bench-double", "title": "Double points", "bonus": {"multiplier": 2},
            "validFrom": from.format(&Rfc3339)?, "validTo": to.format(&Rfc3339)?}});
        let offer = invoke(
            &scenario.context,
            Function::PartnerOffers,
            scenario.webhook_call(&offer.to_string()),
        )
        .await;
        expect_2xx("offer", &offer)?;

        // The stream batch: profile records of members whose earn did not reach a new tier,
        // so evaluating it reads and changes nothing (it can be replayed as often as needed).
        let stream_members: Vec<String> = (0..stream_batch_records)
            .map(|i| format!("stream-{i}"))
            .collect();
        scenario.enrol(&stream_members, false).await?;
        let mut reader = StreamReader::start(&client, &scenario.table).await;
        for id in &stream_members {
            let earned = invoke(
                &scenario.context,
                Function::EarnPoints,
                Call::new("POST", format!("/v1/members/{id}/earn"))
                    .claims(till())
                    .json(&scenario.purchase_body()),
            )
            .await;
            expect_2xx("stream member earn", &earned)?;
        }
        let mut records = Vec::new();
        for _ in 0..10 {
            let event = reader.next_event().await;
            records.extend(
                event["Records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| is_profile_record(r))
                    .cloned(),
            );
            if records.len() >= stream_batch_records {
                break;
            }
        }
        if records.len() < stream_batch_records {
            bail!(
                "only {} of {stream_batch_records} profile stream records arrived",
                records.len()
            );
        }
        records.truncate(stream_batch_records);
        scenario.stream_batch = json!({ "Records": records });
        disable_stream(&client, &scenario.table).await?;
        Ok(scenario)
    }

    /// Enrols members (as each member would) and, with `points`, gives each a balance.
    pub async fn enrol(&self, ids: &[String], points: bool) -> Result<()> {
        for id in ids {
            let enrolled = invoke(
                &self.context,
                Function::MemberApi,
                Call::new("POST", "/v1/members")
                    .claims(member(id))
                    .json(&json!({"displayName": "Bench member"})),
            )
            .await;
            expect_2xx("enrol", &enrolled)?;
            if points {
                let adjusted = invoke(
                    &self.context,
                    Function::EarnPoints,
                    Call::new("POST", format!("/v1/members/{id}/adjustments"))
                        .claims(admin())
                        .header("idempotency-key", &format!("seed-{id}"))
                        .json(&json!({"points": SEED_POINTS, "reason": "benchmark balance"})),
                )
                .await;
                expect_2xx("adjustment", &adjusted)?;
            }
        }
        Ok(())
    }

    fn next(&self) -> String {
        format!("{}-{}", self.tag, self.seq.fetch_add(1, Ordering::Relaxed))
    }

    fn purchase_body(&self) -> Value {
        json!({"transactionId": format!("t-{}", self.next()),
               "amount": {"amount": 899, "currency": "EUR"}, "category": "coffee"})
    }

    fn webhook_call(&self, body: &str) -> Call {
        let id = format!("msg_{}", self.next());
        let timestamp = OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(&self.signing_key, &id, timestamp, body.as_bytes());
        Call::new("POST", format!("/v1/partners/{PARTNER}/webhooks"))
            .header("webhook-id", &id)
            .header("webhook-timestamp", &timestamp.to_string())
            .header("webhook-signature", &signature)
            .header("content-type", "application/json")
            .raw_body(body)
    }

    /// Creates what the invocation needs (a purchase to reverse, a redemption to cancel)
    /// through the handlers, before anything is timed.
    pub async fn prepare(&self, op: Op, member_id: &str) -> Result<Prep> {
        let reference = match op {
            Op::Reverse => {
                let body = self.purchase_body();
                let earned = invoke(
                    &self.context,
                    Function::EarnPoints,
                    Call::new("POST", format!("/v1/members/{member_id}/earn"))
                        .claims(till())
                        .json(&body),
                )
                .await;
                expect_2xx("earn to reverse", &earned)?;
                body["transactionId"].as_str().map(str::to_string)
            }
            Op::Cancel => {
                let redeemed = invoke(
                    &self.context,
                    Function::RedeemReward,
                    Call::new("POST", "/v1/members/me/redemptions")
                        .claims(member(member_id))
                        .header("idempotency-key", &format!("r-{}", self.next()))
                        .json(&json!({"rewardId": REWARD})),
                )
                .await;
                expect_2xx("redemption to cancel", &redeemed)?;
                Some(
                    redeemed.body["redemptionId"]
                        .as_str()
                        .ok_or_else(|| anyhow!("no redemptionId in {}", redeemed.body))?
                        .to_string(),
                )
            }
            _ => None,
        };
        Ok(Prep {
            op,
            member: member_id.to_string(),
            reference,
        })
    }

    /// The event Lambda would deliver for `prep` (webhooks are signed now, so this is built
    /// just before the invocation; it does no I/O).
    pub fn event(&self, prep: &Prep) -> Value {
        let m = prep.member.as_str();
        let reference = prep.reference.as_deref().unwrap_or_default();
        let call = match prep.op {
            Op::Earn => Call::new("POST", format!("/v1/members/{m}/earn"))
                .claims(till())
                .json(&self.purchase_body()),
            Op::Reverse => Call::new("POST", format!("/v1/members/{m}/earn/{reference}/reverse"))
                .claims(till()),
            Op::Redeem => Call::new("POST", "/v1/members/me/redemptions")
                .claims(member(m))
                .header("idempotency-key", &format!("r-{}", self.next()))
                .json(&json!({"rewardId": REWARD})),
            Op::Cancel => Call::new(
                "POST",
                format!("/v1/members/me/redemptions/{reference}/cancel"),
            )
            .claims(member(m)),
            Op::Me => Call::new("GET", "/v1/members/me").claims(member(m)),
            Op::Activity => Call::new("GET", "/v1/members/me/activity?limit=20").claims(member(m)),
            Op::Webhook => {
                let body = json!({"type": "purchase.completed", "data": {
                    "memberId": m, "partnerTransactionId": format!("p-{}", self.next()),
                    "amount": {"amount": 5000, "currency": "EUR"}, "occurredAt": now_rfc3339()}});
                self.webhook_call(&body.to_string())
            }
            Op::StreamBatch => return self.stream_batch.clone(),
            Op::Figures => {
                let (from, to) = figures_range();
                Call::new("GET", format!("/v1/metrics?from={from}&to={to}")).claims(admin())
            }
        };
        api_gateway_event(&call)
    }
}

/// The year the figures are read over: the 365 days before today (UTC) and today.
pub fn figures_range() -> (time::Date, time::Date) {
    let today = OffsetDateTime::now_utc().date();
    (today - time::Duration::days(365), today)
}

/// Switches a table's stream off. DynamoDB Local (3.3) looks through the stream records it
/// holds on every item written, so with the stream on, every write gets slower as a run goes
/// on (by tens of milliseconds per item after some hundred thousand writes): an artifact of
/// DynamoDB Local, which DynamoDB does not have, and which would make whatever runs last look
/// slow. The functions never read the stream; the stream batch was captured before.
pub async fn disable_stream(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<()> {
    client
        .update_table()
        .table_name(table)
        .stream_specification(
            aws_sdk_dynamodb::types::StreamSpecification::builder()
                .stream_enabled(false)
                .build()?,
        )
        .send()
        .await
        .with_context(|| format!("switching the stream of {table} off"))?;
    Ok(())
}

fn is_profile_record(record: &Value) -> bool {
    let keys = &record["dynamodb"]["Keys"];
    keys[keys::PK]["S"]
        .as_str()
        .is_some_and(|pk| pk.starts_with("MEMBER#"))
        && keys[keys::SK]["S"].as_str() == Some(keys::PROFILE)
}

/// The API Gateway HTTP API (payload 2.0) event for a call, as Lambda delivers it, with the
/// JWT authorizer's claims where API Gateway puts them.
pub fn api_gateway_event(call: &Call) -> Value {
    let mut event: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/apigw-v2-request.json"))
            .unwrap_or_else(|_| json!({}));
    let (path, query) = call.path.split_once('?').unwrap_or((&call.path, ""));
    let now = OffsetDateTime::now_utc();
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!(query);
    event["requestContext"]["http"]["method"] = json!(call.method);
    event["requestContext"]["http"]["path"] = json!(path);
    event["requestContext"]["requestId"] = json!(format!("bench-{}", rand::random::<u64>()));
    event["requestContext"]["timeEpoch"] = json!(now.unix_timestamp() * 1000);
    if !query.is_empty() {
        let params: serde_json::Map<String, Value> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k.to_string(), json!(v))
            })
            .collect();
        event["queryStringParameters"] = Value::Object(params);
    }
    for (name, value) in &call.headers {
        event["headers"][name.to_lowercase()] = json!(value);
    }
    if let Some(body) = &call.body {
        event["body"] = json!(body);
    }
    if let Some(claims) = &call.authorizer_claims {
        event["requestContext"]["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
    }
    event
}

/// Whether a function's answer is a success: a 2xx API Gateway response, or a stream batch
/// with no failed record.
pub fn check_answer(op: Option<Op>, body: &[u8]) -> Result<()> {
    let answer: Value = serde_json::from_slice(body)
        .with_context(|| format!("answer is not JSON: {}", String::from_utf8_lossy(body)))?;
    if op == Some(Op::StreamBatch) {
        return match answer["batchItemFailures"].as_array() {
            Some(failures) if failures.is_empty() => Ok(()),
            _ => bail!("stream batch failed: {answer}"),
        };
    }
    match answer["statusCode"].as_u64() {
        Some(status) if (200..300).contains(&status) => Ok(()),
        _ => bail!(
            "answer {}: {}",
            answer["statusCode"],
            answer["body"].as_str().unwrap_or_default()
        ),
    }
}
