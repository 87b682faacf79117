//! `loyalty-check`: drives seeded, concurrent, mixed traffic at a loyalty stack (local or
//! deployed), keeps the history of every request and answer, then checks the invariants of
//! issue 18 through the API and prints a report. Exit 0 when every invariant holds, 1 when one
//! fails (with the seed and the requests that led to it), 2 when the run could not be made.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use hyper::Method;
use loyalty::identity::dev_token::{DevClaims, mint};
use loyalty::webhook::secret::SigningKey;
use loyalty::webhook::signature::sign;
use loyalty_check::checks::{self, Entry, MemberView, Outcome};
use loyalty_check::history::{Exchange, sequence_for, shorten};
use loyalty_check::plan::{Op, Send, op_at, random_seed};
use loyalty_cli::client::Api;
use serde_json::{Value, json};

/// The scarce reward's stock: small, so that redemptions race for it.
const SCARCE_STOCK: i64 = 5;
/// Attempts per request when its answer is lost, throttled or still in progress.
const ATTEMPTS: u32 = 8;

#[derive(Parser)]
#[command(
    name = "loyalty-check",
    about = "Black-box correctness checker: seeded concurrent mixed traffic, then the invariants"
)]
struct Args {
    /// The API's base URL (http://127.0.0.1:9000 for the local stack).
    #[arg(long)]
    endpoint: String,
    /// An operator's token (scope loyalty/admin). Never printed.
    #[arg(long, env = "LOYALTY_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// A till's token (scope loyalty/earn). Never printed.
    #[arg(long, env = "LOYALTY_TILL_TOKEN", hide_env_values = true)]
    till_token: Option<String>,
    /// The local stack's dev JWT secret: mints the members' tokens, and the operator's and
    /// tills' when they are not given. Never printed.
    #[arg(long, env = "LOYALTY_DEV_JWT_SECRET", hide_env_values = true)]
    dev_secret: Option<String>,
    /// A JSON object memberId -> token, for a deployed stack whose members sign in with Cognito.
    #[arg(long)]
    member_tokens: Option<std::path::PathBuf>,
    /// How long the traffic runs (90s, 20m, 1h).
    #[arg(long, default_value = "60s", value_parser = loyalty_check::parse_duration)]
    duration: Duration,
    /// At most this many requests of traffic (setup and the final reads not counted).
    #[arg(long, default_value_t = 100_000)]
    max_requests: u64,
    /// The plan's seed (random when absent; always printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Members enrolled for the run (with --dev-secret).
    #[arg(long, default_value_t = 10)]
    members: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Also write the whole history (one request and its answer a line, in order) to FILE.
    #[arg(long)]
    history: Option<std::path::PathBuf>,
}

#[derive(Default)]
struct State {
    /// Per member: acknowledged earns (transactionId, amount).
    earns: Vec<Vec<(String, i64)>>,
    /// Per member: issued redemptions (redemptionId, rewardId, code).
    redemptions: Vec<Vec<(String, String, String)>>,
}

struct Run {
    seed: u64,
    prefix: String,
    admin: Api,
    tills: Vec<Api>,
    members: Vec<(String, Api)>,
    scarce: String,
    cheap: String,
    /// The run's partner and its signing key, when it could be created.
    partner: Option<(String, SigningKey)>,
    history: Mutex<Vec<Exchange>>,
    seq: AtomicU64,
    requests: AtomicU64,
    next_op: AtomicU64,
    state: Mutex<State>,
}

type Headers<'a> = &'a [(&'a str, &'a str)];

