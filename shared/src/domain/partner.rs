//! Partner businesses: who may sign webhooks with which secrets, and the offers they fund.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::identifier::{MemberId, OfferId, PartnerId, PartnerTransactionId};
use super::money::Money;
use super::offer::{Offer, programme_base};
use super::points::Points;
use super::program::Program;
use super::tier::is_display_text;

/// Two at once, so a partner can rotate: add the new secret, switch, retire the old.
pub const MAX_SECRETS: usize = 2;
/// Offers live on the partner's record, read with it on every webhook; this bounds it.
pub const MAX_OFFERS: usize = 200;
const MAX_NAME_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    Active,
    /// Webhooks are refused (403) until an operator makes the partner active again.
    Suspended,
}

/// A signing secret, kept sealed (encrypted) at rest; see `webhook::cipher`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerSecret {
    pub secret_id: String,
    pub sealed: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub partner_id: PartnerId,
    pub name: String,
    pub status: PartnerStatus,
    pub secrets: Vec<PartnerSecret>,
    pub offers: Vec<Offer>,
    pub created_at: OffsetDateTime,
    /// Bumped by every change; writes are conditional on the revision they read.
    pub revision: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerError {
    #[error(
        "name must be 1 to {MAX_NAME_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Name,
    #[error("a partner has at most {MAX_SECRETS} secrets; retire one first")]
    TooManySecrets,
    #[error("a partner keeps at least one secret; add the new one before retiring the last")]
    LastSecret,
    #[error("no secret with this id")]
    UnknownSecret,
    #[error("a partner has at most {MAX_OFFERS} offers")]
    TooManyOffers,
    #[error("no offer {0} for this partner")]
    UnknownOffer(OfferId),
}

pub fn check_name(name: &str) -> Result<(), PartnerError> {
    if is_display_text(name, MAX_NAME_CHARS) {
        Ok(())
    } else {
        Err(PartnerError::Name)
    }
}

/// Points issued on a partner's behalf for one purchase: the settlement record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerIssue {
    pub partner_id: PartnerId,
    pub member_id: MemberId,
    pub entry_id: String,
    pub partner_transaction_id: PartnerTransactionId,
    pub points: Points,
    pub by_offer: Vec<(OfferId, Points)>,
    pub recorded_at: OffsetDateTime,
}

impl Partner {
    pub fn add_secret(&mut self, secret: PartnerSecret) -> Result<(), PartnerError> {
        if self.secrets.len() >= MAX_SECRETS {
            return Err(PartnerError::TooManySecrets);
        }
        self.secrets.push(secret);
        Ok(())
    }

    pub fn retire_secret(&mut self, secret_id: &str) -> Result<(), PartnerError> {
        let index = self
            .secrets
            .iter()
            .position(|s| s.secret_id == secret_id)
            .ok_or(PartnerError::UnknownSecret)?;
        if self.secrets.len() == 1 {
            return Err(PartnerError::LastSecret);
        }
        self.secrets.remove(index);
        Ok(())
    }

    /// Creates or replaces an offer (by id).
    pub fn upsert_offer(&mut self, offer: Offer) -> Result<(), PartnerError> {
        let count = self.offers.len();
        match self
            .offers
            .iter_mut()
            .find(|o| o.offer_id == offer.offer_id)
        {
            Some(existing) => *existing = offer,
            None if count >= MAX_OFFERS => return Err(PartnerError::TooManyOffers),
            None => self.offers.push(offer),
        }
        Ok(())
    }

    /// Withdraws an offer.
    pub fn withdraw_offer(&mut self, offer_id: &OfferId) -> Result<(), PartnerError> {
        let before = self.offers.len();
        self.offers.retain(|o| &o.offer_id != offer_id);
        if self.offers.len() == before {
            return Err(PartnerError::UnknownOffer(offer_id.clone()));
        }
        Ok(())
    }

    /// Renames the partner, and suspends or reactivates it when `status` is given.
    pub fn rename(
        &mut self,
        name: &str,
        status: Option<PartnerStatus>,
    ) -> Result<(), PartnerError> {
        check_name(name)?;
        self.name = name.to_string();
        if let Some(status) = status {
            self.status = status;
        }
        Ok(())
    }

    /// The bonus each of this partner's offers gives a purchase of `amount` at `at`, after
    /// each offer's per-member cap (`used` says what the member already had from an offer).
    /// With `only`, just that offer counts, and it must be one of this partner's.
    pub fn bonus_for_purchase(
        &self,
        program: &Program,
        amount: &Money,
        at: OffsetDateTime,
        only: Option<&OfferId>,
        used: impl Fn(&OfferId) -> Points,
    ) -> Result<Vec<(OfferId, Points)>, PartnerError> {
        if let Some(id) = only
            && !self.offers.iter().any(|o| &o.offer_id == id)
        {
            return Err(PartnerError::UnknownOffer(id.clone()));
        }
        let base = programme_base(program, amount).unwrap_or(Points::ZERO);
        let mut lines = Vec::new();
        for offer in self
            .offers
            .iter()
            .filter(|o| only.is_none_or(|id| &o.offer_id == id))
        {
            if !offer.applies(amount, at) {
                continue;
            }
            let mut bonus = offer.bonus_for(base).unwrap_or(Points::ZERO);
            if let Some(cap) = offer.per_member_cap {
                let left = cap
                    .checked_sub(used(&offer.offer_id))
                    .unwrap_or(Points::ZERO)
                    .max(Points::ZERO);
                bonus = bonus.min(left);
            }
            if bonus.is_positive() {
                lines.push((offer.offer_id.clone(), bonus));
            }
        }
        Ok(lines)
    }
}
