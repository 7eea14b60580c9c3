//! AWS on behalf of the signed-in user: the identity-pool client ([`identity`]), the
//! self-renewing credentials provider for any AWS SDK client ([`credentials`],
//! `ProvideCredentials`), the filter that keeps AWS secrets out of the SDK's traces, and the
//! Media Drive upload to S3 with those credentials; and, apart from all that, S3 with the
//! user's own AWS credentials ([`object_store`]) for analytics datasets.

pub mod credentials;
pub mod identity;
mod margin;
#[cfg(feature = "upload")]
pub mod object_store;
pub(crate) mod trace;
#[cfg(feature = "upload")]
pub mod upload;

pub use credentials::IdentityCredentials;
pub use identity::{AwsCredentials, IdentityClient};
#[cfg(feature = "upload")]
pub use object_store::ObjectStore;
#[cfg(feature = "upload")]
pub use upload::{Upload, Uploaded, Uploader};
