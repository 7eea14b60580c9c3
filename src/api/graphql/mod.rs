//! A GraphQL client: POST `{"query": document}`, `data` out, `errors[]` turned into an error.
//!
//! Documents are [`Operation`]s: constant field names and selections, and argument values as
//! [`Literal`]s written into the text (escaped, so an id full of quotes and braces is a string,
//! never syntax). No document declares a variable type: the real schema is unpublished, and a
//! type name that differs from it makes AppSync refuse the whole document.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

mod document;
mod literal;

pub use document::{Operation, OperationKind, Selection};
pub use literal::{EnumValue, Float, Literal, Name, is_name};

use super::http::{HttpClient, Request, read_json};
use crate::api::auth::{ApiKind, Auth};
use crate::error::{Cause, Error, Result};

/// Calls one GraphQL endpoint with one credential. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GraphqlClient {
    http: HttpClient,
    auth: Auth,
    url: String,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<GraphqlError>>,
}

#[derive(Deserialize)]
struct GraphqlError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
}

impl GraphqlClient {
    /// A client for the endpoint at `url` (e.g. [`Config::graphql_url`](crate::Config)).
    pub fn new(http: HttpClient, auth: Auth, url: impl Into<String>) -> Self {
        GraphqlClient {
            http,
            auth,
            url: url.into(),
        }
    }

    /// The credential in use.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Sends `operation` and decodes its `data` as `T`.
    ///
    /// A mutation is sent at most once: after a 5xx, a broken connection or an answer that
    /// cannot be read, the change may or may not have been made, and the error says so
    /// ([`Error::OutcomeUnknown`]) instead of trying again. A connection that could not be
    /// opened (nothing was sent) is retried, as is a 401 after renewing the credential.
    ///
    /// # Errors
    /// [`Error::Graphql`] with every message when the answer holds `errors[]` (even with
    /// HTTP 200); [`Error::UnexpectedResponse`] for a body that is not JSON or has no `data`
    /// of the expected shape; [`Error::OutcomeUnknown`] as above; the errors of
    /// [`HttpClient::send`].
    pub async fn run<T: DeserializeOwned>(&self, operation: &Operation) -> Result<T> {
        let mutation = operation.kind() == OperationKind::Mutation;
        let mut request = Request::post_json(&self.url, &json!({ "query": operation.document() }))?;
        if mutation {
            request = request.not_repeatable();
        }
        let endpoint = request.endpoint();
        tracing::debug!(
            operation = operation.name(),
            field = operation.field(),
            "GraphQL"
        );
        let response = self
            .http
            .send(&request, Some((&self.auth, ApiKind::Graphql)))
            .await?;
        let reply: Reply = match read_json(response, &endpoint).await {
            Ok(reply) => reply,
            Err(e) if mutation => {
                return Err(Error::OutcomeUnknown {
                    endpoint,
                    reason: "its answer was lost".into(),
                    check: crate::error::DEFAULT_CHECK.into(),
                    source: Some(Cause::new(e)),
                });
            }
            Err(e) => return Err(e),
        };
        if let Some(errors) = reply.errors.filter(|e| !e.is_empty()) {
            let messages = errors
                .into_iter()
                .map(|e| match (e.error_type, e.message) {
                    (Some(kind), Some(message)) => format!("{kind}: {message}"),
                    (None, Some(message)) => message,
                    (Some(kind), None) => kind,
                    (None, None) => "(an error without a message)".to_owned(),
                })
                .map(|message| crate::text::scrub_credentials(&message))
                .collect();
            return Err(Error::Graphql { messages });
        }
        // A mutation answered 200 without errors was most likely carried out, whatever its
        // data looks like: say so rather than inviting a second attempt.
        let unexpected = |what: &str, source: Option<Cause>| {
            if mutation {
                Error::OutcomeUnknown {
                    endpoint: endpoint.clone(),
                    reason: format!("it answered without errors, but {what}"),
                    check: crate::error::DEFAULT_CHECK.into(),
                    source,
                }
            } else {
                Error::UnexpectedResponse {
                    message: format!("{endpoint}: {what}"),
                    source,
                }
            }
        };
        let data = reply
            .data
            .filter(|d| !d.is_null())
            .ok_or_else(|| unexpected("without data", None))?;
        serde_json::from_value(data)
            .map_err(|e| unexpected("the data has an unexpected shape", Some(Cause::new(e))))
    }
}
