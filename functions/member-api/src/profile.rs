//! `GET /v1/members/me`: balance, tier and progress, and points about to expire.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::member::Member;
use loyalty::domain::points::Points;
use loyalty::domain::program::Program;
use loyalty::http::{ApiError, ApiRequest, json};
use loyalty::store::SnapshotRequest;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Used for progress when no programme has been configured yet.
const DEFAULT_WINDOW_DAYS: u16 = 365;

pub async fn profile(
    context: &Context,
    _request: &ApiRequest,
    member: &MemberId,
) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    let read = SnapshotRequest {
        member: Some(member),
        program: true,
        ..Default::default()
    };
    let snapshot = context.store.snapshot(read, now).await?;
    let member = snapshot
        .member
        .ok_or_else(|| ApiError::NotFound("no member with this id; enrol first".into()))?;
    json(
        StatusCode::OK,
        &member_view(&member, snapshot.program.as_ref(), now),
    )
}

/// The member as the app shows it.
pub fn member_view(member: &Member, program: Option<&Program>, now: OffsetDateTime) -> Value {
    let window_days = program
        .map(|p| p.qualifying_window_days())
        .unwrap_or(DEFAULT_WINDOW_DAYS);
    let qualifying = member.qualifying_points(now, window_days);
    let current = program.map(|p| member.current_tier(p));
    let next = match (program, current) {
        (Some(program), Some(tier)) => program.next_tier_after(tier.name()).map(|next| {
            let needed = next
                .qualifying_points()
                .checked_sub(qualifying)
                .unwrap_or_default()
                .max(Points::ZERO);
            json!({"name": next.name(), "pointsNeeded": needed})
        }),
        _ => None,
    };
    let expiring: Vec<Value> = member
        .expiring_points()
        .into_iter()
        .map(|(points, at)| json!({"points": points, "expiresAt": rfc3339(at)}))
        .collect();
    json!({
        "memberId": member.id(),
        "displayName": member.display_name(),
        "enrolledAt": rfc3339(member.enrolled_at()),
        "balance": member.balance(),
        "lifetimePoints": member.lifetime_points(),
        "tier": {
            "name": member.tier().name,
            "since": rfc3339(member.tier().since),
            "qualifyingPoints": qualifying,
            "windowDays": window_days,
            "perks": current.map(|t| t.perks().to_vec()).unwrap_or_default(),
            "reviewAt": member.tier().review_at.map(rfc3339),
            "floor": member.floor().map(|f| json!({"tier": f.tier, "until": rfc3339(f.until)})),
            "next": next,
        },
        "expiringPoints": expiring,
    })
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