impl Run {
    /// Sends one request, retrying (same body, same keys) while its answer is lost, throttled
    /// or still in progress; records every attempt and returns the last.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        api: &Api,
        op: &'static str,
        member: &str,
        keys: &[&str],
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: Headers<'_>,
    ) -> Exchange {
        let body = body.map(Value::to_string);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut exchange = Exchange {
                seq: self.seq.fetch_add(1, Ordering::Relaxed),
                op,
                member: member.to_string(),
                keys: keys.iter().map(|k| k.to_string()).collect(),
                method: method.to_string(),
                path: path.to_string(),
                body: body.clone().unwrap_or_default(),
                ..Default::default()
            };
            if op != "setup" && op != "read" {
                self.requests.fetch_add(1, Ordering::Relaxed);
            }
            let mut again = false;
            match api.send(method.clone(), path, body.clone(), headers).await {
                Err(error) => {
                    exchange.lost = true;
                    exchange.short = shorten(&error.to_string(), 120);
                    again = true;
                }
                Ok(answer) => {
                    exchange.status = answer.status;
                    exchange.retry_after = answer.retry_after.is_some();
                    exchange.short = shorten(&String::from_utf8_lossy(&answer.body), 160);
                    if let Ok(value) = serde_json::from_slice::<Value>(&answer.body) {
                        // A partner's new secret is shown once: kept for signing, never logged.
                        if value.get("secret").is_some() {
                            let mut shown = value.clone();
                            shown["secret"] = Value::from("(not logged)");
                            exchange.short = shorten(&shown.to_string(), 160);
                        }
                        exchange.answer = value;
                    }
                    // A function's own 5xx is `{"error": ...}` (or Lambda's `{"errorType", ...}`
                    // when it fails outright); anything else is the emulator's, which failed to
                    // relay an answer (cargo lambda watch's `https://httpstatuses.com/500`): lost.
                    if answer.status >= 500
                        && exchange.answer.get("error").is_none()
                        && exchange.answer.get("errorType").is_none()
                    {
                        exchange.lost = true;
                        again = true;
                    }
                    if exchange.error_code() == Some("request_in_progress")
                        || answer.status == 429
                        || (answer.status == 503 && exchange.retry_after)
                    {
                        again = true;
                    }
                }
            }
            if let Ok(mut history) = self.history.lock() {
                history.push(exchange.clone());
            }
            if !again || attempt >= ATTEMPTS {
                return exchange;
            }
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
        }
    }

    fn member(&self, index: usize) -> (&str, &Api) {
        let (id, api) = &self.members[index % self.members.len()];
        (id.as_str(), api)
    }

    fn till(&self, n: u64) -> &Api {
        &self.tills[(n as usize) % self.tills.len()]
    }

    async fn run_op(&self, index: u64, op: Op) {
        let (member, member_api) = self.member(op.member());
        let m = op.member() % self.members.len();
        let p = &self.prefix;
        match op {
            Op::Earn {
                amount,
                category,
                send,
                ..
            } => {
                let txn = format!("{p}-t{index}");
                let mut body =
                    json!({"transactionId": txn, "amount": {"amount": amount, "currency": "EUR"}});
                if let Some(category) = category {
                    body["category"] = json!(category);
                }
                let path = format!("/v1/members/{member}/earn");
                let earn = |till: u64, body: Value| {
                    let path = path.clone();
                    let txn = txn.clone();
                    async move {
                        self.call(
                            self.till(till),
                            "earn",
                            member,
                            &[&txn],
                            Method::POST,
                            &path,
                            Some(&body),
                            &[],
                        )
                        .await
                    }
                };
                let mut answers = vec![earn(index, body.clone()).await];
                match send {
                    Send::Once => {}
                    Send::Again => answers.push(earn(index + 1, body.clone()).await),
                    Send::Concurrent => {
                        let (a, b) = futures::join!(
                            earn(index + 1, body.clone()),
                            earn(index + 2, body.clone())
                        );
                        answers.extend([a, b]);
                    }
                    Send::Conflict => {
                        let mut other = body.clone();
                        other["amount"]["amount"] = json!(amount + 1);
                        answers.push(earn(index + 1, other).await);
                    }
                }
                if answers.iter().any(|a| !a.lost && a.status == 201)
                    && let Ok(mut state) = self.state.lock()
                {
                    state.earns[m].push((txn, amount));
                }
            }
            Op::Reverse {
                pick,
                partial,
                retry,
                ..
            } => {
                let target = self.state.lock().ok().and_then(|s| {
                    let earns = &s.earns[m];
                    (!earns.is_empty()).then(|| earns[pick as usize % earns.len()].clone())
                });
                let Some((txn, amount)) = target else {
                    return;
                };
                let key = format!("{p}-rv{index}");
                let body = match partial {
                    Some(part) => {
                        json!({"amount": {"amount": part.min(amount), "currency": "EUR"}})
                    }
                    None => json!({}),
                };
                let path = format!("/v1/members/{member}/earn/{txn}/reverse");
                let headers = [("idempotency-key", key.as_str())];
                let keys = [txn.as_str(), key.as_str()];
                let reverse = |till: u64| {
                    self.call(
                        self.till(till),
                        "reverse",
                        member,
                        &keys,
                        Method::POST,
                        &path,
                        Some(&body),
                        &headers,
                    )
                };
                if retry {
                    futures::join!(reverse(index), reverse(index + 1));
                } else {
                    reverse(index).await;
                }
            }
            Op::Redeem { scarce, retry, .. } => {
                let reward = if scarce { &self.scarce } else { &self.cheap };
                let key = format!("{p}-rd{index}");
                let body = json!({"rewardId": reward});
                let headers = [("idempotency-key", key.as_str())];
                let keys = [key.as_str(), reward.as_str()];
                let redeem = || {
                    self.call(
                        member_api,
                        "redeem",
                        member,
                        &keys,
                        Method::POST,
                        "/v1/members/me/redemptions",
                        Some(&body),
                        &headers,
                    )
                };
                let answers = if retry {
                    let (a, b) = futures::join!(redeem(), redeem());
                    vec![a, b]
                } else {
                    vec![redeem().await]
                };
                if let Some(a) = answers.iter().find(|a| !a.lost && a.status == 201) {
                    let id = a.answer["redemptionId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let code = a.answer["code"].as_str().unwrap_or_default().to_string();
                    if let Ok(mut state) = self.state.lock()
                        && !state.redemptions[m].iter().any(|r| r.0 == id)
                    {
                        state.redemptions[m].push((id, reward.clone(), code));
                    }
                }
            }
            Op::Cancel { pick, .. } => {
                let Some((id, reward, _)) = self.pick_redemption(m, pick) else {
                    return;
                };
                let key = format!("{p}-c{index}");
                let path = format!("/v1/members/me/redemptions/{id}/cancel");
                self.call(
                    member_api,
                    "cancel",
                    member,
                    &[&id, &reward],
                    Method::POST,
                    &path,
                    None,
                    &[("idempotency-key", &key)],
                )
                .await;
            }
            Op::UseVoucher { pick, tills, .. } => {
                let Some((_, _, code)) = self.pick_redemption(m, pick) else {
                    return;
                };
                let path = format!("/v1/vouchers/{code}/use");
                let uses = (0..tills as u64).map(|t| {
                    let key = format!("{p}-u{index}-{t}");
                    let path = path.clone();
                    let code = code.clone();
                    async move {
                        self.call(
                            self.till(t),
                            "use",
                            member,
                            &[&code, &key],
                            Method::POST,
                            &path,
                            None,
                            &[("idempotency-key", &key)],
                        )
                        .await
                    }
                });
                futures::future::join_all(uses).await;
            }
            Op::Adjust { points, retry, .. } => {
                let key = format!("{p}-adj{index}");
                let body = json!({"points": points, "reason": key});
                let path = format!("/v1/members/{member}/adjustments");
                let headers = [("idempotency-key", key.as_str())];
                let keys = [key.as_str()];
                let adjust = || {
                    self.call(
                        &self.admin,
                        "adjust",
                        member,
                        &keys,
                        Method::POST,
                        &path,
                        Some(&body),
                        &headers,
                    )
                };
                if retry {
                    futures::join!(adjust(), adjust());
                } else {
                    adjust().await;
                }
            }
            Op::Webhook {
                amount,
                redeliver,
                concurrent,
                ..
            } => {
                let txn = format!("{p}-p{index}");
                let id = format!("{p}-w{index}");
                let now = time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                let body = json!({"type": "purchase.completed", "data": {"memberId": member,
                    "partnerTransactionId": txn, "amount": {"amount": amount, "currency": "EUR"},
                    "occurredAt": now}});
                let keys = [txn.as_str(), id.as_str()];
                let send = || self.webhook("webhook", member, &keys, &id, &body);
                match (redeliver, concurrent) {
                    (false, _) => {
                        send().await;
                    }
                    (true, false) => {
                        send().await;
                        send().await;
                    }
                    (true, true) => {
                        futures::join!(send(), send());
                    }
                }
            }
            Op::Action {
                action,
                number,
                concurrent,
                ..
            } => {
                let action_id = format!("{p}-m{m}-a{number}");
                let body = json!({"actionId": action_id, "action": action});
                let path = format!("/v1/members/{member}/actions");
                let keys = [action_id.as_str()];
                let act = |till: u64| {
                    self.call(
                        self.till(till),
                        "action",
                        member,
                        &keys,
                        Method::POST,
                        &path,
                        Some(&body),
                        &[],
                    )
                };
                if concurrent {
                    futures::join!(act(index), act(index + 1));
                } else {
                    act(index).await;
                }
            }
        }
    }

    /// Sends a signed webhook of the run's partner (`None` when there is none).
    async fn webhook(
        &self,
        op: &'static str,
        member: &str,
        keys: &[&str],
        id: &str,
        body: &Value,
    ) -> Option<Exchange> {
        let (partner, key) = self.partner.as_ref()?;
        let text = body.to_string();
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(key, id, timestamp, text.as_bytes());
        let timestamp = timestamp.to_string();
        let headers = [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.as_str()),
            ("webhook-signature", signature.as_str()),
        ];
        let path = format!("/v1/partners/{partner}/webhooks");
        Some(
            self.call(
                &self.admin,
                op,
                member,
                keys,
                Method::POST,
                &path,
                Some(body),
                &headers,
            )
            .await,
        )
    }

    fn pick_redemption(&self, m: usize, pick: u32) -> Option<(String, String, String)> {
        let state = self.state.lock().ok()?;
        let list = &state.redemptions[m];
        (!list.is_empty()).then(|| list[pick as usize % list.len()].clone())
    }

    async fn liability(&self) -> Result<i64, String> {
        let today = time::OffsetDateTime::now_utc().date();
        let path = format!("/v1/metrics?from={today}&to={today}");
        let answer = self
            .call(&self.admin, "read", "", &[], Method::GET, &path, None, &[])
            .await;
        answer.answer["current"]["liability"]
            .as_i64()
            .ok_or_else(|| {
                format!(
                    "GET /v1/metrics answered {} {}",
                    answer.status, answer.short
                )
            })
    }

    async fn held(&self, member: &str) -> Result<Option<(Value, i64)>, String> {
        let answer = self
            .call(
                &self.admin,
                "read",
                member,
                &[],
                Method::GET,
                &format!("/v1/members/{member}"),
                None,
                &[],
            )
            .await;
        match answer.status {
            404 => Ok(None),
            200 => {
                let held = answer.answer["balance"].as_i64().unwrap_or(0)
                    + answer.answer["pendingPoints"].as_i64().unwrap_or(0);
                Ok(Some((answer.answer, held)))
            }
            status => Err(format!(
                "GET /v1/members/{member} answered {status} {}",
                answer.short
            )),
        }
    }

    async fn view(&self, member: &str) -> Result<MemberView, String> {
        let (profile, _) = self
            .held(member)
            .await?
            .ok_or_else(|| format!("member {member} is not there after the run"))?;
        let mut view = MemberView {
            member: member.to_string(),
            balance: profile["balance"].as_i64().unwrap_or(0),
            pending: profile["pendingPoints"].as_i64().unwrap_or(0),
            lots: profile["expiringPoints"]
                .as_array()
                .map(|lots| lots.iter().filter_map(|l| l["points"].as_i64()).collect())
                .unwrap_or_default(),
            entries: Vec::new(),
        };
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/members/{member}/activity?limit=100");
            if let Some(cursor) = &cursor {
                path.push_str("&cursor=");
                path.push_str(&percent_encode(cursor));
            }
            let page = self
                .call(
                    &self.admin,
                    "read",
                    member,
                    &[],
                    Method::GET,
                    &path,
                    None,
                    &[],
                )
                .await;
            if page.status != 200 {
                return Err(format!(
                    "GET {path} answered {} {}",
                    page.status, page.short
                ));
            }
            for item in page.answer["items"].as_array().into_iter().flatten() {
                view.entries.push(Entry {
                    entry_id: item["entryId"].as_str().unwrap_or_default().to_string(),
                    kind: item["type"].as_str().unwrap_or_default().to_string(),
                    points: item["points"].as_i64().unwrap_or(0),
                    reference: item["reference"].as_str().unwrap_or_default().to_string(),
                });
            }
            match page.answer["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return Ok(view),
            }
        }
    }
}

