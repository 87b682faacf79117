//! Actions, challenges and paid memberships on an earn: the same earn on the demo programme
//! as it is (one challenge, counting reviews, so a purchase moves nothing) and on the demo
//! programme with 49 more challenges, 50 in all (the most a programme holds), every one
//! counting the purchase (purchase-count and spend goals too large ever to be reached), for
//! members with the demo's `plus` plan running, side by side. Then the member item at its
//! documented worst case, built through the API, and one earn on it.
//!
//! The earns are measured as the targeted offers' are (`offers`): the earn-points handler
//! in-process, one earn at a time as one warm execution environment takes them, each case on
//! a table and a warm environment of its own, the cases alternating in rounds; per earn its
//! time end to end, its DynamoDB calls (the test kit's `CallCounter`), and the time with a
//! call on the wire; then one more warm earn per case on a second environment whose client
//! asks every call for its consumed capacity, sized by the documented rules.
//!
//! The worst case: 50 action rules, 100 badges, 50 challenges with progress and a
//! membership, built on a `ManualClock` through the API: 50 challenges, each completed by one
//! action of its own rule (`POST /v1/members/{id}/actions`), then two days later 50 more the
//! same way (the first 50 have ended, so their progress entries have gone: 100 badges, 50
//! action counts), then two days later 50 challenges the purchase counts for, a membership
//! (`PUT /v1/members/{id}/membership`) and an earn (50 progress entries). Once with short
//! identifiers and once with every identifier the member item keeps at the 128 characters
//! identifiers may have (and the billing reference at its 200). Last, one earn that
//! completes 50 challenges at once: every completion adds a ledger entry and an event to the
//! earn's transaction.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::AttributeValue;
use loyalty::Context;
use loyalty::domain::action_rule::MAX_ACTION_RULES;
use loyalty::domain::challenge::{MAX_BADGES, MAX_CHALLENGES};
use loyalty::domain::clock::{Clock, ManualClock};
use loyalty::domain::rfc3339;
use loyalty::identity::AuthConfig;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::Store;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, TestResponse, demo_program, invoke, table_definition};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::capacity::{CapacityProbe, CapacityRow, Meter};
use crate::item_size::{item_size, value_size};
use crate::offers::{Wire, admin, coffee, environment, till};
use crate::{ROUNDS, ms};

/// Members each case's earns rotate over.
pub const MEMBERS: usize = 20;
/// The plan the members of the loaded case hold (the demo programme's).
pub const PLAN: &str = "plus";
/// The purchase every earn reports.
pub const PURCHASE: &str = "8.99 EUR coffee";
/// A purchase-count goal no run reaches (the most a goal may be).
const PURCHASES_GOAL: i64 = 1_000_000;
/// A spend goal no run reaches: 1,000,000.00 EUR.
const SPEND_GOAL: i64 = 100_000_000;
/// The longest identifier (challenge, badge, action, plan) the API takes.
pub const MAX_ID_CHARS: usize = 128;
/// The longest billing reference a membership takes.
pub const MAX_REFERENCE_CHARS: usize = 200;
/// DynamoDB's item size limit, 400 KB (binary: 409,600 bytes).
pub const ITEM_LIMIT: usize = 400 * 1024;
/// DynamoDB's limit on the items of one TransactWriteItems.
pub const TRANSACTION_ITEMS: usize = 100;
/// Challenges one earn completes at once in the bursts: around the most whose ledger entries
/// and events fit in one transaction with the earn's own items, and the most a programme
/// holds.
pub const BURSTS: [usize; 3] = [46, 47, MAX_CHALLENGES];

/// What the programme and the members have before the earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    /// The demo programme as it is: its one challenge counts reviews, not purchases; no
    /// membership.
    Demo,
    /// The demo programme with 49 more challenges (50 running, 49 counting the purchase),
    /// every member holding the `plus` plan.
    Loaded,
}

impl Case {
    pub const ALL: [Case; 2] = [Case::Demo, Case::Loaded];

    pub fn label(self) -> String {
        match self {
            Case::Demo => "demo programme (1 challenge, no plan)".into(),
            Case::Loaded => format!("{MAX_CHALLENGES} challenges, plan `{PLAN}` running"),
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Case::Demo => "demo",
            Case::Loaded => "loaded",
        }
    }

