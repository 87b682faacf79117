//! Members grouped into requests: at most `max_members` each (the API takes 100) and at most
//! `max_bytes` of body (the API refuses bodies over 64 KiB), in file order.

use crate::lines::Line;

/// The API's limit on members a request.
pub const MAX_MEMBERS: usize = 100;
/// The body size aimed at: under the API's 64 KiB with room to spare.
pub const MAX_BODY_BYTES: usize = 60 * 1024;
/// `{"members":[` and `]}`.
const ENVELOPE_BYTES: usize = 15;

/// One request's members.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub members: Vec<Line>,
}

impl Batch {
    /// The request body.
    pub fn body(&self) -> String {
        let members: Vec<&str> = self.members.iter().map(|m| m.json.as_str()).collect();
        format!("{{\"members\":[{}]}}", members.join(","))
    }

    pub fn lines(&self) -> Vec<usize> {
        self.members.iter().map(|m| m.number).collect()
    }

    /// The line a member id came from, for reporting the server's errors.
    pub fn line_of(&self, member_id: &str) -> Option<usize> {
        self.members
            .iter()
            .find(|m| m.member_id == member_id)
            .map(|m| m.number)
    }
}

/// Groups `members` in order. A member too large for any batch travels alone (the server
/// then says why it refuses it).
pub fn batches(members: Vec<Line>, max_members: usize, max_bytes: usize) -> Vec<Batch> {
    let max_members = max_members.clamp(1, MAX_MEMBERS);
    let mut out = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    let mut bytes = ENVELOPE_BYTES;
    for member in members {
        let size = member.json.len() + 1;
        if !current.is_empty() && (current.len() == max_members || bytes + size > max_bytes) {
            out.push(Batch {
                members: std::mem::take(&mut current),
            });
            bytes = ENVELOPE_BYTES;
        }
        bytes += size;
        current.push(member);
    }
    if !current.is_empty() {
        out.push(Batch { members: current });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(number: usize, padding: usize) -> Line {
        Line {
            number,
            member_id: format!("m-{number}"),
            json: format!(
                "{{\"memberId\":\"m-{number}\",\"x\":\"{}\"}}",
                "a".repeat(padding)
            ),
        }
    }

    #[test]
    fn batches_hold_at_most_the_count_asked_and_keep_the_order() {
        let members: Vec<Line> = (1..=250).map(|n| line(n, 0)).collect();
        let out = batches(members, 100, MAX_BODY_BYTES);
        let sizes: Vec<usize> = out.iter().map(|b| b.members.len()).collect();
        assert_eq!(sizes, vec![100, 100, 50]);
        assert_eq!(out[1].lines()[0], 101);
        assert_eq!(out[2].line_of("m-250"), Some(250));
        // Never more than the API takes, whatever is asked.
        let members: Vec<Line> = (1..=150).map(|n| line(n, 0)).collect();
        assert_eq!(batches(members, 1000, MAX_BODY_BYTES)[0].members.len(), 100);
    }

    #[test]
    fn batches_stay_under_the_body_limit_and_bodies_are_json() {
        let members: Vec<Line> = (1..=40).map(|n| line(n, 5_000)).collect();
        let out = batches(members, 100, MAX_BODY_BYTES);
        assert!(out.len() > 1);
        for batch in &out {
            let body = batch.body();
            assert!(body.len() <= MAX_BODY_BYTES, "{}", body.len());
            let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                parsed["members"].as_array().unwrap().len(),
                batch.members.len()
            );
        }
        let total: usize = out.iter().map(|b| b.members.len()).sum();
        assert_eq!(total, 40);
        // One member larger than the limit travels alone.
        let out = batches(
            vec![line(1, 10), line(2, 70_000), line(3, 10)],
            100,
            MAX_BODY_BYTES,
        );
        assert_eq!(out.len(), 3);
    }
}
