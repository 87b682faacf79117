//! `loyalty-check`: a black-box correctness checker. The pure parts live here and are tested
//! without a network: the seeded plan of operations (`plan`), the record of every request and
//! answer (`history`) and the invariants checked over that record and the ledgers read
//! afterwards (`checks`). `main.rs` drives the traffic over HTTP(S).

pub mod checks;
pub mod history;
pub mod plan;

/// Reads `90s`, `20m`, `1h` or a bare number of seconds.
pub fn parse_duration(raw: &str) -> Result<std::time::Duration, String> {
    let raw = raw.trim();
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => raw.split_at(at),
        None => (raw, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("not a duration: {raw:?} (e.g. 90s, 20m, 1h)"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("not a duration: {raw:?} (e.g. 90s, 20m, 1h)")),
    };
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("20m").unwrap().as_secs(), 1200);
        assert_eq!(parse_duration("1h").unwrap().as_secs(), 3600);
        assert_eq!(parse_duration("45").unwrap().as_secs(), 45);
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
