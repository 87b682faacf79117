//! The member changes its own details: the name the app shows, its birthday and its consent
//! to marketing. No points move; a birthday set here is first paid on its next occurrence
//! after today; events written from now on carry the new consent.

use time::OffsetDateTime;

use super::{Change, OperationError};
use crate::domain::birthday::Birthday;
use crate::domain::member::Member;
use crate::domain::program::Program;

#[derive(Debug)]
pub struct ProfileUpdated {
    pub change: Change,
    /// The member as the change leaves it, for the answer.
    pub member: Member,
}

pub fn update_profile(
    mut member: Member,
    program: &Program,
    display_name: Option<String>,
    birthday: Option<Birthday>,
    now: OffsetDateTime,
) -> Result<ProfileUpdated, OperationError> {
    let entries = member.catch_up(program, now)?;
    if let Some(name) = display_name {
        member.set_display_name(name);
    }
    if let Some(birthday) = birthday {
        member.set_birthday(birthday, program, now);
    }
    Ok(ProfileUpdated {
        change: Change::member(member.clone(), entries, Vec::new()),
        member,
    })
}

/// The member gives or withdraws its consent to marketing.
pub fn set_consents(
    mut member: Member,
    program: &Program,
    marketing: bool,
    now: OffsetDateTime,
) -> Result<ProfileUpdated, OperationError> {
    let entries = member.catch_up(program, now)?;
    member.set_marketing_consent(marketing);
    Ok(ProfileUpdated {
        change: Change::member(member.clone(), entries, Vec::new()),
        member,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::operation::fixtures::{NOW, member, program};
    use time::macros::date;

    #[test]
    fn sets_the_name_and_the_birthday_without_moving_points() {
        let program = program();
        let updated = update_profile(
            member(&program),
            &program,
            Some("Ida".into()),
            Some(Birthday::try_from("11-23").unwrap()),
            NOW,
        )
        .unwrap();
        assert!(updated.change.entries.is_empty());
        assert_eq!(updated.member.display_name(), Some("Ida"));
        // Set on its day: paid next year, not today.
        assert_eq!(updated.member.birthday_due(), Some(date!(2027 - 11 - 23)));
        assert_eq!(updated.change.member.as_deref(), Some(&updated.member));
    }

    #[test]
    fn consent_is_given_and_withdrawn_without_moving_points() {
        let program = program();
        assert!(
            !member(&program).marketing_consent(),
            "no consent until given"
        );
        let given = set_consents(member(&program), &program, true, NOW).unwrap();
        assert!(given.member.marketing_consent());
        assert!(given.change.entries.is_empty());
        let withdrawn = set_consents(given.member, &program, false, NOW).unwrap();
        assert!(!withdrawn.member.marketing_consent());
        assert_eq!(withdrawn.change.member.as_deref(), Some(&withdrawn.member));
    }
}