    /// Challenges running.
    pub fn challenges(self) -> usize {
        match self {
            Case::Demo => 1,
            Case::Loaded => MAX_CHALLENGES,
        }
    }

    /// Of them, those a coffee counts for.
    pub fn counting(self) -> usize {
        match self {
            Case::Demo => 0,
            Case::Loaded => MAX_CHALLENGES - 1,
        }
    }

    /// `membership:` lines every earn of the case gets.
    pub fn plan_lines(self) -> usize {
        match self {
            Case::Demo => 0,
            Case::Loaded => 1,
        }
    }

    /// The `PUT /v1/program` body: the demo programme, and for the loaded case the
    /// challenges added up to the most a programme holds.
    fn program(self, now: OffsetDateTime) -> Value {
        let mut program = demo_program();
        if self == Case::Loaded
            && let Some(challenges) = program["challenges"].as_array_mut()
        {
            let first = challenges.len();
            for i in first..MAX_CHALLENGES {
                challenges.push(unreachable_challenge(
                    &format!("c-{i:02}"),
                    &format!("Challenge {i}"),
                    i,
                    now - Duration::days(1),
                    now + Duration::days(30),
                ));
            }
        }
        program
    }
}

/// A challenge every coffee counts for and none reaches: a purchase-count goal for even
/// `i`, a spend goal for odd.
fn unreachable_challenge(
    id: &str,
    name: &str,
    i: usize,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Value {
    let goal = if i.is_multiple_of(2) {
        json!({"purchases": PURCHASES_GOAL})
    } else {
        json!({"spend": {"amount": SPEND_GOAL, "currency": "EUR"}})
    };
    json!({
        "challengeId": id,
        "name": name,
        "validFrom": rfc3339::format(from),
        "validTo": rfc3339::format(to),
        "goal": goal,
        "reward": {"points": 10},
    })
}

/// One case's timed earns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    pub case: Case,
    /// End to end, per earn (the handler called in-process).
    pub total_ms: Vec<f64>,
    /// With at least one DynamoDB call on the wire, per earn.
    pub dynamodb_ms: Vec<f64>,
    /// DynamoDB calls per earn.
    pub calls: Vec<usize>,
    /// Of them, per earn, the calls besides its TransactGetItems and TransactWriteItems: the
    /// shared items read again once the environment's copy is 30 s old.
    pub shared_reads: Vec<usize>,
    /// Calls by operation, over every timed earn.
    pub operations: BTreeMap<String, usize>,
    pub errors: usize,
    /// One more warm earn with its capacity measured, call by call.
    pub capacity: Option<CapacityRow>,
    /// Every member's item at the end, in bytes.
    #[serde(default)]
    pub member_bytes: Vec<usize>,
}

impl CaseResult {
    /// DynamoDB calls per earn besides the shared items' refresh.
    pub fn transaction_calls(&self) -> impl Iterator<Item = usize> + '_ {
        self.calls
            .iter()
            .zip(&self.shared_reads)
            .map(|(calls, shared)| calls - shared)
    }

    /// The operations of the earn whose capacity was measured (a warm earn), in order.
    pub fn plan(&self) -> Vec<String> {
        self.capacity
            .as_ref()
            .map(|c| c.calls.iter().map(|call| call.operation.clone()).collect())
            .unwrap_or_default()
    }
}

/// The member item at its documented worst case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorstCase {
    /// The identifiers' length (challenges, badges, actions, plan); `None`: short ones
    /// (`c-07`, `b-007`, `a-07`, `plus`).
    pub id_chars: Option<usize>,
    pub reference_chars: usize,
    /// What the member item holds, as read back from the table.
    pub challenges: usize,
    pub actions: usize,
    pub badges: usize,
    pub membership: bool,
    /// The member item after the earn that filled it, by the documented rules.
    pub member_bytes: usize,
    /// Of it, per attribute (its name and its value), the largest first.
    pub attributes: Vec<(String, usize)>,
    /// One more earn on that member, measured.
    pub earn: Option<CapacityRow>,
    /// Requests made to build it.
    pub requests: usize,
    pub seconds: f64,
}

