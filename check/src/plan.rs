//! The seeded plan: operation number `i` of a run depends only on the seed, `i` and the number
//! of members, so a seed replays the same mix whatever the concurrency. Operations that act on
//! what earlier ones produced (a reversal, a cancellation, a voucher use) carry a `pick` that
//! the driver maps onto what it has seen acknowledged so far.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How an earn's request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Send {
    /// Once.
    Once,
    /// Then again with the same body, after the first answer (a client retrying).
    Again,
    /// Twice at the same time (the retry of a response that was lost on the way).
    Concurrent,
    /// Then again with the same transactionId and another amount: refused, nothing changes.
    Conflict,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Earn {
        member: usize,
        amount: i64,
        category: Option<&'static str>,
        send: Send,
    },
    /// Of one of the member's acknowledged earns; `partial` sends an amount and an
    /// idempotency key, sent twice at once when `retry`.
    Reverse {
        member: usize,
        pick: u32,
        partial: Option<i64>,
        retry: bool,
    },
    Redeem {
        member: usize,
        scarce: bool,
        retry: bool,
    },
    Cancel {
        member: usize,
        pick: u32,
    },
    /// One of the member's voucher codes, used from `tills` tills at once.
    UseVoucher {
        member: usize,
        pick: u32,
        tills: usize,
    },
    Adjust {
        member: usize,
        points: i64,
        retry: bool,
    },
    /// A partner's signed `purchase.completed` webhook; `redeliver` sends the same webhook-id
    /// again (after the answer, or at once when `concurrent`).
    Webhook {
        member: usize,
        amount: i64,
        redeliver: bool,
        concurrent: bool,
    },
    /// `number` is drawn from a small set, so actionIds repeat.
    Action {
        member: usize,
        action: &'static str,
        number: u32,
        concurrent: bool,
    },
}

impl Op {
    pub fn member(&self) -> usize {
        match self {
            Op::Earn { member, .. }
            | Op::Reverse { member, .. }
            | Op::Redeem { member, .. }
            | Op::Cancel { member, .. }
            | Op::UseVoucher { member, .. }
            | Op::Adjust { member, .. }
            | Op::Webhook { member, .. }
            | Op::Action { member, .. } => *member,
        }
    }
}

const CATEGORIES: [Option<&str>; 4] = [None, Some("coffee"), Some("bakery"), Some("books")];

/// Operation number `index` of the run with `seed`, over `members` members (at least 1).
pub fn op_at(seed: u64, index: u64, members: usize) -> Op {
    let mut rng =
        StdRng::seed_from_u64(seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let member = rng.random_range(0..members.max(1));
    let roll = rng.random_range(0..100u32);
    match roll {
        0..=34 => Op::Earn {
            member,
            amount: rng.random_range(300..8000),
            category: CATEGORIES[rng.random_range(0..CATEGORIES.len())],
            send: match rng.random_range(0..10u32) {
                0..=4 => Send::Once,
                5..=6 => Send::Again,
                7..=8 => Send::Concurrent,
                _ => Send::Conflict,
            },
        },
        35..=46 => Op::Reverse {
            member,
            pick: rng.random(),
            partial: if rng.random_bool(0.6) {
                Some(rng.random_range(100..1500))
            } else {
                None
            },
            retry: rng.random_bool(0.4),
        },
        47..=58 => Op::Redeem {
            member,
            scarce: rng.random_bool(0.5),
            retry: rng.random_bool(0.3),
        },
        59..=66 => Op::Cancel {
            member,
            pick: rng.random(),
        },
        67..=76 => Op::UseVoucher {
            member,
            pick: rng.random(),
            tills: rng.random_range(2..=3),
        },
        77..=86 => Op::Adjust {
            member,
            points: if rng.random_bool(0.75) {
                rng.random_range(1..300)
            } else {
                -rng.random_range(1..200)
            },
            retry: rng.random_bool(0.3),
        },
        87..=92 => Op::Webhook {
            member,
            amount: rng.random_range(500..5000),
            redeliver: rng.random_bool(0.5),
            concurrent: rng.random_bool(0.4),
        },
        _ => Op::Action {
            member,
            action: if rng.random_bool(0.5) {
                "review"
            } else {
                "survey"
            },
            number: rng.random_range(0..6),
            concurrent: rng.random_bool(0.3),
        },
    }
}

/// A random seed, for runs that do not give one.
pub fn random_seed() -> u64 {
    rand::rng().random_range(0..1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_the_same_plan() {
        let first: Vec<Op> = (0..500).map(|i| op_at(42, i, 10)).collect();
        let again: Vec<Op> = (0..500).map(|i| op_at(42, i, 10)).collect();
        assert_eq!(first, again);
        let other: Vec<Op> = (0..500).map(|i| op_at(43, i, 10)).collect();
        assert_ne!(first, other);
        // Operation i does not depend on the others: computed alone, it is the same.
        assert_eq!(op_at(42, 317, 10), first[317]);
    }

    #[test]
    fn the_plan_mixes_every_kind_over_every_member() {
        let ops: Vec<Op> = (0..2000).map(|i| op_at(7, i, 10)).collect();
        let kinds = |f: fn(&Op) -> bool| ops.iter().filter(|op| f(op)).count();
        assert!(kinds(|o| matches!(o, Op::Earn { .. })) > 500);
        assert!(
            kinds(|o| matches!(
                o,
                Op::Earn {
                    send: Send::Concurrent,
                    ..
                }
            )) > 50
        );
        assert!(
            kinds(|o| matches!(
                o,
                Op::Reverse {
                    partial: Some(_),
                    ..
                }
            )) > 50
        );
        assert!(kinds(|o| matches!(o, Op::Reverse { partial: None, .. })) > 50);
        assert!(kinds(|o| matches!(o, Op::Redeem { scarce: true, .. })) > 50);
        assert!(kinds(|o| matches!(o, Op::Cancel { .. })) > 50);
        assert!(kinds(|o| matches!(o, Op::UseVoucher { .. })) > 50);
        assert!(kinds(|o| matches!(o, Op::Adjust { .. })) > 50);
        assert!(kinds(|o| matches!(o, Op::Action { .. })) > 50);
        assert!(kinds(|o| matches!(o, Op::Webhook { .. })) > 50);
        for member in 0..10 {
            assert!(ops.iter().any(|op| op.member() == member));
        }
    }
}
