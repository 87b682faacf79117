//! `GET /v1/members/me/export` (and `/v1/members/{memberId}/export`): every record the table
//! holds about the member, in one answer: the profile as the app shows it now, and every
//! stored item of its partition (ledger, purchases, redemptions and vouchers, stamp cards,
//! referrals, events).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::http::views::timestamp;
use loyalty::http::{ApiError, json};
use loyalty::store::{MemberRecords, SnapshotRequest};
use serde::Serialize;
use time::OffsetDateTime;

use crate::view::MemberView;

/// A Lambda answer carries at most 6 MB; this leaves room for the envelope and its
/// encoding. A member with about 15,000 ledger entries reaches it (docs/data-model.md).
const MAX_EXPORT_BYTES: usize = 5_500_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Export<'a> {
    #[serde(with = "timestamp")]
    exported_at: OffsetDateTime,
    profile: MemberView,
    #[serde(flatten)]
    records: &'a MemberRecords,
}

pub async fn export(context: &Context, member: &MemberId) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    let mut snapshot = context
        .snapshot(SnapshotRequest::member(member), now)
        .await?;
    let current = snapshot.member()?;
    let program = snapshot.program.as_ref();
    let current = match program {
        Some(program) => current.as_of(program, now),
        None => current,
    };
    let records = context.store.member_records(member).await?;
    let export = Export {
        exported_at: now,
        profile: MemberView::new(&current, program, now),
        records: &records,
    };
    let size = serde_json::to_vec(&export)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    if size > MAX_EXPORT_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    json(StatusCode::OK, &export)
}
