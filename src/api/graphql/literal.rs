//! GraphQL literals: argument values written into the document itself.
//!
//! Media Drive's schema is not published, so no document of ours declares a variable type (a
//! type name that differs from the server's makes AppSync refuse the whole document). Values
//! go into the document as literals instead, the form Unleash Live's own samples send. This
//! module is the only way a value gets there, and whatever a value holds it renders as one
//! token of its kind: a string is escaped per the GraphQL specification (section 2.9.4), an
//! enum value or an input-object key can only be a GraphQL name, and a float is finite.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde_json::Value;

use crate::error::{Error, Result};

/// A GraphQL name (`/[_A-Za-z][_0-9A-Za-z]*/`): an input-object key or an enum value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// `name`, if it is a GraphQL name.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] (the names we are handed come from a server's answer)
    /// naming the text when it is not a GraphQL name.
    pub fn new(name: &str) -> Result<Name> {
        if is_name(name) {
            Ok(Name(name.to_owned()))
        } else {
            Err(Error::unexpected(format!(
                "{name:?} is not a GraphQL name, so it cannot be sent back as an input field"
            )))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `text` is a GraphQL name.
pub fn is_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    matches!(bytes.next(), Some(b'_' | b'A'..=b'Z' | b'a'..=b'z'))
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// An enum value (`desc`): a name other than `true`, `false` and `null`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumValue(Name);

impl EnumValue {
    /// `value`, if it can be an enum value.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] when it is not a GraphQL name or is `true`, `false` or
    /// `null`.
    pub fn new(value: &str) -> Result<EnumValue> {
        if matches!(value, "true" | "false" | "null") {
            return Err(Error::unexpected(format!(
                "{value:?} cannot be an enum value"
            )));
        }
        Name::new(value).map(EnumValue)
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A finite float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Float(f64);

impl Float {
    /// `value`, if finite (GraphQL has no literal for NaN or infinity).
    pub fn new(value: f64) -> Option<Float> {
        value.is_finite().then_some(Float(value))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// One GraphQL input value, written as a literal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` / `false`.
    Boolean(bool),
    /// An integer.
    Int(i64),
    /// A float (always written with a fraction or an exponent).
    Float(Float),
    /// A string, escaped.
    String(String),
    /// An enum value, written bare (`desc`).
    Enum(EnumValue),
    /// A list.
    List(Vec<Literal>),
    /// An input object; a key can be there only once.
    Object(BTreeMap<Name, Literal>),
}

impl Literal {
    /// A string literal.
    pub fn string(value: impl Into<String>) -> Literal {
        Literal::String(value.into())
    }

    /// `{id: "<id>"}`: the item reference every Media Drive call takes.
    pub fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Literal)>) -> Result<Literal> {
        let mut map = BTreeMap::new();
        for (key, value) in fields {
            if map.insert(Name::new(key)?, value).is_some() {
                return Err(Error::unexpected(format!(
                    "the input field {key} is given twice"
                )));
            }
        }
        Ok(Literal::Object(map))
    }

    /// The literal for a JSON value a server handed out (e.g. a paging token to pass back):
    /// objects become input objects, numbers integers or floats, `null` stays `null`.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] for an object key that is not a GraphQL name or an
    /// integer beyond 64 bits.
    pub fn from_json(value: &Value) -> Result<Literal> {
        Ok(match value {
            Value::Null => Literal::Null,
            Value::Bool(b) => Literal::Boolean(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Literal::Int(i),
                (None, Some(f)) if n.is_f64() => {
                    Literal::Float(Float::new(f).ok_or_else(|| {
                        Error::unexpected(format!("the number {n} has no GraphQL literal"))
                    })?)
                }
                _ => {
                    return Err(Error::unexpected(format!(
                        "the number {n} does not fit 64 bits"
                    )));
                }
            },
            Value::String(s) => Literal::String(s.clone()),
            Value::Array(items) => Literal::List(
                items
                    .iter()
                    .map(Literal::from_json)
                    .collect::<Result<_>>()?,
            ),
            Value::Object(map) => Literal::Object(
                map.iter()
                    .map(|(k, v)| Ok((Name::new(k)?, Literal::from_json(v)?)))
                    .collect::<Result<_>>()?,
            ),
        })
    }

    /// The kind of literal, for reports (`String`, `Int`, `enum`, `input object`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Literal::Null => "null",
            Literal::Boolean(_) => "Boolean",
            Literal::Int(_) => "Int",
            Literal::Float(_) => "Float",
            Literal::String(_) => "String",
            Literal::Enum(_) => "enum value",
            Literal::List(_) => "list",
            Literal::Object(_) => "input object",
        }
    }
}

impl From<&str> for Literal {
    fn from(value: &str) -> Self {
        Literal::String(value.to_owned())
    }
}

impl From<String> for Literal {
    fn from(value: String) -> Self {
        Literal::String(value)
    }
}

impl From<i64> for Literal {
    fn from(value: i64) -> Self {
        Literal::Int(value)
    }
}

impl From<u32> for Literal {
    fn from(value: u32) -> Self {
        Literal::Int(i64::from(value))
    }
}

impl From<bool> for Literal {
    fn from(value: bool) -> Self {
        Literal::Boolean(value)
    }
}

impl From<EnumValue> for Literal {
    fn from(value: EnumValue) -> Self {
        Literal::Enum(value)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Boolean(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write_float(f, x.0),
            Literal::String(s) => write_string(f, s),
            Literal::Enum(e) => f.write_str(e.as_str()),
            Literal::List(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Literal::Object(fields) => {
                f.write_char('{')?;
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {value}", key.as_str())?;
                }
                f.write_char('}')
            }
        }
    }
}

/// A FloatValue needs a fraction or an exponent: `1` would be read as an Int.
fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    let text = format!("{x:?}");
    if text.contains(['.', 'e', 'E']) {
        f.write_str(&text)
    } else {
        write!(f, "{text}.0")
    }
}

