//! Every key of the single table, in one place. `#` separates parts; client-chosen
//! identifiers cannot contain it (API.md's alphabet), so keys never collide.

use crate::domain::purchase::PurchaseRef;

pub const PK: &str = "PK";
pub const SK: &str = "SK";

pub const PROFILE: &str = "PROFILE";
pub const LEDGER_PREFIX: &str = "LEDGER#";
const PURCHASE_PREFIX: &str = "PURCHASE#";
const PARTNER_PURCHASE_PREFIX: &str = "PARTNER-PURCHASE#";
pub const PROGRAM_PK: &str = "PROGRAM";
pub const PROGRAM_SK: &str = "CURRENT";
pub const IDEMPOTENCY_SK: &str = "IDEMPOTENCY";
pub const CATALOGUE_PK: &str = "CATALOGUE";
pub const REWARD_PREFIX: &str = "REWARD#";
pub const REDEMPTION_PREFIX: &str = "REDEMPTION#";
pub const VOUCHER_SK: &str = "VOUCHER";

pub fn member_pk(member: &str) -> String {
    format!("MEMBER#{member}")
}

/// Zero-padded so that the sort key orders entries by sequence number.
pub fn ledger_sk(seq: u64) -> String {
    format!("{LEDGER_PREFIX}{seq:020}")
}

pub fn ledger_seq(sk: &str) -> Option<u64> {
    sk.strip_prefix(LEDGER_PREFIX)?.parse().ok()
}

/// A purchase under its member: a till's by its transaction id, a partner's by partner and
/// transaction id (`#` cannot occur in either, so neither namespace reaches into the other).
pub fn purchase_sk(reference: &PurchaseRef) -> String {
    match reference {
        PurchaseRef::Till(transaction) => format!("{PURCHASE_PREFIX}{transaction}"),
        PurchaseRef::Partner(partner, transaction) => {
            format!("{PARTNER_PURCHASE_PREFIX}{partner}#{transaction}")
        }
    }
}

pub const ACTION_PREFIX: &str = "ACTION#";

/// An action credited to its member, by the backend's `actionId`.
pub fn action_sk(action: &str) -> String {
    format!("{ACTION_PREFIX}{action}")
}

/// The targeted offers: one partition, read whole (at most `MAX_OFFERS`).
pub const OFFERS_PK: &str = "OFFERS";
pub const OFFER_PREFIX: &str = "OFFER#";
pub const BUDGET_SK: &str = "BUDGET";

pub fn offer_sk(offer: &str) -> String {
    format!("{OFFER_PREFIX}{offer}")
}

/// One shard of an offer's budget: a partition of its own, so a busy offer spreads its
/// writes over as many partitions as it has shards.
pub fn budget_pk(offer: &str, shard: u8) -> String {
    format!("{OFFER_PREFIX}{offer}#BUDGET#{shard}")
}

pub fn reward_sk(reward: &str) -> String {
    format!("{REWARD_PREFIX}{reward}")
}

/// Redemption ids are time-ordered, so the sort key lists a member's newest last.
pub fn redemption_sk(redemption: &str) -> String {
    format!("{REDEMPTION_PREFIX}{redemption}")
}

pub fn voucher_pk(code: &str) -> String {
    format!("VOUCHER#{code}")
}

pub fn partner_pk(partner: &str) -> String {
    format!("PARTNER#{partner}")
}

pub const PARTNER_ISSUE_PREFIX: &str = "ISSUED#";

/// Issued-points lines sort by time (RFC 3339 UTC with fixed millisecond precision sorts
/// as text), then by entry id.
pub fn partner_issue_sk(at: time::OffsetDateTime, entry_id: &str) -> String {
    format!("{PARTNER_ISSUE_PREFIX}{}#{entry_id}", sortable_time(at))
}

