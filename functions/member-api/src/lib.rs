//! The member-api function: what the mobile app needs about the member it signs in as.
//!
//! Routes: `POST /v1/members` (enrol), `GET /v1/members/me`, `PATCH /v1/members/me` (name and
//! birthday), `DELETE /v1/members/me` (erasure), `GET /v1/members/me/activity`,
//! `GET /v1/members/me/stamps`, `GET /v1/members/me/challenges`,
//! `GET /v1/members/me/referrals`, `GET /v1/members/me/export`,
//! `PUT /v1/members/me/consents`, `GET /v1/members/me/offers`,
//! `POST /v1/members/me/offers/{offerId}/activate`; for operators (or the member itself)
//! `GET /v1/members/{memberId}`, `GET /v1/members/{memberId}/activity` and
//! `GET /v1/members/{memberId}/export`; for operators `DELETE /v1/members/{memberId}`,
//! `GET /v1/members/{memberId}/events` and `POST /v1/imports/members`.

mod activity;
mod challenges;
mod consents;
mod cursor;
mod display_name;
mod enrol;
mod erase;
mod events;
mod export;
mod import;
mod offers;
mod profile;
mod referrals;
mod stamps;
mod update;
mod view;

use std::convert::Infallible;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, OfferId};
use loyalty::http::{ApiError, ApiRequest, serve};

pub async fn handle(context: &Context, request: Request) -> Result<Response<Body>, Infallible> {
    Ok(serve(context, request, |request| route(context, request)).await)
}

/// Each route: who may call it, and whose member it reads.
async fn route(context: &Context, request: ApiRequest) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    match (method, request.segments().as_slice()) {
        (Method::POST, ["v1", "members"]) => {
            enrol::enrol(context, &request, request.member()?).await
        }
        (Method::GET, ["v1", "members", "me"]) => {
            profile::profile(context, &request.member()?.id).await
        }
        (Method::PATCH, ["v1", "members", "me"]) => {
            update::update(context, &request, request.member()?).await
        }
        (Method::DELETE, ["v1", "members", "me"]) => {
            Box::pin(erase::erase_self(context, &request, request.member()?)).await
        }
        (Method::GET, ["v1", "members", "me", "export"]) => {
            Box::pin(export::export(context, &request.member()?.id)).await
        }
        (Method::GET, ["v1", "members", "me", "activity"]) => {
            activity::activity(context, &request, &request.member()?.id).await
        }
        (Method::GET, ["v1", "members", "me", "challenges"]) => {
            challenges::challenges(context, &request.member()?.id).await
        }
        (Method::GET, ["v1", "members", "me", "stamps"]) => {
            stamps::stamps(context, &request.member()?.id).await
        }
        (Method::PUT, ["v1", "members", "me", "consents"]) => {
            consents::set_consents(context, &request, request.member()?).await
        }
        (Method::GET, ["v1", "members", "me", "offers"]) => {
            offers::list(context, &request.member()?.id).await
        }
        (Method::POST, ["v1", "members", "me", "offers", offer, "activate"]) => {
            let offer = OfferId::try_from(*offer)?;
            offers::activate(context, &request.member()?.id, offer).await
        }
        (Method::GET, ["v1", "members", "me", "referrals"]) => {
            referrals::referrals(context, &request.member()?.id).await
        }
        (Method::POST, ["v1", "imports", "members"]) => {
            import::import(context, &request, request.operator()?).await
        }
        (Method::GET, ["v1", "members", member]) => {
            profile::profile(context, &request.reader_of(member)?).await
        }
        (Method::DELETE, ["v1", "members", member]) => {
            Box::pin(erase::erase_member(
                context,
                &request,
                request.operator()?,
                member,
            ))
            .await
        }
        (Method::GET, ["v1", "members", member, "export"]) => {
            Box::pin(export::export(context, &request.reader_of(member)?)).await
        }
        (Method::GET, ["v1", "members", member, "events"]) => {
            request.operator()?;
            events::events(context, &request, &MemberId::try_from(*member)?).await
        }
        (Method::GET, ["v1", "members", member, "activity"]) => {
            activity::activity(context, &request, &request.reader_of(member)?).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}
