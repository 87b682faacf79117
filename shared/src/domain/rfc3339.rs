//! Times as the API and the table write them: RFC 3339 in UTC with exactly three fractional
//! digits (`2026-12-01T08:18:25.940Z`), so they sort as text. Any RFC 3339 time is read.
//! Use as `#[serde(with = "rfc3339")]`, or `rfc3339::option` for an optional time.

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The text of a time, millisecond precision, in UTC.
pub fn format(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*at))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
}

pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(
        at: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] OffsetDateTime);
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(at)| at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn always_three_fractional_digits_in_utc_and_any_rfc_3339_read() {
        assert_eq!(
            format(datetime!(2026-12-01 08:21:55.84 UTC)),
            "2026-12-01T08:21:55.840Z"
        );
        assert_eq!(
            format(datetime!(2026-12-01 08:21:55 UTC)),
            "2026-12-01T08:21:55.000Z"
        );
        assert_eq!(
            format(datetime!(2026-12-01 09:21:55.1234 +01:00)),
            "2026-12-01T08:21:55.123Z"
        );
        #[derive(serde::Deserialize)]
        struct T(#[serde(with = "super")] OffsetDateTime);
        let read: T = serde_json::from_str("\"2026-12-01T09:21:55+01:00\"").unwrap();
        assert_eq!(read.0, datetime!(2026-12-01 08:21:55 UTC));
    }
}
