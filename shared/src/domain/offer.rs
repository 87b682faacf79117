//! Partner-funded offers: bonus points a partner pays for when its customers, who are
//! our members, buy from it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::identifier::OfferId;
use super::money::Money;
use super::multiplier::Multiplier;
use super::points::Points;
use super::program::Program;
use super::tier::is_display_text;

const MAX_TITLE_CHARS: usize = 128;

/// `offer.upserted`'s `data`, as the partner sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferDocument {
    pub offer_id: OfferId,
    pub title: String,
    pub bonus: BonusDocument,
    pub min_spend: Option<Money>,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    pub per_member_cap: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BonusDocument {
    pub multiplier: Option<Multiplier>,
    pub fixed_points: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOffer {
    #[error(
        "title must be 1 to {MAX_TITLE_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Title,
    #[error("bonus needs a multiplier, fixedPoints, or both")]
    NoBonus,
    #[error("bonus.fixedPoints must be a whole number from 1 to 10^12")]
    FixedPoints,
    #[error("perMemberCap must be a whole number from 1 to 10^12")]
    Cap,
    #[error("validFrom must be before validTo")]
    Window,
}

/// An offer as the partner's record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub offer_id: OfferId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<Multiplier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_points: Option<Points>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<Money>,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_member_cap: Option<Points>,
}

impl TryFrom<OfferDocument> for Offer {
    type Error = InvalidOffer;

    fn try_from(doc: OfferDocument) -> Result<Self, Self::Error> {
        if !is_display_text(&doc.title, MAX_TITLE_CHARS) {
            return Err(InvalidOffer::Title);
        }
        let positive = |value: i64| Points::new(value).filter(|p| p.is_positive());
        let fixed_points = doc
            .bonus
            .fixed_points
            .map(|p| positive(p).ok_or(InvalidOffer::FixedPoints))
            .transpose()?;
        if doc.bonus.multiplier.is_none() && fixed_points.is_none() {
            return Err(InvalidOffer::NoBonus);
        }
        let per_member_cap = doc
            .per_member_cap
            .map(|c| positive(c).ok_or(InvalidOffer::Cap))
            .transpose()?;
        if doc.valid_from >= doc.valid_to {
            return Err(InvalidOffer::Window);
        }
        Ok(Self {
            offer_id: doc.offer_id,
            title: doc.title,
            multiplier: doc.bonus.multiplier,
            fixed_points,
            min_spend: doc.min_spend,
            valid_from: doc.valid_from,
            valid_to: doc.valid_to,
            per_member_cap,
        })
    }
}

impl Offer {
    /// Whether a purchase of `amount` made at `at` qualifies: inside the window (start
    /// inclusive, end exclusive) and, with a minimum spend, at least that much in its currency.
    pub fn applies(&self, amount: &Money, at: OffsetDateTime) -> bool {
        let in_window = self.valid_from <= at && at < self.valid_to;
        let spends_enough = self
            .min_spend
            .as_ref()
            .is_none_or(|min| amount.reaches(min));
        in_window && spends_enough
    }

    /// The bonus for a purchase whose programme base is `base`: `multiplier` times the base
    /// (rounded down) plus the fixed points. `None` on overflow.
    pub fn bonus_for(&self, base: Points) -> Option<Points> {
        let multiplied = match self.multiplier {
            Some(m) => i128::from(base.value()) * i128::from(m.thousandths()) / 1000,
            None => 0,
        };
        let fixed = self
            .fixed_points
            .map(|p| i128::from(p.value()))
            .unwrap_or(0);
        Points::new(i64::try_from(multiplied + fixed).ok()?)
    }
}

/// The programme's base points for `amount` (what the member's own earn would start
/// from); zero in a currency the programme does not take.
pub fn programme_base(program: &Program, amount: &Money) -> Option<Points> {
    let Some(rate) = program.base_rate(amount.currency()) else {
        return Some(Points::ZERO);
    };
    let base = i128::from(amount.amount_minor()) * i128::from(rate.points().value())
        / i128::from(rate.per_minor_units().max(1));
    Points::new(i64::try_from(base).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn offer(json: serde_json::Value) -> Result<Offer, InvalidOffer> {
        Offer::try_from(serde_json::from_value::<OfferDocument>(json).unwrap())
    }

    fn eur(minor: i64) -> Money {
        serde_json::from_value(serde_json::json!({"amount": minor, "currency": "EUR"})).unwrap()
    }

    fn base() -> serde_json::Value {
        serde_json::json!({"offerId": "o-1", "title": "Double", "bonus": {"multiplier": 1.5, "fixedPoints": 10},
            "minSpend": {"amount": 2000, "currency": "EUR"},
            "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z"})
    }

    #[test]
    fn bonus_is_multiplier_times_base_plus_fixed() {
        let o = offer(base()).unwrap();
        assert_eq!(o.bonus_for(Points::new(25).unwrap()), Points::new(37 + 10));
    }

    #[test]
    fn applies_inside_the_window_above_the_minimum_spend_in_its_currency() {
        let o = offer(base()).unwrap();
        let at = datetime!(2026-11-15 12:00 UTC);
        assert!(o.applies(&eur(2000), at));
        assert!(!o.applies(&eur(1999), at));
        assert!(!o.applies(&eur(5000), datetime!(2026-12-01 0:00 UTC)));
        assert!(o.applies(&eur(5000), datetime!(2026-11-01 0:00 UTC)));
        let usd: Money =
            serde_json::from_value(serde_json::json!({"amount": 9999, "currency": "USD"})).unwrap();
        assert!(!o.applies(&usd, at));
    }

    #[test]
    fn documents_are_validated() {
        let mut no_bonus = base();
        no_bonus["bonus"] = serde_json::json!({});
        assert_eq!(offer(no_bonus), Err(InvalidOffer::NoBonus));
        let mut backwards = base();
        backwards["validTo"] = serde_json::json!("2026-10-01T00:00:00Z");
        assert_eq!(offer(backwards), Err(InvalidOffer::Window));
        let mut cap = base();
        cap["perMemberCap"] = serde_json::json!(0);
        assert_eq!(offer(cap), Err(InvalidOffer::Cap));
        let mut title = base();
        title["title"] = serde_json::json!(" padded ");
        assert_eq!(offer(title), Err(InvalidOffer::Title));
    }
}
