//! JWTs from Cognito: one parser of the compact form (`jwt`), typed claims, (clearly named)
//! unverified decoding, and verification against the pool's cached keys (JWKS).

mod claims;
pub mod jwks;
mod jwt;
pub mod unverified;
pub mod verify;

pub use claims::{AccessClaims, IdClaims, TokenUse};
pub use jwks::{JwksCache, JwksError};
pub use verify::{Rejection, Verifier};
