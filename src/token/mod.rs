//! JWTs from Cognito: typed claims and (clearly named) unverified decoding.

mod claims;
pub mod unverified;

pub use claims::{AccessClaims, IdClaims, TokenUse};
