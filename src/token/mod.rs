//! JWTs from Cognito: typed claims and (clearly named) unverified decoding.

mod claims;
pub mod jwks;
pub mod unverified;
pub mod verify;

pub use claims::{AccessClaims, IdClaims, TokenUse};
pub use jwks::{JwksCache, JwksError};
pub use verify::{Rejection, Verifier};
