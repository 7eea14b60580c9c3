//! The machinery every provider's credential shares: the store (0600 files, atomic writes, no
//! symlinks, owner checks, locks), the manager (renewal before expiry, single-flight within
//! and across processes), the OS keychain, the [`Provider`] trait every token system
//! implements, and the stored personal access token and API key.

pub(crate) mod flight;
pub(crate) mod keychain;
pub mod manager;
mod memory;
pub mod pat;
pub(crate) mod private_fs;
pub mod provider;
pub mod store;

pub use manager::{Credential, LockedSession, Renew, SessionManager};
pub use provider::{ApiKind, HeaderStyle, Provider, Sessions, sessions};
pub use store::{Persist, SessionStore};
