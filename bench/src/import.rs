//! Import throughput (issue 17): `loyalty-cli import` sending 10,000 members (`BENCH_IMPORT`)
//! as JSON Lines to `POST /v1/imports/members` on the local stack: the member-api handler
//! served on a loopback port (as `cargo lambda watch` serves it for `make dev`) over DynamoDB
//! Local, each member two lots and a pending group (3 `import` entries, one TransactWriteItems
//! of 7 items). The release CLI runs with its defaults (batches of 100, 4 in flight); the
//! figure is members imported per second of wall time, start to summary, and the run is
//! checked: every member imported once (the CLI's checkpoint counts each member the server
//! reported imported). The table's stream is off, as in every section (DynamoDB Local slows
//! every write down as its stream grows; DynamoDB does not).

use std::convert::Infallible;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use loyalty::Context;
use loyalty::domain::clock::SystemClock;
use loyalty::domain::program::Program;
use loyalty::identity::AuthConfig;
use loyalty::identity::dev_token::{DevClaims, mint};
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::Store;
use loyalty_tests::{Call, Function, invoke};
use serde::{Deserialize, Serialize};
use serde_json::json;

const SECRET: &str = "bench-import-secret";
pub const BATCH_SIZE: usize = 100;
pub const CONCURRENCY: usize = 4;
/// Items of one member's transaction: member, referral code, 3 entries, the figures' day
/// and totals.
const ITEMS_PER_MEMBER: usize = 7;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportResult {
    pub members: usize,
    pub entries_per_member: usize,
    pub items_per_member: usize,
    pub batch_size: usize,
    pub concurrency: usize,
    pub seconds: f64,
    pub members_per_second: f64,
    pub requests: usize,
    /// The export of one member with `export_entries` ledger entries.
    #[serde(default)]
    pub export: Option<ExportResult>,
}

/// `GET /v1/members/{memberId}/export` of a member with many ledger entries, then its
/// erasure (the sweep deletes every one of them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportResult {
    pub entries: usize,
    pub runs: usize,
    pub p50_ms: f64,
    pub max_ms: f64,
    pub bytes: usize,
    pub erase_ms: f64,
}

/// Ledger entries of the exported member (issue 17: at least 5,000).
const EXPORT_ENTRIES: u64 = 5_000;
/// Exports timed, one after the other.
const EXPORT_RUNS: usize = 10;

