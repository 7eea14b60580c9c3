//! Which redirects a request may follow: a request carrying a credential stays on its origin,
//! none leaves https; a refused redirect becomes [`Error::RedirectRefused`].

use super::MAX_REDIRECTS;
use crate::error::Error;

/// The redirect that a policy refused, carried through reqwest's error to the caller.
#[derive(Debug)]
pub(super) struct Refused {
    from: String,
    to: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redirect from {} to {} refused", self.from, self.to)
    }
}

impl std::error::Error for Refused {}

/// Without its query (which may hold a token) and fragment.
fn shown(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Follows a redirect when `allowed(from, to)`, up to [`MAX_REDIRECTS`].
pub(super) fn policy(
    allowed: fn(&reqwest::Url, &reqwest::Url) -> bool,
) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let Some(from) = attempt.previous().last() else {
            return attempt.follow();
        };
        if !allowed(from, attempt.url()) {
            let refused = Refused {
                from: shown(from),
                to: shown(attempt.url()),
            };
            return attempt.error(refused);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

pub(super) fn same_origin(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    from.origin() == to.origin()
}

pub(super) fn no_downgrade(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    !(from.scheme() == "https" && to.scheme() != "https")
}

/// The error for a redirect our policy refused, if that is what `e` is.
pub(super) fn refused_redirect(e: &reqwest::Error) -> Option<Error> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return Some(Error::RedirectRefused {
                from: refused.from.clone(),
                to: refused.to.clone(),
            });
        }
        source = cause.source();
    }
    None
}
