//! Referrals: a member enrols with another member's code, and its first purchase of at least
//! `minSpend` within `withinDays` of enrolment earns both of them a `referral_bonus`.
//!
//! The referred member's side is decided in the purchase's own transaction: its member record
//! says whether a bonus was had, so concurrent first purchases pay one (the member's revision
//! guards it). The referrer's side follows from the stream: the purchase writes a
//! [`ReferralLink`] under the referred member, and the referrer's [`ReferralAward`] (one item
//! per referred member, created once) makes a redelivered record change nothing.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::currency::Currency;
use super::identifier::{MemberId, TransactionId};
use super::lots::ExpiryMonth;
use super::money::Money;
use super::points::{MAX_POINTS, Points};

pub const MAX_WITHIN_DAYS: u16 = 3650;
pub const MAX_PER_REFERRER: u32 = 1_000_000;

/// `referral` in the programme document, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferralDocument {
    /// Numbers as written, so that 1.5 or -1 is refused with the field's own message.
    pub referrer_points: serde_json::Number,
    pub referee_points: serde_json::Number,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<Money>,
    pub within_days: serde_json::Number,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_referrer: Option<serde_json::Number>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReferral {
    #[error("referral.{0} must be a whole number of points from 0 to {MAX_POINTS}, got {1}")]
    Points(&'static str, serde_json::Number),
    #[error("referral: referrerPoints and refereePoints are both 0, so nobody would earn anything")]
    NoPoints,
    #[error(
        "referral.withinDays must be a whole number of days from 1 to {MAX_WITHIN_DAYS}, got {0}"
    )]
    WithinDays(serde_json::Number),
    #[error("referral.maxPerReferrer must be a whole number from 1 to {MAX_PER_REFERRER}, got {0}")]
    MaxPerReferrer(serde_json::Number),
    #[error("referral.minSpend must be more than 0 in a currency of earnRules.baseRates, got {0}")]
    MinSpend(Money),
}

/// The programme's referral terms, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralTerms {
    referrer_points: Points,
    referee_points: Points,
    min_spend: Option<Money>,
    within_days: u16,
    max_per_referrer: Option<u32>,
}

impl ReferralTerms {
    /// Checks `referral`; `currencies` are those the programme earns in.
    pub fn parse(
        document: ReferralDocument,
        currencies: &[Currency],
    ) -> Result<Self, InvalidReferral> {
        let points = |name, raw: serde_json::Number| {
            raw.as_i64()
                .and_then(Points::new)
                .filter(|points| !points.is_negative())
                .ok_or(InvalidReferral::Points(name, raw))
        };
        let referrer_points = points("referrerPoints", document.referrer_points)?;
        let referee_points = points("refereePoints", document.referee_points)?;
        if referrer_points == Points::ZERO && referee_points == Points::ZERO {
            return Err(InvalidReferral::NoPoints);
        }
        let within_days = document
            .within_days
            .as_u64()
            .and_then(|days| u16::try_from(days).ok())
            .filter(|days| (1..=MAX_WITHIN_DAYS).contains(days))
            .ok_or(InvalidReferral::WithinDays(document.within_days))?;
        let max_per_referrer = document
            .max_per_referrer
            .map(|raw| {
                raw.as_u64()
                    .and_then(|max| u32::try_from(max).ok())
                    .filter(|max| (1..=MAX_PER_REFERRER).contains(max))
                    .ok_or(InvalidReferral::MaxPerReferrer(raw))
            })
            .transpose()?;
        if let Some(min) = &document.min_spend
            && (min.amount_minor() <= 0 || !currencies.contains(&min.currency()))
        {
            return Err(InvalidReferral::MinSpend(min.clone()));
        }
        Ok(Self {
            referrer_points,
            referee_points,
            min_spend: document.min_spend,
            within_days,
            max_per_referrer,
        })
    }

    pub fn referrer_points(&self) -> Points {
        self.referrer_points
    }

    pub fn referee_points(&self) -> Points {
        self.referee_points
    }

    /// Whether a purchase of `amount` at `occurred_at` by a member enrolled at `enrolled_at`
    /// qualifies: made after enrolment and within `withinDays` of it, and at least `minSpend`.
    pub fn qualifies(
        &self,
        enrolled_at: OffsetDateTime,
        amount: &Money,
        occurred_at: OffsetDateTime,
    ) -> bool {
        let within = occurred_at >= enrolled_at
            && occurred_at <= enrolled_at + Duration::days(i64::from(self.within_days));
        let enough = self
            .min_spend
            .as_ref()
            .is_none_or(|min| amount.reaches(min));
        within && enough
    }

    /// Whether a referrer who has had `rewarded` bonuses may have another.
    pub fn referrer_may_have_another(&self, rewarded: u64) -> bool {
        self.max_per_referrer
            .is_none_or(|max| rewarded < u64::from(max))
    }
}

impl From<ReferralTerms> for ReferralDocument {
    fn from(terms: ReferralTerms) -> Self {
        Self {
            referrer_points: terms.referrer_points.value().into(),
            referee_points: terms.referee_points.value().into(),
            min_spend: terms.min_spend,
            within_days: terms.within_days.into(),
            max_per_referrer: terms.max_per_referrer.map(Into::into),
        }
    }
}

