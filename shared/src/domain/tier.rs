//! A rung of the tier ladder: its name, the qualifying points that reach it, the earn
//! multiplier it grants and the perks shown to members.

use serde::{Deserialize, Serialize};

use super::multiplier::Multiplier;
use super::points::{MAX_POINTS, Points};

const MAX_NAME_CHARS: usize = 64;
const MAX_PERK_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "tier name must be 1 to {MAX_NAME_CHARS} characters, without control characters or leading or trailing spaces"
)]
pub struct InvalidTierName;

/// What members see as their tier ("Silver"), and what rewards' `minTier` refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TierName(String);

impl TierName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text shown in an app: not blank, no control characters (which break layouts and logs),
/// and already trimmed, so "Gold" and "Gold " cannot be two different tiers.
pub(super) fn is_display_text(raw: &str, max_chars: usize) -> bool {
    let chars = raw.chars().count();
    (1..=max_chars).contains(&chars) && raw.trim() == raw && !raw.chars().any(char::is_control)
}

impl TryFrom<String> for TierName {
    type Error = InvalidTierName;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        if is_display_text(&raw, MAX_NAME_CHARS) {
            Ok(TierName(raw))
        } else {
            Err(InvalidTierName)
        }
    }
}

impl TryFrom<&str> for TierName {
    type Error = InvalidTierName;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        TierName::try_from(raw.to_owned())
    }
}

impl From<TierName> for String {
    fn from(name: TierName) -> String {
        name.0
    }
}

impl std::fmt::Display for TierName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTier {
    #[error(transparent)]
    Name(#[from] InvalidTierName),
    #[error("qualifyingPoints must be between 0 and {MAX_POINTS}, got {0}")]
    QualifyingPoints(i64),
    #[error(
        "perks[{0}] must be 1 to {MAX_PERK_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Perk(usize),
}

/// The JSON shape of a tier, as written in the programme document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierDocument {
    pub name: String,
    pub qualifying_points: i64,
    #[serde(default = "one")]
    pub earn_multiplier: Multiplier,
    #[serde(default)]
    pub perks: Vec<String>,
}

fn one() -> Multiplier {
    Multiplier::ONE
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TierDocument", into = "TierDocument")]
pub struct Tier {
    name: TierName,
    qualifying_points: Points,
    earn_multiplier: Multiplier,
    perks: Vec<String>,
    /// `tier:<name>`, the breakdown rule, built once rather than on every purchase.
    rule: String,
}

impl Tier {
    pub fn new(
        name: TierName,
        qualifying_points: Points,
        earn_multiplier: Multiplier,
        perks: Vec<String>,
    ) -> Result<Tier, InvalidTier> {
        if qualifying_points.is_negative() {
            return Err(InvalidTier::QualifyingPoints(qualifying_points.value()));
        }
        if let Some(index) = perks
            .iter()
            .position(|perk| !is_display_text(perk, MAX_PERK_CHARS))
        {
            return Err(InvalidTier::Perk(index));
        }
        let rule = format!("tier:{name}");
        Ok(Tier {
            name,
            qualifying_points,
            earn_multiplier,
            perks,
            rule,
        })
    }

    pub fn name(&self) -> &TierName {
        &self.name
    }

    /// The qualifying points at which a member reaches this tier (never negative).
    pub fn qualifying_points(&self) -> Points {
        self.qualifying_points
    }

    pub fn earn_multiplier(&self) -> Multiplier {
        self.earn_multiplier
    }

    pub fn perks(&self) -> &[String] {
        &self.perks
    }

    pub(crate) fn rule(&self) -> &str {
        &self.rule
    }
}

impl TryFrom<TierDocument> for Tier {
    type Error = InvalidTier;

    fn try_from(document: TierDocument) -> Result<Self, Self::Error> {
        let name = TierName::try_from(document.name)?;
        let qualifying_points = Points::new(document.qualifying_points)
            .ok_or(InvalidTier::QualifyingPoints(document.qualifying_points))?;
        Tier::new(
            name,
            qualifying_points,
            document.earn_multiplier,
            document.perks,
        )
    }
}

impl From<Tier> for TierDocument {
    fn from(tier: Tier) -> Self {
        TierDocument {
            name: tier.name.into(),
            qualifying_points: tier.qualifying_points.value(),
            earn_multiplier: tier.earn_multiplier,
            perks: tier.perks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tier_names_are_short_trimmed_display_text() {
        assert!(TierName::try_from("Gold").is_ok());
        assert!(TierName::try_from("Café Crème ☕").is_ok());
        assert!(TierName::try_from("é".repeat(64)).is_ok());
        for bad in ["", " ", " Gold", "Gold ", "Go\nld", "Gold\u{7}"] {
            assert_eq!(TierName::try_from(bad), Err(InvalidTierName), "{bad:?}");
        }
        assert!(TierName::try_from("a".repeat(65)).is_err());
    }

    #[test]
    fn parses_with_defaults() {
        let tier: Tier =
            serde_json::from_value(json!({"name": "Member", "qualifyingPoints": 0})).unwrap();
        assert_eq!(tier.name().as_str(), "Member");
        assert_eq!(tier.qualifying_points(), Points::ZERO);
        assert!(tier.earn_multiplier().is_one());
        assert!(tier.perks().is_empty());
        assert_eq!(tier.rule(), "tier:Member");
    }

    #[test]
    fn round_trips_the_camel_case_shape() {
        let document = json!({
            "name": "Silver",
            "qualifyingPoints": 1000,
            "earnMultiplier": 1.25,
            "perks": ["Free refill"]
        });
        let tier: Tier = serde_json::from_value(document.clone()).unwrap();
        assert_eq!(tier.earn_multiplier().thousandths(), 1250);
        assert_eq!(tier.perks(), ["Free refill"]);
        assert_eq!(serde_json::to_value(&tier).unwrap(), document);
    }

    #[test]
    fn rejects_negative_or_absurd_thresholds_bad_perks_and_unknown_fields() {
        let parse = |value| serde_json::from_value::<Tier>(value).map_err(|e| e.to_string());
        let error = parse(json!({"name": "Gold", "qualifyingPoints": -1})).unwrap_err();
        assert!(error.contains("qualifyingPoints"), "{error}");
        assert!(parse(json!({"name": "Gold", "qualifyingPoints": MAX_POINTS + 1})).is_err());
        let error =
            parse(json!({"name": "Gold", "qualifyingPoints": 5, "perks": ["ok", ""]})).unwrap_err();
        assert!(error.contains("perks[1]"), "{error}");
        assert!(parse(json!({"name": "Gold", "qualifyingPoints": 5, "colour": "gold"})).is_err());
        assert!(parse(json!({"name": "", "qualifyingPoints": 5})).is_err());
        assert!(
            parse(json!({"name": "Gold", "qualifyingPoints": 5, "earnMultiplier": 0})).is_err()
        );
    }

    #[test]
    fn new_refuses_a_negative_threshold() {
        let name = TierName::try_from("Gold").unwrap();
        let minus_one = Points::new(-1).unwrap();
        assert_eq!(
            Tier::new(name, minus_one, Multiplier::ONE, Vec::new()),
            Err(InvalidTier::QualifyingPoints(-1))
        );
    }
}
