//! The input: JSON Lines, one member a line. A line that is not a JSON object with a string
//! `memberId` is reported with its number and never sent; blank lines are skipped.

use serde_json::Value;

/// One member to send, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// 1-based.
    pub number: usize,
    pub member_id: String,
    /// The member as sent: the line as written, trimmed.
    pub json: String,
}

/// A line that cannot be sent, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub number: usize,
    pub reason: String,
}

/// Splits `text` into members and bad lines, in file order.
pub fn parse(text: &str) -> (Vec<Line>, Vec<BadLine>) {
    let mut members = Vec::new();
    let mut bad = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(raw) {
            Err(e) => bad.push(BadLine {
                number,
                reason: format!("not JSON: {e}"),
            }),
            Ok(Value::Object(fields)) => match fields.get("memberId") {
                Some(Value::String(id)) => members.push(Line {
                    number,
                    member_id: id.clone(),
                    json: raw.trim().to_string(),
                }),
                _ => bad.push(BadLine {
                    number,
                    reason: "no string memberId".into(),
                }),
            },
            Ok(_) => bad.push(BadLine {
                number,
                reason: "not a JSON object".into(),
            }),
        }
    }
    (members, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_bad_lines_keep_their_line_numbers() {
        let text = "{\"memberId\": \"a\", \"lots\": []}\n\n{oops\n[1]\n{\"lots\": []}\n{\"memberId\":\"b\"}\n";
        let (members, bad) = parse(text);
        let found: Vec<(usize, &str)> = members
            .iter()
            .map(|m| (m.number, m.member_id.as_str()))
            .collect();
        assert_eq!(found, vec![(1, "a"), (6, "b")]);
        assert_eq!(members[0].json, r#"{"memberId": "a", "lots": []}"#);
        let numbers: Vec<usize> = bad.iter().map(|b| b.number).collect();
        assert_eq!(numbers, vec![3, 4, 5]);
        assert!(bad[0].reason.starts_with("not JSON"));
    }
}
