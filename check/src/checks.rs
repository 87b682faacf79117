//! The invariants, over the history of a run and the members' state read after it, when the
//! stack is quiet. Each returns an `Outcome`: how many things it checked, and what failed.

use std::collections::{BTreeMap, BTreeSet};

use crate::history::Exchange;

/// A ledger entry as `GET /v1/members/{id}/activity` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub entry_id: String,
    pub kind: String,
    pub points: i64,
    pub reference: String,
}

/// A member as read after the run: admin `GET /v1/members/{id}` and its whole ledger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberView {
    pub member: String,
    pub balance: i64,
    pub pending: i64,
    /// `expiringPoints[].points`: the positive lots.
    pub lots: Vec<i64>,
    pub entries: Vec<Entry>,
}

/// What failed, with what to replay it: the member and the ids the failing requests carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub detail: String,
    pub member: String,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub name: &'static str,
    pub checked: usize,
    pub failures: Vec<Finding>,
}

impl Outcome {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            checked: 0,
            failures: Vec::new(),
        }
    }

    fn fail(&mut self, member: &str, keys: Vec<String>, detail: String) {
        self.failures.push(Finding {
            detail,
            member: member.to_string(),
            keys,
        });
    }

    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Balance plus pending points equals the sum of the ledger; the positive lots add up to the
/// balance when it is not negative.
pub fn ledger_sums(views: &[MemberView]) -> Outcome {
    let mut out = Outcome::new("balance + pending = ledger = lots");
    for view in views {
        out.checked += 1;
        let ledger: i64 = view.entries.iter().map(|e| e.points).sum();
        if view.balance + view.pending != ledger {
            out.fail(
                &view.member,
                vec![],
                format!(
                    "{}: balance {} + pending {} != ledger sum {ledger} ({} entries)",
                    view.member,
                    view.balance,
                    view.pending,
                    view.entries.len()
                ),
            );
        }
        let lots: i64 = view.lots.iter().sum();
        if view.balance >= 0 && lots != view.balance {
            out.fail(
                &view.member,
                vec![],
                format!(
                    "{}: lots sum {lots} != balance {}",
                    view.member, view.balance
                ),
            );
        }
    }
    out
}

/// Every transactionId has at most one `earn` entry, and exactly one when an earn with it was
/// acknowledged; every partner purchase (partnerTransactionId) has at most one `partner_bonus`.
pub fn earned_once(history: &[Exchange], views: &[MemberView]) -> Outcome {
    let mut out = Outcome::new("every transactionId credited once");
    let mut acked: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for e in history.iter().filter(|e| e.op == "earn") {
        if let Some(txn) = e.keys.first() {
            let ok = !e.lost && (200..300).contains(&e.status);
            *acked.entry((e.member.as_str(), txn.as_str())).or_default() |= ok;
        }
    }
    for view in views {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in view.entries.iter().filter(|e| e.kind == "earn") {
            *counts.entry(entry.reference.as_str()).or_default() += 1;
        }
        // A partner's purchase: `partner:<partnerId>:<partnerTransactionId>`.
        let mut partner: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in view.entries.iter().filter(|e| e.kind == "partner_bonus") {
            *partner.entry(entry.reference.as_str()).or_default() += 1;
        }
        for (reference, count) in &partner {
            out.checked += 1;
            if *count > 1 {
                let txn = reference.rsplit(':').next().unwrap_or(reference);
                out.fail(
                    &view.member,
                    vec![txn.to_string()],
                    format!(
                        "{}: partner purchase {reference} credited {count} times (duplicate credit)",
                        view.member
                    ),
                );
            }
        }
        for (txn, count) in &counts {
            if *count > 1 {
                out.fail(
                    &view.member,
                    vec![txn.to_string()],
                    format!(
                        "{}: transactionId {txn} credited {count} times (duplicate credit)",
                        view.member
                    ),
                );
            }
        }
        for ((member, txn), was_acked) in acked.range((view.member.as_str(), "")..) {
            if *member != view.member {
                break;
            }
            out.checked += 1;
            if *was_acked && !counts.contains_key(txn) {
                out.fail(
                    member,
                    vec![txn.to_string()],
                    format!("{member}: transactionId {txn} acknowledged but never credited"),
                );
            }
        }
    }
    out
}

