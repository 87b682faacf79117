//! The name the app shows for a member, as enrolment and `PATCH /v1/members/me` take it.

use loyalty::http::ApiError;

const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Trimmed, 1 to 100 characters, no control characters; `None` when not given.
pub fn display_name(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let name = raw.map(|n| n.trim().to_string());
    let printable = |name: &String| {
        !name.is_empty()
            && name.chars().count() <= MAX_DISPLAY_NAME_CHARS
            && !name.chars().any(char::is_control)
    };
    if name.as_ref().is_some_and(|name| !printable(name)) {
        return Err(ApiError::invalid(
            "displayName must be 1 to 100 printable characters",
        ));
    }
    Ok(name)
}
