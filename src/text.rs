//! Text that came from a server or a teammate (item, device and pilot names, keys, error
//! messages), made safe to show on a terminal.
//!
//! A name can carry characters a terminal acts on (an escape sequence can recolour, move the
//! cursor, set the window title, or hide what follows) and characters that change how the rest
//! of the line reads without being seen (a right-to-left override shows `exe.gpj` for
//! `jpg.exe`; a zero-width space makes two names look alike). [`terminal_safe`] shows each
//! as an escape instead. JSON output needs none of this: its encoder escapes controls already.

use std::borrow::Cow;

/// `text` with every character that a terminal acts on or that hides or reorders what
/// follows written as an escape (`\n`, `\t`, `\u{1b}`, `\u{202e}`): controls (C0, DEL, C1),
/// the line and paragraph separators, and format characters (see [`is_format`]). Everything
/// else, backslashes included, is left as it is; text with nothing to escape is borrowed.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether [`terminal_safe`] escapes `c`.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// Whether `c` is a Unicode format character (general category Cf, Unicode 16): invisible
/// characters that steer how text around them is shown — the bidirectional embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C),
/// the zero-width space, joiners and word joiner (U+200B–U+200D, U+2060), the byte order mark
/// (U+FEFF), the soft hyphen, invisible operators, interlinear annotation marks, tag
/// characters and the script-specific format marks.
pub fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// `text` with anything shaped like a credential a server might echo back blanked out: a
/// personal access token (`ul_pat_...`) or a JWT (`eyJ...` with two dots).
pub(crate) fn scrub_credentials(text: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['u', 'e']) {
        let candidate = &rest[start..];
        let len = candidate
            .find(|c| !token_char(c))
            .unwrap_or(candidate.len());
        let word = &candidate[..len];
        let jwt = word.starts_with("eyJ") && word.matches('.').count() >= 2;
        let pat = word.starts_with("ul_pat_") && word.len() > "ul_pat_".len();
        let at_word_start = rest[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !token_char(c));
        out.push_str(&rest[..start]);
        if at_word_start && (jwt || pat) {
            out.push_str("[redacted]");
            rest = &candidate[len..];
        } else {
            out.push_str(&candidate[..1]);
            rest = &candidate[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_separators_and_format_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(
            terminal_safe("\u{1b}]0;pwned\u{7}red\u{1b}[31m"),
            "\\u{1b}]0;pwned\\u{7}red\\u{1b}[31m"
        );
        assert_eq!(
            terminal_safe("a\nb\tc\rd\u{85}e\u{9b}"),
            "a\\nb\\tc\\rd\\u{85}e\\u{9b}"
        );
        assert_eq!(
            terminal_safe("invoice\u{202e}gpj.exe"),
            "invoice\\u{202e}gpj.exe"
        );
        assert_eq!(
            terminal_safe("a\u{200b}b\u{2066}c\u{feff}d\u{2028}e\u{e0041}"),
            "a\\u{200b}b\\u{2066}c\\u{feff}d\\u{2028}e\\u{e0041}"
        );
        assert_eq!(terminal_safe("\u{7f}"), "\\u{7f}");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged_backslashes_quotes_and_emoji_included() {
        for plain in [
            "",
            "DJI_0001.JPG",
            "C:\\dir\\x \"q\" 'q'",
            "Zoë 🚁 日本",
            "a b",
        ] {
            assert!(
                matches!(terminal_safe(plain), Cow::Borrowed(s) if s == plain),
                "{plain:?}"
            );
        }
    }

    #[test]
    fn every_named_format_character_is_one() {
        let named = [
            0x00AD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C,
            0x202D, 0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0xFFF9, 0xE0001,
            0xE007F,
        ];
        for code in named {
            let c = char::from_u32(code).unwrap();
            assert!(is_format(c), "U+{code:04X}");
            assert!(needs_escape(c), "U+{code:04X}");
        }
        for c in ['a', ' ', 'é', '\u{2010}', '\u{2070}', '\u{FE0F}', '😀'] {
            assert!(!is_format(c), "{c:?}");
        }
    }
}
