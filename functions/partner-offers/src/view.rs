//! A partner as operators see it: never a secret, only the ids of the active ones.

use loyalty::domain::identifier::PartnerId;
use loyalty::domain::offer::Offer;
use loyalty::domain::partner::{Partner, PartnerStatus};
use loyalty::http::views::timestamp;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerView {
    partner_id: PartnerId,
    name: String,
    status: PartnerStatus,
    secrets: Vec<SecretView>,
    offers: Vec<Offer>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretView {
    secret_id: String,
    #[serde(with = "timestamp")]
    created_at: OffsetDateTime,
}

impl From<&Partner> for PartnerView {
    fn from(partner: &Partner) -> Self {
        Self {
            partner_id: partner.partner_id.clone(),
            name: partner.name.clone(),
            status: partner.status,
            secrets: partner
                .secrets
                .iter()
                .map(|s| SecretView {
                    secret_id: s.secret_id.clone(),
                    created_at: s.created_at,
                })
                .collect(),
            offers: partner.offers.clone(),
        }
    }
}

/// A secret, shown once: when it is made. Only its sealed form is kept.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSecretView {
    pub secret_id: String,
    pub secret: String,
}

/// A partner just created, with its first secret.
#[derive(Debug, Serialize)]
pub struct CreatedView {
    #[serde(flatten)]
    pub partner: PartnerView,
    #[serde(flatten)]
    pub secret: NewSecretView,
}

/// A webhook's effect, as the partner is told it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Processed<X: Serialize> {
    pub status: &'static str,
    #[serde(flatten)]
    pub fields: X,
}