impl WorstCase {
    pub fn label(&self) -> String {
        match self.id_chars {
            None => "short identifiers".into(),
            Some(n) => format!(
                "identifiers of {n} characters, billing reference of {}",
                self.reference_chars
            ),
        }
    }
}

/// One earn completing many challenges at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Burst {
    pub challenges: usize,
    pub status: u16,
    /// The answer's error code and message, when it is not a 201.
    pub error: Option<String>,
    /// The DynamoDB error answers on the way (status and body).
    #[serde(default)]
    pub dynamodb_errors: Vec<String>,
    /// Challenges the answer says it completed.
    pub completed: usize,
    /// Items of the earn's TransactWriteItems, as sent.
    pub items_written: usize,
    pub capacity: Option<CapacityRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GamificationResult {
    /// Timed earns per case.
    pub earns: usize,
    pub members: usize,
    pub challenges: usize,
    pub plan: String,
    pub rounds: usize,
    pub purchase: String,
    pub cases: Vec<CaseResult>,
    pub worst: Vec<WorstCase>,
    /// One earn completing many challenges at once, by how many.
    #[serde(default)]
    pub burst: Vec<Burst>,
    pub seconds: f64,
}

impl GamificationResult {
    pub fn case(&self, case: Case) -> Option<&CaseResult> {
        self.cases.iter().find(|c| c.case == case)
    }
}

// ------------------------------------------------------------------------------------------
// Requests.

/// An error unless the answer is a success.
fn success(what: &str, response: &TestResponse) -> Result<()> {
    if !response.status.is_success() {
        bail!("{what}: {} {}", response.status, response.body);
    }
    Ok(())
}

/// An error unless the earn's answer is a 201 with `plan_lines` `membership:` lines and no
/// challenge completed.
fn check_earn(response: &TestResponse, plan_lines: usize) -> Result<()> {
    if response.status.as_u16() != 201 {
        bail!("earn: {} {}", response.status, response.body);
    }
    let lines = response.body["breakdown"]
        .as_array()
        .ok_or_else(|| anyhow!("earn: no breakdown in {}", response.body))?
        .iter()
        .filter(|line| {
            line["rule"]
                .as_str()
                .is_some_and(|rule| rule.starts_with("membership:"))
        })
        .count();
    if lines != plan_lines {
        bail!("earn: {lines} membership lines, {plan_lines} expected");
    }
    let completed = response.body["challengesCompleted"]
        .as_array()
        .map_or(0, Vec::len);
    if completed != 0 {
        bail!("earn: {completed} challenges completed, none expected");
    }
    Ok(())
}

fn put_program(body: &Value) -> Call {
    Call::new("PUT", "/v1/program").claims(admin()).json(body)
}

fn enrol(member: &str) -> Call {
    Call::new("POST", "/v1/members")
        .claims(crate::scenario::member(member))
        .json(&json!({"displayName": "Bench member"}))
}

fn membership(member: &str, plan: &str, until: OffsetDateTime, reference: &str) -> Call {
    Call::new("PUT", format!("/v1/members/{member}/membership"))
        .claims(admin())
        .json(&json!({"planId": plan, "until": rfc3339::format(until), "reference": reference}))
}

fn earn(member: &str, transaction: &str) -> Call {
    Call::new("POST", format!("/v1/members/{member}/earn"))
        .claims(till())
        .json(&coffee(transaction))
}

async fn new_table(direct: &Client, table: &str) -> Result<()> {
    table_definition()
        .create(direct, table)
        .await
        .with_context(|| format!("creating {table}"))?;
    // As every section does: DynamoDB Local's stream slows each write down as it grows.
    crate::scenario::disable_stream(direct, table).await
}

// ------------------------------------------------------------------------------------------
// The timed cases.

/// One case: its table, its warm environment (counted and clocked), and a second one on a
/// probed client for the capacity.
struct Env {
    case: Case,
    table: String,
    context: Context,
    counter: CallCounter,
    wire: Wire,
    probed: Context,
    probe: CapacityProbe,
    direct: Client,
    /// Earns made so far (each its own transaction id; members in turn).
    made: usize,
    result: CaseResult,
}

