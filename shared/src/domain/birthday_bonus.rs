//! The birthday bonus: the next birthday still to pay is kept on the member and is part of
//! its due date, so the daily run finds it through the due-date index. It is paid at most
//! once per calendar year, by the first run on or after the day (a late run pays the missed
//! year once), and setting or changing the birthday never pays at once or twice in a year.

use time::OffsetDateTime;

use super::birthday::Birthday;
use super::ledger::{EntryType, LedgerEntry, Posting};
use super::member::{BalanceError, Member};
use super::program::Program;

/// Who the ledger names as the cause of a `birthday_bonus` entry.
const BIRTHDAY_ACTOR: &str = "system:birthday";

impl Member {
    /// Sets the birthday. The next one to pay is the first strictly after today (setting it
    /// to today pays nothing today), and never in a year already paid. The same birthday
    /// again changes nothing, so it cannot push back one that is due.
    pub fn set_birthday(&mut self, birthday: Birthday, program: &Program, now: OffsetDateTime) {
        if self.birthday == Some(birthday) {
            return;
        }
        let next = birthday.next_after(now.date());
        self.birthday_due = match (next, self.birthday_paid_year) {
            (Some(next), Some(paid)) if next.year() <= paid => birthday.in_year(paid + 1),
            (next, _) => next,
        };
        self.birthday = Some(birthday);
        self.reschedule(program, now);
    }

    /// On or after the birthday due: the bonus (when the programme has one and the year is
    /// not paid yet), and the date moves on to the next year's birthday either way.
    pub(crate) fn pay_birthday(
        &mut self,
        program: &Program,
        now: OffsetDateTime,
    ) -> Result<Option<LedgerEntry>, BalanceError> {
        let (Some(birthday), Some(due)) = (self.birthday, self.birthday_due) else {
            return Ok(None);
        };
        if due > now.date() {
            return Ok(None);
        }
        let year = due.year();
        let unpaid = self.birthday_paid_year.is_none_or(|paid| paid < year);
        let entry = match program.birthday_bonus() {
            Some(points) if unpaid => {
                let posting = Posting::new(format!("birthday:{year}"), BIRTHDAY_ACTOR, now)
                    .occurred_at(due.midnight().assume_utc())
                    .reason("birthday bonus");
                let entry =
                    self.credit_bonus(EntryType::BirthdayBonus, points, posting, now, program)?;
                self.birthday_paid_year = Some(year);
                Some(entry)
            }
            _ => None,
        };
        self.birthday_due = birthday.in_year(year + 1);
        self.reschedule(program, now);
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::operation::fixtures::{member, patient_program, program};
    use time::macros::{date, datetime};

    fn birthday(raw: &str) -> Birthday {
        Birthday::try_from(raw).unwrap()
    }

    #[test]
    fn the_next_birthday_is_after_the_day_it_was_set_and_is_the_members_due_date() {
        let program = patient_program();
        let mut m = member(&program);
        m.set_birthday(birthday("11-23"), &program, datetime!(2026-11-23 12:00 UTC));
        assert_eq!(m.birthday_due(), Some(date!(2027 - 11 - 23)));
        m.set_birthday(birthday("02-29"), &program, datetime!(2026-11-23 12:00 UTC));
        assert_eq!(m.birthday_due(), Some(date!(2027 - 02 - 28)));
        assert_eq!(m.due_at(), Some(datetime!(2027-02-28 0:00 UTC)));
    }

    #[test]
    fn changing_the_birthday_after_a_paid_one_waits_for_the_next_year() {
        let program = program();
        let mut m = member(&program);
        m.birthday = Some(birthday("03-01"));
        m.birthday_paid_year = Some(2026);
        m.set_birthday(birthday("12-25"), &program, datetime!(2026-06-01 10:00 UTC));
        assert_eq!(m.birthday_due(), Some(date!(2027 - 12 - 25)));
        // The same birthday again keeps the date due.
        let before = m.clone();
        m.set_birthday(birthday("12-25"), &program, datetime!(2027-12-25 0:05 UTC));
        assert_eq!(m, before);
    }
}