fn percent_encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("loyalty-check: {message}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => fail(message),
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let seed = args.seed.unwrap_or_else(random_seed);
    println!("loyalty-check: seed {seed} (replay with --seed {seed})");
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() % 1_000_000)
        .unwrap_or(0);
    let prefix = format!("chk-{seed}-{stamp}");
    let secret = args.dev_secret.as_deref().filter(|s| !s.is_empty());
    let api = |token: &str| Api::new(&args.endpoint, token).map_err(|e| e.to_string());
    let admin_token = match (&args.admin_token, secret) {
        (Some(token), _) => token.clone(),
        (None, Some(secret)) => mint(
            &DevClaims::client("chk-operator", "loyalty/admin"),
            secret.as_bytes(),
        ),
        (None, None) => {
            return Err("give --admin-token, or --dev-secret for the local stack".into());
        }
    };
    let tills = match (&args.till_token, secret) {
        (Some(token), _) => vec![api(token)?, api(token)?, api(token)?],
        (None, Some(secret)) => (1..=3)
            .map(|n| {
                api(&mint(
                    &DevClaims::client(&format!("chk-till-{n}"), "loyalty/earn"),
                    secret.as_bytes(),
                ))
            })
            .collect::<Result<_, _>>()?,
        (None, None) => return Err("give --till-token, or --dev-secret for the local stack".into()),
    };
    let members: Vec<(String, Api)> = match (&args.member_tokens, secret) {
        (Some(file), _) => {
            let raw = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let tokens: BTreeMap<String, String> = serde_json::from_str(&raw).map_err(|e| {
                format!(
                    "{} is not a JSON object memberId -> token: {e}",
                    file.display()
                )
            })?;
            tokens
                .iter()
                .map(|(id, token)| Ok((id.clone(), api(token)?)))
                .collect::<Result<_, String>>()?
        }
        (None, Some(secret)) => (0..args.members.max(1))
            .map(|n| {
                let id = format!("{prefix}-{n}");
                let token = mint(&DevClaims::member(&id), secret.as_bytes());
                Ok((id, api(&token)?))
            })
            .collect::<Result<_, String>>()?,
        (None, None) => {
            return Err("give --member-tokens, or --dev-secret for the local stack".into());
        }
    };
    if members.is_empty() {
        return Err("no members".into());
    }
    let count = members.len();
    let mut run = Run {
        seed,
        admin: api(&admin_token)?,
        tills,
        members,
        scarce: format!("{prefix}-scarce"),
        cheap: format!("{prefix}-cheap"),
        partner: None,
        prefix,
        history: Mutex::new(Vec::new()),
        seq: AtomicU64::new(1),
        requests: AtomicU64::new(0),
        next_op: AtomicU64::new(0),
        state: Mutex::new(State {
            earns: vec![Vec::new(); count],
            redemptions: vec![Vec::new(); count],
        }),
    };

    // --- setup ---------------------------------------------------------------------------
    let liability_before = run.liability().await?;
    let mut held_before = 0;
    for (id, member_api) in &run.members {
        if let Some((_, held)) = run.held(id).await? {
            held_before += held;
        }
        let enrol = run
            .call(
                member_api,
                "setup",
                id,
                &[],
                Method::POST,
                "/v1/members",
                Some(&json!({"displayName": "Checker"})),
                &[],
            )
            .await;
        if !matches!(enrol.status, 200 | 201) {
            return Err(format!(
                "enrolling {id} answered {} {}",
                enrol.status, enrol.short
            ));
        }
    }
    for (reward, body) in [
        (
            &run.scarce,
            json!({"name": "Checker scarce reward", "cost": 100, "stock": SCARCE_STOCK}),
        ),
        (
            &run.cheap,
            json!({"name": "Checker cheap reward", "cost": 10}),
        ),
    ] {
        let put = run
            .call(
                &run.admin,
                "setup",
                "",
                &[reward],
                Method::PUT,
                &format!("/v1/rewards/{reward}"),
                Some(&body),
                &[],
            )
            .await;
        if !(200..300).contains(&put.status) {
            return Err(format!(
                "PUT /v1/rewards/{reward} answered {} {}",
                put.status, put.short
            ));
        }
    }
    // A partner of its own, with an offer, for signed webhooks (skipped when it cannot be made).
    let partner = format!("{prefix_partner}-partner", prefix_partner = run.prefix);
    let created = run
        .call(
            &run.admin,
            "setup",
            "",
            &[&partner],
            Method::PUT,
            &format!("/v1/partners/{partner}"),
            Some(&json!({"name": "Checker partner"})),
            &[],
        )
        .await;
    match created.answer["secret"]
        .as_str()
        .map(SigningKey::from_secret)
    {
        Some(Ok(key)) => {
            run.partner = Some((partner.clone(), key));
            let day = |days: i64| {
                (time::OffsetDateTime::now_utc() + time::Duration::days(days))
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            };
            let offer = json!({"type": "offer.upserted", "data": {"offerId": format!("{partner}-offer"),
                "title": "Checker bonus", "bonus": {"fixedPoints": 20}, "validFrom": day(-1), "validTo": day(30)}});
            let id = format!("{partner}-offer-1");
            let answer = run.webhook("setup", "", &[], &id, &offer).await;
            if answer.is_none_or(|a| a.status != 200) {
                println!(
                    "loyalty-check: the partner's offer was refused; partner webhooks credit nothing"
                );
            }
        }
        _ => println!(
            "loyalty-check: PUT /v1/partners/{partner} answered {} {}; no partner webhooks",
            created.status, created.short
        ),
    }
    println!(
        "loyalty-check: {count} members ({}-*), rewards {} (stock {SCARCE_STOCK}) and {}; traffic for {}s or {} requests, {} at once",
        run.prefix,
        run.scarce,
        run.cheap,
        args.duration.as_secs(),
        args.max_requests,
        args.concurrency
    );

    // --- traffic -------------------------------------------------------------------------
    let started = Instant::now();
    let deadline = started + args.duration;
    let workers = (0..args.concurrency.max(1)).map(|_| async {
        while Instant::now() < deadline && run.requests.load(Ordering::Relaxed) < args.max_requests
        {
            let index = run.next_op.fetch_add(1, Ordering::Relaxed);
            run.run_op(index, op_at(run.seed, index, count)).await;
        }
    });
    futures::future::join_all(workers).await;
    let elapsed = started.elapsed().as_secs_f64();
    let sent = run.requests.load(Ordering::Relaxed);

    // --- the invariants, on a quiet stack -----------------------------------------------
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut views = Vec::new();
    for (id, _) in &run.members {
        views.push(run.view(id).await?);
    }
    let rewards = run
        .call(
            run.member(0).1,
            "read",
            "",
            &[],
            Method::GET,
            "/v1/rewards",
            None,
            &[],
        )
        .await;
    let remaining = rewards.answer["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["rewardId"] == run.scarce.as_str())
        .map(|r| r["remaining"].as_i64().unwrap_or(0));
    // The metrics show a write within seconds: wait for them to settle.
    let expected =
        liability_before + views.iter().map(|v| v.balance + v.pending).sum::<i64>() - held_before;
    let mut liability_after = run.liability().await?;
    for _ in 0..20 {
        if liability_after == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        liability_after = run.liability().await?;
    }

    let mut history = run.history.lock().map(|h| h.clone()).unwrap_or_default();
    history.sort_by_key(|e| e.seq);
    if let Some(file) = &args.history {
        let lines: String = history.iter().map(|e| e.replay_line() + "\n").collect();
        std::fs::write(file, lines).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        println!(
            "loyalty-check: history of {} requests in {}",
            history.len(),
            file.display()
        );
    }
    let outcomes: Vec<Outcome> = vec![
        checks::ledger_sums(&views),
        checks::earned_once(&history, &views),
        checks::acknowledged_present(&history, &views),
        checks::vouchers_used_once(&history),
        checks::stock_conserved(&history, &run.scarce, SCARCE_STOCK, remaining),
        checks::liability_moved(liability_before, liability_after, held_before, &views),
        checks::no_server_errors(&history),
    ];
    Ok(report(seed, sent, elapsed, &history, &outcomes))
}

