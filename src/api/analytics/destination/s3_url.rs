//! `s3://bucket/prefix/`: the bucket name checked against S3's rules, the prefix made to end
//! in `/` so that it names a folder, never the start of other folders' names.

use std::fmt;

use crate::error::{Error, Result};

/// A parsed `s3://bucket/prefix/`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Url {
    /// The bucket.
    pub bucket: String,
    /// The prefix keys go under: empty (the whole bucket) or ending in `/`.
    pub prefix: String,
}

impl S3Url {
    /// `Some` for an `s3://` target (the scheme in any case), `None` for anything without a
    /// scheme (a local path).
    ///
    /// # Errors
    /// [`Error::Config`] for another scheme (`gs://`, `https://`), a bucket name S3 does not
    /// allow, or a prefix with an empty, `.` or `..` component or a control character.
    pub fn parse(target: &str) -> Result<Option<S3Url>> {
        let Some((scheme, rest)) = target.split_once("://").filter(|(s, _)| is_scheme(s)) else {
            return Ok(None);
        };
        if !scheme.eq_ignore_ascii_case("s3") {
            return Err(Error::config(
                "destination",
                format!(
                    "{target:?}: only a local directory or s3://bucket/prefix/ can hold a \
                     dataset, not a {scheme}:// URL"
                ),
            ));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        check_bucket(bucket)?;
        Ok(Some(S3Url {
            bucket: bucket.to_owned(),
            prefix: normalise_prefix(target, prefix)?,
        }))
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// RFC 3986: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// S3's rules for a general-purpose bucket name.
fn check_bucket(bucket: &str) -> Result<()> {
    let why = if bucket.is_empty() {
        Some("it is empty (write s3://BUCKET/PREFIX/)".to_owned())
    } else if !(3..=63).contains(&bucket.len()) {
        Some(format!("it has {} characters, not 3 to 63", bucket.len()))
    } else if let Some(c) = bucket
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        Some(format!(
            "{c:?} is not allowed (lowercase letters, digits, `.` and `-` only)"
        ))
    } else if !bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !bucket.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        Some("it must begin and end with a letter or a digit".to_owned())
    } else if bucket.contains("..") {
        Some("it has two dots in a row".to_owned())
    } else if bucket.split('.').count() == 4 && bucket.split('.').all(|p| p.parse::<u8>().is_ok()) {
        Some("it is formatted as an IP address".to_owned())
    } else if ["xn--", "sthree-", "amzn-s3-demo-"]
        .iter()
        .any(|p| bucket.starts_with(p))
        || ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
            .iter()
            .any(|s| bucket.ends_with(s))
    {
        Some("it uses a prefix or suffix S3 reserves".to_owned())
    } else {
        None
    };
    match why {
        Some(why) => Err(Error::config(
            "S3 bucket",
            format!("{bucket:?} is not a bucket name: {why}"),
        )),
        None => Ok(()),
    }
}

/// The prefix with a `/` at its end (empty stays empty: the whole bucket).
fn normalise_prefix(target: &str, prefix: &str) -> Result<String> {
    if prefix.is_empty() {
        return Ok(String::new());
    }
    let refuse = |why: &str| {
        Err(Error::config(
            "destination",
            format!("{target:?}: the prefix {prefix:?} {why}"),
        ))
    };
    if prefix.chars().any(char::is_control) {
        return refuse("holds a control character");
    }
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    for part in trimmed.split('/') {
        match part {
            "" => return refuse("has an empty component (`//`)"),
            "." | ".." => return refuse("has a `.` or `..` component"),
            _ => {}
        }
    }
    // Room for the keys under it within S3's 1,024 bytes.
    if trimmed.len() > 512 {
        return refuse("is longer than 512 bytes");
    }
    Ok(format!("{trimmed}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(target: &str) -> S3Url {
        S3Url::parse(target).unwrap().unwrap()
    }

    fn refused(target: &str) -> String {
        let err = S3Url::parse(target).unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{target}: {err:?}");
        err.to_string()
    }

    #[test]
    fn a_prefix_is_normalised_to_end_in_one_slash() {
        let url = parsed("s3://my-bucket/analytics/detections");
        assert_eq!(
            (url.bucket.as_str(), url.prefix.as_str()),
            ("my-bucket", "analytics/detections/")
        );
        assert_eq!(parsed("s3://my-bucket/analytics/").prefix, "analytics/");
        assert_eq!(parsed("S3://my-bucket/a").to_string(), "s3://my-bucket/a/");
    }

    #[test]
    fn no_prefix_means_the_whole_bucket() {
        assert_eq!(parsed("s3://my.bucket-1").prefix, "");
        assert_eq!(parsed("s3://my.bucket-1/").prefix, "");
        assert_eq!(parsed("s3://my.bucket-1/").to_string(), "s3://my.bucket-1/");
    }

    #[test]
    fn a_path_without_a_scheme_is_local() {
        for local in ["data", "./s3:/x", "/tmp/out", "s3:bucket", "./a://b"] {
            assert_eq!(S3Url::parse(local).unwrap(), None, "{local}");
        }
    }

    #[test]
    fn s3_alone_and_an_empty_bucket_are_refused() {
        assert!(refused("s3://").contains("empty"));
        assert!(refused("s3:///prefix/").contains("empty"));
    }

    #[test]
    fn bad_bucket_names_are_refused_with_the_rule_they_break() {
        for (bucket, rule) in [
            ("ab", "3 to 63"),
            (&"a".repeat(64), "3 to 63"),
            ("My-Bucket", "not allowed"),
            ("my_bucket", "not allowed"),
            ("-bucket", "begin and end"),
            ("bucket.", "begin and end"),
            ("my..bucket", "two dots"),
            ("192.168.5.4", "IP address"),
            ("xn--bucket", "reserves"),
            ("bucket-s3alias", "reserves"),
        ] {
            let message = refused(&format!("s3://{bucket}/p/"));
            assert!(message.contains(rule), "{bucket}: {message}");
            assert!(message.contains("S3 bucket"), "{message}");
        }
    }

    #[test]
    fn prefixes_with_empty_or_dot_components_are_refused() {
        for target in [
            "s3://bucket//a/",
            "s3://bucket/a//b/",
            "s3://bucket/a/../b",
            "s3://bucket/./a",
            "s3://bucket/a\n/",
        ] {
            refused(target);
        }
    }

    #[test]
    fn other_schemes_are_refused_not_taken_for_folders() {
        assert!(refused("gs://bucket/p/").contains("gs://"));
        assert!(refused("https://example.com/x").contains("https://"));
    }
}
