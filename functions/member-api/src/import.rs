//! `POST /v1/imports/members` (operators): members brought from another engine, up to 100 a
//! call. Each member is written whole or not at all (one transaction: the member, its
//! referral code, its `import` ledger entries and the figures they move); a member already
//! present is skipped, so a batch can be sent again after any failure and changes nothing
//! the second time.
//!
//! What refuses the whole request (400, nothing written): a body that is not the documented
//! shape (wrong JSON types, unknown fields), more than 100 members, one member id twice.
//! What refuses one member (an entry in `errors`, code `invalid_request`; the others go on):
//! a bad identifier, display name or time, points that are not positive, a lot that has
//! expired, an unknown tier, more lots and pending groups than one transaction holds.
//! DynamoDB throttling or an outage stops the request with 429 / 503: the members written
//! before it stay, and sending the batch again skips them.

use std::collections::HashSet;

use futures::stream::{self, StreamExt, TryStreamExt};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::import::{
    Count, ImportRefusal, ImportedLot, ImportedPending, MemberImport, PositivePoints,
};
use loyalty::domain::operation::{Imported, import_member};
use loyalty::domain::program::Program;
use loyalty::domain::tier::TierName;
use loyalty::http::{ApiError, ApiRequest, Operator, json};
use loyalty::store::Missing;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::display_name::display_name;

/// Members in one request (API.md).
pub const MAX_MEMBERS: usize = 100;
/// Members written at once within one request: their transactions are independent.
const CONCURRENCY: usize = 8;
/// Characters of a refused member's id echoed back in `errors`.
const ECHOED_ID_CHARS: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ImportRequest {
    members: Vec<MemberBody>,
}

/// One member as sent: well-typed JSON; its values are parsed into the domain's types
/// one member at a time, so a bad value refuses that member only.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MemberBody {
    member_id: String,
    display_name: Option<String>,
    enrolled_at: String,
    tier: Option<String>,
    lots: Vec<LotBody>,
    pending_points: Option<Vec<PendingBody>>,
    lifetime_points: Option<i64>,
    qualifying_points: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LotBody {
    points: i64,
    expires_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PendingBody {
    points: i64,
    available_at: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportReply {
    imported: usize,
    skipped: usize,
    errors: Vec<MemberError>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MemberError {
    member_id: String,
    code: &'static str,
    message: String,
}

/// What became of one member.
enum Outcome {
    Imported,
    Skipped,
    Refused(MemberError),
}

fn invalid(message: impl Into<String>) -> ImportRefusal {
    ImportRefusal::Invalid(message.into())
}

fn time(field: &str, raw: &str) -> Result<OffsetDateTime, ImportRefusal> {
    OffsetDateTime::parse(raw, &Rfc3339)
        .map_err(|_| invalid(format!("{field} must be an RFC 3339 time")))
}

fn points(field: &str, raw: i64) -> Result<PositivePoints, ImportRefusal> {
    PositivePoints::try_from(raw).map_err(|e| invalid(format!("{field}: {e}")))
}

fn count(field: &str, raw: Option<i64>) -> Result<Option<Count>, ImportRefusal> {
    raw.map(|raw| Count::try_from(raw).map_err(|e| invalid(format!("{field} {e}"))))
        .transpose()
}

impl TryFrom<MemberBody> for MemberImport {
    type Error = ImportRefusal;

    fn try_from(body: MemberBody) -> Result<Self, Self::Error> {
        let member_id = MemberId::try_from(body.member_id).map_err(|e| invalid(e.to_string()))?;
        let display_name = display_name(body.display_name).map_err(|e| invalid(e.to_string()))?;
        let tier = body
            .tier
            .map(TierName::try_from)
            .transpose()
            .map_err(|e| invalid(e.to_string()))?;
        let lots = body
            .lots
            .into_iter()
            .enumerate()
            .map(|(i, lot)| {
                Ok(ImportedLot {
                    points: points(&format!("lots[{i}].points"), lot.points)?,
                    expires_at: time(&format!("lots[{i}].expiresAt"), &lot.expires_at)?,
                })
            })
            .collect::<Result<_, ImportRefusal>>()?;
        let pending = body
            .pending_points
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, pending)| {
                Ok(ImportedPending {
                    points: points(&format!("pendingPoints[{i}].points"), pending.points)?,
                    available_at: time(
                        &format!("pendingPoints[{i}].availableAt"),
                        &pending.available_at,
                    )?,
                })
            })
            .collect::<Result<_, ImportRefusal>>()?;
        Ok(MemberImport {
            member_id,
            display_name,
            enrolled_at: time("enrolledAt", &body.enrolled_at)?,
            tier,
            lots,
            pending,
            lifetime_points: count("lifetimePoints", body.lifetime_points)?,
            qualifying_points: count("qualifyingPoints", body.qualifying_points)?
                .unwrap_or_default(),
        })
    }
}

pub async fn import(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
) -> Result<Response<Body>, ApiError> {
    // Accepted like every write's; a batch needs no record of its own: sent again, it skips
    // the members it wrote and changes nothing.
    request.idempotency_key()?;
    let (body, _): (ImportRequest, _) = request.json()?;
    if body.members.len() > MAX_MEMBERS {
        return Err(ApiError::invalid(format!(
            "at most {MAX_MEMBERS} members a request, not {}",
            body.members.len()
        )));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = body.members.iter().find(|m| !seen.insert(&m.member_id)) {
        return Err(ApiError::invalid(format!(
            "member {:?} appears twice in the batch",
            echoed(&twice.member_id)
        )));
    }
    let now = context.clock.now();
    let program = context
        .shared
        .program(&context.store, now)
        .await?
        .ok_or(Missing::Program)?;
    let actor = operator.actor();
    let outcomes: Vec<Outcome> = stream::iter(body.members)
        .map(|member| import_one(context, &program, actor, member, now))
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut reply = ImportReply {
        imported: 0,
        skipped: 0,
        errors: Vec::new(),
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Imported => reply.imported += 1,
            Outcome::Skipped => reply.skipped += 1,
            Outcome::Refused(error) => reply.errors.push(error),
        }
    }
    tracing::info!(
        imported = reply.imported,
        skipped = reply.skipped,
        refused = reply.errors.len(),
        "import batch"
    );
    json(StatusCode::OK, &reply)
}

/// One member: refused, or written in its own transaction (skipped when present).
async fn import_one(
    context: &Context,
    program: &Program,
    actor: &str,
    body: MemberBody,
    now: OffsetDateTime,
) -> Result<Outcome, ApiError> {
    let member_id = echoed(&body.member_id);
    let decided =
        MemberImport::try_from(body).and_then(|record| import_member(record, program, actor, now));
    let Imported { member, entries } = match decided {
        Ok(imported) => imported,
        Err(refusal) => {
            return Ok(Outcome::Refused(MemberError {
                member_id,
                code: "invalid_request",
                message: refusal.to_string(),
            }));
        }
    };
    let created = context.store.import_member(&member, &entries, now).await?;
    Ok(if created {
        Outcome::Imported
    } else {
        Outcome::Skipped
    })
}

fn echoed(member_id: &str) -> String {
    member_id.chars().take(ECHOED_ID_CHARS).collect()
}
