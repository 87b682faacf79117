//! Ledger entry ids: time-ordered and globally unique, so an entry can be quoted in
//! support tickets and settlement reports without naming its member.

use rand::Rng;
use time::OffsetDateTime;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A ULID-style id: 48 bits of milliseconds then 80 random bits, Crockford base32.
pub fn new_entry_id(now: OffsetDateTime, rng: &mut impl Rng) -> String {
    let millis =
        u128::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0) & ((1 << 48) - 1);
    let random: u128 = rng.random::<u128>() & ((1 << 80) - 1);
    let mut value = (millis << 80) | random;
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    // Every byte comes from ALPHABET, so this is always valid UTF-8.
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ids_sort_by_time_and_differ() {
        let mut rng = rand::rng();
        let a = new_entry_id(datetime!(2026-01-01 0:00 UTC), &mut rng);
        let b = new_entry_id(datetime!(2026-01-01 0:00:01 UTC), &mut rng);
        let c = new_entry_id(datetime!(2026-01-01 0:00:01 UTC), &mut rng);
        assert_eq!(a.len(), 26);
        assert!(a < b);
        assert_ne!(b, c);
    }
}