impl Env {
    async fn new(direct: &Client, case: Case, tag: u32) -> Result<Self> {
        let table = format!("bench-gamification-{}-{tag:08x}", case.tag());
        new_table(direct, &table).await?;
        let counter = CallCounter::default();
        let wire = Wire::default();
        let context = environment(wire.client(&counter.client().await), &table);
        let probe = CapacityProbe::default();
        let probed = environment(probe.client(direct), &table);
        let now = OffsetDateTime::now_utc();
        // Through the environment that then earns, as an operator's call to a warm
        // earn-points would be: it keeps the programme it stored.
        let program = case.program(now);
        let running = program["challenges"].as_array().map_or(0, Vec::len);
        if running != case.challenges() {
            bail!("{}: {running} challenges in the programme", case.label());
        }
        let stored = invoke(&context, Function::EarnPoints, put_program(&program)).await;
        success("PUT /v1/program", &stored)?;
        for k in 0..MEMBERS {
            let member = Self::member(k);
            let enrolled = invoke(&context, Function::MemberApi, enrol(&member)).await;
            success("enrol", &enrolled)?;
            if case == Case::Loaded {
                let started = invoke(
                    &context,
                    Function::EarnPoints,
                    membership(&member, PLAN, now + Duration::days(30), "bench"),
                )
                .await;
                success("PUT membership", &started)?;
            }
        }
        Ok(Self {
            case,
            table,
            context,
            counter,
            wire,
            probed,
            probe,
            direct: direct.clone(),
            made: 0,
            result: CaseResult {
                case,
                total_ms: Vec::new(),
                dynamodb_ms: Vec::new(),
                calls: Vec::new(),
                shared_reads: Vec::new(),
                operations: BTreeMap::new(),
                errors: 0,
                capacity: None,
                member_bytes: Vec::new(),
            },
        })
    }

    fn member(k: usize) -> String {
        format!("gamification-{k:02}")
    }

    /// The next earn: the next member in turn, a new transaction.
    fn next_call(&mut self) -> (String, Call) {
        let member = Self::member(self.made % MEMBERS);
        let call = earn(&member, &format!("t-{:06}", self.made));
        self.made += 1;
        (member, call)
    }

    /// One earn per member, not timed: the environment reads its shared items, and each
    /// member gets the challenge progress an earn leaves on it.
    async fn warm_up(&mut self) -> Result<()> {
        for _ in 0..MEMBERS {
            let (_, call) = self.next_call();
            let response = invoke(&self.context, Function::EarnPoints, call).await;
            check_earn(&response, self.case.plan_lines())
                .with_context(|| format!("warm-up, {}", self.case.label()))?;
        }
        Ok(())
    }

    /// One timed earn.
    async fn earn(&mut self) {
        let (_, call) = self.next_call();
        self.counter.reset();
        self.wire.take(Instant::now());
        let started = Instant::now();
        let response = invoke(&self.context, Function::EarnPoints, call).await;
        let elapsed = started.elapsed();
        let on_wire = self.wire.take(Instant::now());
        let operations = self.counter.by_operation();
        match check_earn(&response, self.case.plan_lines()) {
            Ok(()) => {
                let r = &mut self.result;
                r.total_ms.push(ms(elapsed));
                r.dynamodb_ms.push(ms(on_wire));
                let calls: usize = operations.values().sum();
                let transaction: usize = ["TransactGetItems", "TransactWriteItems"]
                    .iter()
                    .map(|op| operations.get(*op).copied().unwrap_or(0))
                    .sum();
                r.calls.push(calls);
                r.shared_reads.push(calls - transaction);
                for (op, n) in operations {
                    *r.operations.entry(op).or_default() += n;
                }
            }
            Err(error) => {
                self.result.errors += 1;
                if self.result.errors <= 3 {
                    eprintln!("bench: gamification, {}: {error:#}", self.case.label());
                }
            }
        }
    }

