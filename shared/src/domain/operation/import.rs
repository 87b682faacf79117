//! A member brought from another engine: a new member holding the imported points, each lot
//! and each group of pending points explained by an `import` ledger entry, with its tier as
//! imported (reviewed as usual from now on) and its lifetime and qualifying counters seeded.

use time::OffsetDateTime;

use crate::domain::import::{ImportRefusal, MemberImport};
use crate::domain::ledger::{EntryType, LedgerEntry, Posting};
use crate::domain::lots::ExpiryMonth;
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;

/// The member to create and the entries that explain what it holds, oldest first.
#[derive(Debug, Clone)]
pub struct Imported {
    pub member: Member,
    pub entries: Vec<LedgerEntry>,
}

/// Builds the member `record` describes, as of `now`, by `actor` (the operator).
///
/// - A lot joins the member's lot of the month it expires in (lots are kept by month and end
///   with their month): exact for an expiry at the start of a month (UTC midnight), otherwise
///   the points last to the end of that month, never less than the other engine promised.
///   The entry keeps the lot's own `expiresAt`.
/// - Pending points stay pending until their `availableAt` (spendable at once when it has
///   passed), in the lot that points earned then would join; the entry keeps `availableAt`.
/// - The tier is the one imported (or, without one, what the qualifying points reach), since
///   now, with a review date as a tier change sets it; the stream's upgrade and the daily
///   review treat it as any other from then on. `qualifyingPoints` count as earned today.
pub fn import_member(
    record: MemberImport,
    program: &Program,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Imported, ImportRefusal> {
    record.check_times(now)?;
    let window = program.qualifying_window_days();
    let qualifying = record.qualifying_points.value();
    let tier = match &record.tier {
        Some(name) => program
            .tier_named(name.as_str())
            .ok_or_else(|| ImportRefusal::UnknownTier(name.as_str().to_string()))?,
        None => program.tier_for(qualifying),
    };
    let rank = program.tier_rank(tier.name().as_str()).unwrap_or(0);
    let mut member = Member::enrol(
        record.member_id,
        record.display_name,
        None,
        record.enrolled_at,
        program.lowest_tier(),
    );
    member.tier.name = tier.name().as_str().to_string();
    member.tier.since = now;
    member.tier.review_at = (rank > 0).then(|| now + program.tier_policy().review_after());
    member.earned_on = now.date();
    member.partner_points_on = now.date();
    // Its activity elsewhere is unknown: its quiet spell is counted from the import.
    member.activity_seen_since = Some(now);

    let overflow = |_| ImportRefusal::Overflow;
    let mut entries = Vec::with_capacity(record.lots.len() + record.pending.len());
    let mut imported = Points::ZERO;
    for (index, lot) in record.lots.iter().enumerate() {
        let points = lot.points.value();
        // The month whose end is the first at or after the lot's expiry.
        let month =
            ExpiryMonth::for_points_earned(lot.expires_at - time::Duration::nanoseconds(1), 0);
        member.credit_lots(&[(month, points)]).map_err(overflow)?;
        let mut posting = Posting::new(format!("import:lot:{index}"), actor, now);
        posting.expires_at = Some(lot.expires_at);
        entries.push(member.post(EntryType::Import, points, posting, now));
        imported = imported
            .checked_add(points)
            .ok_or(ImportRefusal::Overflow)?;
    }
    let months = program.points_expiry_months();
    for (index, pending) in record.pending.iter().enumerate() {
        let points = pending.points.value();
        let lot = ExpiryMonth::for_points_earned(pending.available_at.max(now), months);
        if pending.available_at > now {
            member
                .held()
                .and_then(|held| held.checked_add(points))
                .ok_or(ImportRefusal::Overflow)?;
            member
                .pending
                .add(pending.available_at, lot, points)
                .ok_or(ImportRefusal::Overflow)?;
        } else {
            member.credit_lots(&[(lot, points)]).map_err(overflow)?;
        }
        let mut posting = Posting::new(format!("import:pending:{index}"), actor, now);
        posting.available_at = Some(pending.available_at);
        entries.push(member.post(EntryType::Import, points, posting, now));
        imported = imported
            .checked_add(points)
            .ok_or(ImportRefusal::Overflow)?;
    }
    member.lifetime_points = record
        .lifetime_points
        .map_or(imported, |count| count.value());
    if qualifying.is_positive() {
        member
            .qualifying
            .add(now.date(), qualifying, window)
            .ok_or(ImportRefusal::Overflow)?;
    }
    member.reschedule(program, now);
    Ok(Imported { member, entries })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::identifier::MemberId;
    use crate::domain::import::{Count, ImportedLot, ImportedPending, PositivePoints};
    use crate::domain::operation::fixtures::{NOW, pending_program, points, program};
    use crate::domain::tier::TierName;

    fn positive(v: i64) -> PositivePoints {
        PositivePoints::try_from(v).unwrap()
    }

    fn record() -> MemberImport {
        MemberImport {
            member_id: MemberId::try_from("imported-1").unwrap(),
            display_name: Some("Ada".into()),
            enrolled_at: datetime!(2023-05-01 9:00 UTC),
            tier: Some(TierName::try_from("Silver".to_string()).unwrap()),
            lots: vec![
                ImportedLot {
                    points: positive(300),
                    expires_at: datetime!(2027-06-01 0:00 UTC),
                },
                ImportedLot {
                    points: positive(200),
                    expires_at: datetime!(2027-01-15 0:00 UTC),
                },
            ],
            pending: vec![ImportedPending {
                points: positive(40),
                available_at: NOW + time::Duration::days(10),
            }],
            lifetime_points: Some(Count::try_from(9_000).unwrap()),
            qualifying_points: Count::try_from(1_200).unwrap(),
        }
    }

    #[test]
    fn lots_pending_points_tier_and_counters_arrive_as_imported() {
        let program = program();
        let Imported { member, entries } =
            import_member(record(), &program, "operator-1", NOW).unwrap();
        assert_eq!(member.balance(), points(500));
        assert_eq!(member.pending().total(), Some(points(40)));
        assert_eq!(member.held(), Some(points(540)));
        assert_eq!(member.lifetime_points(), points(9_000));
        assert_eq!(member.qualifying_points(NOW, 365), points(1_200));
        assert_eq!(member.enrolled_at(), datetime!(2023-05-01 9:00 UTC));
        assert_eq!(member.display_name(), Some("Ada"));
        assert!(member.referral_code().is_some());
        // A lot expiring at the start of a month is exact; one mid-month lasts to its end.
        assert_eq!(
            member.expiring_points(),
            vec![
                (points(200), datetime!(2027-02-01 0:00 UTC)),
                (points(300), datetime!(2027-06-01 0:00 UTC)),
            ]
        );
        assert_eq!(member.tier().name, "Silver");
        assert_eq!(member.tier().since, NOW);
        assert_eq!(
            member.tier().review_at,
            Some(NOW + program.tier_policy().review_after())
        );
        // One entry per lot and per pending group, numbered, with their times kept.
        let summary: Vec<_> = entries
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.points.value(),
                    e.balance_after.value(),
                    e.seq,
                    e.expires_at,
                    e.available_at,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    EntryType::Import,
                    300,
                    300,
                    1,
                    Some(datetime!(2027-06-01 0:00 UTC)),
                    None
                ),
                (
                    EntryType::Import,
                    200,
                    500,
                    2,
                    Some(datetime!(2027-01-15 0:00 UTC)),
                    None
                ),
                (
                    EntryType::Import,
                    40,
                    540,
                    3,
                    None,
                    Some(NOW + time::Duration::days(10))
                ),
            ]
        );
        assert_eq!(member.version(), 3);
        assert_eq!(entries[0].actor, "operator-1");
        assert_eq!(entries[2].reference, "import:pending:0");
        // Due at the soonest of the first lot's warning, the pending points' and the review.
        assert!(member.due_at().is_some_and(|due| due >= NOW));
    }

    #[test]
    fn pending_points_become_spendable_at_their_time() {
        let program = pending_program(14);
        let Imported { member, .. } = import_member(record(), &program, "op", NOW).unwrap();
        let at = NOW + time::Duration::days(10);
        assert_eq!(
            member
                .as_of(&program, at - time::Duration::milliseconds(1))
                .balance(),
            points(500)
        );
        assert_eq!(member.as_of(&program, at).balance(), points(540));
    }

    #[test]
    fn pending_points_already_available_are_spendable_at_once() {
        let mut past = record();
        past.pending[0].available_at = NOW - time::Duration::days(1);
        let Imported { member, entries } = import_member(past, &program(), "op", NOW).unwrap();
        assert_eq!(member.balance(), points(540));
        assert!(member.pending().is_empty());
        assert_eq!(entries[2].available_at, Some(NOW - time::Duration::days(1)));
    }

    #[test]
    fn without_a_tier_the_qualifying_points_decide_and_lifetime_defaults_to_the_points() {
        let mut bare = record();
        bare.tier = None;
        bare.lifetime_points = None;
        let Imported { member, .. } = import_member(bare, &program(), "op", NOW).unwrap();
        assert_eq!(member.tier().name, "Silver");
        assert_eq!(member.lifetime_points(), points(540));
        let mut none = record();
        none.tier = None;
        none.qualifying_points = Count::default();
        let Imported { member, .. } = import_member(none, &program(), "op", NOW).unwrap();
        assert_eq!(member.tier().name, "Member");
        assert_eq!(member.tier().review_at, None);
    }

    #[test]
    fn an_unknown_tier_or_an_expired_lot_is_refused() {
        let mut unknown = record();
        unknown.tier = Some(TierName::try_from("Platinum".to_string()).unwrap());
        assert_eq!(
            import_member(unknown, &program(), "op", NOW).unwrap_err(),
            ImportRefusal::UnknownTier("Platinum".into())
        );
        let mut expired = record();
        expired.lots[1].expires_at = NOW - time::Duration::days(1);
        assert_eq!(
            import_member(expired, &program(), "op", NOW).unwrap_err(),
            ImportRefusal::Expired(1)
        );
    }
}
