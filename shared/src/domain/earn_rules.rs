//! The earn engine: how many points a purchase earns under a [`Program`], with a breakdown
//! line per rule so members and support can see where every point came from.
//!
//! Rules apply in a fixed order: `base`, `category:<category>`, `tier:<tier>`,
//! `membership:<planId>` (a running paid membership's multiplier),
//! `promotion:<promotionId>` (each active one, in programme order), then the caps
//! `cap:transaction` and `cap:daily`. Multipliers are additive, not compounding: each one
//! adds `floor(base * (m - 1))` computed on the *base* points, so coffee x2 with a x1.5 tier
//! earns 1 + 1 + 0.5 = 2.5 times the base, not 2 x 1.5 = 3.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::currency::Currency;
use super::identifier::RuleId;
use super::membership::MembershipPlan;
use super::money::Money;
use super::multiplier::Multiplier;
use super::points::Points;
use super::program::Program;
use super::tier::Tier;

/// A purchase as the earn rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase<'a> {
    pub amount: Money,
    pub category: Option<&'a RuleId>,
    pub occurred_at: OffsetDateTime,
}

/// One rule's contribution: `{"rule": "category:coffee", "points": 12}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakdownLine {
    /// Borrowed for the fixed rule names, so `base` and the caps never allocate.
    rule: Cow<'static, str>,
    points: Points,
}

impl BreakdownLine {
    pub fn new(rule: impl Into<String>, points: Points) -> BreakdownLine {
        BreakdownLine {
            rule: Cow::Owned(rule.into()),
            points,
        }
    }

    pub fn rule(&self) -> &str {
        &self.rule
    }

    pub fn points(&self) -> Points {
        self.points
    }
}

/// The points a purchase earns and why. The breakdown always sums to `points`, which is
/// never negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Earning {
    points: Points,
    breakdown: Vec<BreakdownLine>,
}

impl Earning {
    pub fn points(&self) -> Points {
        self.points
    }

    pub fn breakdown(&self) -> &[BreakdownLine] {
        &self.breakdown
    }

    pub fn into_breakdown(self) -> Vec<BreakdownLine> {
        self.breakdown
    }

