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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::{OfferId, PartnerId};
    use crate::domain::operation::fixtures::NOW;
    use crate::domain::partner::{PartnerSecret, PartnerStatus};

    fn partner() -> Partner {
        Partner {
            partner_id: PartnerId::try_from("bikes").unwrap(),
            name: "Bikes".into(),
            status: PartnerStatus::Active,
            secrets: vec![PartnerSecret {
                secret_id: "sec_1".into(),
                sealed: "v1.x".into(),
                created_at: NOW,
            }],
            offers: Vec::new(),
            created_at: NOW,
            revision: 3,
        }
    }

    #[test]
    fn a_new_partner_is_written_as_new_and_a_change_against_the_revision_read() {
        let created = create_partner(partner());
        assert!(
            matches!(created.change.records.as_slice(), [Record::NewPartner(p)] if p.revision == 3)
        );
        assert!(created.change.member.is_none());
        let renamed = update_partner(partner(), |p| {
            p.rename("Bike Shop", Some(PartnerStatus::Suspended))
        })
        .unwrap();
        assert_eq!(renamed.partner.name, "Bike Shop");
        assert_eq!(renamed.partner.status, PartnerStatus::Suspended);
        assert!(
            matches!(renamed.change.records.as_slice(), [Record::Partner(p)] if p.revision == 3)
        );
    }

    #[test]
    fn a_refused_change_writes_nothing() {
        let refused = update_partner(partner(), |p| p.retire_secret("sec_1"));
        assert_eq!(
            refused.unwrap_err(),
            OperationError::Partner(PartnerError::LastSecret)
        );
        let unknown = update_partner(partner(), |p| {
            p.withdraw_offer(&OfferId::try_from("none").unwrap())
        });
        assert!(matches!(
            unknown,
            Err(OperationError::Partner(PartnerError::UnknownOffer(_)))
        ));
        let blank = update_partner(partner(), |p| p.rename(" ", None));
        assert_eq!(
            blank.unwrap_err(),
            OperationError::Partner(PartnerError::Name)
        );
    }
}
