//! Targeted offers on an earn: the same earn with no offer published, with 50 that do not
//! match the purchase (each evaluated, none applied), and with 50 that do (40 applied, the
//! most one purchase gets, each adding one budget-shard update to the earn's
//! TransactWriteItems), side by side.
//!
//! The earn-points handler runs in-process (the test kit's `invoke`, an API Gateway event
//! built from its fixture), one earn at a time as one warm execution environment takes them.
//! Each case has a table of its own (the offer set is the programme's) and a `Context` of its
//! own: one warm environment, keeping the programme, the catalogue and the offer set for
//! `DEFAULT_TTL` (30 s). The cases alternate in rounds, so anything drifting during the run
//! (DynamoDB Local warming up, other processes) falls on all three alike.
//!
//! Per earn: its time end to end, its DynamoDB calls (the test kit's `CallCounter`), and the
//! time with a call on the wire (an interceptor: request sent to answer received). Then one
//! more warm earn per case on a second environment whose client asks every call for its
//! consumed capacity (the capacity section's probe), sized by the documented rules.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use loyalty::Context;
use loyalty::domain::clock::SystemClock;
use loyalty::domain::program::Program;
use loyalty::domain::targeted_offer::MAX_OFFERS_PER_PURCHASE;
use loyalty::identity::AuthConfig;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::Store;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{Call, Function, TestResponse, demo_program_json, invoke, table_definition};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::capacity::{CapacityProbe, CapacityRow, Meter};
use crate::{ROUNDS, ms};

/// Offers published in the two cases with offers.
pub const OFFERS: usize = 50;
/// Members each case's earns rotate over.
pub const MEMBERS: usize = 20;
/// The category of the offers that do not match: no purchase of the run has it.
pub const UNMATCHED_CATEGORY: &str = "bench-none";
/// The purchase every earn reports.
pub const PURCHASE: &str = "8.99 EUR coffee";

/// What is published before the earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    /// No offer.
    None,
    /// `OFFERS` offers for everyone, all of a category the purchase lacks.
    Unmatched,
    /// `OFFERS` offers for everyone, any category: the first `MAX_OFFERS_PER_PURCHASE` apply.
    Matched,
}

impl Case {
    pub const ALL: [Case; 3] = [Case::None, Case::Unmatched, Case::Matched];

    pub fn label(self) -> String {
        match self {
            Case::None => "0 offers".into(),
            Case::Unmatched => format!("{OFFERS} offers, none matching"),
            Case::Matched => format!(
                "{OFFERS} offers matching ({} applied)",
                Self::Matched.applied()
            ),
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Case::None => "none",
            Case::Unmatched => "unmatched",
            Case::Matched => "matched",
        }
    }

    /// Offers in the set.
    pub fn offers(self) -> usize {
        match self {
            Case::None => 0,
            Case::Unmatched | Case::Matched => OFFERS,
        }
    }

    /// Offer lines every earn of the case gets.
    pub fn applied(self) -> usize {
        match self {
            Case::None | Case::Unmatched => 0,
            Case::Matched => OFFERS.min(MAX_OFFERS_PER_PURCHASE),
        }
    }

    /// Offer `i`'s `PUT /v1/offers/{offerId}` body: 1 point, for everyone, running from a day
    /// ago to a month on, without a budget (so every shard only counts what it gives).
    fn offer(self, i: usize, now: OffsetDateTime) -> Value {
        let at = |days: i64| loyalty::domain::rfc3339::format(now + time::Duration::days(days));
        let mut body = json!({
            "title": format!("Bench offer {i:02}"),
            "bonus": {"fixedPoints": 1},
            "validFrom": at(-1),
            "validTo": at(30),
        });
        if self == Case::Unmatched {
            body["categories"] = json!([UNMATCHED_CATEGORY]);
        }
        body
    }
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
    /// shared items (programme, catalogue, offer set) read again once the environment's copy
    /// is 30 s old.
    pub shared_reads: Vec<usize>,
    /// `offer:` lines per earn.
    pub applied: Vec<usize>,
    /// Calls by operation, over every timed earn.
    pub operations: BTreeMap<String, usize>,
    pub errors: usize,
    /// One more warm earn with its capacity measured, call by call.
    pub capacity: Option<CapacityRow>,
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OffersResult {
    /// Timed earns per case.
    pub earns: usize,
    pub members: usize,
    pub offers: usize,
    pub max_per_purchase: usize,
    pub rounds: usize,
    pub purchase: String,
    pub cases: Vec<CaseResult>,
    pub seconds: f64,
}

impl OffersResult {
    pub fn case(&self, case: Case) -> Option<&CaseResult> {
        self.cases.iter().find(|c| c.case == case)
    }
}

// ------------------------------------------------------------------------------------------
// Time on the wire.

/// When each DynamoDB call was sent (`true`) and answered (`false`), per attempt.
#[derive(Clone, Default)]
pub(crate) struct Wire {
    events: Arc<Mutex<Vec<(Instant, bool)>>>,
}

impl Wire {
    /// `base` with this clock on every call.
    pub(crate) fn client(&self, base: &Client) -> Client {
        Client::from_conf(
            base.config()
                .to_builder()
                .interceptor(WireInterceptor {
                    events: Arc::clone(&self.events),
                })
                .build(),
        )
    }

