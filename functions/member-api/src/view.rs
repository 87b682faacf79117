//! The member as the app shows it: balance, pending points, tier and progress, points about
//! to expire, consents, and whether it is active.

use loyalty::domain::birthday::Birthday;
use loyalty::domain::engagement::Status;
use loyalty::domain::identifier::{Badge, MemberId};
use loyalty::domain::member::Member;
use loyalty::domain::points::Points;
use loyalty::domain::program::Program;
use loyalty::domain::referral_code::ReferralCode;
use loyalty::domain::tier::TierName;
use loyalty::http::views::{MembershipView, timestamp};
use serde::Serialize;
use time::OffsetDateTime;

/// Used for progress when no programme has been configured yet.
const DEFAULT_WINDOW_DAYS: u16 = 365;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    member_id: MemberId,
    display_name: Option<String>,
    /// `MM-DD`, no year.
    birthday: Option<Birthday>,
    /// The member's own code, to refer others with.
    referral_code: Option<ReferralCode>,
    #[serde(with = "timestamp")]
    enrolled_at: OffsetDateTime,
    /// Spendable points only.
    balance: Points,
    pending_points: Points,
    pending: Vec<PendingView>,
    lifetime_points: Points,
    tier: TierView,
    expiring_points: Vec<ExpiringView>,
    consents: ConsentsView,
    /// The last earn or redemption.
    #[serde(with = "timestamp::option")]
    last_activity_at: Option<OffsetDateTime>,
    status: Status,
    /// Badges completed challenges gave, oldest first.
    badges: Vec<Badge>,
    /// The paid membership running now.
    membership: Option<MembershipView>,
}

#[derive(Debug, Serialize)]
struct ConsentsView {
    marketing: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TierView {
    name: String,
    #[serde(with = "timestamp")]
    since: OffsetDateTime,
    qualifying_points: Points,
    window_days: u16,
    perks: Vec<String>,
    #[serde(with = "timestamp::option")]
    review_at: Option<OffsetDateTime>,
    floor: Option<FloorView>,
    next: Option<NextTierView>,
}

#[derive(Debug, Serialize)]
struct FloorView {
    tier: String,
    #[serde(with = "timestamp")]
    until: OffsetDateTime,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NextTierView {
    name: TierName,
    points_needed: Points,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExpiringView {
    points: Points,
    #[serde(with = "timestamp")]
    expires_at: OffsetDateTime,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PendingView {
    points: Points,
    #[serde(with = "timestamp")]
    available_at: OffsetDateTime,
}

impl MemberView {
    pub fn new(member: &Member, program: Option<&Program>, now: OffsetDateTime) -> Self {
        let window_days = program.map_or(DEFAULT_WINDOW_DAYS, Program::qualifying_window_days);
        let qualifying = member.qualifying_points(now, window_days);
        let current = program.map(|p| member.current_tier(p, now));
        let next = program.zip(current).and_then(|(program, tier)| {
            program
                .next_tier_after(tier.name())
                .map(|next| NextTierView {
                    name: next.name().clone(),
                    points_needed: next
                        .qualifying_points()
                        .checked_sub(qualifying)
                        .unwrap_or_default()
                        .max(Points::ZERO),
                })
        });
        Self {
            member_id: member.id().clone(),
            display_name: member.display_name().map(str::to_string),
            birthday: member.birthday(),
            referral_code: member.referral_code().cloned(),
            enrolled_at: member.enrolled_at(),
            balance: member.balance(),
            pending_points: member.pending().total().unwrap_or_default(),
            pending: member
                .pending()
                .groups()
                .map(|group| PendingView {
                    points: group.points(),
                    available_at: group.available_at,
                })
                .collect(),
            lifetime_points: member.lifetime_points(),
            tier: TierView {
                name: current.map_or_else(|| member.tier().name.clone(), |t| t.name().to_string()),
                since: member.tier().since,
                qualifying_points: qualifying,
                window_days,
                perks: current.map(|t| t.perks().to_vec()).unwrap_or_default(),
                review_at: member.tier().review_at,
                floor: member.floor().map(|f| FloorView {
                    tier: f.tier.clone(),
                    until: f.until,
                }),
                next,
            },
            expiring_points: member
                .expiring_points()
                .into_iter()
                .map(|(points, expires_at)| ExpiringView { points, expires_at })
                .collect(),
            consents: ConsentsView {
                marketing: member.marketing_consent(),
            },
            last_activity_at: member.last_activity_at(),
            status: member.status(program.map(Program::engagement).unwrap_or_default(), now),
            badges: member.badges().to_vec(),
            membership: program.and_then(|program| {
                member.running_plan(program, now)?;
                MembershipView::new(member.membership()?, program).map(MembershipView::for_member)
            }),
        }
    }
}