    fn meter(&self) -> Meter<'_> {
        Meter {
            probe: &self.probe,
            direct: &self.direct,
            table: &self.table,
        }
    }

    /// One more warm earn, on the probed environment (warmed up by an earn of its own), then
    /// every member's item size.
    async fn capacity(&mut self) -> Result<()> {
        let lines = self.case.plan_lines();
        let (_, call) = self.next_call();
        let response = invoke(&self.probed, Function::EarnPoints, call).await;
        check_earn(&response, lines).context("the probed environment's first earn")?;
        let (member, call) = self.next_call();
        self.meter().forget();
        let probed = &self.probed;
        let row = self
            .meter()
            .measure("earn", self.case.tag(), &member, async move {
                let response = invoke(probed, Function::EarnPoints, call).await;
                check_earn(&response, lines)
            })
            .await?;
        self.result.capacity = Some(row);
        for k in 0..MEMBERS {
            let bytes = self.meter().member_bytes(&Self::member(k)).await?;
            self.result.member_bytes.push(bytes);
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// The worst case.

/// The member item's identifiers, short or at a given length.
#[derive(Clone, Copy)]
struct Ids {
    chars: Option<usize>,
}

impl Ids {
    fn pad(self, base: String) -> String {
        match self.chars {
            Some(n) if base.len() < n => format!("{base}{}", "x".repeat(n - base.len())),
            _ => base,
        }
    }
    fn action(self, i: usize) -> String {
        self.pad(format!("a-{i:02}"))
    }
    fn challenge(self, phase: usize, i: usize) -> String {
        self.pad(format!("p{phase}-c-{i:02}"))
    }
    fn badge(self, n: usize) -> String {
        self.pad(format!("b-{n:03}"))
    }
    fn plan(self) -> String {
        self.pad(PLAN.to_string())
    }
    fn reference(self) -> String {
        match self.chars {
            Some(_) => "r".repeat(MAX_REFERENCE_CHARS),
            None => "bench".into(),
        }
    }

    /// The demo programme with `MAX_ACTION_RULES` rules (1 point, no limit) in place of its
    /// own, `challenges` in place of its own, and one plan.
    fn program(self, challenges: Vec<Value>) -> Value {
        let mut program = demo_program();
        program["actionRules"] = (0..MAX_ACTION_RULES)
            .map(|i| json!({"action": self.action(i), "points": 1}))
            .collect();
        program["challenges"] = Value::Array(challenges);
        program["membershipPlans"] = json!([
            {"planId": self.plan(), "name": "Plus", "tier": "Gold", "earnMultiplier": 1.25}
        ]);
        program
    }

    /// Phase `phase`'s challenges: one per action rule, reached by one action, each with a
    /// badge of its own.
    fn action_challenges(
        self,
        phase: usize,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Vec<Value> {
        (0..MAX_CHALLENGES)
            .map(|i| {
                json!({
                    "challengeId": self.challenge(phase, i),
                    "name": format!("Phase {phase} challenge {i}"),
                    "validFrom": rfc3339::format(from),
                    "validTo": rfc3339::format(to),
                    "goal": {"actions": {"action": self.action(i % MAX_ACTION_RULES), "count": 1}},
                    "reward": {"points": 1},
                    "badge": self.badge((phase - 1) * MAX_CHALLENGES + i),
                })
            })
            .collect()
    }
}

/// A table of its own, one environment on a probed client and a manual clock.
struct WorstEnv {
    table: String,
    context: Context,
    clock: ManualClock,
    probe: CapacityProbe,
    direct: Client,
    requests: usize,
}

impl WorstEnv {
    async fn new(direct: &Client, table: String, refusals: Option<&Refusals>) -> Result<Self> {
        new_table(direct, &table).await?;
        let probe = CapacityProbe::default();
        let clock = ManualClock::at(loyalty::domain::clock::SystemClock.now());
        let client = probe.client(direct);
        let client = refusals.map_or(client.clone(), |r| r.client(&client));
        let context = Context {
            store: Store::new(client, &table),
            clock: Arc::new(clock.clone()),
            auth: AuthConfig::authorizer_only(),
            shared: SharedItems::new(DEFAULT_TTL),
        };
        Ok(Self {
            table,
            context,
            clock,
            probe,
            direct: direct.clone(),
            requests: 0,
        })
    }

    fn meter(&self) -> Meter<'_> {
        Meter {
            probe: &self.probe,
            direct: &self.direct,
            table: &self.table,
        }
    }

    /// One request, which must succeed; what the probe saw is dropped.
    async fn call(&mut self, what: &str, function: Function, call: Call) -> Result<TestResponse> {
        let response = invoke(&self.context, function, call).await;
        self.requests += 1;
        self.meter().forget();
        success(what, &response)?;
        Ok(response)
    }

    /// 50 actions, one per rule, each completing one challenge.
    async fn actions(&mut self, ids: Ids, member: &str, phase: usize) -> Result<()> {
        for i in 0..MAX_ACTION_RULES {
            let response = self
                .call(
                    "POST actions",
                    Function::EarnPoints,
                    Call::new("POST", format!("/v1/members/{member}/actions"))
                        .claims(till())
                        .json(&json!({"actionId": format!("w{phase}-{i:02}"), "action": ids.action(i)})),
                )
                .await?;
            let completed = response.body["challengesCompleted"]
                .as_array()
                .map_or(0, Vec::len);
            if completed != 1 {
                bail!("action {i} of phase {phase} completed {completed} challenges, 1 expected");
            }
        }
        Ok(())
    }
}

/// Entries of a map or list attribute (0 when absent).
fn entries(item: &BTreeMap<String, AttributeValue>, name: &str) -> usize {
    match item.get(name) {
        Some(AttributeValue::M(m)) => m.len(),
        Some(AttributeValue::L(l)) => l.len(),
        Some(AttributeValue::Ss(s)) => s.len(),
        _ => 0,
    }
}

/// The member at its documented worst case, and one more earn on it.
async fn worst_case(direct: &Client, tag: u32, chars: Option<usize>) -> Result<WorstCase> {
    let started = Instant::now();
    let ids = Ids { chars };
    let kind = chars.map_or("short".to_string(), |n| n.to_string());
    let mut env = WorstEnv::new(
        direct,
        format!("bench-gamification-worst-{kind}-{tag:08x}"),
        None,
    )
    .await?;
    let member = "gamification-worst";
    let t0 = env.clock.now();
    let day = Duration::days(1);

    // 50 challenges reached by an action each: 50 badges, 50 action counts.
    env.call(
        "PUT /v1/program",
        Function::EarnPoints,
        put_program(&ids.program(ids.action_challenges(1, t0 - day, t0 + day))),
    )
    .await?;
    env.call("enrol", Function::MemberApi, enrol(member))
        .await?;
    env.actions(ids, member, 1).await?;

    // Two days on, the first 50 have ended: 50 more, 50 more badges.
    env.clock.set(t0 + 2 * day);
    env.call(
        "PUT /v1/program",
        Function::EarnPoints,
        put_program(&ids.program(ids.action_challenges(2, t0 + day, t0 + 3 * day))),
    )
    .await?;
    env.actions(ids, member, 2).await?;

    // Two days on: 50 challenges a purchase counts for, a membership, and a purchase.
    env.clock.set(t0 + 4 * day);
    let now = env.clock.now();
    let running: Vec<Value> = (0..MAX_CHALLENGES)
        .map(|i| {
            unreachable_challenge(
                &ids.challenge(3, i),
                &format!("Phase 3 challenge {i}"),
                i,
                t0 + 3 * day,
                t0 + 60 * day,
            )
        })
        .collect();
    env.call(
        "PUT /v1/program",
        Function::EarnPoints,
        put_program(&ids.program(running)),
    )
    .await?;
    env.call(
        "PUT membership",
        Function::EarnPoints,
        membership(member, &ids.plan(), now + 30 * day, &ids.reference()),
    )
    .await?;
    let response = env
        .call("earn", Function::EarnPoints, earn(member, "w3-0"))
        .await?;
    check_earn(&response, 1).context("the worst case's earn")?;

    let stored = env
        .meter()
        .member_item(member)
        .await?
        .ok_or_else(|| anyhow!("the worst-case member is gone"))?;
    let member_bytes = item_size(&stored);
    let item: BTreeMap<String, AttributeValue> = stored.into_iter().collect();
    let mut attributes: Vec<(String, usize)> = item
        .iter()
        .map(|(name, value)| (name.clone(), name.len() + value_size(value)))
        .collect();
    attributes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let worst = WorstCase {
        id_chars: chars,
        reference_chars: ids.reference().len(),
        challenges: entries(&item, "challenges"),
        actions: entries(&item, "actions"),
        badges: entries(&item, "badges"),
        membership: item.contains_key("membership"),
        member_bytes,
        attributes,
        earn: None,
        requests: env.requests,
        seconds: 0.0,
    };
    if worst.challenges != MAX_CHALLENGES
        || worst.actions != MAX_ACTION_RULES
        || worst.badges != MAX_BADGES
        || !worst.membership
    {
        bail!(
            "the worst-case member holds {} challenges, {} action counts, {} badges, membership {}: not the documented worst case",
            worst.challenges,
            worst.actions,
            worst.badges,
            worst.membership
        );
    }
    // One more earn on it, measured (a warm environment: the programme is kept).
    let meter = env.meter();
    meter.forget();
    let context = &env.context;
    let row = meter
        .measure("earn", "worst", member, async move {
            let response = invoke(context, Function::EarnPoints, earn(member, "w3-1")).await;
            check_earn(&response, 1)
        })
        .await?;
    env.requests += 1;
    let mut worst = WorstCase {
        earn: Some(row),
        requests: env.requests,
        ..worst
    };
    worst.seconds = started.elapsed().as_secs_f64();
    direct.delete_table().table_name(&env.table).send().await?;
    Ok(worst)
}

/// The DynamoDB error answers a client got (their bodies), in order.
#[derive(Clone, Default)]
struct Refusals {
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Refusals {
    /// `base` keeping every error answer.
    fn client(&self, base: &Client) -> Client {
        Client::from_conf(
            base.config()
                .to_builder()
                .interceptor(RefusalInterceptor {
                    bodies: Arc::clone(&self.bodies),
                })
                .build(),
        )
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.bodies.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[derive(Debug)]
struct RefusalInterceptor {
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Intercept for RefusalInterceptor {
    fn name(&self) -> &'static str {
        "BenchRefusals"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if !response.status().is_success() {
            let body = response
                .body()
                .bytes()
                .map_or_else(String::new, |b| String::from_utf8_lossy(b).into_owned());
            self.bodies
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!("{} {body}", response.status().as_u16()));
        }
        Ok(())
    }
}

/// One earn that completes `n` challenges at once: a programme of `n` challenges each reached
/// by one purchase, a new member's first coffee.
async fn burst(env: &mut WorstEnv, refusals: &Refusals, n: usize) -> Result<Burst> {
    let ids = Ids { chars: None };
    let now = env.clock.now();
    let challenges: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "challengeId": format!("first-{n}-{i:02}"),
                "name": format!("First purchase {i}"),
                "validFrom": rfc3339::format(now - Duration::days(1)),
                "validTo": rfc3339::format(now + Duration::days(30)),
                "goal": {"purchases": 1},
                "reward": {"points": 1},
                "badge": ids.badge(i),
            })
        })
        .collect();
    env.call(
        "PUT /v1/program",
        Function::EarnPoints,
        put_program(&ids.program(challenges)),
    )
    .await?;
    let member = format!("gamification-burst-{n}");
    env.call("enrol", Function::MemberApi, enrol(&member))
        .await?;
    refusals.take();
    let meter = env.meter();
    meter.forget();
    let context = &env.context;
    let mut answer = None;
    let row = meter
        .measure("earn", "burst", &member, async {
            answer = Some(invoke(context, Function::EarnPoints, earn(&member, "b-0")).await);
            Ok(())
        })
        .await?;
    env.requests += 1;
    let response = answer.ok_or_else(|| anyhow!("the burst's earn made no answer"))?;
    let items_written = row
        .calls
        .iter()
        .filter(|c| c.operation == "TransactWriteItems")
        .map(|c| c.items.len())
        .sum();
    let status = response.status.as_u16();
    Ok(Burst {
        challenges: n,
        status,
        error: (status != 201).then(|| {
            format!(
                "{} {}",
                response.error_code(),
                response.body["error"]["message"].as_str().unwrap_or("")
            )
        }),
        dynamodb_errors: refusals.take(),
        completed: response.body["challengesCompleted"]
            .as_array()
            .map_or(0, Vec::len),
        items_written,
        capacity: Some(row),
    })
}

