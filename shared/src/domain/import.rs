//! A member brought from another engine (`POST /v1/imports/members`): what one record of an
//! import says, parsed at the edge into these types, and why the domain refuses one. The
//! operation that turns a record into a new member and its `import` ledger entries is
//! [`crate::domain::operation::import_member`]; the store writes the two in one transaction.

use time::OffsetDateTime;

use super::identifier::MemberId;
use super::points::Points;
use super::tier::TierName;

/// The most lots and pending groups one imported member may bring: each is a ledger entry,
/// and a member is imported in one TransactWriteItems of at most 100 items (the member, its
/// referral code, the figures' day and totals, and these entries), with room to spare.
pub const MAX_IMPORT_ENTRIES: usize = 90;

/// How far ahead an imported time may lie: beyond it, a date is a mistake (or "never").
const FURTHEST_YEARS: i64 = 100;

/// Points that are more than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositivePoints(Points);

impl PositivePoints {
    pub fn value(self) -> Points {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("points must be whole numbers from 1 to 10^12")]
pub struct NotPositive;

impl TryFrom<i64> for PositivePoints {
    type Error = NotPositive;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Points::new(value)
            .filter(|p| p.is_positive())
            .map(Self)
            .ok_or(NotPositive)
    }
}

/// Points that are zero or more (a counter's seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count(Points);

impl Count {
    pub fn value(self) -> Points {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number from 0 to 10^12")]
pub struct Negative;

impl TryFrom<i64> for Count {
    type Error = Negative;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Points::new(value)
            .filter(|p| !p.is_negative())
            .map(Self)
            .ok_or(Negative)
    }
}

/// Spendable points and when the other engine said they expire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLot {
    pub points: PositivePoints,
    pub expires_at: OffsetDateTime,
}

/// Points earned but not spendable before `available_at` (a return window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPending {
    pub points: PositivePoints,
    pub available_at: OffsetDateTime,
}

/// One member of an import, well formed; what depends on the programme and the clock (the
/// tier, times in the past) is the operation's to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberImport {
    pub member_id: MemberId,
    pub display_name: Option<String>,
    pub enrolled_at: OffsetDateTime,
    pub tier: Option<TierName>,
    pub lots: Vec<ImportedLot>,
    pub pending: Vec<ImportedPending>,
    /// `None`: the points imported (lots and pending).
    pub lifetime_points: Option<Count>,
    pub qualifying_points: Count,
}

/// Why one member of an import is refused (the others go on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefusal {
    #[error("{0}")]
    Invalid(String),
    #[error("a member may bring at most {MAX_IMPORT_ENTRIES} lots and pending groups, not {0}")]
    TooManyEntries(usize),
    #[error("lots[{0}].expiresAt is not in the future")]
    Expired(usize),
    #[error("{field} is more than {FURTHEST_YEARS} years ahead")]
    TooFarAhead { field: String },
    #[error("enrolledAt is in the future")]
    EnrolledInFuture,
    #[error("pendingPoints[{0}].availableAt is before enrolledAt")]
    AvailableBeforeEnrolment(usize),
    #[error("tier {0:?} is not a tier of the programme")]
    UnknownTier(String),
    #[error("the member would hold more points than an account may")]
    Overflow,
}

impl MemberImport {
    /// The checks that need only the clock: nothing expired, nothing absurdly far ahead,
    /// not enrolled in the future, within the bound of one transaction.
    pub fn check_times(&self, now: OffsetDateTime) -> Result<(), ImportRefusal> {
        let entries = self.lots.len() + self.pending.len();
        if entries > MAX_IMPORT_ENTRIES {
            return Err(ImportRefusal::TooManyEntries(entries));
        }
        if self.enrolled_at > now {
            return Err(ImportRefusal::EnrolledInFuture);
        }
        let furthest = now + time::Duration::days(FURTHEST_YEARS * 366);
        for (index, lot) in self.lots.iter().enumerate() {
            if lot.expires_at <= now {
                return Err(ImportRefusal::Expired(index));
            }
            if lot.expires_at > furthest {
                return Err(ImportRefusal::TooFarAhead {
                    field: format!("lots[{index}].expiresAt"),
                });
            }
        }
        for (index, pending) in self.pending.iter().enumerate() {
            if pending.available_at < self.enrolled_at {
                return Err(ImportRefusal::AvailableBeforeEnrolment(index));
            }
            if pending.available_at > furthest {
                return Err(ImportRefusal::TooFarAhead {
                    field: format!("pendingPoints[{index}].availableAt"),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn positive(v: i64) -> PositivePoints {
        PositivePoints::try_from(v).unwrap()
    }

    fn record() -> MemberImport {
        MemberImport {
            member_id: MemberId::try_from("m-1").unwrap(),
            display_name: None,
            enrolled_at: datetime!(2024-01-01 0:00 UTC),
            tier: None,
            lots: vec![ImportedLot {
                points: positive(10),
                expires_at: datetime!(2027-03-15 0:00 UTC),
            }],
            pending: vec![],
            lifetime_points: None,
            qualifying_points: Count::default(),
        }
    }

    #[test]
    fn points_must_be_positive_and_counters_not_negative() {
        assert_eq!(PositivePoints::try_from(0), Err(NotPositive));
        assert_eq!(PositivePoints::try_from(-5), Err(NotPositive));
        assert_eq!(
            PositivePoints::try_from(1_000_000_000_001),
            Err(NotPositive)
        );
        assert_eq!(positive(7).value().value(), 7);
        assert_eq!(Count::try_from(-1), Err(Negative));
        assert_eq!(Count::try_from(0).unwrap().value(), Points::ZERO);
    }

    #[test]
    fn times_are_checked_against_the_clock() {
        assert_eq!(record().check_times(NOW), Ok(()));
        let mut expired = record();
        expired.lots[0].expires_at = NOW;
        assert_eq!(expired.check_times(NOW), Err(ImportRefusal::Expired(0)));
        let mut early = record();
        early.enrolled_at = NOW + time::Duration::seconds(1);
        assert_eq!(early.check_times(NOW), Err(ImportRefusal::EnrolledInFuture));
        let mut far = record();
        far.lots[0].expires_at = datetime!(2200-01-01 0:00 UTC);
        assert!(matches!(
            far.check_times(NOW),
            Err(ImportRefusal::TooFarAhead { .. })
        ));
        let mut before = record();
        before.pending.push(ImportedPending {
            points: positive(3),
            available_at: datetime!(2023-12-31 0:00 UTC),
        });
        assert_eq!(
            before.check_times(NOW),
            Err(ImportRefusal::AvailableBeforeEnrolment(0))
        );
    }

    #[test]
    fn a_member_must_fit_in_one_transaction() {
        let mut big = record();
        big.lots = vec![big.lots[0].clone(); MAX_IMPORT_ENTRIES];
        assert_eq!(big.check_times(NOW), Ok(()));
        big.pending.push(ImportedPending {
            points: positive(1),
            available_at: NOW,
        });
        assert_eq!(
            big.check_times(NOW),
            Err(ImportRefusal::TooManyEntries(MAX_IMPORT_ENTRIES + 1))
        );
    }
}