/// Prints the report; true when every invariant holds.
fn report(seed: u64, sent: u64, elapsed: f64, history: &[Exchange], outcomes: &[Outcome]) -> bool {
    let traffic: Vec<&Exchange> = history
        .iter()
        .filter(|e| e.op != "setup" && e.op != "read")
        .collect();
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_op: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &traffic {
        let status = if e.lost {
            format!("lost({})", e.status)
        } else {
            e.status.to_string()
        };
        *by_status.entry(status).or_default() += 1;
        *by_op.entry(e.op).or_default() += 1;
    }
    println!("\n== loyalty-check report (seed {seed}) ==");
    println!(
        "requests: {sent} in {elapsed:.1}s = {:.1} req/s (plus {} setup and read requests)",
        sent as f64 / elapsed.max(0.001),
        history.len() - traffic.len()
    );
    let join = |m: BTreeMap<_, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "by operation: {}",
        join(by_op.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    );
    println!("by status: {}", join(by_status));
    let errors = traffic
        .iter()
        .filter(|e| !e.lost && e.status >= 500)
        .count();
    println!("server errors (5xx from the functions): {errors}");
    let mut all_ok = true;
    for outcome in outcomes {
        if outcome.ok() {
            println!("OK      {} ({} checked)", outcome.name, outcome.checked);
        } else {
            all_ok = false;
            println!(
                "FAILED  {} ({} of {} checked)",
                outcome.name,
                outcome.failures.len(),
                outcome.checked
            );
        }
    }
    if all_ok {
        println!("every invariant holds");
        return true;
    }
    println!("\nFAILED with seed {seed} (replay: --seed {seed})");
    for outcome in outcomes.iter().filter(|o| !o.ok()) {
        println!("\n-- {} --", outcome.name);
        for finding in outcome.failures.iter().take(3) {
            println!("{}", finding.detail);
            let sequence = sequence_for(history, &finding.member, &finding.keys);
            let skip = sequence.len().saturating_sub(30);
            if skip > 0 {
                println!("  ... {skip} earlier requests of this member");
            }
            for e in sequence.iter().skip(skip) {
                println!("  {}", e.replay_line());
            }
        }
        if outcome.failures.len() > 3 {
            println!("({} more)", outcome.failures.len() - 3);
        }
    }
    false
}
