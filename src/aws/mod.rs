//! AWS on behalf of the signed-in user: identity-pool credentials for any AWS SDK client
//! (`ProvideCredentials`), and the Media Drive upload to S3 with them.

pub mod identity;
#[cfg(feature = "upload")]
pub mod upload;

pub use identity::{AwsCredentials, IdentityClient, IdentityCredentials};
#[cfg(feature = "upload")]
pub use upload::{Upload, Uploaded, Uploader};
