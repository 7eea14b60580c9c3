//! The machinery every provider's credential shares: the store (0600 files, atomic writes, no
//! symlinks, owner checks, locks), the manager (renewal before expiry, single-flight within
//! and across processes), the OS keychain, and the stored personal access token.

pub(crate) mod flight;
pub(crate) mod keychain;
pub mod manager;
mod memory;
pub mod pat;
pub(crate) mod private_fs;
pub mod store;

pub use manager::{Credential, LockedSession, Renew, SessionManager};
pub use store::{Persist, SessionStore};
