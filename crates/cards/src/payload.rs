//! Turns the text stored in a card chunk into JSON, as forgivingly as real files need.
//!
//! Writers in the wild store the card as standard base64 (the spec), base64 without padding or
//! wrapped over lines, URL-safe base64, or plain JSON text; and the JSON bytes may be UTF-8 or,
//! from old Windows tools, Latin-1. We try, in order:
//!
//! 1. lenient base64 (whitespace ignored, padding optional), then the bytes as UTF-8, falling
//!    back to Latin-1;
//! 2. the chunk text itself as JSON, UTF-8 first, then Latin-1.
//!
//! The first that parses as JSON wins; what was lenient is reported as a diagnostic.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use deskmate_diagnostics::Diagnostic;
use serde_json::Value;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// What decoding found, besides the JSON itself.
#[derive(Debug)]
pub struct Decoded {
    pub json: Value,
    pub notes: Vec<Diagnostic>,
}

/// Decodes chunk text to JSON. `utf8_native` is true for iTXt, whose text is UTF-8 by spec.
/// The error says why neither reading worked.
pub fn decode(text: &[u8], utf8_native: bool, place: &str) -> Result<Decoded, String> {
    let mut notes = Vec::new();
    let base64_error = match lenient_base64(text) {
        Ok((bytes, lenient)) => {
            if lenient {
                notes.push(
                    Diagnostic::info("png.lenient_base64", "the card's base64 is not strictly standard (padding, line breaks or URL-safe letters); it was read anyway")
                        .at(place),
                );
            }
            match parse_json_bytes(&bytes, place) {
                Ok(mut decoded) => {
                    notes.append(&mut decoded.notes);
                    return Ok(Decoded {
                        json: decoded.json,
                        notes,
                    });
                }
                Err(e) => format!("base64 decoded, but not to JSON ({e})"),
            }
        }
        Err(e) => e,
    };
    let raw = if utf8_native {
        match std::str::from_utf8(text) {
            Ok(s) => parse_json_str(s, place, &mut notes),
            Err(e) => Err(e.to_string()),
        }
    } else {
        parse_json_bytes(text, place).map(|d| {
            notes.extend(d.notes);
            d.json
        })
    };
    match raw {
        Ok(json) => {
            notes.push(
                Diagnostic::info(
                    "png.raw_json",
                    "the card is stored as plain JSON text rather than base64; it was read anyway",
                )
                .at(place),
            );
            Ok(Decoded { json, notes })
        }
        Err(e) => Err(format!("not base64 ({base64_error}) and not JSON ({e})")),
    }
}

/// Decodes base64 while ignoring ASCII whitespace and missing padding. Returns the bytes and
/// whether anything non-standard was tolerated.
fn lenient_base64(text: &[u8]) -> Result<(Vec<u8>, bool), String> {
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text) {
        return Ok((bytes, false));
    }
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err("empty".into());
    }
    STANDARD
        .decode(&compact)
        .or_else(|_| URL_SAFE.decode(&compact))
        .map(|bytes| (bytes, true))
        .map_err(|e| e.to_string())
}

/// Parses JSON from bytes that are UTF-8, or Latin-1 when there is no UTF-8 in them at all.
/// Mostly-UTF-8 text with a few broken bytes keeps its UTF-8 and gets U+FFFD for the broken
/// bytes, as SillyTavern's `Buffer.toString('utf8')` does; reading it all as Latin-1 would
/// garble every accented letter that was fine.
pub fn parse_json_bytes(bytes: &[u8], place: &str) -> Result<Decoded, String> {
    let mut notes = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) if bytes.utf8_chunks().any(|c| !c.valid().is_ascii()) => {
            notes.push(
                Diagnostic::warning(
                    "card.invalid_utf8",
                    "the card text is UTF-8 with some broken bytes; they were read as \u{fffd}",
                )
                .at(place)
                .hint("look for \u{fffd} in the card and retype those letters"),
            );
            String::from_utf8_lossy(bytes)
        }
        Err(_) => {
            notes.push(
                Diagnostic::warning(
                    "card.latin1_text",
                    "the card text is not UTF-8; it was read as Latin-1",
                )
                .at(place)
                .hint("check accented letters in the card; saving it again writes UTF-8"),
            );
            // Latin-1 maps each byte to the code point of the same value.
            Cow::Owned(bytes.iter().map(|&b| b as char).collect())
        }
    };
    let json = parse_json_str(&text, place, &mut notes)?;
    Ok(Decoded { json, notes })
}

fn parse_json_str(s: &str, place: &str, notes: &mut Vec<Diagnostic>) -> Result<Value, String> {
    let s = s.strip_prefix('\u{feff}').unwrap_or(s);
    if !s.trim_start().starts_with('{') {
        return Err("does not start with `{`".into());
    }
    let first_error = match serde_json::from_str(s) {
        Ok(value) => return Ok(value),
        Err(e) => e.to_string(),
    };
    // JavaScript writes half of a cut emoji as a lone `\ud83d` escape and reads it back; Rust
    // strings cannot hold one. Replace just those escapes rather than refuse the card.
    let replaced = replace_lone_surrogates(s);
    if replaced == s {
        return Err(first_error);
    }
    let value = serde_json::from_str(&replaced).map_err(|_| first_error)?;
    notes.push(
        Diagnostic::warning(
            "card.lone_surrogate",
            "the card has half of an emoji (a lone UTF-16 surrogate); it was read as \u{fffd}",
        )
        .at(place)
        .hint("look for \u{fffd} in the card and retype the emoji"),
    );
    Ok(value)
}

