//! AWS credentials from the identity pool (cargo feature `upload`): the library provider, uploads
//! to S3, and `ul-auth credentials` / `exec` with the real aws CLI.

mod cli;
mod provider;
mod upload;

use unleashlive_auth::{CognitoRenewer, CognitoSessions, SessionStore};

use crate::util::identity::Aws;

pub(crate) fn manager(aws: &Aws, store: &SessionStore) -> CognitoSessions {
    CognitoSessions::new(store.clone(), "default", CognitoRenewer::new(aws.config()))
}
