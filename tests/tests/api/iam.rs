//! Least privilege, checked against what the code really does: every route of each function
//! runs on DynamoDB Local through a client that records each item-level action and the
//! partition key it names, as IAM evaluates them. Every recorded access must be allowed by
//! that function's policy in `infra/template.yaml` (its actions, and its
//! `dynamodb:LeadingKeys` patterns), and every action and pattern the policy grants must be
//! used, so a policy can neither fall behind the code nor grant more than it needs.
//!
//! The run must write every kind of record the store knows (`RecordKind::VARIANTS`, matched
//! exhaustively below, so a new kind cannot be added without saying how IAM sees it) and read
//! every kind of item a decision reads (`SnapshotRequest`, destructured without `..`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use evaluate_tier::{RecordingPublisher, TierContext};
use lambda_http::http::StatusCode;
use loyalty::Context;
use loyalty::domain::operation::RecordKind;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::{SnapshotRequest, Store};
use loyalty_tests::access::{Access, AccessRecorder};
use loyalty_tests::stream::StreamReader;
use loyalty_tests::{Call, Function, TestEnv, TestResponse, invoke, purchase, signed_webhook};
use serde_json::{Value, json};
use serde_yaml::Value as Yaml;
use strum::VariantArray;
use time::macros::datetime;

/// One Allow statement of a function's policy, as far as DynamoDB is concerned.
#[derive(Debug)]
struct Grant {
    sid: String,
    actions: BTreeSet<String>,
    /// `None`: the table; `Some(name)`: one of its indexes.
    index: Option<String>,
    /// `ForAllValues:StringLike` on `dynamodb:LeadingKeys`; `None` when unconditioned.
    leading_keys: Option<Vec<String>>,
}

