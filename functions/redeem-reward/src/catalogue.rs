//! `GET /v1/rewards` and `PUT /v1/rewards/{rewardId}`: the catalogue as data.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, RewardId};
use loyalty::domain::member::Member;
use loyalty::domain::points::Points;
use loyalty::domain::program::Program;
use loyalty::domain::reward::{Reward, RewardDocument};
use loyalty::domain::tier::TierName;
use loyalty::http::views::timestamp;
use loyalty::http::{ApiError, ApiRequest, Operator, json};
use loyalty::identity::{Caller, Scope};
use loyalty::store::SnapshotRequest;
use serde::Serialize;
use time::OffsetDateTime;

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    reward_id: RewardId,
) -> Result<Response<Body>, ApiError> {
    let (document, _): (RewardDocument, _) = request.json()?;
    let now = context.clock.now();
    let program = context.shared.program(&context.store, now).await?;
    let reward = Reward::from_document(reward_id, document, program.as_ref())?;
    context
        .shared
        .put_reward(&context.store, &reward, now, operator.actor())
        .await?;
    tracing::info!(
        actor = operator.actor(),
        reward = reward.reward_id.as_str(),
        "reward saved"
    );
    json(StatusCode::OK, &reward)
}

#[derive(Debug, Serialize)]
struct Catalogue<T> {
    items: Vec<T>,
}

/// A reward as members see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RewardView {
    reward_id: RewardId,
    name: String,
    cost: Points,
    available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_tier: Option<TierName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", with = "timestamp::option")]
    valid_from: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none", with = "timestamp::option")]
    valid_to: Option<OffsetDateTime>,
    /// For a member: whether its tier reaches the reward's, and its balance the cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    eligible: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    affordable: Option<bool>,
}

impl RewardView {
    fn new(reward: &Reward, member: Option<(&Member, &Program)>, now: OffsetDateTime) -> Self {
        Self {
            reward_id: reward.reward_id.clone(),
            name: reward.name.clone(),
            cost: reward.cost,
            available: reward.is_offered_at(now) && reward.in_stock(),
            min_tier: reward.min_tier.clone(),
            remaining: reward.stock,
            valid_from: reward.valid_from,
            valid_to: reward.valid_to,
            eligible: member.map(|(m, p)| reward.tier_allows(m, p, now)),
            affordable: member.map(|(m, _)| m.balance() >= reward.cost),
        }
    }
}

/// Operators see every reward as stored; anyone else sees the active ones, and a member
/// also sees which it can afford and is eligible for.
pub async fn list(context: &Context, caller: &Caller) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    if caller.has(Scope::Admin) {
        // Read through: operators see the stock as it is now.
        let rewards = context.store.rewards().await?;
        return json(StatusCode::OK, &Catalogue { items: rewards });
    }
    let rewards = context.shared.catalogue(&context.store, now).await?;
    let snapshot = match MemberId::try_from(caller.subject()) {
        Ok(id) => context.snapshot(SnapshotRequest::member(&id), now).await?,
        Err(_) => Default::default(),
    };
    let current = snapshot
        .member
        .as_ref()
        .zip(snapshot.program.as_ref())
        .map(|(member, program)| member.as_of(program, now));
    let member = current.as_ref().zip(snapshot.program.as_ref());
    let items: Vec<RewardView> = rewards
        .iter()
        .filter(|r| r.active)
        .map(|r| RewardView::new(r, member, now))
        .collect();
    json(StatusCode::OK, &Catalogue { items })
}
