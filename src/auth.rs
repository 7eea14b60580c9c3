//! Which header each Unleash Live API takes.

use crate::session::Session;

/// The kinds of Unleash Live API, each authenticated its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKind {
    /// Media Drive GraphQL: `authorization: <ID token>` (no `Bearer`).
    Graphql,
    /// REST (flights, missions, tasks): `x-amz-cognito-security-token: <ID token>`.
    Rest,
}

impl ApiKind {
    /// The header name this API reads the ID token from.
    pub fn header_name(self) -> &'static str {
        match self {
            ApiKind::Graphql => "authorization",
            ApiKind::Rest => "x-amz-cognito-security-token",
        }
    }

    /// The header (name, value) carrying the session's ID token for this API.
    pub fn header_for(self, session: &Session) -> (&'static str, &str) {
        (self.header_name(), session.id_token().secret())
    }
}
