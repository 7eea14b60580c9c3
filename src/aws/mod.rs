//! AWS on behalf of the signed-in user: the identity-pool client ([`identity`]), the
//! self-renewing credentials provider for any AWS SDK client ([`credentials`],
//! `ProvideCredentials`), the filter that keeps AWS secrets out of the SDK's traces, and the
//! Media Drive upload to S3 with those credentials.

pub mod credentials;
pub mod identity;
mod margin;
pub(crate) mod trace;
#[cfg(feature = "upload")]
pub mod upload;

pub use credentials::IdentityCredentials;
pub use identity::{AwsCredentials, IdentityClient};
#[cfg(feature = "upload")]
pub use upload::{Upload, Uploaded, Uploader};
