//! Changes to a partner's record (its name and status, its secrets, its offers): no
//! balance moves, but they go through the same loop, guarded by the revision read.

use super::{Change, OperationError, Record};
use crate::domain::partner::{Partner, PartnerError};

#[derive(Debug)]
pub struct PartnerChange {
    pub change: Change,
    /// The partner as it will be.
    pub partner: Partner,
}

/// A partner that did not exist.
pub fn create_partner(partner: Partner) -> PartnerChange {
    PartnerChange {
        change: Change::records(vec![Record::NewPartner(partner.clone())]),
        partner,
    }
}

/// `edit` applied to the partner as read.
pub fn update_partner(
    mut partner: Partner,
    edit: impl FnOnce(&mut Partner) -> Result<(), PartnerError>,
) -> Result<PartnerChange, OperationError> {
    edit(&mut partner)?;
    Ok(PartnerChange {
        change: Change::records(vec![Record::Partner(partner.clone())]),
        partner,
    })
}
