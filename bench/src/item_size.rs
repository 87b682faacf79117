//! DynamoDB's item size, by the rules AWS documents ("DynamoDB item sizes and formats",
//! developer guide): the UTF-8 bytes of every attribute name plus its value's size, where
//!
//! - a string is its UTF-8 bytes, a binary its raw bytes;
//! - a number is about 1 byte per two significant digits plus 1 (leading and trailing zeros
//!   trimmed);
//! - a null or a boolean is 1 byte;
//! - a list or a map is 3 bytes plus its elements, each element 1 byte more (a map's elements
//!   count their names too);
//! - a set is the sum of its elements.
//!
//! And the request units an item of that size costs, by the documented rounding: a write
//! unit per 1 KB (started), a read unit per 4 KB (started), at least one; transactional
//! requests cost twice that.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// An item's size in bytes.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

/// One value's size, without its name.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(name, v)| name.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        // A type this SDK does not know: counted as nothing rather than guessed.
        _ => 0,
    }
}

/// `ceil(significant digits / 2) + 1`, the digits without sign, point, exponent, and leading
/// or trailing zeros.
fn number_size(text: &str) -> usize {
    let mantissa = text
        .trim_start_matches(['-', '+'])
        .split(['e', 'E'])
        .next()
        .unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.div_ceil(2) + 1
}

/// Write units for one write of an item of `bytes` (1 KB each, started; at least one).
pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// Read units for one strongly consistent read of an item of `bytes` (4 KB each, started;
/// at least one: a read that finds nothing is charged as the smallest item).
pub fn read_units(bytes: usize) -> f64 {
    bytes.div_ceil(4096).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }
    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(v.into())
    }

    #[test]
    fn strings_and_numbers_by_the_documented_rules() {
        // Names and values summed: 12 + 9 + 19 + 25 + 14 + 25 + 25 + (9 + 3) = 141 bytes.
        let item: HashMap<String, AttributeValue> = [
            ("itemType", s("SLOT")),
            ("id", s("abc1231")),
            ("hostName", s("Harry Mason")),
            ("timeSlot", s("February 23, 1999")),
            ("slotStatus", s("OPEN")),
            ("createdAt", s("February 1, 1999")),
            ("updatedAt", s("February 1, 1999")),
            ("expiresAt", n("2099")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(item_size(&item), 141);
    }

    #[test]
    fn numbers_count_significant_digits() {
        assert_eq!(number_size("2099"), 3); // 4 digits: 2 bytes + 1
        assert_eq!(number_size("120"), 2); // trailing zero trimmed: "12"
        assert_eq!(number_size("-0.0012300"), 3); // "123"
        assert_eq!(number_size("0"), 1);
        assert_eq!(number_size("12345"), 4); // 5 digits: 3 bytes + 1
        assert_eq!(number_size("1.5E+3"), 2);
    }

    #[test]
    fn maps_and_lists_add_three_bytes_and_one_per_element() {
        // "lots": {"2027-11": 120, "2027-12": 45}:
        // 4 (name) + 3 + (7 + 2 + 1) + (7 + 2 + 1) = 27.
        let lots = AttributeValue::M(
            [("2027-11", n("120")), ("2027-12", n("45"))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        );
        let item = HashMap::from([("lots".to_string(), lots)]);
        assert_eq!(item_size(&item), 27);
        // "tags": ["a", "bc"], "ok": true, "none": null, "empty": {}:
        // (4 + 3 + 2 + 3) + (2 + 1) + (4 + 1) + (5 + 3) = 28.
        let item = HashMap::from([
            ("tags".to_string(), AttributeValue::L(vec![s("a"), s("bc")])),
            ("ok".to_string(), AttributeValue::Bool(true)),
            ("none".to_string(), AttributeValue::Null(true)),
            ("empty".to_string(), AttributeValue::M(HashMap::new())),
        ]);
        assert_eq!(item_size(&item), 28);
    }

    #[test]
    fn units_round_up_per_started_block() {
        assert_eq!(write_units(0), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(4096), 1.0);
        assert_eq!(read_units(4097), 2.0);
        assert_eq!(read_units(0), 1.0);
    }
}
