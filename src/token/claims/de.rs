//! One-pass decoding of [`IdClaims`] and [`AccessClaims`]: each claim is matched by name as it
//! is read (names borrowed from the input when they can be) and decoded into its field; any
//! other claim goes to `other` as it is. Errors are serde's as for a derived struct: a missing
//! required claim, a claim given twice, a value of the wrong type.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::{AccessClaims, IdClaims, TokenUse};

/// `struct`'s `Deserialize`: `required` claims must be present (not null), `optional` ones
/// are read as `$de` and turned into the field's `Option<_>` with `From`; the rest is `other`.
macro_rules! one_pass {
    ($ty:ident, $expecting:literal,
     required { $($rf:ident: $rt:ty = $rk:literal),* $(,)? }
     optional { $($of:ident: $de:ty = $ok:literal),* $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Claims;
                impl<'de> Visitor<'de> for Claims {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $(let mut $rf: Option<$rt> = None;)*
                        $(let mut $of: Option<$de> = None;)*
                        let mut other = Map::new();
                        while let Some(ClaimName(name)) = map.next_key()? {
                            match &*name {
                                $($rk => $rf = Some(fill(&$rf, $rk, &mut map)?),)*
                                $($ok => $of = Some(fill(&$of, $ok, &mut map)?),)*
                                _ => {
                                    let value: Value = map.next_value()?;
                                    // RFC 7519 §4: claim names are unique; a repeated one is
                                    // refused rather than read as its last value.
                                    if other.contains_key(&*name) {
                                        return Err(de::Error::custom(format_args!(
                                            "duplicate claim `{name}`"
                                        )));
                                    }
                                    other.insert(name.into_owned(), value);
                                }
                            }
                        }
                        Ok($ty {
                            $($rf: $rf.ok_or_else(|| de::Error::missing_field($rk))?.into(),)*
                            $($of: $of.and_then(Into::into),)*
                            other,
                        })
                    }
                }
                deserializer.deserialize_map(Claims)
            }
        }
    };
}

one_pass!(IdClaims, "the claims of an ID token (a JSON object)",
    required { sub: String = "sub", iss: String = "iss", aud: String = "aud",
               token_use: TokenUseName = "token_use", exp: i64 = "exp" }
    optional { email: Option<String> = "email", email_verified: LooseBool = "email_verified",
               username: Option<String> = "cognito:username", auth_time: Option<i64> = "auth_time",
               iat: Option<i64> = "iat", identity_id: Option<String> = "custom:identityId",
               company_id: Option<String> = "custom:companyId",
               team_id: Option<String> = "custom:teamId" }
);

one_pass!(AccessClaims, "the claims of an access token (a JSON object)",
    required { sub: String = "sub", iss: String = "iss", client_id: String = "client_id",
               token_use: TokenUseName = "token_use", exp: i64 = "exp" }
    optional { scope: Option<String> = "scope", username: Option<String> = "username",
               auth_time: Option<i64> = "auth_time", iat: Option<i64> = "iat" }
);

/// The value of a claim not read yet; a second one is refused before its value is read, as a
/// derived `Deserialize` does.
fn fill<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<T, A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    map.next_value()
}

/// `token_use`, as a string only (serde's derived enum would also take `{"id": null}`, which
/// the registered-claims reading in `verify.rs` refuses).
struct TokenUseName(TokenUse);

impl From<TokenUseName> for TokenUse {
    fn from(value: TokenUseName) -> Self {
        value.0
    }
}

impl<'de> Deserialize<'de> for TokenUseName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = TokenUseName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`id` or `access`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TokenUseName, E> {
                match v {
                    "id" => Ok(TokenUseName(TokenUse::Id)),
                    "access" => Ok(TokenUseName(TokenUse::Access)),
                    other => Err(E::unknown_variant(other, &["id", "access"])),
                }
            }
        }
        deserializer.deserialize_str(Name)
    }
}