    /// The time since the last `take` with at least one call on the wire; a call never
    /// answered (a failed attempt) counts until `end`.
    pub(crate) fn take(&self, end: Instant) -> Duration {
        let events =
            std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner));
        in_flight(events, end)
    }
}

/// The time with more calls sent than answered, over `events`; open calls end at `end`.
fn in_flight(mut events: Vec<(Instant, bool)>, end: Instant) -> Duration {
    // At one instant an answer is counted before a send: a gap of zero is no overlap.
    events.sort_by_key(|(at, sent)| (*at, *sent));
    let mut open = 0usize;
    let mut since = None;
    let mut total = Duration::ZERO;
    for (at, sent) in events {
        if sent {
            if open == 0 {
                since = Some(at);
            }
            open += 1;
        } else if open > 0 {
            open -= 1;
            if open == 0
                && let Some(start) = since.take()
            {
                total += at.saturating_duration_since(start);
            }
        }
    }
    if let Some(start) = since {
        total += end.saturating_duration_since(start);
    }
    total
}

#[derive(Debug)]
struct WireInterceptor {
    events: Arc<Mutex<Vec<(Instant, bool)>>>,
}

impl WireInterceptor {
    fn push(&self, sent: bool) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((Instant::now(), sent));
    }
}

impl Intercept for WireInterceptor {
    fn name(&self) -> &'static str {
        "BenchWire"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.push(true);
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.push(false);
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// The environments.

pub(crate) fn till() -> Value {
    json!({"sub": "bench-till", "scope": "loyalty/earn"})
}

pub(crate) fn admin() -> Value {
    json!({"sub": "bench-operator", "scope": "loyalty/admin"})
}

pub(crate) fn coffee(transaction: &str) -> Value {
    json!({"transactionId": transaction,
           "amount": {"amount": 899, "currency": "EUR"}, "category": "coffee"})
}

pub(crate) fn environment(client: Client, table: &str) -> Context {
    Context {
        store: Store::new(client, table),
        clock: Arc::new(SystemClock),
        auth: AuthConfig::authorizer_only(),
        shared: SharedItems::new(DEFAULT_TTL),
    }
}

/// The `offer:` lines of an earn's answer; an error unless it is a 201 with `expected` of them.
fn offer_lines(response: &TestResponse, expected: usize) -> Result<usize> {
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
                .is_some_and(|rule| rule.starts_with("offer:"))
        })
        .count();
    if lines != expected {
        bail!("earn: {lines} offer lines, {expected} expected");
    }
    Ok(lines)
}

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
        let table = format!("bench-offers-{}-{tag:08x}", case.tag());
        table_definition()
            .create(direct, &table)
            .await
            .with_context(|| format!("creating {table}"))?;
        // As every section does: DynamoDB Local's stream slows each write down as it grows.
        crate::scenario::disable_stream(direct, &table).await?;
        let counter = CallCounter::default();
        let wire = Wire::default();
        let context = environment(wire.client(&counter.client().await), &table);
        let probe = CapacityProbe::default();
        let probed = environment(probe.client(direct), &table);
        let now = OffsetDateTime::now_utc();
        let program = Program::from_json(demo_program_json().as_bytes())
            .map_err(|e| anyhow!("demo programme: {e}"))?;
        context
            .store
            .put_program(&program, now, "bench")
            .await
            .map_err(|e| anyhow!("storing the programme: {e}"))?;
        for k in 0..MEMBERS {
            let enrolled = invoke(
                &context,
                Function::MemberApi,
                Call::new("POST", "/v1/members")
                    .claims(crate::scenario::member(&Self::member(k)))
                    .json(&json!({"displayName": "Bench member"})),
            )
            .await;
            if !enrolled.status.is_success() {
                bail!("enrol: {} {}", enrolled.status, enrolled.body);
            }
        }
        // Published through the environment that then earns, as an operator's call to a warm
        // earn-points would be: it reads the offer set again on its next request.
        for i in 0..case.offers() {
            let published = invoke(
                &context,
                Function::EarnPoints,
                Call::new("PUT", format!("/v1/offers/o-{i:02}"))
                    .claims(admin())
                    .json(&case.offer(i, now)),
            )
            .await;
            if !published.status.is_success() {
                bail!("offer o-{i:02}: {} {}", published.status, published.body);
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
                applied: Vec::new(),
                operations: BTreeMap::new(),
                errors: 0,
                capacity: None,
            },
        })
    }

    fn member(k: usize) -> String {
        format!("offers-{k:02}")
    }

    /// The next earn: the next member in turn, a new transaction.
    fn next_call(&mut self) -> (String, Call) {
        let member = Self::member(self.made % MEMBERS);
        let call = Call::new("POST", format!("/v1/members/{member}/earn"))
            .claims(till())
            .json(&coffee(&format!("t-{:06}", self.made)));
        self.made += 1;
        (member, call)
    }

    /// One earn per member, not timed: the environment reads its shared items, and each
    /// member gets the offer progress an earn leaves on it.
    async fn warm_up(&mut self) -> Result<()> {
        for _ in 0..MEMBERS {
            let (_, call) = self.next_call();
            let response = invoke(&self.context, Function::EarnPoints, call).await;
            offer_lines(&response, self.case.applied())
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
        match offer_lines(&response, self.case.applied()) {
            Ok(applied) => {
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
                r.applied.push(applied);
                for (op, n) in operations {
                    *r.operations.entry(op).or_default() += n;
                }
            }
            Err(error) => {
                self.result.errors += 1;
                if self.result.errors <= 3 {
                    eprintln!("bench: offers, {}: {error:#}", self.case.label());
                }
            }
        }
    }

    /// One more warm earn, on the probed environment (warmed up by an earn of its own).
    async fn capacity(&mut self) -> Result<CapacityRow> {
        let expected = self.case.applied();
        let (_, call) = self.next_call();
        let response = invoke(&self.probed, Function::EarnPoints, call).await;
        offer_lines(&response, expected).context("the probed environment's first earn")?;
        let (member, call) = self.next_call();
        let meter = Meter {
            probe: &self.probe,
            direct: &self.direct,
            table: &self.table,
        };
        meter.forget();
        let probed = &self.probed;
        meter
            .measure("earn", self.case.tag(), &member, async move {
                let response = invoke(probed, Function::EarnPoints, call).await;
                offer_lines(&response, expected).map(|_| ())
            })
            .await
    }
}