/// On the referred member: who referred it, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Referral {
    pub referrer: MemberId,
    /// The purchase that qualified, once one has: never a second one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualified: Option<Qualified>,
}

/// What a qualifying purchase earned the referred member, kept to withdraw it on a reversal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Qualified {
    pub transaction_id: TransactionId,
    /// The referred member's own bonus (0 when the programme gives it none).
    pub points: Points,
    pub lot: ExpiryMonth,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub available_at: Option<OffsetDateTime>,
    /// Set when the purchase was reversed in full while the bonuses were pending.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// What the referrer's side needs to know, written under the referred member in the same
/// transaction as the qualifying purchase (and again when it is withdrawn); the stream hands
/// it to the referrer's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralLink {
    pub referee: MemberId,
    pub referrer: MemberId,
    pub transaction_id: TransactionId,
    /// The referrer's bonus as the programme had it when the purchase qualified (0 on a
    /// withdrawn link: the referrer's award says what to take back).
    pub referrer_points: Points,
    pub lot: ExpiryMonth,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub available_at: Option<OffsetDateTime>,
    /// When the purchase qualified or, on a withdrawn link, when it was reversed.
    #[serde(with = "crate::domain::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// Under the referrer, one per referred member that qualified: what the referrer had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralAward {
    pub referrer: MemberId,
    pub referee: MemberId,
    /// The bonus credited; zero when the referrer had reached `maxPerReferrer`, or the
    /// purchase was reversed before the bonus was paid.
    pub points: Points,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// A referrer's figures for `GET /v1/members/me/referrals`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralStats {
    /// Members who enrolled with the code.
    #[serde(default)]
    pub referred: u64,
    /// Bonuses the referrer holds (withdrawn ones no longer count).
    #[serde(default)]
    pub rewarded: u64,
    #[serde(default)]
    pub points_earned: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap()
    }

    fn parse(document: serde_json::Value) -> Result<ReferralTerms, InvalidReferral> {
        let document: ReferralDocument = serde_json::from_value(document).unwrap();
        ReferralTerms::parse(document, &[Currency::try_from("EUR").unwrap()])
    }

    fn terms() -> ReferralTerms {
        parse(json!({"referrerPoints": 500, "refereePoints": 250,
            "minSpend": {"amount": 2000, "currency": "EUR"}, "withinDays": 30, "maxPerReferrer": 2}))
        .unwrap()
    }

    #[test]
    fn refuses_bad_terms_with_a_reason() {
        let base = json!({"referrerPoints": 500, "refereePoints": 250, "withinDays": 30});
        let with = |field: &str, value: serde_json::Value| {
            let mut document = base.clone();
            document[field] = value;
            parse(document).unwrap_err().to_string()
        };
        assert!(with("referrerPoints", json!(-1)).contains("referral.referrerPoints"));
        assert!(with("refereePoints", json!(1.5)).contains("referral.refereePoints"));
        assert!(with("withinDays", json!(0)).contains("referral.withinDays"));
        assert!(with("withinDays", json!(3651)).contains("referral.withinDays"));
        assert!(with("maxPerReferrer", json!(0)).contains("referral.maxPerReferrer"));
        assert!(
            with("minSpend", json!({"amount": 100, "currency": "USD"}))
                .contains("referral.minSpend")
        );
        assert!(with("minSpend", json!({"amount": 0, "currency": "EUR"})).contains("minSpend"));
        let mut nothing = base.clone();
        nothing["referrerPoints"] = json!(0);
        nothing["refereePoints"] = json!(0);
        assert_eq!(parse(nothing), Err(InvalidReferral::NoPoints));
        assert!(parse(base).is_ok());
    }

    #[test]
    fn a_purchase_qualifies_within_the_window_from_the_minimum_spend() {
        let terms = terms();
        let enrolled = datetime!(2026-12-01 10:00 UTC);
        assert!(terms.qualifies(enrolled, &eur(2000), enrolled));
        assert!(terms.qualifies(enrolled, &eur(5000), enrolled + Duration::days(30)));
        assert!(!terms.qualifies(enrolled, &eur(1999), enrolled));
        assert!(!terms.qualifies(
            enrolled,
            &eur(5000),
            enrolled + Duration::days(30) + Duration::seconds(1)
        ));
        assert!(!terms.qualifies(enrolled, &eur(5000), enrolled - Duration::minutes(1)));
        let usd = Money::new(5000, Currency::try_from("USD").unwrap()).unwrap();
        assert!(!terms.qualifies(enrolled, &usd, enrolled));
    }

    #[test]
    fn the_referrers_part_stops_at_the_maximum() {
        let terms = terms();
        assert!(terms.referrer_may_have_another(1));
        assert!(!terms.referrer_may_have_another(2));
        let unlimited = parse(json!({"referrerPoints": 1, "refereePoints": 1, "withinDays": 1}));
        assert!(unlimited.unwrap().referrer_may_have_another(u64::MAX - 1));
    }

    #[test]
    fn terms_read_back_as_written() {
        let document = ReferralDocument::from(terms());
        assert_eq!(
            serde_json::to_value(document).unwrap(),
            json!({"referrerPoints": 500, "refereePoints": 250,
                "minSpend": {"amount": 2000, "currency": "EUR"}, "withinDays": 30, "maxPerReferrer": 2})
        );
    }
}