/// A claim's name, borrowed from the input unless it had to be unescaped.
struct ClaimName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl<'de> Visitor<'de> for Name {
            type Value = ClaimName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ClaimName(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ClaimName(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ClaimName(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Name)
    }
}

/// `email_verified`: Cognito may send `true` or `"true"`; null is absent.
struct LooseBool(Option<bool>);

impl From<LooseBool> for Option<bool> {
    fn from(value: LooseBool) -> Self {
        value.0
    }
}

impl<'de> Deserialize<'de> for LooseBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Loose;
        impl<'de> Visitor<'de> for Loose {
            type Value = LooseBool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true or false, as a boolean or a string")
            }
            fn visit_none<E: de::Error>(self) -> Result<LooseBool, E> {
                Ok(LooseBool(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LooseBool, E> {
                Ok(LooseBool(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LooseBool, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LooseBool, E> {
                Ok(LooseBool(Some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LooseBool, E> {
                match v {
                    "true" => Ok(LooseBool(Some(true))),
                    "false" => Ok(LooseBool(Some(false))),
                    other => Err(E::custom(format!(
                        "email_verified is neither true nor false: {other:?}"
                    ))),
                }
            }
        }
        deserializer.deserialize_option(Loose)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn id(value: Value) -> Result<IdClaims, String> {
        // Through text, as tokens are read, and through a `Value`: the same answer.
        let text = serde_json::from_str::<IdClaims>(&value.to_string()).map_err(|e| e.to_string());
        let tree = serde_json::from_value::<IdClaims>(value).map_err(|e| e.to_string());
        assert_eq!(text.is_ok(), tree.is_ok(), "{text:?} vs {tree:?}");
        text
    }

    fn base() -> Value {
        json!({"sub": "s", "iss": "i", "aud": "a", "token_use": "id", "exp": 10})
    }

    #[test]
    fn every_field_and_the_rest() {
        let mut v = base();
        for (k, x) in [
            ("email", json!("p@example.com")),
            ("email_verified", json!(false)),
            ("cognito:username", json!("pilot")),
            ("auth_time", json!(1)),
            ("iat", json!(2)),
            ("custom:identityId", json!("ap-southeast-2:x")),
            ("custom:companyId", json!("c")),
            ("custom:teamId", json!("t")),
            ("nbf", json!(3)),
            ("esc\\aped", json!([1, {"a": null}])),
        ] {
            v[k] = x;
        }
        let c = id(v.clone()).unwrap();
        assert_eq!(
            (c.email.as_deref(), c.email_verified, c.username.as_deref()),
            (Some("p@example.com"), Some(false), Some("pilot"))
        );
        assert_eq!((c.auth_time, c.iat, c.exp), (Some(1), Some(2), 10));
        assert_eq!(
            (
                c.identity_id.as_deref(),
                c.company_id.as_deref(),
                c.team_id.as_deref()
            ),
            (Some("ap-southeast-2:x"), Some("c"), Some("t"))
        );
        assert_eq!(c.other.len(), 2);
        assert_eq!(c.other["esc\\aped"], json!([1, {"a": null}]));
        // Serializing gives back the same object.
        assert_eq!(serde_json::to_value(&c).unwrap(), v);
    }

    #[test]
    fn nulls_are_absent_and_loose_booleans_are_read() {
        let mut v = base();
        v["email"] = Value::Null;
        v["email_verified"] = json!("true");
        let c = id(v).unwrap();
        assert_eq!((c.email, c.email_verified), (None, Some(true)));
        let mut v = base();
        v["email_verified"] = Value::Null;
        assert_eq!(id(v).unwrap().email_verified, None);
    }

    #[test]
    fn bad_claims_are_errors_naming_the_claim() {
        let cases = [
            ("sub", Value::Null, "missing field `sub`"),
            ("exp", json!("10"), "invalid type: string"),
            ("token_use", json!("banana"), "unknown variant `banana`"),
            ("email_verified", json!("yes"), "neither true nor false"),
            ("email_verified", json!(1), "invalid type: integer"),
            ("iat", json!(1.5), "invalid type: floating point"),
        ];
        for (claim, value, want) in cases {
            let mut v = base();
            match value {
                Value::Null => v.as_object_mut().map(|o| o.remove(claim)),
                value => v.as_object_mut().map(|o| o.insert(claim.into(), value)),
            };
            let e = id(v).unwrap_err();
            assert!(e.contains(want), "{claim}: {e}");
        }
        let twice = r#"{"sub":"s","iss":"i","aud":"a","token_use":"id","exp":1,"sub":"t"}"#;
        let e = serde_json::from_str::<IdClaims>(twice).unwrap_err();
        assert!(e.to_string().contains("duplicate field `sub`"), "{e}");
        // Said before the second value is read, whatever its type.
        let twice = r#"{"sub":"s","iss":"i","aud":"a","token_use":"id","exp":1,"sub":5}"#;
        let e = serde_json::from_str::<IdClaims>(twice).unwrap_err();
        assert!(e.to_string().contains("duplicate field `sub`"), "{e}");
        // Other claims are unique too (RFC 7519 §4), not read as their last value.
        let twice = r#"{"sub":"s","iss":"i","aud":"a","token_use":"id","exp":1,"nbf":1,"nbf":2}"#;
        let e = serde_json::from_str::<IdClaims>(twice).unwrap_err();
        assert!(e.to_string().contains("duplicate claim `nbf`"), "{e}");
        // `token_use` is a string, not serde's map form of an enum.
        let map = r#"{"sub":"s","iss":"i","aud":"a","token_use":{"id":null},"exp":1}"#;
        assert!(serde_json::from_str::<IdClaims>(map).is_err());
        assert!(serde_json::from_str::<IdClaims>(r#"["s","i","a","id",1]"#).is_err());
    }

    #[test]
    fn access_claims_in_one_pass() {
        let v = json!({"sub": "s", "iss": "i", "client_id": "c", "token_use": "access",
                       "exp": 9, "scope": "aws.cognito.signin.user.admin", "username": "u",
                       "jti": "j"});
        let c: AccessClaims = serde_json::from_str(&v.to_string()).unwrap();
        assert_eq!((c.client_id.as_str(), c.exp), ("c", 9));
        assert_eq!(c.scope.as_deref(), Some("aws.cognito.signin.user.admin"));
        assert_eq!(c.other["jti"], "j");
        assert_eq!(serde_json::to_value(&c).unwrap(), v);
        let e = serde_json::from_str::<AccessClaims>(r#"{"sub":"s"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `iss`"), "{e}");
    }
}