/// The three cases, each on a table of its own (dropped afterwards), `earns` timed earns each.
pub async fn run(direct: Client, earns: usize) -> Result<OffersResult> {
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
        "bench: offers: 3 tables ready, {MEMBERS} members each, warmed up, in {:.0}s",
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
        env.result.capacity = Some(env.capacity().await?);
        direct.delete_table().table_name(&env.table).send().await?;
        cases.push(env.result);
    }
    Ok(OffersResult {
        earns,
        members: MEMBERS,
        offers: OFFERS,
        max_per_purchase: MAX_OFFERS_PER_PURCHASE,
        rounds,
        purchase: PURCHASE.into(),
        cases,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_on_the_wire_counts_overlapping_calls_once_and_open_ones_to_the_end() {
        let t0 = Instant::now();
        let at = |millis: u64| t0 + Duration::from_millis(millis);
        // One after the other: 2 + 3 ms.
        let serial = vec![(at(0), true), (at(2), false), (at(5), true), (at(8), false)];
        assert_eq!(in_flight(serial, at(10)), Duration::from_millis(5));
        // Overlapping: 1..6 once; answers in another order than the sends.
        let overlapping = vec![(at(1), true), (at(2), true), (at(4), false), (at(6), false)];
        assert_eq!(in_flight(overlapping, at(10)), Duration::from_millis(5));
        // Back to back at one instant, and a last call never answered.
        let open = vec![
            (at(0), true),
            (at(3), false),
            (at(3), true),
            (at(4), false),
            (at(7), true),
        ];
        assert_eq!(in_flight(open, at(9)), Duration::from_millis(6));
        assert_eq!(in_flight(Vec::new(), at(9)), Duration::ZERO);
    }

    #[test]
    fn the_cases_publish_what_they_say() {
        let now = time::macros::datetime!(2026-12-02 12:00 UTC);
        assert_eq!(Case::None.offers(), 0);
        assert_eq!(Case::Matched.applied(), MAX_OFFERS_PER_PURCHASE);
        assert_eq!(Case::Unmatched.applied(), 0);
        let unmatched = Case::Unmatched.offer(7, now);
        assert_eq!(unmatched["categories"], json!([UNMATCHED_CATEGORY]));
        assert_eq!(unmatched["title"], "Bench offer 07");
        let matched = Case::Matched.offer(7, now);
        assert!(matched.get("categories").is_none());
        assert_eq!(matched["validFrom"], "2026-12-01T12:00:00.000Z");
        assert_eq!(matched["validTo"], "2027-01-01T12:00:00.000Z");
        assert_eq!(Case::Matched.label(), "50 offers matching (40 applied)");
    }
}
