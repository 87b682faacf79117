//! The integration tests, one module per area, in one test binary (`cargo test -p
//! loyalty-tests --test api`): as sixteen binaries, each linked every function crate again.
//! Their tests run side by side in this one process, so none may count on process-wide state
//! being its own; the one such state used is the global tracing subscriber (see `logs`).

mod actions;
mod bad_input;
mod birthdays;
mod challenges;
mod daily_run;
mod earn;
mod engagement;
mod faults;
mod iam;
mod identity;
mod import;
mod logs;
mod members;
mod memberships;
mod metrics;
mod offers;
mod openapi;
mod outage;
mod partners;
mod pending;
mod privacy;
mod program;
mod properties;
mod redeem;
mod referrals;
mod reverse;
mod review_findings;
mod shared_items;
mod stamps;
mod template;
mod tiers;
