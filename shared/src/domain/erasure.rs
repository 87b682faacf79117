//! Erasure: a member asks to be forgotten, or an operator acts on its request. The member's
//! own items go; what other parties keep (a partner's statement line, the answer a partner's
//! or a till's retry gets, a referrer's award) names a pseudonym instead; the programme's
//! figures keep the points it forfeited, as an `erase` movement.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::domain::identifier::MemberId;
use crate::domain::points::Points;
use crate::domain::reason::Reason;
use crate::domain::referral_code::ReferralCode;

/// What stands for an erased member where a record must stay. Derived from the id rather
/// than drawn, so a retried erasure finds its own record from the id alone; it is a one-way
/// hash (SHA-256), so the table alone cannot give the id back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pseudonym(String);

impl Pseudonym {
    pub fn of(member: &MemberId) -> Self {
        let digest = Sha256::new()
            .chain_update(b"loyalty-erasure\0")
            .chain_update(member.as_str().as_bytes())
            .finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Self(format!("erased-{hex}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who asked for an erasure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasedBy {
    /// The member itself (`DELETE /v1/members/me`); its id is not kept.
    Member,
    /// An operator, with the reason it gave.
    Operator { subject: String, reason: Reason },
}

/// What stays of an erased member: what the erasure answered, under its pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    pub pseudonym: Pseudonym,
    /// Spendable and pending points the member held, after anything due had expired.
    pub points_forfeited: Points,
    #[serde(with = "crate::domain::rfc3339")]
    pub erased_at: OffsetDateTime,
    /// `member`, or `operator:<subject>`.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// While the sweep of the member's other items runs, what it needs from the member item
    /// (gone by then); cleared when it is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// Where a member's data lives outside its own partition, as far as its item says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sweep {
    /// The member's own referral code, whose item names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_code: Option<ReferralCode>,
    /// The member who referred it, whose award for it is keyed by its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<MemberId>,
}

impl Erasure {
    pub fn is_done(&self) -> bool {
        self.sweep.is_none()
    }

    pub fn done(self) -> Self {
        Self {
            sweep: None,
            ..self
        }
    }
}

impl ErasedBy {
    fn label(&self) -> String {
        match self {
            ErasedBy::Member => "member".to_string(),
            ErasedBy::Operator { subject, .. } => format!("operator:{subject}"),
        }
    }

    fn reason(&self) -> Option<Reason> {
        match self {
            ErasedBy::Member => None,
            ErasedBy::Operator { reason, .. } => Some(reason.clone()),
        }
    }
}

/// The record an erasure of `member`, holding `held` points, leaves at `now`; the sweep it
/// must still run is noted in it.
pub fn erasure_record(
    member_id: &MemberId,
    referral_code: Option<&ReferralCode>,
    referrer: Option<&MemberId>,
    held: Points,
    by: &ErasedBy,
    now: OffsetDateTime,
) -> Erasure {
    Erasure {
        pseudonym: Pseudonym::of(member_id),
        points_forfeited: held,
        erased_at: now,
        by: by.label(),
        reason: by.reason(),
        sweep: Some(Sweep {
            referral_code: referral_code.cloned(),
            referrer: referrer.cloned(),
        }),
    }
}

/// Replaces the member's id wherever a stored JSON answer names it (as a whole string).
pub fn pseudonymise_json(body: &str, member: &MemberId, pseudonym: &Pseudonym) -> String {
    let quoted = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    body.replace(&quoted(member.as_str()), &quoted(pseudonym.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> MemberId {
        MemberId::try_from(raw).unwrap()
    }

    #[test]
    fn a_pseudonym_is_stable_distinct_and_does_not_contain_the_id() {
        let a = Pseudonym::of(&id("member-123"));
        assert_eq!(a, Pseudonym::of(&id("member-123")));
        assert_ne!(a, Pseudonym::of(&id("member-124")));
        assert!(!a.as_str().contains("member-123"));
        assert!(a.as_str().starts_with("erased-"));
        assert_eq!(a.as_str().len(), "erased-".len() + 32);
    }

    #[test]
    fn answers_name_the_pseudonym_only_where_they_named_the_member() {
        let member = id("m-1");
        let pseudonym = Pseudonym::of(&member);
        let body = r#"{"memberId":"m-1","reference":"m-10","note":"m-1x"}"#;
        let out = pseudonymise_json(body, &member, &pseudonym);
        assert_eq!(
            out,
            format!(
                r#"{{"memberId":"{}","reference":"m-10","note":"m-1x"}}"#,
                pseudonym.as_str()
            )
        );
    }

    #[test]
    fn the_record_says_who_asked_and_keeps_what_the_sweep_needs_until_done() {
        let by = ErasedBy::Operator {
            subject: "ops-1".into(),
            reason: Reason::try_from("GDPR request 42".to_string()).unwrap(),
        };
        let now = time::macros::datetime!(2027-01-01 0:00 UTC);
        let record = erasure_record(
            &id("m-1"),
            None,
            Some(&id("m-0")),
            Points::new(120).unwrap(),
            &by,
            now,
        );
        assert_eq!(record.by, "operator:ops-1");
        assert_eq!(
            record.reason.as_ref().map(Reason::as_str),
            Some("GDPR request 42")
        );
        assert!(!record.is_done());
        assert!(record.clone().done().is_done());
        let by_member =
            erasure_record(&id("m-1"), None, None, Points::ZERO, &ErasedBy::Member, now);
        assert_eq!(by_member.by, "member");
        assert_eq!(by_member.reason, None);
    }
}