pub async fn run(
    client: Client,
    table: &str,
    members: usize,
    cli: &Path,
    log_dir: &Path,
) -> Result<ImportResult> {
    loyalty_tests::table_definition()
        .create(&client, table)
        .await
        .context("creating the import table")?;
    // As every section does: DynamoDB Local's stream slows each write down as it grows.
    crate::scenario::disable_stream(&client, table).await?;
    let now = time::OffsetDateTime::now_utc();
    let context = Context {
        store: Store::new(client.clone(), table),
        clock: Arc::new(SystemClock),
        auth: AuthConfig::with_dev_secret(SECRET),
        shared: SharedItems::new(DEFAULT_TTL),
    };
    let program = Program::from_json(loyalty_tests::demo_program_json().as_bytes())
        .map_err(|e| anyhow!("demo programme: {e}"))?;
    context.store.put_program(&program, now, "bench").await?;
    let url = serve(context.clone()).await?;
    let token = mint(
        &DevClaims::client("bench-operator", "loyalty/admin"),
        SECRET.as_bytes(),
    );

    let input = log_dir.join("import-members.jsonl");
    let at = |days: i64| loyalty::domain::rfc3339::format(now + time::Duration::days(days));
    let mut lines = String::with_capacity(members * 300);
    for i in 0..members {
        let member = json!({
            "memberId": format!("import-{i:06}"),
            "displayName": format!("Imported member {i}"),
            "enrolledAt": "2022-01-01T00:00:00Z",
            "tier": if i % 10 == 0 { "Silver" } else { "Member" },
            "lots": [
                {"points": 100 + (i % 50), "expiresAt": at(60)},
                {"points": 250, "expiresAt": at(300)}
            ],
            "pendingPoints": [{"points": 20, "availableAt": at(7)}],
            "lifetimePoints": 5_000,
            "qualifyingPoints": 400
        });
        lines.push_str(&member.to_string());
        lines.push('\n');
    }
    std::fs::write(&input, lines)?;
    let checkpoint = log_dir.join("import-members.jsonl.checkpoint");
    let _ = std::fs::remove_file(&checkpoint);

    let log = std::fs::File::create(log_dir.join("import-cli.log"))?;
    let started = Instant::now();
    let status = tokio::process::Command::new(cli)
        .arg("import")
        .arg(&input)
        .args(["--endpoint", &url])
        .args(["--batch-size", &BATCH_SIZE.to_string()])
        .args(["--concurrency", &CONCURRENCY.to_string()])
        .env("LOYALTY_TOKEN", &token)
        .stdout(Stdio::null())
        .stderr(log)
        .status()
        .await
        .with_context(|| format!("running {}", cli.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!(
            "loyalty-cli import failed ({status}); see {}",
            log_dir.join("import-cli.log").display()
        );
    }
    let done: serde_json::Value = serde_json::from_slice(&std::fs::read(&checkpoint)?)?;
    if done["imported"] != json!(members) || done["complete"] != json!(true) {
        bail!("the import did not import every member once: {done}");
    }
    let export = export_and_erase(&context, &client, table, &token).await?;
    Ok(ImportResult {
        export: Some(export),
        members,
        entries_per_member: 3,
        items_per_member: ITEMS_PER_MEMBER,
        batch_size: BATCH_SIZE,
        concurrency: CONCURRENCY,
        seconds,
        members_per_second: members as f64 / seconds,
        requests: members.div_ceil(BATCH_SIZE),
    })
}

/// One imported member's ledger grown to `EXPORT_ENTRIES` (copies of its first entry, written
/// straight to the table: through the API that would take minutes), exported `EXPORT_RUNS`
/// times through the handler as API Gateway calls it, then erased.
async fn export_and_erase(
    context: &Context,
    client: &Client,
    table: &str,
    token: &str,
) -> Result<ExportResult> {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    let member = "import-000001";
    let pk = AttributeValue::S(format!("MEMBER#{member}"));
    let first = client
        .get_item()
        .table_name(table)
        .key("PK", pk.clone())
        .key("SK", AttributeValue::S(format!("LEDGER#{:020}", 1)))
        .send()
        .await?
        .item
        .ok_or_else(|| anyhow!("the imported member has no first entry"))?;
    let copies: Vec<u64> = (4..=EXPORT_ENTRIES).collect();
    for chunk in copies.chunks(25) {
        let mut requests = Vec::with_capacity(chunk.len());
        for seq in chunk {
            let mut item = first.clone();
            item.insert("SK".into(), AttributeValue::S(format!("LEDGER#{seq:020}")));
            item.insert("seq".into(), AttributeValue::N(seq.to_string()));
            item.insert("entryId".into(), AttributeValue::S(format!("bench-{seq}")));
            let put = PutRequest::builder().set_item(Some(item)).build()?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        while !requests.is_empty() {
            requests = client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await?
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default();
        }
    }
    let path = format!("/v1/members/{member}/export");
    let mut times = Vec::with_capacity(EXPORT_RUNS);
    let mut bytes = 0;
    for _ in 0..EXPORT_RUNS {
        let started = Instant::now();
        let response = invoke(
            context,
            Function::MemberApi,
            Call::new("GET", path.clone()).bearer(token),
        )
        .await;
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        let entries = response.body["ledger"].as_array().map_or(0, Vec::len);
        if response.status != 200 || entries != EXPORT_ENTRIES as usize {
            bail!(
                "the export answered {} with {entries} entries",
                response.status
            );
        }
        bytes = response.body.to_string().len();
    }
    times.sort_by(f64::total_cmp);
    let started = Instant::now();
    let erase = Call::new("DELETE", format!("/v1/members/{member}"))
        .bearer(token)
        .json(&json!({"reason": "bench"}));
    let erased = invoke(context, Function::MemberApi, erase).await;
    let erase_ms = started.elapsed().as_secs_f64() * 1_000.0;
    if erased.status != 200 {
        bail!("the erasure answered {}: {}", erased.status, erased.body);
    }
    Ok(ExportResult {
        entries: EXPORT_ENTRIES as usize,
        runs: EXPORT_RUNS,
        p50_ms: times[times.len() / 2],
        max_ms: times[times.len() - 1],
        bytes,
        erase_ms,
    })
}

/// member-api on 127.0.0.1, called as API Gateway calls it; returns its URL.
async fn serve(context: Context) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let context = context.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let context = context.clone();
                    async move { Ok::<_, Infallible>(answer(&context, request).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(url)
}

async fn answer(
    context: &Context,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let method = if request.method() == hyper::Method::GET {
        "GET"
    } else {
        "POST"
    };
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers = request.headers().clone();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let mut call = Call::new(method, path).raw_body(String::from_utf8_lossy(&body));
    for (name, value) in &headers {
        if let Ok(value) = value.to_str() {
            call = call.header(name.as_str(), value);
        }
    }
    let response = invoke(context, Function::MemberApi, call).await;
    let mut reply = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        reply = reply.header(name, value);
    }
    reply
        .body(Full::new(Bytes::from(response.body.to_string())))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}
