//! The programme configuration: one item, replaced whole by operators.

use time::OffsetDateTime;

use super::items::ProgramItem;
use super::{Store, StoreError, key, keys, to_item};
use crate::domain::program::Program;

impl Store {
    pub async fn put_program(
        &self,
        program: &Program,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<(), StoreError> {
        let item = ProgramItem {
            pk: keys::PROGRAM_PK.to_string(),
            sk: keys::PROGRAM_SK.to_string(),
            entity: "program".to_string(),
            program: program.clone(),
            updated_at: now,
            updated_by: actor.to_string(),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    pub async fn program(&self) -> Result<Option<Program>, StoreError> {
        let key = key(keys::PROGRAM_PK.to_string(), keys::PROGRAM_SK);
        Ok(self.get::<ProgramItem>(key).await?.map(|p| p.program))
    }
}