/// IAM's `StringLike`: `*` matches any run of characters, `?` any one character.
fn like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn text(value: &Yaml) -> String {
    match value {
        Yaml::Tagged(tagged) => text(&tagged.value),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

fn strings(value: &Yaml) -> Vec<String> {
    match value {
        Yaml::Sequence(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

/// The statements of the function whose binary is `binary`: its `Policies`, or those of the
/// role it names.
fn statements(binary: &str) -> Vec<Yaml> {
    let template: Yaml =
        serde_yaml::from_str(&std::fs::read_to_string(loyalty_tests::template_path()).unwrap())
            .unwrap();
    let resources = template["Resources"].as_mapping().unwrap();
    let function = resources
        .values()
        .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
        .unwrap_or_else(|| panic!("{binary} is in the template"));
    let documents: Vec<Yaml> = match function["Properties"]["Role"].is_null() {
        true => function["Properties"]["Policies"]
            .as_sequence()
            .unwrap()
            .clone(),
        false => {
            let role = text(&function["Properties"]["Role"]);
            let role = role.trim_end_matches(".Arn");
            template["Resources"][role]["Properties"]["Policies"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|p| p["PolicyDocument"].clone())
                .collect()
        }
    };
    documents
        .iter()
        .flat_map(|d| d["Statement"].as_sequence().unwrap().clone())
        .collect()
}

/// Actions on the table's stream, not its items: the template test holds them to the
/// table's stream.
const STREAM_ACTIONS: [&str; 4] = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

/// The DynamoDB item grants of the function whose binary is `binary`.
fn grants(binary: &str) -> Vec<Grant> {
    let mut grants = Vec::new();
    for statement in statements(binary) {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        let actions: BTreeSet<String> = strings(&statement["Action"])
            .into_iter()
            .filter(|a| a.starts_with("dynamodb:") && !STREAM_ACTIONS.contains(&a.as_str()))
            .collect();
        if actions.is_empty() {
            continue;
        }
        let resource = text(&statement["Resource"]);
        let index = resource
            .split_once("/index/")
            .map(|(_, index)| index.to_string());
        assert!(
            resource.starts_with("LoyaltyTable.Arn") || resource.starts_with("${LoyaltyTable.Arn}"),
            "{binary}: {resource} is the table or one of its indexes"
        );
        let condition = &statement["Condition"];
        let leading_keys = condition
            .get("ForAllValues:StringLike")
            .and_then(|c| c.get("dynamodb:LeadingKeys"))
            .map(strings);
        grants.push(Grant {
            sid: text(&statement["Sid"]),
            actions,
            index,
            leading_keys,
        });
    }
    grants
}

fn allows(grant: &Grant, access: &Access) -> bool {
    grant.actions.contains(&access.action)
        && grant.index == access.index
        && grant
            .leading_keys
            .as_ref()
            .is_none_or(|patterns| patterns.iter().any(|p| like(p, &access.partition)))
}

/// What is wrong with `binary`'s policy given what it was seen to do (empty when nothing).
fn policy_problems(binary: &str, accesses: &BTreeSet<Access>) -> Vec<String> {
    let grants = grants(binary);
    let mut problems = Vec::new();
    for access in accesses {
        if !grants.iter().any(|g| allows(g, access)) {
            problems.push(format!(
                "{binary} does {access:?}, which its policy does not allow"
            ));
        }
    }
    for grant in &grants {
        if grant.index.is_none() && grant.leading_keys.is_none() {
            problems.push(format!(
                "{binary}/{}: table access without a dynamodb:LeadingKeys condition",
                grant.sid
            ));
        }
        for action in &grant.actions {
            if !accesses
                .iter()
                .any(|a| &a.action == action && allows(grant, a))
            {
                problems.push(format!(
                    "{binary}/{}: {action} is granted but never used",
                    grant.sid
                ));
            }
        }
        for pattern in grant.leading_keys.iter().flatten() {
            if !accesses
                .iter()
                .any(|a| allows(grant, a) && like(pattern, &a.partition))
            {
                problems.push(format!(
                    "{binary}/{}: {pattern} is granted but never used",
                    grant.sid
                ));
            }
        }
    }
    problems
}

struct Recorded {
    env: TestEnv,
    recorders: BTreeMap<&'static str, AccessRecorder>,
    shared: BTreeMap<&'static str, SharedItems>,
}

impl Recorded {
    fn context(&self, binary: &'static str) -> Context {
        let recorder = &self.recorders[binary];
        // Each function keeps its own shared items, as each execution environment does.
        Context {
            store: Store::new(recorder.client(&self.env.client), self.env.table.clone()),
            shared: self.shared[binary].clone(),
            ..self.env.context.clone()
        }
    }

    async fn call(&self, function: Function, call: Call, expected: StatusCode) -> TestResponse {
        let binary = match function {
            Function::EarnPoints => "earn-points",
            Function::MemberApi => "member-api",
            Function::RedeemReward => "redeem-reward",
            Function::PartnerOffers => "partner-offers",
        };
        let context = self.context(binary);
        // Boxed: every handler's future inlined into the one run would overflow a test
        // thread's stack.
        let response = Box::pin(invoke(&context, function, call.clone())).await;
        assert_eq!(
            response.status, expected,
            "{} {}: {}",
            call.method, call.path, response.body
        );
        response
    }
}

/// Every route of every function, once, the way apps, tills, partners and AWS call them.
async fn run_every_route() -> Recorded {
    let env = TestEnv::new().await;
    let mut stream = StreamReader::start(&env.client, &env.table).await;
    let functions = [
        "earn-points",
        "evaluate-tier",
        "member-api",
        "partner-offers",
        "redeem-reward",
    ];
    let recorders = functions.map(|f| (f, AccessRecorder::default())).into();
    let shared = functions.map(|f| (f, SharedItems::new(DEFAULT_TTL))).into();
    let run = Recorded {
        env,
        recorders,
        shared,
    };
    let env = &run.env;
    let (admin, till, member) = (env.admin_token(), env.till_token(), env.member_token("ida"));
    use Function::*;
    use StatusCode as S;

    // member-api
    let enrol = Call::new("POST", "/v1/members").bearer(&member);
    let code = run.call(MemberApi, enrol, S::CREATED).await.body["referralCode"].clone();
    let friend = Call::new("POST", "/v1/members")
        .bearer(&env.member_token("joe"))
        .json(&json!({ "referralCode": code }));
    run.call(MemberApi, friend, S::CREATED).await;
    for path in [
        "/v1/members/me",
        "/v1/members/me/activity",
        "/v1/members/me/referrals",
    ] {
        run.call(MemberApi, Call::new("GET", path).bearer(&member), S::OK)
            .await;
    }
    // joe's birthday becomes his due date; ida's stays what the daily runs below look at.
    let profile = Call::new("PATCH", "/v1/members/me")
        .bearer(&env.member_token("joe"))
        .header("idempotency-key", "profile-1")
        .json(&json!({"displayName": "Ida", "birthday": "02-29"}));
    run.call(MemberApi, profile, S::OK).await;
    let consents = Call::new("PUT", "/v1/members/me/consents")
        .bearer(&env.member_token("joe"))
        .header("idempotency-key", "consents-1")
        .json(&json!({"marketing": true}));
    run.call(MemberApi, consents, S::OK).await;
    for path in [
        "/v1/members/ida",
        "/v1/members/ida/activity",
        "/v1/members/ida/events",
    ] {
        run.call(MemberApi, Call::new("GET", path).bearer(&admin), S::OK)
            .await;
    }
    // An import: the member, its code, its `import` entries and the figures in one transaction.
    let import = Call::new("POST", "/v1/imports/members")
        .bearer(&admin)
        .json(&json!({"members": [{
            "memberId": "imported-1",
            "enrolledAt": "2025-01-01T00:00:00Z",
            "lots": [{"points": 10, "expiresAt": "2027-06-01T00:00:00Z"}],
            "pendingPoints": [{"points": 5, "availableAt": "2026-12-01T00:00:00Z"}]
        }]}));
    let imported = run.call(MemberApi, import, S::OK).await;
    assert_eq!(imported.body["imported"], 1, "{}", imported.body);

    // earn-points
    let program: Value = loyalty_tests::demo_program();
    let put = Call::new("PUT", "/v1/program")
        .bearer(&admin)
        .json(&program);
    run.call(EarnPoints, put, S::OK).await;
    run.call(
        EarnPoints,
        Call::new("GET", "/v1/program").bearer(&admin),
        S::OK,
    )
    .await;
    for path in [
        "/v1/metrics?from=2026-11-01&to=2026-11-30",
        "/v1/metrics/journal?from=2026-11-01&to=2026-11-30",
        "/v1/metrics/reconciliation",
    ] {
        let figures = Call::new("GET", path).bearer(&admin);
        run.call(EarnPoints, figures, S::OK).await;
    }
    // Targeted offers: one for everyone with a budget (ida's purchase draws on it, her
    // refund gives some back), one naming ida (her erasure below takes her out of it).
    let window = ("2026-01-01T00:00:00Z", "2027-06-01T00:00:00Z");
    for (offer, body) in [
        (
            "coffee-bonus",
            json!({"title": "Coffee bonus", "bonus": {"fixedPoints": 1000},
                "validFrom": window.0, "validTo": window.1, "budgetPoints": 100_000}),
        ),
        (
            "ida-only",
            json!({"title": "Just for you", "bonus": {"multiplier": 2}, "requiresActivation": true,
                "validFrom": window.0, "validTo": window.1, "audience": {"memberIds": ["ida"]}}),
        ),
    ] {
        let put = Call::new("PUT", format!("/v1/offers/{offer}"))
            .bearer(&admin)
            .json(&body);
        run.call(EarnPoints, put, S::CREATED).await;
    }
    let offers = Call::new("GET", "/v1/offers").bearer(&admin);
    run.call(EarnPoints, offers, S::OK).await;
    let mine = Call::new("GET", "/v1/members/me/offers").bearer(&member);
    run.call(MemberApi, mine, S::OK).await;
    let clip = Call::new("POST", "/v1/members/me/offers/ida-only/activate").bearer(&member);
    run.call(MemberApi, clip, S::OK).await;
    let earn = Call::new("POST", "/v1/members/ida/earn")
        .bearer(&till)
        .json(&purchase("t-1", 250_000, Some("coffee")));
    run.call(EarnPoints, earn, S::CREATED).await;
    // joe's first purchase qualifies: ida's part comes from the stream below.
    let first = Call::new("POST", "/v1/members/joe/earn")
        .bearer(&till)
        .json(&purchase("j-1", 5_000, None));
    run.call(EarnPoints, first, S::CREATED).await;
    let reverse = Call::new("POST", "/v1/members/ida/earn/t-1/reverse")
        .bearer(&till)
        .header("idempotency-key", "rev-1")
        .json(&json!({"amount": {"amount": 1000, "currency": "EUR"}}));
    run.call(EarnPoints, reverse, S::CREATED).await;
    let adjust = Call::new("POST", "/v1/members/ida/adjustments")
        .bearer(&admin)
        .header("idempotency-key", "adj-1")
        .json(&json!({"points": 5000, "reason": "goodwill"}));
    run.call(EarnPoints, adjust, S::CREATED).await;
    let floor = Call::new("PUT", "/v1/members/ida/tier-floor")
        .bearer(&admin)
        .header("idempotency-key", "floor-1")
        .json(&json!({"tier": "Gold", "until": "2027-06-01T00:00:00Z", "reason": "status match"}));
    run.call(EarnPoints, floor, S::OK).await;
    // Actions, challenges and a paid membership, started and ended.
    let action = Call::new("POST", "/v1/members/ida/actions")
        .bearer(&till)
        .json(&json!({"actionId": "review-1", "action": "review"}));
    run.call(EarnPoints, action, S::CREATED).await;
    let challenges = Call::new("GET", "/v1/members/me/challenges").bearer(&member);
    run.call(MemberApi, challenges, S::OK).await;
    let membership = Call::new("PUT", "/v1/members/ida/membership")
        .bearer(&admin)
        .header("idempotency-key", "plan-1")
        .json(&json!({"planId": "plus", "until": "2027-06-01T00:00:00Z", "reference": "inv-1"}));
    run.call(EarnPoints, membership, S::OK).await;
    let end = Call::new("DELETE", "/v1/members/ida/membership")
        .bearer(&admin)
        .header("idempotency-key", "plan-2");
    run.call(EarnPoints, end, S::OK).await;

    // redeem-reward: an unlimited reward and one with stock, each redeemed twice, one
    // voucher of each used and the other cancelled.
    let rewards = loyalty_tests::demo_rewards();
    let unlimited = rewards
        .iter()
        .find(|(_, r)| r.get("stock").is_none())
        .unwrap();
    let stocked = rewards
        .iter()
        .find(|(_, r)| r.get("stock").is_some() && r.get("minTier").is_none())
        .unwrap();
    for (reward, body) in [unlimited, stocked] {
        let put = Call::new("PUT", format!("/v1/rewards/{reward}"))
            .bearer(&admin)
            .json(body);
        run.call(RedeemReward, put, S::OK).await;
    }
    run.call(
        RedeemReward,
        Call::new("GET", "/v1/rewards").bearer(&member),
        S::OK,
    )
    .await;
    for (reward, _) in [unlimited, stocked] {
        let mut vouchers = Vec::new();
        for key in ["r-1", "r-2"] {
            let redeem = Call::new("POST", "/v1/members/me/redemptions")
                .bearer(&member)
                .header("idempotency-key", &format!("{reward}-{key}"))
                .json(&json!({"rewardId": reward}));
            let redeemed = run.call(RedeemReward, redeem, S::CREATED).await;
            vouchers.push((
                redeemed.body["redemptionId"].as_str().unwrap().to_string(),
                redeemed.body["code"].as_str().unwrap().to_string(),
            ));
        }
        let (_, code) = &vouchers[0];
        let look = Call::new("GET", format!("/v1/vouchers/{code}")).bearer(&till);
        run.call(RedeemReward, look, S::OK).await;
        let used = Call::new("POST", format!("/v1/vouchers/{code}/use"))
            .bearer(&till)
            .header("idempotency-key", &format!("use-{reward}"));
        run.call(RedeemReward, used, S::OK).await;
        let (redemption, _) = &vouchers[1];
        let cancel = Call::new(
            "POST",
            format!("/v1/members/me/redemptions/{redemption}/cancel"),
        )
        .bearer(&member)
        .header("idempotency-key", &format!("cancel-{reward}"));
        run.call(RedeemReward, cancel, S::OK).await;
    }
    let list = Call::new("GET", "/v1/members/me/redemptions").bearer(&member);
    run.call(RedeemReward, list, S::OK).await;
    // One voucher left unused, for the erasure below to cancel (its stock goes back).
    let kept = Call::new("POST", "/v1/members/me/redemptions")
        .bearer(&member)
        .header("idempotency-key", "kept")
        .json(&json!({"rewardId": stocked.0}));
    run.call(RedeemReward, kept, S::CREATED).await;

    stamp_cards(&run, &program, &unlimited.0, &stocked.0).await;

    // partner-offers
    let created = Call::new("PUT", "/v1/partners/bikes")
        .bearer(&admin)
        .json(&json!({"name": "Bike Shop"}));
    let created = run.call(PartnerOffers, created, S::CREATED).await;
    let secret = created.body["secret"].as_str().unwrap().to_string();
    let added = Call::new("POST", "/v1/partners/bikes/secrets").bearer(&admin);
    let added = run.call(PartnerOffers, added, S::CREATED).await;
    let added = added.body["secretId"].as_str().unwrap().to_string();
    let retire = Call::new("DELETE", format!("/v1/partners/bikes/secrets/{added}")).bearer(&admin);
    run.call(PartnerOffers, retire, S::OK).await;
    run.call(
        PartnerOffers,
        Call::new("GET", "/v1/partners/bikes").bearer(&admin),
        S::OK,
    )
    .await;
    let offer = r#"{"type": "offer.upserted", "data": {"offerId": "double", "title": "Double points",
        "bonus": {"multiplier": 2}, "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z"}}"#;
    run.call(
        PartnerOffers,
        signed_webhook("bikes", &secret, "msg-1", offer),
        S::OK,
    )
    .await;
    let bought = json!({"type": "purchase.completed", "data": {"memberId": "ida",
        "partnerTransactionId": "p-1", "amount": {"amount": 5000, "currency": "EUR"},
        "occurredAt": "2026-11-23T11:00:00Z", "offerId": "double"}})
    .to_string();
    run.call(
        PartnerOffers,
        signed_webhook("bikes", &secret, "msg-2", &bought),
        S::OK,
    )
    .await;
    let statement = Call::new(
        "GET",
        "/v1/partners/bikes/statement?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
    )
    .bearer(&admin);
    run.call(PartnerOffers, statement, S::OK).await;

    // evaluate-tier: the stream of everything above, then daily runs at an expiry warning,
    // an expiry and a review date.
    let tiers = TierContext::new(
        run.context("evaluate-tier"),
        Arc::new(RecordingPublisher::default()),
    );
    for at in [
        None,
        Some(datetime!(2027-06-01 0:15 UTC)),
        Some(datetime!(2027-11-01 0:15 UTC)),
        Some(datetime!(2027-12-01 0:15 UTC)),
    ] {
        if let Some(at) = at {
            run.env.clock.set(at);
            let summary = evaluate_tier::handle(&tiers, json!({"kind": "daily"}))
                .await
                .unwrap();
            assert!(summary.is_object(), "{summary}");
        }
        for _ in 0..5 {
            let event = stream.next_event().await;
            if event["Records"].as_array().is_none_or(Vec::is_empty) {
                break;
            }
            let answer = evaluate_tier::handle(&tiers, event).await.unwrap();
            assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
        }
    }
    privacy(&run).await;
    run
}

/// Export and erasure: joe (whom ida referred) by an operator, then ida herself, with an
/// unused voucher, used ones, a partner's purchase and remembered answers; her retry is
/// answered from the erasure's record.
async fn privacy(run: &Recorded) {
    use Function::*;
    use StatusCode as S;
    let env = &run.env;
    let (admin, member) = (env.admin_token(), env.member_token("ida"));
    let mine = Call::new("GET", "/v1/members/me/export").bearer(&member);
    run.call(MemberApi, mine, S::OK).await;
    let hers = Call::new("GET", "/v1/members/ida/export").bearer(&admin);
    run.call(MemberApi, hers, S::OK).await;
    let joe = Call::new("DELETE", "/v1/members/joe")
        .bearer(&admin)
        .json(&json!({"reason": "asked by email"}));
    run.call(MemberApi, joe, S::OK).await;
    for _ in 0..2 {
        let erase = Call::new("DELETE", "/v1/members/me").bearer(&member);
        run.call(MemberApi, erase, S::OK).await;
    }
}

/// Stamp cards: two of 2 stamps, one giving the unlimited reward and one the stocked one; the
/// second bakery purchase completes both, and its reversal cancels both vouchers.
async fn stamp_cards(run: &Recorded, program: &Value, unlimited: &str, stocked: &str) {
    use Function::*;
    use StatusCode as S;
    let env = &run.env;
    let (admin, till, member) = (env.admin_token(), env.till_token(), env.member_token("ida"));
    let cards = json!([
        {"cardId": "unlimited", "name": "Unlimited", "stampsRequired": 2,
         "categories": ["bakery"], "reward": {"rewardId": unlimited}},
        {"cardId": "stocked", "name": "Stocked", "stampsRequired": 2,
         "categories": ["bakery"], "reward": {"rewardId": stocked}}
    ]);
    let mut with_cards = program.clone();
    with_cards["stampCards"] = cards;
    let put = Call::new("PUT", "/v1/program")
        .bearer(&admin)
        .json(&with_cards);
    run.call(EarnPoints, put, S::OK).await;
    for transaction in ["b-1", "b-2"] {
        let earn = Call::new("POST", "/v1/members/ida/earn")
            .bearer(&till)
            .json(&purchase(transaction, 500, Some("bakery")));
        run.call(EarnPoints, earn, S::CREATED).await;
    }
    let reverse = Call::new("POST", "/v1/members/ida/earn/b-2/reverse").bearer(&till);
    run.call(EarnPoints, reverse, S::CREATED).await;
    let stamps = Call::new("GET", "/v1/members/me/stamps").bearer(&member);
    run.call(MemberApi, stamps, S::OK).await;
}

#[tokio::test]
async fn each_function_touches_only_what_its_iam_policy_allows_and_the_policy_grants_nothing_unused()
 {
    // Boxed: the run's future is large, and a test thread's stack is not.
    let run = Box::pin(run_every_route()).await;
    let mut problems = Vec::new();
    for (binary, recorder) in &run.recorders {
        let accesses = recorder.accesses();
        assert!(!accesses.is_empty(), "{binary} was run");
        eprintln!("{binary}:");
        for access in &accesses {
            eprintln!(
                "  {} {:?} {}",
                access.action, access.index, access.partition
            );
        }
        problems.extend(policy_problems(binary, &accesses));
    }
    assert_eq!(
        run.recorders.keys().copied().collect::<Vec<_>>(),
        [
            "earn-points",
            "evaluate-tier",
            "member-api",
            "partner-offers",
            "redeem-reward"
        ]
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// How IAM sees a record of each kind: the item action and the item (partition prefix, kind
/// of sort key) it names. Exhaustive: a new kind of record does not compile without its line.
fn written_as(kind: RecordKind) -> Vec<(&'static str, &'static str, &'static str)> {
    const PUT: &str = "dynamodb:PutItem";
    const UPDATE: &str = "dynamodb:UpdateItem";
    const CHECK: &str = "dynamodb:ConditionCheckItem";
    match kind {
        // A till's purchase and a partner's; only a till's is ever refunded.
        RecordKind::NewPurchase => {
            vec![
                (PUT, "MEMBER#", "PURCHASE"),
                (PUT, "MEMBER#", "PARTNER-PURCHASE"),
            ]
        }
        RecordKind::NewAction => vec![(PUT, "MEMBER#", "ACTION")],
        RecordKind::Purchase => vec![(PUT, "MEMBER#", "PURCHASE")],
        RecordKind::NewRedemption | RecordKind::CloseRedemption => {
            vec![(PUT, "MEMBER#", "REDEMPTION"), (PUT, "VOUCHER#", "VOUCHER")]
        }
        RecordKind::TakeStock | RecordKind::ReturnReward => vec![(UPDATE, "CATALOGUE", "REWARD")],
        RecordKind::CheckUnlimitedReward => vec![(CHECK, "CATALOGUE", "REWARD")],
        RecordKind::NewPartner | RecordKind::Partner => vec![(PUT, "PARTNER#", "PROFILE")],
        RecordKind::PartnerIssued => vec![(PUT, "PARTNER#", "ISSUED")],
        RecordKind::Event => vec![(PUT, "MEMBER#", "EVENT")],
        RecordKind::ReferralLink => vec![(PUT, "MEMBER#", "REFERRAL")],
        RecordKind::ReferralAward => vec![
            (PUT, "MEMBER#", "REFERRED"),
            (UPDATE, "MEMBER#", "REFERRALS"),
        ],
        // A targeted offer's budget shard, drawn on by an earn, given back by a refund.
        RecordKind::DrawBudget | RecordKind::ReturnBudget => vec![(UPDATE, "OFFER#", "BUDGET")],
    }
}

/// How IAM sees each read a decision may make. The destructuring names every field of
/// `SnapshotRequest`: a new kind of read does not compile without its line.
fn read_as(read: SnapshotRequest<'_>) -> Vec<(&'static str, &'static str)> {
    const GET: &str = "dynamodb:GetItem";
    let SnapshotRequest {
        member,
        program,
        purchase,
        redemption,
        redemption_reward,
        reward,
        catalogue,
        stamp_vouchers,
        partner,
        voucher,
        idempotency,
        referred,
        offers,
    } = read;
    [
        member.map(|_| (GET, "MEMBER#")),
        catalogue.then_some(("dynamodb:Query", "CATALOGUE")),
        // A purchase's stamp vouchers: redemptions under the member, their rewards.
        stamp_vouchers.then_some((GET, "MEMBER#")),
        stamp_vouchers.then_some((GET, "CATALOGUE")),
        program.then_some((GET, "PROGRAM")),
        purchase.map(|_| (GET, "MEMBER#")),
        redemption.map(|_| (GET, "MEMBER#")),
        redemption_reward.then_some((GET, "CATALOGUE")),
        reward.map(|_| (GET, "CATALOGUE")),
        partner.map(|_| (GET, "PARTNER#")),
        voucher.map(|_| (GET, "VOUCHER#")),
        idempotency.map(|_| (GET, "IDEMPOTENCY#")),
        referred.map(|_| (GET, "MEMBER#")),
        offers.then_some(("dynamodb:Query", "OFFERS")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[tokio::test]
async fn the_run_writes_every_kind_of_record_and_reads_every_kind_of_item() {
    // Boxed: the run's future is large, and a test thread's stack is not.
    let run = Box::pin(run_every_route()).await;
    let seen: BTreeSet<Access> = run
        .recorders
        .values()
        .flat_map(AccessRecorder::accesses)
        .collect();
    let mut missing = Vec::new();
    for kind in RecordKind::VARIANTS {
        for (action, partition, item) in written_as(*kind) {
            let found = seen.iter().any(|a| {
                a.action == action && a.partition.starts_with(partition) && a.item == item
            });
            if !found {
                missing.push(format!("{kind:?}: no {action} of {partition}* {item}"));
            }
        }
    }
    let (member, reward, partner) = (
        loyalty::domain::identifier::MemberId::try_from("ida").unwrap(),
        loyalty::domain::identifier::RewardId::try_from("x").unwrap(),
        loyalty::domain::identifier::PartnerId::try_from("x").unwrap(),
    );
    let code = loyalty::domain::voucher_code::VoucherCode::generate(&mut rand::rng());
    let scope = loyalty::idempotency::IdempotencyScope::purchase("ida", "t");
    let purchase = loyalty::domain::purchase::PurchaseRef::Till(
        loyalty::domain::identifier::TransactionId::try_from("t").unwrap(),
    );
    let redemption = loyalty::domain::identifier::RedemptionId::try_from("r").unwrap();
    let everything = SnapshotRequest {
        member: Some(&member),
        program: true,
        purchase: Some(&purchase),
        redemption: Some(&redemption),
        redemption_reward: true,
        reward: Some(&reward),
        catalogue: true,
        stamp_vouchers: true,
        partner: Some(&partner),
        voucher: Some(&code),
        idempotency: Some(&scope),
        referred: Some(&member),
        offers: true,
    };
    for (action, partition) in read_as(everything) {
        if !seen
            .iter()
            .any(|a| a.action == action && a.partition.starts_with(partition))
        {
            missing.push(format!("no {action} of {partition}*"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn string_like_matches_as_iam_does() {
    assert!(like("MEMBER#*", "MEMBER#ida"));
    assert!(like("MEMBER#*", "MEMBER#"));
    assert!(!like("MEMBER#*", "PARTNER#bikes"));
    assert!(like("PROGRAM", "PROGRAM"));
    assert!(!like("PROGRAM", "PROGRAMX"));
    assert!(like("IDEMPOTENCY#*#earn", "IDEMPOTENCY#till-001#earn"));
    assert!(like("DUE#????-??-??#*", "DUE#2027-06-01#3"));
    assert!(!like("DUE#????-??-??#*", "DUE#2027-6-01#3"));
}
