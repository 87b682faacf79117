//! Who a route serves, as the type its handler takes: a handler cannot be reached without
//! the caller it declares.

use crate::domain::identifier::MemberId;
use crate::identity::Caller;

/// A till or commerce backend, holding `loyalty/earn`.
#[derive(Debug, Clone)]
pub struct Till(pub(super) Caller);

/// An operator, holding `loyalty/admin`.
#[derive(Debug, Clone)]
pub struct Operator(pub(super) Caller);

/// The member signed in, acting on its own account.
#[derive(Debug, Clone)]
pub struct SignedInMember {
    pub id: MemberId,
    pub(super) caller: Caller,
}

macro_rules! principal {
    ($($name:ty => $caller:tt),* $(,)?) => {
        $(impl $name {
            /// The token's subject, as the ledger and audit fields name the caller.
            pub fn actor(&self) -> &str {
                self.$caller.subject()
            }

            pub fn caller(&self) -> &Caller {
                &self.$caller
            }
        })*
    };
}

principal!(Till => 0, Operator => 0, SignedInMember => caller);
