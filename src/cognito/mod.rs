//! Cognito user-pool sign-in.

mod client;
mod sign_in;

pub use client::CognitoClient;
pub use sign_in::{Challenge, ChallengeKind, SignIn, secret_hash};