/// Every acknowledged write (a 2xx naming an entryId) is in its member's ledger; every earn or
/// action refused with a 4xx (never acknowledged, never lost) left no entry with its id.
pub fn acknowledged_present(history: &[Exchange], views: &[MemberView]) -> Outcome {
    let mut out = Outcome::new("acknowledged writes present, refused ones absent");
    let by_member: BTreeMap<&str, &MemberView> =
        views.iter().map(|v| (v.member.as_str(), v)).collect();
    let mut seen = BTreeSet::new();
    for e in history {
        let Some(entry_id) = e.entry_id() else {
            continue;
        };
        let Some(view) = by_member.get(e.member.as_str()) else {
            continue;
        };
        if !seen.insert((e.member.as_str(), entry_id)) {
            continue;
        }
        out.checked += 1;
        if !view.entries.iter().any(|x| x.entry_id == entry_id) {
            out.fail(
                &e.member,
                e.keys.clone(),
                format!(
                    "{}: entry {entry_id} acknowledged by #{} {} {} is not in the ledger",
                    e.member, e.seq, e.method, e.path
                ),
            );
        }
    }
    // Writes whose own id becomes the entry's reference: earn (transactionId), action (actionId).
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&Exchange>> = BTreeMap::new();
    for e in history
        .iter()
        .filter(|e| e.op == "earn" || e.op == "action")
    {
        if let Some(key) = e.keys.first() {
            groups
                .entry((e.op, e.member.as_str(), key.as_str()))
                .or_default()
                .push(e);
        }
    }
    for ((op, member, key), exchanges) in groups {
        let refused = exchanges.iter().all(|e| {
            !e.lost
                && (400..500).contains(&e.status)
                && e.error_code() != Some("request_in_progress")
        });
        if !refused {
            continue;
        }
        let Some(view) = by_member.get(member) else {
            continue;
        };
        out.checked += 1;
        let kind = if op == "earn" { "earn" } else { "action_bonus" };
        if let Some(entry) = view
            .entries
            .iter()
            .find(|x| x.reference == key && x.kind == kind)
        {
            out.fail(
                member,
                vec![key.to_string()],
                format!(
                    "{member}: {op} {key} was refused ({}) but left entry {}",
                    exchanges[0].status, entry.entry_id
                ),
            );
        }
    }
    out
}

/// No voucher code was used by two different requests (a replay of the same idempotency key
/// answers the first use again, and is not a second use).
pub fn vouchers_used_once(history: &[Exchange]) -> Outcome {
    let mut out = Outcome::new("no voucher used twice");
    let mut uses: BTreeMap<&str, (String, BTreeSet<&str>)> = BTreeMap::new();
    for e in history.iter().filter(|e| e.op == "use") {
        let (Some(code), Some(key)) = (e.keys.first(), e.keys.get(1)) else {
            continue;
        };
        let slot = uses.entry(code.as_str()).or_default();
        slot.0 = e.member.clone();
        if !e.lost && (200..300).contains(&e.status) {
            slot.1.insert(key.as_str());
        }
    }
    for (code, (member, keys)) in uses {
        out.checked += 1;
        if keys.len() > 1 {
            out.fail(
                &member,
                vec![code.to_string()],
                format!("voucher {code} used {} times", keys.len()),
            );
        }
    }
    out
}

/// The stock left plus the redemptions of the reward not cancelled equals the stock put in.
pub fn stock_conserved(
    history: &[Exchange],
    reward_id: &str,
    stock_in: i64,
    remaining: Option<i64>,
) -> Outcome {
    let mut out = Outcome::new("stock left + issued = stock put in");
    let mut issued: BTreeMap<String, String> = BTreeMap::new();
    for e in history.iter().filter(|e| e.op == "redeem") {
        if e.lost || !(200..300).contains(&e.status) || e.answer["rewardId"] != reward_id {
            continue;
        }
        if let Some(id) = e.answer["redemptionId"].as_str() {
            issued.insert(id.to_string(), e.member.clone());
        }
    }
    let cancelled = history
        .iter()
        .filter(|e| e.op == "cancel" && !e.lost && (200..300).contains(&e.status))
        .filter_map(|e| e.keys.first())
        .filter(|id| issued.contains_key(id.as_str()))
        .collect::<BTreeSet<_>>()
        .len() as i64;
    out.checked = 1;
    let held = issued.len() as i64 - cancelled;
    match remaining {
        Some(left) if left + held == stock_in => {}
        _ => out.fail(
            "",
            vec![reward_id.to_string()],
            format!(
                "reward {reward_id}: remaining {} + issued {} - cancelled {cancelled} != stock {stock_in}",
                remaining.map_or("unknown".into(), |r| r.to_string()),
                issued.len()
            ),
        ),
    }
    out
}