/// A quoted StringValue. `"` and `\` are escaped, and so is every character a parser might
/// not take raw inside a string: C0 and C1 controls, DEL, the line and paragraph separators
/// (some lexers end a line there) and the byte-order mark (an ignored token elsewhere).
/// Everything else, non-BMP characters included, is a SourceCharacter and goes as it is.
fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => {
                write!(f, "\\u{:04X}", u32::from(c))?;
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_escape_quotes_backslashes_and_controls_and_keep_other_text() {
        let s = Literal::string("a\"b\\c\n\r\t\u{8}\u{c}\0\u{1b}\u{7f}\u{85}\u{2028}é😀/");
        assert_eq!(
            s.to_string(),
            r#""a\"b\\c\n\r\t\b\f\u0000\u001B\u007F\u0085\u2028é😀/""#
        );
    }

    #[test]
    fn floats_always_read_as_floats_and_ints_as_ints() {
        assert_eq!(Literal::Float(Float::new(1.0).unwrap()).to_string(), "1.0");
        assert_eq!(
            Literal::Float(Float::new(-0.25).unwrap()).to_string(),
            "-0.25"
        );
        assert_eq!(
            Literal::Float(Float::new(1e300).unwrap()).to_string(),
            "1e300"
        );
        assert!(Float::new(f64::NAN).is_none() && Float::new(f64::INFINITY).is_none());
        assert_eq!(Literal::Int(-42).to_string(), "-42");
    }

    #[test]
    fn a_token_object_from_the_server_goes_back_with_its_nulls() {
        let token = json!({"pk": "team-7/f\"1", "sk": null, "createdAt": 1_700_000_000_123_i64,
                           "score": 0.5, "flags": [true, false]});
        let literal = Literal::from_json(&token).unwrap();
        assert_eq!(
            literal.to_string(),
            r#"{createdAt: 1700000000123, flags: [true, false], pk: "team-7/f\"1", score: 0.5, sk: null}"#
        );
    }

    #[test]
    fn keys_and_enum_values_can_only_be_names() {
        assert!(Literal::from_json(&json!({"a b": 1})).is_err());
        assert!(Literal::from_json(&json!({"x) { delete": 1})).is_err());
        assert!(Literal::from_json(&json!({"ok_1": 1})).is_ok());
        assert!(Literal::from_json(&json!(u64::MAX)).is_err());
        for bad in ["", "1a", "de-sc", "true", "null", "a{"] {
            assert!(EnumValue::new(bad).is_err(), "{bad}");
        }
        assert_eq!(EnumValue::new("desc").unwrap().as_str(), "desc");
        assert!(Literal::object([("id", Literal::Null), ("id", Literal::Null)]).is_err());
    }
}
