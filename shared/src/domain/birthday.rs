//! A member's birthday: month and day, no year (the least data that serves), and the days
//! it falls on. In a year without 29 February, a 02-29 birthday falls on 02-28.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("birthday must be a date as MM-DD, such as 02-29 or 12-31")]
pub struct InvalidBirthday;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Birthday {
    month: Month,
    day: u8,
}

impl Birthday {
    pub fn month(self) -> Month {
        self.month
    }

    /// The day it falls on in `year`.
    pub fn in_year(self, year: i32) -> Option<Date> {
        let last = self.month.length(year);
        Date::from_calendar_date(year, self.month, self.day.min(last)).ok()
    }

    /// The first day it falls on strictly after `day`.
    pub fn next_after(self, day: Date) -> Option<Date> {
        self.in_year(day.year())
            .filter(|this_year| *this_year > day)
            .or_else(|| self.in_year(day.year() + 1))
    }
}

impl TryFrom<&str> for Birthday {
    type Error = InvalidBirthday;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let digits = |s: &str| {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u8>().ok())
                .flatten()
        };
        let (month, day) = raw.split_once('-').ok_or(InvalidBirthday)?;
        let (month, day) = digits(month).zip(digits(day)).ok_or(InvalidBirthday)?;
        let month = Month::try_from(month).map_err(|_| InvalidBirthday)?;
        // 2024 is a leap year: every day that exists in some year exists in it.
        Date::from_calendar_date(2024, month, day).map_err(|_| InvalidBirthday)?;
        Ok(Self { month, day })
    }
}

impl TryFrom<String> for Birthday {
    type Error = InvalidBirthday;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::try_from(raw.as_str())
    }
}

impl From<Birthday> for String {
    fn from(birthday: Birthday) -> Self {
        birthday.to_string()
    }
}

impl fmt::Display for Birthday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", u8::from(self.month), self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn birthday(raw: &str) -> Birthday {
        Birthday::try_from(raw).unwrap()
    }

    #[test]
    fn parses_month_and_day_and_shows_them_back() {
        for raw in ["01-01", "02-29", "12-31", "07-04"] {
            assert_eq!(birthday(raw).to_string(), raw);
        }
        let json: Birthday = serde_json::from_str("\"02-29\"").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"02-29\"");
    }

    #[test]
    fn refuses_days_that_do_not_exist_and_other_shapes() {
        for raw in [
            "02-30",
            "04-31",
            "13-01",
            "00-10",
            "01-00",
            "1-01",
            "01-1",
            "0101",
            "01/01",
            "2026-01-01",
            "+1-01",
            "01-+1",
            "",
            "aa-bb",
            "01-01 ",
        ] {
            assert_eq!(Birthday::try_from(raw), Err(InvalidBirthday), "{raw:?}");
        }
        assert!(serde_json::from_str::<Birthday>("\"02-30\"").is_err());
    }

    #[test]
    fn the_next_birthday_is_strictly_after_the_day_and_29_february_falls_on_the_28th() {
        let b = birthday("03-15");
        assert_eq!(
            b.next_after(date!(2026 - 03 - 14)),
            Some(date!(2026 - 03 - 15))
        );
        assert_eq!(
            b.next_after(date!(2026 - 03 - 15)),
            Some(date!(2027 - 03 - 15))
        );
        assert_eq!(
            b.next_after(date!(2026 - 12 - 31)),
            Some(date!(2027 - 03 - 15))
        );
        let leap = birthday("02-29");
        assert_eq!(leap.in_year(2027), Some(date!(2027 - 02 - 28)));
        assert_eq!(leap.in_year(2028), Some(date!(2028 - 02 - 29)));
        assert_eq!(
            leap.next_after(date!(2026 - 03 - 01)),
            Some(date!(2027 - 02 - 28))
        );
        assert_eq!(
            leap.next_after(date!(2027 - 02 - 28)),
            Some(date!(2028 - 02 - 29))
        );
        assert_eq!(
            leap.next_after(date!(2028 - 02 - 28)),
            Some(date!(2028 - 02 - 29))
        );
    }
}