/// Rewrites `\uD800`–`\uDFFF` escapes that are not part of a surrogate pair as `\uFFFD`,
/// inside JSON string literals only.
fn replace_lone_surrogates(s: &str) -> String {
    fn unit(s: &str, at: usize) -> Option<u16> {
        let hex = s.get(at..at + 6)?.strip_prefix("\\u")?;
        u16::from_str_radix(hex, 16).ok()
    }
    let is_high = |u: u16| (0xd800..0xdc00).contains(&u);
    let is_low = |u: u16| (0xdc00..0xe000).contains(&u);
    let mut out = String::with_capacity(s.len());
    let (mut i, mut in_string) = (0, false);
    while let Some(c) = s[i..].chars().next() {
        if in_string && c == '\\' {
            match unit(s, i) {
                Some(u) if is_high(u) && unit(s, i + 6).is_some_and(is_low) => {
                    out.push_str(&s[i..i + 12]);
                    i += 12;
                }
                Some(u) if is_high(u) || is_low(u) => {
                    out.push_str("\\ufffd");
                    i += 6;
                }
                _ => {
                    // Any other escape: copy the backslash and the escaped character.
                    let next = s[i + 1..].chars().next().map_or(0, char::len_utf8);
                    out.push_str(&s[i..i + 1 + next]);
                    i += 1 + next;
                }
            }
            continue;
        }
        if c == '"' {
            in_string = !in_string;
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn standard_base64_is_quiet() {
        let d = decode(b64(r#"{"name":"A"}"#).as_bytes(), false, "x").unwrap();
        assert_eq!(d.json["name"], "A");
        assert!(d.notes.is_empty());
    }

    #[test]
    fn tolerates_missing_padding_whitespace_and_url_safe() {
        let text = b64(r#"{"name":"Ab?>x"}"#);
        let unpadded = text.trim_end_matches('=').to_string();
        let wrapped = format!("{}\n {}", &unpadded[..5], &unpadded[5..]);
        let url_safe = unpadded.replace('+', "-").replace('/', "_");
        for t in [unpadded, wrapped, url_safe] {
            let d = decode(t.as_bytes(), false, "x").unwrap();
            assert_eq!(d.json["name"], "Ab?>x");
            assert_eq!(d.notes[0].code, "png.lenient_base64");
        }
    }

    #[test]
    fn falls_back_to_raw_json_and_latin1() {
        let d = decode(br#"{"name":"raw"}"#, false, "x").unwrap();
        assert_eq!(d.json["name"], "raw");
        assert_eq!(d.notes.last().unwrap().code, "png.raw_json");

        let latin1 = b"{\"name\":\"Ren\xe9e\"}";
        let d = decode(latin1, false, "x").unwrap();
        assert_eq!(d.json["name"], "Ren\u{e9}e");
        assert!(d.notes.iter().any(|n| n.code == "card.latin1_text"));

        let encoded = base64::engine::general_purpose::STANDARD.encode(latin1);
        let d = decode(encoded.as_bytes(), false, "x").unwrap();
        assert_eq!(d.json["name"], "Ren\u{e9}e");
    }

    #[test]
    fn mostly_utf8_keeps_its_utf8_and_marks_broken_bytes() {
        let d = parse_json_bytes(b"{\"name\":\"Ren\xc3\xa9e \xff\"}", "x").unwrap();
        assert_eq!(d.json["name"], "Ren\u{e9}e \u{fffd}");
        assert_eq!(d.notes[0].code, "card.invalid_utf8");
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_survive() {
        let text =
            r#"{"name":"a\ud83d b","pair":"\ud83d\ude00","low":"\udc00","escaped":"\\ud83d"}"#;
        let d = parse_json_bytes(text.as_bytes(), "x").unwrap();
        assert_eq!(d.json["name"], "a\u{fffd} b");
        assert_eq!(d.json["pair"], "\u{1f600}");
        assert_eq!(d.json["low"], "\u{fffd}");
        assert_eq!(d.json["escaped"], "\\ud83d");
        assert_eq!(d.notes[0].code, "card.lone_surrogate");
    }

    proptest::proptest! {
        #[test]
        fn json_text_of_any_shape_never_panics(body in r#"[\\u{}"a-f0-9 éD\u{1f600}]{0,40}"#) {
            let text = format!("{{\"k\":\"{body}\"}}");
            let _ = parse_json_bytes(text.as_bytes(), "x");
            let _ = replace_lone_surrogates(&text);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(b"!!!", false, "x").is_err());
        assert!(decode(b"", false, "x").is_err());
        assert!(decode(b64("[1,2]").as_bytes(), false, "x").is_err());
    }
}
