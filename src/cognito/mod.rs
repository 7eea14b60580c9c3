//! Cognito user-pool sign-in: Unleash Live as a provider ([`CognitoRenewer`]) whose
//! credential is a [`Session`].

mod challenge;
mod choice;
mod client;
mod device;
mod password;
mod probe;
mod provider;
mod refresh;
pub mod session;
mod sign_in;
mod sign_out;
pub mod srp;

pub use challenge::{Answer, FirstFactor, MfaMethod, TotpSetup};
pub use client::CognitoClient;
pub use device::{Device, DeviceListing};
pub use password::CodeDelivery;
pub use probe::{FlowAnswer, PROBED_FLOWS};
pub use provider::CognitoRenewer;
pub use session::Session;
pub use sign_in::{AuthFlow, Challenge, ChallengeKind, SignIn, secret_hash};
