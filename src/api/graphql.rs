//! A GraphQL client: POST `{query, variables}`, `data` out, `errors[]` turned into an error.
//!
//! The query text is always a constant of this crate; whatever a user typed travels in
//! `variables`, so an id full of quotes and braces is data, never syntax.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::http::{HttpClient, Request, read_json};
use crate::auth::{ApiKind, Auth};
use crate::error::{Error, Result};

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

    /// Runs `query` with `variables` and decodes its `data` as `T`.
    ///
    /// # Errors
    /// [`Error::Graphql`] with every message when the answer holds `errors[]` (even with
    /// HTTP 200); [`Error::UnexpectedResponse`] for a body that is not JSON or has no `data`
    /// of the expected shape; the errors of [`HttpClient::send`].
    pub async fn query<T: DeserializeOwned>(&self, query: &str, variables: Value) -> Result<T> {
        let request = Request::post_json(
            &self.url,
            &json!({ "query": query, "variables": variables }),
        )?;
        let endpoint = request.endpoint();
        let response = self
            .http
            .send(&request, Some((&self.auth, ApiKind::Graphql)))
            .await?;
        let reply: Reply = read_json(response, &endpoint).await?;
        if let Some(errors) = reply.errors.filter(|e| !e.is_empty()) {
            let messages = errors
                .into_iter()
                .map(|e| match (e.error_type, e.message) {
                    (Some(kind), Some(message)) => format!("{kind}: {message}"),
                    (None, Some(message)) => message,
                    (Some(kind), None) => kind,
                    (None, None) => "(an error without a message)".to_owned(),
                })
                .collect();
            return Err(Error::Graphql { messages });
        }
        let data = reply.data.filter(|d| !d.is_null()).ok_or_else(|| {
            Error::UnexpectedResponse(format!("{endpoint} answered without data or errors"))
        })?;
        serde_json::from_value(data).map_err(|e| {
            Error::UnexpectedResponse(format!("{endpoint}: the data has an unexpected shape: {e}"))
        })
    }
}