/// The metrics' liability moved by exactly the points the run's members came to hold.
pub fn liability_moved(before: i64, after: i64, held_before: i64, views: &[MemberView]) -> Outcome {
    let mut out = Outcome::new("metrics liability = sum of balances");
    out.checked = 1;
    let held: i64 = views.iter().map(|v| v.balance + v.pending).sum();
    if after - before != held - held_before {
        out.fail(
            "",
            vec![],
            format!(
                "liability moved {before} -> {after} ({:+}) but the members' points moved by {:+}",
                after - before,
                held - held_before
            ),
        );
    }
    out
}

/// Nothing answered 5xx, except 503 with `retry-after`. Lost answers (the emulator's own
/// failures, transport errors) were retried and are not the function's.
pub fn no_server_errors(history: &[Exchange]) -> Outcome {
    let mut out = Outcome::new("no 5xx except 503 with retry-after");
    for e in history.iter().filter(|e| !e.lost) {
        out.checked += 1;
        if e.status >= 500 && !(e.status == 503 && e.retry_after) {
            out.fail(
                &e.member,
                e.keys.clone(),
                format!(
                    "#{} {} {} -> {} {}",
                    e.seq, e.method, e.path, e.status, e.short
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, kind: &str, points: i64, reference: &str) -> Entry {
        Entry {
            entry_id: id.into(),
            kind: kind.into(),
            points,
            reference: reference.into(),
        }
    }

    fn sent(
        op: &'static str,
        member: &str,
        keys: &[&str],
        status: u16,
        answer: serde_json::Value,
    ) -> Exchange {
        Exchange {
            op,
            member: member.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            method: "POST".into(),
            status,
            answer,
            ..Default::default()
        }
    }

    fn view(entries: Vec<Entry>, balance: i64, pending: i64, lots: Vec<i64>) -> MemberView {
        MemberView {
            member: "m".into(),
            balance,
            pending,
            lots,
            entries,
        }
    }

    #[test]
    fn balances_must_match_the_ledger_and_the_lots() {
        let good = view(
            vec![
                entry("a", "earn", 100, "t1"),
                entry("b", "redeem", -30, "r"),
            ],
            70,
            0,
            vec![40, 30],
        );
        assert!(ledger_sums(std::slice::from_ref(&good)).ok());
        let mut bad = good.clone();
        bad.balance = 100;
        assert_eq!(ledger_sums(&[bad]).failures.len(), 2);
        let mut debt = good;
        debt.entries.push(entry("c", "reverse", -100, "t1"));
        debt.balance = -30;
        debt.lots = vec![];
        assert!(ledger_sums(&[debt]).ok(), "a negative balance has no lots");
    }

    #[test]
    fn a_duplicate_credit_is_caught_and_named() {
        let history = vec![
            sent("earn", "m", &["t1"], 201, json!({"entryId": "a"})),
            sent("earn", "m", &["t1"], 201, json!({"entryId": "b"})),
        ];
        let twice = view(
            vec![entry("a", "earn", 10, "t1"), entry("b", "earn", 10, "t1")],
            20,
            0,
            vec![20],
        );
        let out = earned_once(&history, &[twice]);
        assert_eq!(out.failures.len(), 1);
        assert!(out.failures[0].detail.contains("duplicate credit"));
        assert_eq!(out.failures[0].keys, ["t1"]);
        let once = view(vec![entry("a", "earn", 10, "t1")], 10, 0, vec![10]);
        assert!(earned_once(&history[..1], &[once]).ok());
        let partner = view(
            vec![
                entry("a", "partner_bonus", 20, "partner:p:x1"),
                entry("b", "partner_bonus", 20, "partner:p:x1"),
                entry("c", "partner_bonus", 20, "partner:p:x2"),
            ],
            60,
            0,
            vec![60],
        );
        let out = earned_once(&[], &[partner]);
        assert_eq!(out.failures.len(), 1);
        assert_eq!(out.failures[0].keys, ["x1"]);
        let never = view(vec![], 0, 0, vec![]);
        assert_eq!(earned_once(&history[..1], &[never]).failures.len(), 1);
    }

    #[test]
    fn acknowledged_writes_must_be_there_and_refused_ones_absent() {
        let history = vec![
            sent("adjust", "m", &["k1"], 201, json!({"entryId": "a"})),
            sent(
                "action",
                "m",
                &["act-1"],
                422,
                json!({"error": {"code": "limit_reached"}}),
            ),
        ];
        let missing = view(vec![], 0, 0, vec![]);
        assert_eq!(acknowledged_present(&history, &[missing]).failures.len(), 1);
        let present = view(vec![entry("a", "adjust", 5, "k1")], 5, 0, vec![5]);
        assert!(acknowledged_present(&history, std::slice::from_ref(&present)).ok());
        let mut trace = present;
        trace.entries.push(entry("x", "action_bonus", 50, "act-1"));
        let out = acknowledged_present(&history, &[trace.clone()]);
        assert_eq!(out.failures.len(), 1, "{out:?}");
        // A lost request may have been applied: its trace is no finding.
        let mut lost = history.clone();
        lost.push(Exchange {
            lost: true,
            status: 500,
            ..lost[1].clone()
        });
        assert!(acknowledged_present(&lost, &[trace]).ok());
    }

    #[test]
    fn a_voucher_used_by_two_tills_is_caught_but_a_replay_is_not() {
        let ok = json!({"status": "used"});
        let replayed = vec![
            sent("use", "m", &["CODE", "k1"], 200, ok.clone()),
            sent("use", "m", &["CODE", "k1"], 200, ok.clone()),
            sent("use", "m", &["CODE", "k2"], 422, json!({})),
        ];
        assert!(vouchers_used_once(&replayed).ok());
        let twice = vec![
            sent("use", "m", &["CODE", "k1"], 200, ok.clone()),
            sent("use", "m", &["CODE", "k2"], 200, ok),
        ];
        assert_eq!(vouchers_used_once(&twice).failures.len(), 1);
    }

    #[test]
    fn stock_is_conserved_through_redemptions_and_cancellations() {
        let history = vec![
            sent(
                "redeem",
                "m",
                &["k1"],
                201,
                json!({"redemptionId": "r1", "rewardId": "s"}),
            ),
            sent(
                "redeem",
                "m",
                &["k1"],
                201,
                json!({"redemptionId": "r1", "rewardId": "s"}),
            ),
            sent(
                "redeem",
                "m",
                &["k2"],
                201,
                json!({"redemptionId": "r2", "rewardId": "s"}),
            ),
            sent(
                "redeem",
                "m",
                &["k3"],
                422,
                json!({"error": {"code": "out_of_stock"}}),
            ),
            sent("cancel", "m", &["r2"], 200, json!({})),
        ];
        assert!(stock_conserved(&history, "s", 5, Some(4)).ok());
        assert!(!stock_conserved(&history, "s", 5, Some(3)).ok());
        assert!(!stock_conserved(&history, "s", 5, None).ok());
    }

    #[test]
    fn liability_and_server_errors() {
        let views = [view(vec![], 70, 30, vec![70])];
        assert!(liability_moved(1000, 1100, 0, &views).ok());
        assert!(!liability_moved(1000, 1090, 0, &views).ok());
        let mut history = vec![sent("earn", "m", &["t"], 503, json!({}))];
        assert!(!no_server_errors(&history).ok());
        history[0].retry_after = true;
        assert!(no_server_errors(&history).ok());
        history.push(Exchange {
            lost: true,
            status: 500,
            ..Default::default()
        });
        assert!(
            no_server_errors(&history).ok(),
            "the emulator's own failures are retried"
        );
        history.push(sent("earn", "m", &["t"], 500, json!({"error": {}})));
        assert_eq!(no_server_errors(&history).failures.len(), 1);
    }
}
