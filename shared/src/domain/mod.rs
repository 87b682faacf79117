//! Pure domain logic: no DynamoDB, no HTTP.

pub mod clock;
pub mod currency;
pub mod earn_rules;
pub mod entry_id;
pub mod event;
pub mod identifier;
pub mod ledger;
pub mod lots;
pub mod member;
pub mod money;
pub mod multiplier;
pub mod offer;
pub mod operation;
pub mod partner;
pub mod partner_limits;
pub mod points;
pub mod program;
pub mod purchase;
pub mod qualifying;
pub mod reason;
pub mod redemption;
pub mod reward;
pub mod tier;
pub mod tier_policy;
pub mod tier_review;
pub mod voucher_code;
