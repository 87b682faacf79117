//! A member's stamp cards: the progress kept on the member (one entry per card of the
//! programme, no more: cards the programme no longer has are pruned), what a purchase
//! stamps, and what a purchase remembers of it so that its full reversal undoes exactly
//! that.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::identifier::{CardId, RedemptionId, RewardId, RuleId};
use super::member::Member;
use super::money::Money;
use super::points::Points;
use super::program::Program;
use super::stamp_card::StampCard;

/// A member's progress on one card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardProgress {
    /// Stamps on the card now: fewer than it needs (a full card starts again at 0).
    pub stamps: u8,
    /// How many times the member completed it.
    pub completed: u32,
    /// The UTC day of the latest stamp, and the stamps of that day (`maxStampsPerDay`).
    pub stamped_on: Date,
    pub stamped_that_day: u32,
}

/// What a purchase did to one card, kept with the purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stamp {
    pub card_id: CardId,
    /// Set when this stamp completed the card: what it gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<Completion>,
}

/// What completing a card gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Completion {
    /// A `stamp_reward` entry of these points (the card's, or a reward's cost in its place).
    Points(Points),
    /// A voucher: a redemption of the reward for no points.
    #[serde(rename_all = "camelCase")]
    Voucher {
        redemption_id: RedemptionId,
        reward_id: RewardId,
    },
}

/// One card a purchase stamped, as the earn answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardStamped {
    pub card_id: CardId,
    /// The stamps after this one: `stampsRequired` when it completed the card (which then
    /// starts again at 0).
    pub stamps: u8,
    pub stamps_required: u8,
    pub completed: bool,
    /// What completing it gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reward: Option<GivenReward>,
}

/// A completed card's reward, as the earn answers it: the points, or the voucher to show
/// at the till.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum GivenReward {
    Points {
        points: Points,
    },
    #[serde(rename_all = "camelCase")]
    Voucher {
        reward_id: RewardId,
        redemption_id: RedemptionId,
        code: String,
    },
}

/// A card as the member sees it (`GET /v1/members/me/stamps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardStatus {
    pub card_id: CardId,
    pub name: String,
    pub stamps: u8,
    pub stamps_required: u8,
    pub completed: u32,
}

impl CardProgress {
    fn new(today: Date) -> Self {
        Self {
            stamps: 0,
            completed: 0,
            stamped_on: today,
            stamped_that_day: 0,
        }
    }

    fn stamped_today(&self, today: Date) -> u32 {
        if self.stamped_on == today {
            self.stamped_that_day
        } else {
            0
        }
    }
}

impl Member {
    pub fn stamp_cards(&self) -> &BTreeMap<CardId, CardProgress> {
        &self.stamp_cards
    }

    /// Every card of `program` with the member's progress on it, in the programme's order.
    pub fn card_statuses(&self, program: &Program) -> Vec<CardStatus> {
        program
            .stamp_cards()
            .iter()
            .map(|card| {
                let progress = self.stamp_cards.get(card.card_id());
                CardStatus {
                    card_id: card.card_id().clone(),
                    name: card.name().to_string(),
                    stamps: progress.map_or(0, |p| p.stamps.min(required(card) - 1)),
                    stamps_required: required(card),
                    completed: progress.map_or(0, |p| p.completed),
                }
            })
            .collect()
    }

    /// Adds one stamp to each card of `program` that a purchase of `amount` in `category`
    /// matches, unless the card's daily limit (UTC, at `now`) is reached. A card that reaches
    /// its `stampsRequired` is completed and starts again at 0; the caller gives its reward.
    /// Progress on cards the programme no longer has is dropped.
    pub(crate) fn add_stamps(
        &mut self,
        program: &Program,
        amount: &Money,
        category: Option<&RuleId>,
        now: OffsetDateTime,
    ) -> Vec<CardStamped> {
        self.stamp_cards
            .retain(|card_id, _| program.stamp_card(card_id).is_some());
        let today = now.date();
        let mut stamped = Vec::new();
        for card in program.stamp_cards() {
            if !card.matches(amount, category) {
                continue;
            }
            let progress = self
                .stamp_cards
                .entry(card.card_id().clone())
                .or_insert_with(|| CardProgress::new(today));
            let today_count = progress.stamped_today(today);
            if card
                .max_stamps_per_day()
                .is_some_and(|max| today_count >= max.get())
            {
                continue;
            }
            progress.stamped_on = today;
            progress.stamped_that_day = today_count.saturating_add(1);
            let needed = required(card);
            // A card whose programme now needs fewer stamps than it holds completes next.
            let stamps = progress.stamps.min(needed - 1) + 1;
            let completed = stamps >= needed;
            if completed {
                progress.stamps = 0;
                progress.completed = progress.completed.saturating_add(1);
            } else {
                progress.stamps = stamps;
            }
            stamped.push(CardStamped {
                card_id: card.card_id().clone(),
                stamps,
                stamps_required: needed,
                completed,
                reward: None,
            });
        }
        stamped
    }

