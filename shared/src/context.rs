//! What a function builds once per execution environment and every invocation shares.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::domain::clock::{Clock, SystemClock};
use crate::identity::AuthConfig;
use crate::shared_items::SharedItems;
use crate::store::{Snapshot, SnapshotRequest, Store, StoreError, client_from_env};

#[derive(Clone)]
pub struct Context {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthConfig,
    /// The programme and catalogue, kept for a bounded time (see `shared_items`).
    pub shared: SharedItems,
}

#[derive(Debug, thiserror::Error)]
#[error("{0} is not set")]
pub struct MissingSetting(&'static str);

impl Context {
    /// From the Lambda environment: `TABLE_NAME`, and for local runs `DYNAMODB_ENDPOINT`
    /// and `LOYALTY_DEV_JWT_SECRET`.
    pub async fn from_env() -> Result<Self, MissingSetting> {
        let table = std::env::var("TABLE_NAME").map_err(|_| MissingSetting("TABLE_NAME"))?;
        Ok(Self {
            store: Store::new(client_from_env().await, table),
            clock: Arc::new(SystemClock),
            auth: AuthConfig::from_env(),
            shared: SharedItems::from_env(),
        })
    }

    /// What a decision reads: the items it names in one consistent TransactGetItems, and the
    /// programme (and the catalogue and offers, when asked for and needed) from the shared
    /// items, outside the transaction.
    pub async fn snapshot(
        &self,
        read: SnapshotRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Snapshot, StoreError> {
        let mut snapshot = self.store.snapshot(read, now).await?;
        if read.program {
            snapshot.program = self.shared.program(&self.store, now).await?;
        }
        if read.catalogue
            && snapshot
                .program
                .as_ref()
                .is_some_and(|p| p.has_voucher_cards())
        {
            // Boxed: the catalogue's Query is read rarely (kept for a while), and its future
            // would otherwise grow every snapshot's.
            snapshot.catalogue = Box::pin(self.shared.catalogue(&self.store, now)).await?;
        }
        if read.offers {
            snapshot.offers = Box::pin(self.shared.offers(&self.store, now)).await?;
        }
        Ok(snapshot)
    }
}
