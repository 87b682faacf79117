//! Every decoder that sees client input, on arbitrary bytes: none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty::domain::identifier::{MemberId, TransactionId};
use loyalty::domain::money::Money;
use loyalty::domain::offer::OfferDocument;
use loyalty::domain::program::Program;
use loyalty::domain::reward::RewardDocument;
use loyalty::domain::voucher_code::VoucherCode;
use loyalty::identity::dev_token;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let _ = Program::from_json(data);
    let _ = serde_json::from_slice::<Money>(data);
    let _ = serde_json::from_slice::<RewardDocument>(data);
    let _ = serde_json::from_slice::<OfferDocument>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = MemberId::try_from(text);
        let _ = TransactionId::try_from(text);
        let _ = VoucherCode::try_from(text);
        let _ = dev_token::verify(text, b"fuzz-secret", OffsetDateTime::UNIX_EPOCH);
    }
});