/// A burst for each of `BURSTS`, on a table of their own (dropped afterwards).
async fn bursts(direct: &Client, tag: u32) -> Result<Vec<Burst>> {
    let refusals = Refusals::default();
    let mut env = WorstEnv::new(
        direct,
        format!("bench-gamification-burst-{tag:08x}"),
        Some(&refusals),
    )
    .await?;
    let mut result = Vec::new();
    for n in BURSTS {
        result.push(burst(&mut env, &refusals, n).await?);
    }
    direct.delete_table().table_name(&env.table).send().await?;
    Ok(result)
}

/// The two cases, each on a table of its own (dropped afterwards), `earns` timed earns each;
/// then the worst-case member, short identifiers and the longest, and the burst.
pub async fn run(direct: Client, earns: usize) -> Result<GamificationResult> {
    let started = Instant::now();
    let tag = rand::random::<u32>();
    let mut envs = Vec::new();
    for case in Case::ALL {
        envs.push(Env::new(&direct, case, tag).await?);
    }
    for env in &mut envs {
        env.warm_up().await?;
    }
    eprintln!(
        "bench: gamification: 2 tables ready, {MEMBERS} members each, warmed up, in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    let rounds = ROUNDS.min(earns.max(1));
    for round in 0..rounds {
        let n = earns * (round + 1) / rounds - earns * round / rounds;
        for env in &mut envs {
            for _ in 0..n {
                env.earn().await;
            }
        }
    }
    let mut cases = Vec::new();
    for mut env in envs {
        env.capacity().await?;
        direct.delete_table().table_name(&env.table).send().await?;
        cases.push(env.result);
    }
    let mut worst = Vec::new();
    for chars in [None, Some(MAX_ID_CHARS)] {
        let w = worst_case(&direct, tag, chars).await?;
        eprintln!(
            "bench: gamification: worst-case member ({}) built with {} requests in {:.0}s",
            w.label(),
            w.requests,
            w.seconds
        );
        worst.push(w);
    }
    let burst = bursts(&direct, tag).await?;
    Ok(GamificationResult {
        earns,
        members: MEMBERS,
        challenges: MAX_CHALLENGES,
        plan: PLAN.into(),
        rounds,
        purchase: PURCHASE.into(),
        cases,
        worst,
        burst,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaded_programme_holds_the_most_challenges_and_validates() {
        let now = time::macros::datetime!(2026-12-03 12:00 UTC);
        let demo = Case::Demo.program(now);
        assert_eq!(demo["challenges"].as_array().unwrap().len(), 1);
        let loaded = Case::Loaded.program(now);
        let challenges = loaded["challenges"].as_array().unwrap();
        assert_eq!(challenges.len(), MAX_CHALLENGES);
        assert_eq!(challenges[1]["challengeId"], "c-01");
        assert_eq!(challenges[1]["goal"]["spend"]["amount"], SPEND_GOAL);
        assert_eq!(challenges[2]["goal"]["purchases"], PURCHASES_GOAL);
        loyalty::domain::program::Program::from_json(loaded.to_string().as_bytes()).unwrap();
    }

    #[test]
    fn the_worst_case_programmes_validate_at_the_longest_identifiers() {
        let now = time::macros::datetime!(2026-12-03 12:00 UTC);
        for chars in [None, Some(MAX_ID_CHARS)] {
            let ids = Ids { chars };
            let program = ids.program(ids.action_challenges(2, now, now + Duration::days(1)));
            assert_eq!(
                program["actionRules"].as_array().unwrap().len(),
                MAX_ACTION_RULES
            );
            assert_eq!(
                program["challenges"][49]["badge"],
                ids.badge(2 * MAX_CHALLENGES - 1)
            );
            if let Some(n) = chars {
                assert_eq!(ids.badge(7).len(), n);
                assert_eq!(ids.challenge(3, 7).len(), n);
            }
            loyalty::domain::program::Program::from_json(program.to_string().as_bytes()).unwrap();
        }
    }
}
