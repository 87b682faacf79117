//! The items every request would otherwise read: the programme, the rewards catalogue and
//! the targeted offers.
//! One item lives on one partition (3,000 reads a second), so reading the programme in every
//! earn's transaction would cap the whole service near 750 earns a second. Each execution
//! environment keeps them for a bounded time instead (`SHARED_ITEMS_TTL_SECONDS`, 30 by
//! default) and reads them outside any transaction: a change by an operator reaches a warm
//! environment within that time, and the environment that made it at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

use crate::domain::identifier::OfferId;
use crate::domain::operation::Record;
use crate::domain::program::Program;
use crate::domain::reward::Reward;
use crate::domain::targeted_offer::{OfferSet, TargetedOffer};
use crate::store::{OfferWriteError, Store, StoreError, StoredOffer};

/// How long a warm environment trusts what it read, by default.
pub const DEFAULT_TTL: Duration = Duration::seconds(30);

#[derive(Clone)]
pub struct SharedItems {
    inner: Arc<Inner>,
}

struct Inner {
    ttl: Duration,
    program: Mutex<Option<Fetched<Option<Program>>>>,
    catalogue: Mutex<Option<Fetched<Arc<Vec<Reward>>>>>,
    offers: Mutex<Option<Fetched<Arc<Vec<TargetedOffer>>>>>,
    /// Budget shards a draw found too low, and when: skipped for the TTL, then tried again
    /// (a refund may have given points back, an operator raised the budget).
    exhausted: Mutex<BTreeMap<(OfferId, u8), OffsetDateTime>>,
}

#[derive(Clone)]
struct Fetched<T> {
    value: T,
    at: OffsetDateTime,
}

impl<T: Clone> Fetched<T> {
    /// The value, while it is fresh at `now` (a clock moved back counts as stale).
    fn fresh(slot: &Mutex<Option<Self>>, now: OffsetDateTime, ttl: Duration) -> Option<T> {
        let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|f| f.at <= now && now - f.at < ttl)
            .map(|f| f.value.clone())
    }

    fn keep(slot: &Mutex<Option<Self>>, value: T, now: OffsetDateTime) {
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Fetched { value, at: now });
    }
}

impl SharedItems {
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                ttl,
                program: Mutex::new(None),
                catalogue: Mutex::new(None),
                offers: Mutex::new(None),
                exhausted: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    /// `SHARED_ITEMS_TTL_SECONDS` (0 reads on every request), else [`DEFAULT_TTL`].
    pub fn from_env() -> Self {
        let ttl = std::env::var("SHARED_ITEMS_TTL_SECONDS")
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|s| *s >= 0)
            .map_or(DEFAULT_TTL, Duration::seconds);
        Self::new(ttl)
    }

    /// The programme, from memory while fresh, else one GetItem.
    pub async fn program(
        &self,
        store: &Store,
        now: OffsetDateTime,
    ) -> Result<Option<Program>, StoreError> {
        if let Some(program) = Fetched::fresh(&self.inner.program, now, self.inner.ttl) {
            return Ok(program);
        }
        let program = store.program().await?;
        Fetched::keep(&self.inner.program, program.clone(), now);
        Ok(program)
    }

    /// Stores a new programme and keeps it: this environment uses it from the next request.
    pub async fn replace_program(
        &self,
        store: &Store,
        program: &Program,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<(), StoreError> {
        store.put_program(program, now, actor).await?;
        Fetched::keep(&self.inner.program, Some(program.clone()), now);
        Ok(())
    }

    /// Every reward, from memory while fresh, else one Query of the catalogue.
    pub async fn catalogue(
        &self,
        store: &Store,
        now: OffsetDateTime,
    ) -> Result<Arc<Vec<Reward>>, StoreError> {
        if let Some(rewards) = Fetched::fresh(&self.inner.catalogue, now, self.inner.ttl) {
            return Ok(rewards);
        }
        let rewards = Arc::new(store.rewards().await?);
        Fetched::keep(&self.inner.catalogue, Arc::clone(&rewards), now);
        Ok(rewards)
    }

    /// Forgets the catalogue: the next request reads it again. For a write whose guard on a
    /// reward failed, so that it decides again from what the table holds now.
    pub fn forget_catalogue(&self) {
        *self
            .inner
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Stores a reward; this environment reads the catalogue again on its next request.
    pub async fn put_reward(
        &self,
        store: &Store,
        reward: &Reward,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<(), StoreError> {
        store.put_reward(reward, now, actor).await?;
        self.forget_catalogue();
        Ok(())
    }

    /// The targeted offers, from memory while fresh, else one Query; with the budget shards
    /// lately found exhausted.
    pub async fn offers(&self, store: &Store, now: OffsetDateTime) -> Result<OfferSet, StoreError> {
        let offers = match Fetched::fresh(&self.inner.offers, now, self.inner.ttl) {
            Some(offers) => offers,
            None => {
                let offers: Vec<TargetedOffer> =
                    store.offers().await?.into_iter().map(|s| s.offer).collect();
                let offers = Arc::new(offers);
                Fetched::keep(&self.inner.offers, Arc::clone(&offers), now);
                offers
            }
        };
        let mut marks = self
            .inner
            .exhausted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        marks.retain(|_, at| *at <= now && now - *at < self.inner.ttl);
        let exhausted: BTreeSet<(OfferId, u8)> = marks.keys().cloned().collect();
        Ok(OfferSet { offers, exhausted })
    }

    /// Remembers budget shards a draw found too low.
    pub fn budget_exhausted(&self, shards: Vec<(OfferId, u8)>, now: OffsetDateTime) {
        let mut marks = self
            .inner
            .exhausted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for shard in shards {
            marks.insert(shard, now);
        }
    }

    /// Forgets that the shards a committed refund gave points back to had run out.
    pub fn budget_returned(&self, records: &[Record]) {
        let returned: Vec<(OfferId, u8)> = records
            .iter()
            .filter_map(|record| match record {
                Record::ReturnBudget(returned) => Some((returned.offer_id.clone(), returned.shard)),
                _ => None,
            })
            .collect();
        if returned.is_empty() {
            return;
        }
        let mut marks = self
            .inner
            .exhausted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for shard in &returned {
            marks.remove(shard);
        }
    }

    /// Stores an offer; this environment reads the offers again on its next request, and
    /// tries each of the offer's shards again.
    pub async fn put_offer(
        &self,
        store: &Store,
        offer: &TargetedOffer,
        replaced: Option<&StoredOffer>,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<(), OfferWriteError> {
        store.put_offer(offer, replaced, now, actor).await?;
        *self
            .inner
            .offers
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.inner
            .exhausted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(id, _), _| id != &offer.offer_id);
        Ok(())
    }
}
