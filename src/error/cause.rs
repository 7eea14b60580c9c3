//! [`Cause`]: the underlying error an [`Error`](super::Error) keeps as its `source()`.

use std::error::Error as StdError;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The error underneath one of this crate's errors — an I/O error, a JSON error, the HTTP
/// client's or the AWS SDK's error — shared so that [`Error`](super::Error) stays `Clone`.
///
/// `source()` on the error that holds it returns the underlying error itself, not this
/// wrapper, so `downcast_ref::<std::io::Error>()` and the like work on it, and `{:#}` (anyhow)
/// or any walk of the `source()` chain shows it. Only errors that cannot carry a secret are
/// kept: HTTP errors without their URL, AWS SDK errors without the raw request or response.
//
// Deliberately not an `Error` itself: thiserror reaches the source through `Deref`, to the
// underlying error.
#[derive(Clone)]
pub struct Cause(Arc<dyn StdError + Send + Sync + 'static>);

impl Cause {
    /// Keeps `error` as a cause.
    pub fn new(error: impl StdError + Send + Sync + 'static) -> Self {
        Cause(Arc::new(error))
    }

    /// Keeps an already boxed error as a cause.
    pub fn from_boxed(error: Box<dyn StdError + Send + Sync + 'static>) -> Self {
        Cause(Arc::from(error))
    }

    /// A cause that is only a message, for an underlying failure that has no error type.
    pub fn message(text: impl Into<String>) -> Self {
        Cause::from_boxed(text.into().into())
    }

    /// A JSON error from decoding something that holds secrets (a cached session): a syntax
    /// error or a missing field is kept as it is; any other error about the data, whose
    /// message can quote a value, is kept as its position only.
    pub(crate) fn json_without_values(error: serde_json::Error) -> Self {
        let quotes_nothing = error.classify() != serde_json::error::Category::Data
            || error.to_string().starts_with("missing field");
        if quotes_nothing {
            Cause::new(error)
        } else {
            Cause::message(format!(
                "the data does not have the expected shape (line {}, column {}; the value is \
                 not shown)",
                error.line(),
                error.column()
            ))
        }
    }

    /// An HTTP client error, without the URL it names (a URL can carry a signed query).
    pub(crate) fn http(error: reqwest::Error) -> Self {
        Cause::new(error.without_url())
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for Cause {
    fn from(error: E) -> Self {
        Cause::new(error)
    }
}

impl Deref for Cause {
    type Target = dyn StdError + Send + Sync + 'static;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// Errors have no equality of their own: two causes are equal when they say the same.
impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for Cause {}

/// `error` and its sources on one line, outermost first, joined with ": " — what `{:#}` shows
/// for an `anyhow::Error`. A message already said by one before it is not repeated.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer {
        #[source]
        source: Option<Cause>,
    }

    #[test]
    fn the_source_is_the_underlying_error_itself() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let outer = Outer {
            source: Some(Cause::new(io)),
        };
        let source = StdError::source(&outer).expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("the io error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(chain(&outer), "outer: gone");
    }

    #[test]
    fn causes_are_equal_when_they_say_the_same() {
        assert_eq!(Cause::message("a"), Cause::message("a"));
        assert_ne!(Cause::message("a"), Cause::message("b"));
    }
}
