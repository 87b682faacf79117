//! `GET /v1/rewards` and `PUT /v1/rewards/{rewardId}`: the catalogue as data.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, RewardId};
use loyalty::domain::member::Member;
use loyalty::domain::program::Program;
use loyalty::domain::reward::{Reward, RewardDocument};
use loyalty::http::{ApiError, ApiRequest, Scope, json};
use loyalty::store::SnapshotRequest;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    reward: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Admin)?;
    let reward_id = RewardId::try_from(reward)?;
    let (document, _): (RewardDocument, _) = request.json()?;
    let program = context.store.program().await?;
    let reward = Reward::from_document(reward_id, document, program.as_ref())
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    context
        .store
        .put_reward(&reward, context.clock.now(), caller.subject())
        .await?;
    tracing::info!(
        actor = caller.subject(),
        reward = reward.reward_id.as_str(),
        "reward saved"
    );
    json(StatusCode::OK, &reward)
}

/// Operators see every reward as stored; anyone else sees the active ones, and a member
/// also sees which it can afford and is eligible for.
pub async fn list(context: &Context, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    let now = context.clock.now();
    let rewards = context.store.rewards().await?;
    if caller.has(Scope::Admin) {
        return json(StatusCode::OK, &json!({ "items": rewards }));
    }
    let member_id = MemberId::try_from(caller.subject()).ok();
    let snapshot = match &member_id {
        Some(id) => {
            let read = SnapshotRequest {
                member: Some(id),
                program: true,
                ..Default::default()
            };
            context.store.snapshot(read, now).await?
        }
        None => Default::default(),
    };
    let items: Vec<Value> = rewards
        .iter()
        .filter(|r| r.active)
        .map(|r| reward_view(r, snapshot.member.as_ref(), snapshot.program.as_ref(), now))
        .collect();
    json(StatusCode::OK, &json!({ "items": items }))
}

fn reward_view(
    reward: &Reward,
    member: Option<&Member>,
    program: Option<&Program>,
    now: OffsetDateTime,
) -> Value {
    let at = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let mut view = json!({
        "rewardId": reward.reward_id,
        "name": reward.name,
        "cost": reward.cost,
        "available": reward.is_offered_at(now) && reward.in_stock(),
    });
    let mut add = |name: &str, value: Value| {
        if let Some(fields) = view.as_object_mut() {
            fields.insert(name.to_string(), value);
        }
    };
    if let Some(min_tier) = &reward.min_tier {
        add("minTier", json!(min_tier));
    }
    if let Some(stock) = reward.stock {
        add("remaining", json!(stock));
    }
    if let Some(from) = reward.valid_from {
        add("validFrom", json!(at(from)));
    }
    if let Some(to) = reward.valid_to {
        add("validTo", json!(at(to)));
    }
    if let (Some(member), Some(program)) = (member, program) {
        add("eligible", json!(reward.tier_allows(member, program)));
        add("affordable", json!(member.balance() >= reward.cost));
    }
    view
}
