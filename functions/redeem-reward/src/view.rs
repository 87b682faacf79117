//! A redemption as members and tills see it.

use loyalty::domain::redemption::Redemption;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

pub fn redemption_view(r: &Redemption) -> Value {
    let at = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    json!({
        "redemptionId": r.redemption_id,
        "rewardId": r.reward_id,
        "rewardName": r.reward_name,
        "code": r.code.display(),
        "pointsSpent": r.points_spent,
        "status": r.status,
        "createdAt": at(r.created_at),
        "closedAt": r.closed_at.map(at),
    })
}