/// `2026-11-23T12:00:00.000Z`: fixed width, so text order is time order.
pub fn sortable_time(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Members due on one day are spread over this many partitions of the due-date index, so a
/// busy day is not one hot partition. Changing it strands members filed under the old count.
pub const DUE_SHARDS: u32 = 8;
/// The index of the table keyed by due date (see infra/template.yaml).
pub const DUE_INDEX: &str = "GSI1";

/// The due-date index key (GSI1PK) for a member due on `day`.
pub fn due_pk(day: time::Date, member: &str) -> String {
    due_partition(day, shard_of(member))
}

pub fn due_partition(day: time::Date, shard: u32) -> String {
    format!(
        "DUE#{:04}-{:02}-{:02}#{shard}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// A stable shard for a member (FNV-1a; the same in every build and process).
fn shard_of(member: &str) -> u32 {
    fnv1a(member) % DUE_SHARDS
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Every member is also filed in one of these partitions of the members index (keys only), so
/// that an operator's reconciliation walks the members without a Scan. Changing it leaves
/// members filed under the old count until their next write.
pub const MEMBER_SHARDS: u32 = 16;
/// The index of the table keyed by member shard (see infra/template.yaml).
pub const MEMBERS_INDEX: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";

pub fn members_partition(shard: u32) -> String {
    format!("MEMBERS#{shard:02}")
}

/// The members index key (GSI2PK) of a member.
pub fn members_pk(member: &str) -> String {
    members_partition(fnv1a(member) % MEMBER_SHARDS)
}

/// The daily run's checkpoint.
pub const SCHEDULE_PK: &str = "SCHEDULE";
pub const DAILY_SK: &str = "DAILY";

/// `YYYY-MM-DD`, as days are written in keys and items.
pub const DAY_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// The programme's figures are spread over this many partitions, each written by a random
/// share of the transactions, so that no counter item is hot (docs/data-model.md states the
/// limit). A read queries every one. More can be added later; fewer would lose figures.
pub const METRICS_SHARDS: u32 = 64;
pub const METRICS_TOTAL_SK: &str = "TOTAL";
const METRICS_DAY_PREFIX: &str = "DAY#";

pub fn metrics_pk(shard: u32) -> String {
    format!("METRICS#{shard:02}")
}

/// `DAY#2026-12-02`: sorts by day, and before `TOTAL`.
pub fn metrics_day_sk(day: time::Date) -> String {
    format!(
        "{METRICS_DAY_PREFIX}{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

pub fn metrics_day(sk: &str) -> Option<time::Date> {
    time::Date::parse(sk.strip_prefix(METRICS_DAY_PREFIX)?, DAY_FORMAT).ok()
}

/// A referral code, to find the member whose code it is.
pub fn referral_code_pk(code: &str) -> String {
    format!("REFCODE#{code}")
}
pub const REFERRAL_CODE_SK: &str = "REFCODE";
/// Under a referred member: its qualifying purchase, for the referrer's side.
pub const REFERRAL_SK: &str = "REFERRAL";
/// Under a referrer: its figures.
pub const REFERRALS_SK: &str = "REFERRALS";

/// Under a referrer: what it had for one referred member.
pub fn referred_sk(referee: &str) -> String {
    format!("REFERRED#{referee}")
}

pub fn event_sk(event_id: &str) -> String {
    format!("EVENT#{event_id}")
}

pub fn idempotency_pk(scope: &str) -> String {
    format!("IDEMPOTENCY#{scope}")
}

/// The index of idempotency records by the member they were written for (see
/// infra/template.yaml): an erasure finds them there.
pub const PERSON_INDEX: &str = "GSI3";
pub const GSI3PK: &str = "GSI3PK";

pub fn person_pk(member: &str) -> String {
    format!("PERSON#{member}")
}

/// What stays of an erased member: its pseudonym and what the erasure answered.
pub fn erased_pk(pseudonym: &str) -> String {
    format!("ERASED#{pseudonym}")
}
pub const ERASED_SK: &str = "ERASED";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_keys_sort_by_sequence() {
        assert!(ledger_sk(9) < ledger_sk(10));
        assert_eq!(ledger_seq(&ledger_sk(42)), Some(42));
        assert_eq!(ledger_seq("LEDGER#x"), None);
    }

    #[test]
    fn metrics_days_sort_by_day_and_before_the_totals() {
        let day = time::macros::date!(2026 - 12 - 02);
        assert_eq!(metrics_day_sk(day), "DAY#2026-12-02");
        assert_eq!(metrics_day(&metrics_day_sk(day)), Some(day));
        assert!(metrics_day_sk(day) < metrics_day_sk(time::macros::date!(2027 - 01 - 01)));
        assert!(metrics_day_sk(time::macros::date!(9999 - 12 - 31)).as_str() < METRICS_TOTAL_SK);
        assert_eq!(metrics_pk(7), "METRICS#07");
    }
}
