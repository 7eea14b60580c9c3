//! How the settings table's value types are read from text, filled in from defaults and
//! shown by the [`Config`](super::Config) accessors. Private: the table (settings.rs) is the
//! only user.

use std::path::{Path, PathBuf};

use crate::secret::ClientSecret;

/// A type a setting can hold.
pub(crate) trait SettingValue: Clone {
    /// The value written as text (an environment variable, a flag, a default in the table).
    fn from_text(text: &str) -> Self;

    /// The value as text, for the checks that look at every URL; `None` for secrets and
    /// switches, which are never shown.
    fn text(&self) -> Option<&str>;
}

impl SettingValue for String {
    fn from_text(text: &str) -> Self {
        text.to_owned()
    }

    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl SettingValue for PathBuf {
    fn from_text(text: &str) -> Self {
        PathBuf::from(text)
    }

    fn text(&self) -> Option<&str> {
        self.to_str()
    }
}

impl SettingValue for ClientSecret {
    fn from_text(text: &str) -> Self {
        ClientSecret::new(text)
    }

    fn text(&self) -> Option<&str> {
        None
    }
}

impl SettingValue for bool {
    /// Anything but a word for "no" is yes, as clap's `FalseyValueParser` reads a switch's
    /// variable (`UL_ALLOW_HTTP=1`, `=yes`, `=true`; `=0`, `=no`, `=false`, `=off`).
    fn from_text(text: &str) -> Self {
        !matches!(
            text.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "n" | "no" | "f" | "false" | "off"
        )
    }

    fn text(&self) -> Option<&str> {
        None
    }
}

/// Whether a [`Config`](super::Config) field always has a value (from the table's default
/// when no layer sets it) or may be absent.
pub(crate) trait Presence {
    /// The field's type for a setting of type `T`.
    type Of<T>;

    /// The given value, else the table's default.
    fn fill<T: SettingValue>(given: Option<T>, default: Option<&'static str>) -> Self::Of<T>;

    /// The value, if there is one.
    fn get<T>(value: &Self::Of<T>) -> Option<&T>;
}

/// A setting with a production default: the field is `T`.
pub(crate) struct Required;

impl Presence for Required {
    type Of<T> = T;

    fn fill<T: SettingValue>(given: Option<T>, default: Option<&'static str>) -> T {
        // Every required setting has a default in the table; an empty one would fail its
        // check rather than panic.
        given.unwrap_or_else(|| T::from_text(default.unwrap_or_default()))
    }

    fn get<T>(value: &T) -> Option<&T> {
        Some(value)
    }
}

/// A setting without a default: the field is `Option<T>`.
pub(crate) struct Optional;

impl Presence for Optional {
    type Of<T> = Option<T>;

    fn fill<T: SettingValue>(given: Option<T>, default: Option<&'static str>) -> Option<T> {
        given.or_else(|| default.map(T::from_text))
    }

    fn get<T>(value: &Option<T>) -> Option<&T> {
        value.as_ref()
    }
}

/// How an accessor hands out a field: text as `&str`, a switch by value, a secret by
/// reference.
pub(crate) trait View {
    /// What the accessor returns.
    type Out<'a>
    where
        Self: 'a;

    /// The field as the accessor returns it.
    fn view(&self) -> Self::Out<'_>;
}

impl View for String {
    type Out<'a> = &'a str;

    fn view(&self) -> &str {
        self
    }
}

impl View for PathBuf {
    type Out<'a> = &'a Path;

    fn view(&self) -> &Path {
        self
    }
}

impl View for bool {
    type Out<'a> = bool;

    fn view(&self) -> bool {
        *self
    }
}

impl View for ClientSecret {
    type Out<'a> = &'a ClientSecret;

    fn view(&self) -> &ClientSecret {
        self
    }
}

impl<T: View> View for Option<T> {
    type Out<'a>
        = Option<T::Out<'a>>
    where
        T: 'a;

    fn view(&self) -> Self::Out<'_> {
        self.as_ref().map(View::view)
    }
}

/// A URL without its trailing slashes (API bases get paths appended).
pub(crate) fn trim_slash(url: String) -> String {
    url.trim_end_matches('/').to_owned()
}

/// The value as given.
pub(crate) fn as_given<T>(value: T) -> T {
    value
}
