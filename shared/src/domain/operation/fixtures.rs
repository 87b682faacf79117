//! What the operations' unit tests share: the demo programme, a member, and times.

use time::OffsetDateTime;
use time::macros::datetime;

use crate::domain::identifier::MemberId;
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;

/// Inside the demo programme's winter promotion.
pub const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);
pub const ACTOR: &str = "till-1";

pub fn program() -> Program {
    Program::from_json(include_bytes!(
        "../../../../tests/fixtures/demo-program.json"
    ))
    .expect("the demo programme is valid")
}

pub fn member(program: &Program) -> Member {
    Member::enrol(
        MemberId::try_from("m-1").expect("a valid id"),
        None,
        None,
        NOW,
        program.lowest_tier(),
    )
}

pub fn points(value: i64) -> Points {
    Points::new(value).expect("points in range")
}

/// The demo programme with `change` made to its document.
fn demo_program_with(change: impl FnOnce(&mut serde_json::Value)) -> Program {
    let mut document: serde_json::Value = serde_json::from_slice(include_bytes!(
        "../../../../tests/fixtures/demo-program.json"
    ))
    .expect("the demo programme is JSON");
    change(&mut document);
    Program::from_json(&serde_json::to_vec(&document).expect("JSON")).expect("a valid programme")
}

/// The demo programme with members counted active for ten years after their last earn: for
/// tests of other due dates, which a quiet spell (60 days by default) would come before.
pub fn patient_program() -> Program {
    demo_program_with(|document| {
        document["engagement"] = serde_json::json!({"inactiveAfterDays": 3650});
    })
}

/// The demo programme with a return window of `days`.
pub fn pending_program(days: u8) -> Program {
    demo_program_with(|document| document["pendingDays"] = days.into())
}

/// The demo programme without its birthday bonus.
pub fn program_without_birthday_bonus() -> Program {
    demo_program_with(|document| {
        if let Some(fields) = document.as_object_mut() {
            fields.remove("birthdayBonus");
        }
    })
}

/// The demo programme with three stamp cards: `coffee` (3 stamps, coffee from 2.50 EUR, 2 a
/// day, a voucher for `free-coffee`), `bakery` (2 stamps, bakery, 40 points) and `mug` (2
/// stamps, bakery, a voucher for `mug`).
pub fn stamp_program() -> Program {
    demo_program_with(|document| {
        document["stampCards"] = serde_json::json!([
            {"cardId": "coffee", "name": "Coffee card", "stampsRequired": 3,
             "categories": ["coffee"], "minSpend": {"amount": 250, "currency": "EUR"},
             "maxStampsPerDay": 2, "reward": {"rewardId": "free-coffee"}},
            {"cardId": "bakery", "name": "Bakery card", "stampsRequired": 2,
             "categories": ["bakery"], "reward": {"points": 40}},
            {"cardId": "mug", "name": "Mug card", "stampsRequired": 2,
             "categories": ["bakery"], "reward": {"rewardId": "mug"}}
        ]);
    })
}

/// The demo programme (its `review` and `survey` rules, its `critic` challenge and its `plus`
/// plan) with two purchase challenges: `coffee-3` (three coffees, 200 points and the badge
/// `regular`) and `spend-50` (50.00 EUR of anything, 300 points, no badge).
pub fn challenge_program() -> Program {
    demo_program_with(|document| {
        let window = ("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z");
        let challenges = document["challenges"]
            .as_array_mut()
            .expect("the demo programme has challenges");
        challenges.push(serde_json::json!({
            "challengeId": "coffee-3", "name": "Three coffees",
            "validFrom": window.0, "validTo": window.1,
            "goal": {"purchases": 3}, "categories": ["coffee"],
            "reward": {"points": 200}, "badge": "regular"}));
        challenges.push(serde_json::json!({
            "challengeId": "spend-50", "name": "Spend 50 EUR",
            "validFrom": window.0, "validTo": window.1,
            "goal": {"spend": {"amount": 5000, "currency": "EUR"}},
            "reward": {"points": 300}}));
    })
}
