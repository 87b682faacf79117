//! Every request sent and the answer it got, in the order they were sent.

/// One request and its answer. `status` 0 is a transport failure; `lost` marks an answer that
/// never came from the function (no connection, a timeout, or the emulator's own text/plain
/// 5xx): the request may or may not have been applied, and was retried with the same keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exchange {
    pub seq: u64,
    /// What the request was for: `earn`, `reverse`, `redeem`, `cancel`, `use`, `adjust`,
    /// `action`, `setup`, `read`.
    pub op: &'static str,
    /// The member it concerns (empty for none).
    pub member: String,
    /// The ids it carries: transactionId, idempotency key, actionId, redemptionId, code.
    pub keys: Vec<String>,
    pub method: String,
    pub path: String,
    pub body: String,
    pub status: u16,
    pub retry_after: bool,
    pub lost: bool,
    /// The answer's body, parsed when it is JSON.
    pub answer: serde_json::Value,
    /// The first characters of the answer's body.
    pub short: String,
}

impl Exchange {
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }

    /// The entry an answer acknowledges, if it names one.
    pub fn entry_id(&self) -> Option<&str> {
        if self.lost || !(200..300).contains(&self.status) {
            return None;
        }
        self.answer.get("entryId").and_then(|v| v.as_str())
    }

    /// The answer's error code, for a JSON error.
    pub fn error_code(&self) -> Option<&str> {
        self.answer
            .get("error")
            .and_then(|e| e.get("code"))
            .and_then(|c| c.as_str())
    }

    /// One line to replay it by hand.
    pub fn replay_line(&self) -> String {
        let answer = if self.lost {
            format!("lost ({})", self.status)
        } else {
            self.status.to_string()
        };
        if self.body.is_empty() {
            format!(
                "#{} {} {} -> {answer} {}",
                self.seq, self.method, self.path, self.short
            )
        } else {
            format!(
                "#{} {} {} {} -> {answer} {}",
                self.seq, self.method, self.path, self.body, self.short
            )
        }
    }
}

/// The requests that led to a failure: the history's writes (and setup) that concern `member`
/// or carry one of `keys`, in order. An empty member and no keys select nothing.
pub fn sequence_for<'a>(
    history: &'a [Exchange],
    member: &str,
    keys: &[String],
) -> Vec<&'a Exchange> {
    history
        .iter()
        .filter(|e| e.is_write())
        .filter(|e| {
            let by_member = !member.is_empty() && e.member == member;
            let by_key = !keys.is_empty() && e.keys.iter().any(|k| keys.contains(k));
            if keys.is_empty() { by_member } else { by_key }
        })
        .collect()
}

/// The first `limit` characters of a body, on one line.
pub fn shorten(body: &str, limit: usize) -> String {
    body.chars()
        .take(limit)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(seq: u64, member: &str, keys: &[&str], method: &str) -> Exchange {
        Exchange {
            seq,
            op: "earn",
            member: member.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            method: method.into(),
            path: format!("/v1/members/{member}/earn"),
            body: "{}".into(),
            status: 201,
            ..Default::default()
        }
    }

    #[test]
    fn the_sequence_keeps_the_writes_of_the_failing_ids_in_order() {
        let history = vec![
            exchange(1, "m1", &["t1"], "POST"),
            exchange(2, "m2", &["t2"], "POST"),
            exchange(3, "m1", &["t1"], "POST"),
            exchange(4, "m1", &["t3"], "GET"),
            exchange(5, "m1", &["t4"], "POST"),
        ];
        let seqs = |v: Vec<&Exchange>| v.iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(sequence_for(&history, "m1", &["t1".into()])), [1, 3]);
        assert_eq!(seqs(sequence_for(&history, "m1", &[])), [1, 3, 5]);
        assert!(sequence_for(&history, "", &[]).is_empty());
        assert_eq!(
            history[0].replay_line(),
            "#1 POST /v1/members/m1/earn {} -> 201 "
        );
    }

    #[test]
    fn only_a_2xx_from_the_function_acknowledges_an_entry() {
        let mut e = exchange(1, "m", &[], "POST");
        e.answer = serde_json::json!({"entryId": "e1"});
        assert_eq!(e.entry_id(), Some("e1"));
        e.lost = true;
        assert_eq!(e.entry_id(), None);
        e.lost = false;
        e.status = 422;
        assert_eq!(e.entry_id(), None);
        assert_eq!(shorten("a\nbcdef", 4), "a bc");
    }
}