    /// Takes one stamp off the card's current round; false when it has none (or the card is
    /// gone from the member).
    pub(crate) fn remove_stamp(&mut self, card_id: &CardId) -> bool {
        match self.stamp_cards.get_mut(card_id) {
            Some(progress) if progress.stamps > 0 => {
                progress.stamps -= 1;
                true
            }
            _ => false,
        }
    }

    /// Undoes a completion whose reward was withdrawn: the card is back one stamp short of
    /// full, and counts one completion fewer. Nothing when the programme no longer has it.
    pub(crate) fn reopen_card(&mut self, card_id: &CardId, program: &Program) {
        let Some(card) = program.stamp_card(card_id) else {
            return;
        };
        if let Some(progress) = self.stamp_cards.get_mut(card_id) {
            progress.stamps = required(card) - 1;
            progress.completed = progress.completed.saturating_sub(1);
        }
    }
}

fn required(card: &StampCard) -> u8 {
    card.stamps_required().get()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::operation::fixtures::{NOW, member, stamp_program};
    use time::Duration;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap()
    }

    fn coffee() -> RuleId {
        RuleId::try_from("coffee").unwrap()
    }

    fn card(id: &str) -> CardId {
        CardId::try_from(id).unwrap()
    }

    #[test]
    fn matching_purchases_stamp_and_the_last_stamp_completes_and_restarts_the_card() {
        // coffee: 3 stamps, coffee only, from 2.50 EUR, 2 a day.
        let program = stamp_program();
        let mut m = member(&program);
        let at = |days: i64| NOW + Duration::days(days);
        assert!(
            m.add_stamps(&program, &eur(249), Some(&coffee()), at(0))
                .is_empty()
        );
        assert!(m.add_stamps(&program, &eur(900), None, at(0)).is_empty());
        let first = m.add_stamps(&program, &eur(250), Some(&coffee()), at(0));
        assert_eq!(
            first,
            vec![CardStamped {
                card_id: card("coffee"),
                stamps: 1,
                stamps_required: 3,
                completed: false,
                reward: None
            }]
        );
        m.add_stamps(&program, &eur(250), Some(&coffee()), at(0));
        assert!(
            m.add_stamps(&program, &eur(250), Some(&coffee()), at(0))
                .is_empty(),
            "two a day"
        );
        let third = m.add_stamps(&program, &eur(250), Some(&coffee()), at(1));
        assert_eq!((third[0].stamps, third[0].completed), (3, true));
        let progress = m.stamp_cards()[&card("coffee")];
        assert_eq!((progress.stamps, progress.completed), (0, 1));
        let statuses = m.card_statuses(&program);
        assert_eq!(statuses[0].stamps, 0);
        assert_eq!(statuses[0].completed, 1);
    }

    #[test]
    fn cards_the_programme_no_longer_has_are_pruned() {
        let program = stamp_program();
        let mut m = member(&program);
        m.add_stamps(&program, &eur(500), Some(&coffee()), NOW);
        m.stamp_cards
            .insert(card("gone"), CardProgress::new(NOW.date()));
        m.add_stamps(&program, &eur(500), None, NOW);
        assert!(!m.stamp_cards().contains_key(&card("gone")));
        assert!(m.stamp_cards().len() <= program.stamp_cards().len());
    }

    #[test]
    fn a_stamp_comes_off_the_current_round_and_a_reopened_card_is_one_short() {
        let program = stamp_program();
        let mut m = member(&program);
        assert!(!m.remove_stamp(&card("coffee")));
        m.add_stamps(&program, &eur(500), Some(&coffee()), NOW);
        assert!(m.remove_stamp(&card("coffee")));
        assert!(!m.remove_stamp(&card("coffee")), "never below zero");
        m.reopen_card(&card("coffee"), &program);
        assert_eq!(m.stamp_cards()[&card("coffee")].stamps, 2);
    }
}