    /// Adds a bonus from outside the programme's rules (a targeted offer, funded by its own
    /// budget, so the programme's caps do not cut it).
    pub fn add_line(&mut self, rule: String, points: Points) -> Result<(), EarnError> {
        self.points = self.points.checked_add(points).ok_or(EarnError::Overflow)?;
        self.breakdown.push(BreakdownLine::new(rule, points));
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EarnError {
    #[error("the programme does not accept purchases in {0}")]
    CurrencyNotAccepted(Currency),
    #[error("the purchase would earn more points than any balance may hold")]
    Overflow,
}

fn to_points(value: i128) -> Result<Points, EarnError> {
    i64::try_from(value)
        .ok()
        .and_then(Points::new)
        .ok_or(EarnError::Overflow)
}

fn extra(multiplier: Multiplier, base: Points) -> Result<i128, EarnError> {
    multiplier
        .apply_extra(base)
        .map(|extra| i128::from(extra.value()))
        .ok_or(EarnError::Overflow)
}

/// The running total and the lines so far. Every line and every running total must be a
/// valid [`Points`]; i128 leaves room to detect that instead of wrapping.
struct Tally {
    total: i128,
    lines: Vec<BreakdownLine>,
}

impl Tally {
    /// Adds a line unless it is worth nothing; the rule name is only built when needed.
    fn add(
        &mut self,
        points: i128,
        rule: impl FnOnce() -> Cow<'static, str>,
    ) -> Result<(), EarnError> {
        if points == 0 {
            return Ok(());
        }
        let line = to_points(points)?;
        let total = self.total + points;
        to_points(total)?;
        self.total = total;
        self.lines.push(BreakdownLine {
            rule: rule(),
            points: line,
        });
        Ok(())
    }

    /// Brings the total down to `limit` with a negative line, if it is above it.
    fn limit(&mut self, limit: i128, rule: &'static str) -> Result<(), EarnError> {
        if self.total > limit {
            self.add(limit - self.total, || Cow::Borrowed(rule))?;
        }
        Ok(())
    }
}

impl Program {
    /// The points `purchase` earns for a member in `tier` (with a running membership of
    /// `plan`) who has already earned `earned_today` points today (for the daily cap). Pure:
    /// recording is the caller's job.
    pub fn evaluate_earn(
        &self,
        purchase: &Purchase<'_>,
        tier: &Tier,
        plan: Option<&MembershipPlan>,
        earned_today: Points,
    ) -> Result<Earning, EarnError> {
        let rules = self.earn_rules();
        let currency = purchase.amount.currency();
        let rate = rules
            .base_rate(currency)
            .ok_or(EarnError::CurrencyNotAccepted(currency))?;

        // The amount is never negative and the rate is positive, so integer division is the
        // floor: partial units earn nothing.
        let base = to_points(
            i128::from(purchase.amount.amount_minor()) * i128::from(rate.points().value())
                / i128::from(rate.per_minor_units()),
        )?;
        let mut tally = Tally {
            total: i128::from(base.value()),
            lines: Vec::with_capacity(4),
        };
        // `base` is always shown, even at 0, so a small purchase still explains itself.
        tally.lines.push(BreakdownLine {
            rule: Cow::Borrowed("base"),
            points: base,
        });

        if let Some(category) = purchase.category
            && let Some(entry) = rules.category_multiplier(category)
        {
            tally.add(extra(entry.multiplier(), base)?, || {
                Cow::Owned(entry.rule().to_owned())
            })?;
        }

        tally.add(extra(tier.earn_multiplier(), base)?, || {
            Cow::Owned(tier.rule().to_owned())
        })?;

        if let Some((plan, multiplier)) =
            plan.and_then(|plan| plan.earn_multiplier().map(|m| (plan, m)))
        {
            tally.add(extra(multiplier, base)?, || Cow::Owned(plan.rule()))?;
        }

        for promotion in rules.promotions() {
            if promotion.is_active_at(purchase.occurred_at)
                && promotion.applies_to(purchase.category)
            {
                let multiplied = match promotion.multiplier() {
                    Some(multiplier) => extra(multiplier, base)?,
                    None => 0,
                };
                let bonus = promotion
                    .bonus_points()
                    .map_or(0, |bonus| i128::from(bonus.value()));
                tally.add(multiplied + bonus, || {
                    Cow::Owned(promotion.rule().to_owned())
                })?;
            }
        }

        // Each multiplier alone takes at most the base away (m > 0), but several below 1
        // together could; a purchase never costs points.
        if tally.total < 0 {
            let deficit = -tally.total;
            tally.add(deficit, || Cow::Borrowed("floor"))?;
        }

        if let Some(cap) = rules.per_transaction_cap() {
            tally.limit(i128::from(cap.value()), "cap:transaction")?;
        }

        if let Some(cap) = rules.daily_cap() {
            // A negative day (reversals) does not raise the cap: one purchase never earns
            // more than the daily cap.
            let already = i128::from(earned_today.value().max(0));
            let remaining = (i128::from(cap.value()) - already).max(0);
            tally.limit(remaining, "cap:daily")?;
        }

        Ok(Earning {
            points: to_points(tally.total)?,
            breakdown: tally.lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::money::MAX_MINOR_AMOUNT;
    use super::super::points::MAX_POINTS;
    use super::*;
    use serde_json::{Value, json};
    use time::macros::datetime;

    const OUTSIDE_PROMOTIONS: OffsetDateTime = datetime!(2026-06-15 12:00 UTC);
    const WEEKEND: OffsetDateTime = datetime!(2026-11-28 10:00 UTC);

    fn document() -> Value {
        json!({
            "earnRules": {
                "baseRates": [
                    {"currency": "EUR", "points": 1, "perMinorUnits": 100},
                    {"currency": "JPY", "points": 1, "perMinorUnits": 100}
                ],
                "categoryMultipliers": [
                    {"category": "coffee", "multiplier": 2},
                    {"category": "bakery", "multiplier": 1.5}
                ],
                "promotions": [{
                    "promotionId": "double-weekend",
                    "name": "Double points weekend",
                    "multiplier": 2,
                    "bonusPoints": 50,
                    "categories": ["coffee"],
                    "validFrom": "2026-11-27T00:00:00Z",
                    "validTo": "2026-11-30T00:00:00Z"
                }, {
                    "promotionId": "black-friday",
                    "name": "Black Friday",
                    "bonusPoints": 10,
                    "validFrom": "2026-11-27T00:00:00Z",
                    "validTo": "2026-11-28T00:00:00Z"
                }]
            },
            "tiers": [
                {"name": "Member", "qualifyingPoints": 0},
                {"name": "Silver", "qualifyingPoints": 1000, "earnMultiplier": 1.25},
                {"name": "Gold", "qualifyingPoints": 5000, "earnMultiplier": 1.5}
            ]
        })
    }

    fn program_from(document: Value) -> Program {
        Program::from_json(&serde_json::to_vec(&document).unwrap()).unwrap()
    }

    fn program() -> Program {
        program_from(document())
    }

    fn with_caps(per_transaction: Option<i64>, daily: Option<i64>) -> Program {
        let mut document = document();
        if let Some(cap) = per_transaction {
            document["earnRules"]["perTransactionCap"] = json!(cap);
        }
        if let Some(cap) = daily {
            document["earnRules"]["dailyCap"] = json!(cap);
        }
        program_from(document)
    }

    fn eur(amount: i64) -> Money {
        Money::new(amount, Currency::EUR).unwrap()
    }

    fn points(value: i64) -> Points {
        Points::new(value).unwrap()
    }

    fn id(raw: &str) -> RuleId {
        RuleId::try_from(raw).unwrap()
    }

    fn earn(
        program: &Program,
        amount: Money,
        category: Option<&RuleId>,
        at: OffsetDateTime,
        tier: &str,
        earned_today: i64,
    ) -> Result<Earning, EarnError> {
        let purchase = Purchase {
            amount,
            category,
            occurred_at: at,
        };
        let tier = program.tier_named(tier).unwrap();
        program.evaluate_earn(&purchase, tier, None, points(earned_today))
    }

    fn lines(earning: &Earning) -> Vec<(&str, i64)> {
        earning
            .breakdown()
            .iter()
            .map(|line| (line.rule(), line.points().value()))
            .collect()
    }

    fn assert_consistent(earning: &Earning) {
        let sum: i64 = earning.breakdown().iter().map(|l| l.points().value()).sum();
        assert_eq!(sum, earning.points().value(), "{earning:?}");
        assert!(!earning.points().is_negative(), "{earning:?}");
        assert_eq!(earning.breakdown()[0].rule(), "base");
    }

    #[test]
    fn base_rounds_down_and_is_always_shown() {
        let program = program();
        let earning = earn(&program, eur(1299), None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 12)]);
        assert_eq!(earning.points(), points(12));
        let earning = earn(&program, eur(99), None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 0)]);
        let earning = earn(&program, eur(0), None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 0)]);
    }

    #[test]
    fn zero_decimal_currencies_count_whole_units() {
        let program = program();
        let yen = Money::new(1550, Currency::JPY).unwrap();
        let earning = earn(&program, yen, None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 15)]);
    }

    #[test]
    fn rates_with_several_points_per_unit_multiply_before_dividing() {
        let mut document = document();
        document["earnRules"]["baseRates"][0] =
            json!({"currency": "EUR", "points": 3, "perMinorUnits": 250});
        let program = program_from(document);
        // 1000 * 3 / 250 = 12 exactly; dividing first would give 4 * 3 = 12 too, but
        // 999 * 3 / 250 = 11.988 -> 11, where dividing first would give 3 * 3 = 9.
        let earning = earn(&program, eur(999), None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(earning.points(), points(11));
    }

    #[test]
    fn category_multiplier_adds_its_extra() {
        let program = program();
        let coffee = id("coffee");
        let earning = earn(
            &program,
            eur(1000),
            Some(&coffee),
            OUTSIDE_PROMOTIONS,
            "Member",
            0,
        )
        .unwrap();
        assert_eq!(lines(&earning), [("base", 10), ("category:coffee", 10)]);
        let bakery = id("bakery");
        let earning = earn(
            &program,
            eur(700),
            Some(&bakery),
            OUTSIDE_PROMOTIONS,
            "Member",
            0,
        )
        .unwrap();
        assert_eq!(lines(&earning), [("base", 7), ("category:bakery", 3)]);
        let tea = id("tea");
        let earning = earn(
            &program,
            eur(1000),
            Some(&tea),
            OUTSIDE_PROMOTIONS,
            "Member",
            0,
        )
        .unwrap();
        assert_eq!(lines(&earning), [("base", 10)]);
    }

    #[test]
    fn tier_multiplier_adds_its_extra_and_x1_adds_no_line() {
        let program = program();
        let earning = earn(&program, eur(1000), None, OUTSIDE_PROMOTIONS, "Silver", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 10), ("tier:Silver", 2)]);
        let earning = earn(&program, eur(1000), None, OUTSIDE_PROMOTIONS, "Gold", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 10), ("tier:Gold", 5)]);
        let earning = earn(&program, eur(1000), None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 10)]);
    }

    #[test]
    fn promotions_add_multiplier_extra_plus_bonus_one_line_each() {
        let program = program();
        let coffee = id("coffee");
        let friday = datetime!(2026-11-27 09:00 UTC);
        let earning = earn(&program, eur(1000), Some(&coffee), friday, "Member", 0).unwrap();
        assert_eq!(
            lines(&earning),
            [
                ("base", 10),
                ("category:coffee", 10),
                ("promotion:double-weekend", 10 + 50),
                ("promotion:black-friday", 10),
            ]
        );
        assert_eq!(earning.points(), points(90));
    }

    #[test]
    fn multipliers_add_to_the_base_and_do_not_compound() {
        let program = program();
        let coffee = id("coffee");
        // Base 100; coffee x2 adds 100, Gold x1.5 adds 50, the promotion's x2 adds 100 and
        // its bonus 50: 400. Compounding would give 100 * 2 * 1.5 * 2 + 50 = 650.
        let earning = earn(&program, eur(10_000), Some(&coffee), WEEKEND, "Gold", 0).unwrap();
        assert_eq!(
            lines(&earning),
            [
                ("base", 100),
                ("category:coffee", 100),
                ("tier:Gold", 50),
                ("promotion:double-weekend", 150),
            ]
        );
        assert_eq!(earning.points(), points(400));
    }

    #[test]
    fn promotion_window_starts_inclusive_and_ends_exclusive() {
        let program = program();
        let coffee = id("coffee");
        let promoted = |at| {
            let earning = earn(&program, eur(1000), Some(&coffee), at, "Member", 0).unwrap();
            earning
                .breakdown()
                .iter()
                .any(|line| line.rule() == "promotion:double-weekend")
        };
        assert!(!promoted(datetime!(2026-11-26 23:59:59.999_999_999 UTC)));
        assert!(promoted(datetime!(2026-11-27 00:00 UTC)));
        assert!(promoted(datetime!(2026-11-29 23:59:59.999_999_999 UTC)));
        assert!(!promoted(datetime!(2026-11-30 00:00 UTC)));
        // The same instant written in another offset.
        assert!(promoted(datetime!(2026-11-27 01:00 +01:00)));
        assert!(!promoted(datetime!(2026-11-27 00:59 +01:00)));
    }

    #[test]
    fn category_restricted_promotions_need_the_category() {
        let program = program();
        let bakery = id("bakery");
        let earning = earn(&program, eur(1000), Some(&bakery), WEEKEND, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 10), ("category:bakery", 5)]);
        let earning = earn(&program, eur(1000), None, WEEKEND, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 10)]);
        // An unrestricted promotion applies with or without a category.
        let friday = datetime!(2026-11-27 09:00 UTC);
        let earning = earn(&program, eur(1000), None, friday, "Member", 0).unwrap();
        assert_eq!(
            lines(&earning),
            [("base", 10), ("promotion:black-friday", 10)]
        );
    }

    #[test]
    fn transaction_cap_trims_the_total() {
        let program = with_caps(Some(50), None);
        let coffee = id("coffee");
        let earning = earn(
            &program,
            eur(4000),
            Some(&coffee),
            OUTSIDE_PROMOTIONS,
            "Member",
            0,
        )
        .unwrap();
        assert_eq!(
            lines(&earning),
            [
                ("base", 40),
                ("category:coffee", 40),
                ("cap:transaction", -30)
            ]
        );
        assert_eq!(earning.points(), points(50));
        // At or under the cap: no line.
        let earning = earn(&program, eur(5000), None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(lines(&earning), [("base", 50)]);
    }

    #[test]
    fn daily_cap_limits_to_what_is_left_today() {
        let program = with_caps(Some(50), Some(100));
        let earning = earn(&program, eur(9000), None, OUTSIDE_PROMOTIONS, "Member", 70).unwrap();
        assert_eq!(
            lines(&earning),
            [("base", 90), ("cap:transaction", -40), ("cap:daily", -20)]
        );
        assert_eq!(earning.points(), points(30));
        let earning = earn(&program, eur(2000), None, OUTSIDE_PROMOTIONS, "Member", 70).unwrap();
        assert_eq!(lines(&earning), [("base", 20)]);
    }

    #[test]
    fn daily_cap_already_reached_earns_zero_with_a_cap_line() {
        let program = with_caps(None, Some(100));
        for earned_today in [100, 250] {
            let earning = earn(
                &program,
                eur(1500),
                None,
                OUTSIDE_PROMOTIONS,
                "Member",
                earned_today,
            )
            .unwrap();
            assert_eq!(lines(&earning), [("base", 15), ("cap:daily", -15)]);
            assert_eq!(earning.points(), Points::ZERO);
        }
    }

    #[test]
    fn a_negative_day_does_not_raise_the_daily_cap() {
        let program = with_caps(None, Some(100));
        let earning = earn(
            &program,
            eur(50_000),
            None,
            OUTSIDE_PROMOTIONS,
            "Member",
            -300,
        )
        .unwrap();
        assert_eq!(lines(&earning), [("base", 500), ("cap:daily", -400)]);
    }

    #[test]
    fn breakdown_always_sums_to_the_points() {
        let program = with_caps(Some(5000), Some(20_000));
        let (coffee, bakery) = (id("coffee"), id("bakery"));
        let categories = [None, Some(&coffee), Some(&bakery)];
        let times = [OUTSIDE_PROMOTIONS, WEEKEND, datetime!(2026-11-27 09:00 UTC)];
        for amount in (0..20_000)
            .step_by(7)
            .chain([999_999, 10_000_000, 123_456_789])
        {
            for category in categories {
                for at in times {
                    for tier in ["Member", "Silver", "Gold"] {
                        for earned_today in [0, 19_990, 20_000] {
                            let earning =
                                earn(&program, eur(amount), category, at, tier, earned_today)
                                    .unwrap();
                            assert_consistent(&earning);
                            assert!(earning.points() <= points(5000));
                            assert!(earning.points() <= points(20_000 - earned_today));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn multipliers_below_one_never_make_a_purchase_cost_points() {
        let mut document = document();
        document["earnRules"]["categoryMultipliers"][0]["multiplier"] = json!(0.1);
        document["tiers"][1]["earnMultiplier"] = json!(0.1);
        let program = program_from(document);
        let coffee = id("coffee");
        // One multiplier alone below 1: floor(base * m), still positive.
        let earning = earn(
            &program,
            eur(1000),
            Some(&coffee),
            OUTSIDE_PROMOTIONS,
            "Member",
            0,
        )
        .unwrap();
        assert_eq!(lines(&earning), [("base", 10), ("category:coffee", -9)]);
        // Two of them together would go below zero: a floor line brings it back to 0.
        let earning = earn(
            &program,
            eur(1000),
            Some(&coffee),
            OUTSIDE_PROMOTIONS,
            "Silver",
            0,
        )
        .unwrap();
        assert_eq!(
            lines(&earning),
            [
                ("base", 10),
                ("category:coffee", -9),
                ("tier:Silver", -9),
                ("floor", 8)
            ]
        );
        assert_eq!(earning.points(), Points::ZERO);
        for amount in 0..3000 {
            for tier in ["Member", "Silver"] {
                let earning = earn(&program, eur(amount), Some(&coffee), WEEKEND, tier, 0).unwrap();
                assert_consistent(&earning);
            }
        }
    }

    #[test]
    fn unaccepted_currency_is_refused() {
        let program = program();
        let dollars = Money::new(1000, Currency::USD).unwrap();
        let error = earn(&program, dollars, None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap_err();
        assert_eq!(error, EarnError::CurrencyNotAccepted(Currency::USD));
        assert_eq!(
            error.to_string(),
            "the programme does not accept purchases in USD"
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        // The largest amount at a generous rate: the base alone exceeds the points bound.
        let mut generous = document();
        generous["earnRules"]["baseRates"][0] =
            json!({"currency": "EUR", "points": 1000, "perMinorUnits": 1});
        let program = program_from(generous);
        let huge = eur(MAX_MINOR_AMOUNT);
        let error = earn(&program, huge, None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap_err();
        assert_eq!(error, EarnError::Overflow);

        // A base within bounds that a x100 multiplier pushes beyond them.
        let mut amplified = document();
        amplified["earnRules"]["categoryMultipliers"][0]["multiplier"] = json!(100);
        let program = program_from(amplified);
        let coffee = id("coffee");
        let within = eur(MAX_POINTS * 100 / 50);
        let error = earn(
            &program,
            within.clone(),
            Some(&coffee),
            OUTSIDE_PROMOTIONS,
            "Member",
            0,
        )
        .unwrap_err();
        assert_eq!(error, EarnError::Overflow);
        // The same base without the multiplier is fine.
        let earning = earn(&program, within, None, OUTSIDE_PROMOTIONS, "Member", 0).unwrap();
        assert_eq!(earning.points(), points(MAX_POINTS / 50));
    }

    #[test]
    fn serialises_breakdown_lines_as_rule_and_points() {
        let program = program();
        let coffee = id("coffee");
        let earning = earn(
            &program,
            eur(1000),
            Some(&coffee),
            OUTSIDE_PROMOTIONS,
            "Silver",
            0,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&earning).unwrap(),
            json!({
                "points": 22,
                "breakdown": [
                    {"rule": "base", "points": 10},
                    {"rule": "category:coffee", "points": 10},
                    {"rule": "tier:Silver", "points": 2}
                ]
            })
        );
        let line: BreakdownLine =
            serde_json::from_value(json!({"rule": "tier:Gold", "points": 5})).unwrap();
        assert_eq!(line, BreakdownLine::new("tier:Gold", points(5)));
        assert_eq!(earning.clone().into_breakdown().len(), 3);
    }
}
