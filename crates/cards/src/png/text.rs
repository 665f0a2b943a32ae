//! The three PNG text chunk types, decoded to keyword + text bytes.
//!
//! - `tEXt`: `keyword NUL text`, Latin-1.
//! - `zTXt`: `keyword NUL method compressed-text`, Latin-1 after inflating.
//! - `iTXt`: `keyword NUL flag method language NUL translated-keyword NUL text`, UTF-8,
//!   compressed when `flag` is 1.

use std::io::Read;

use crate::error::{CardError, Result};
use crate::limits::Limits;

use super::chunks::Chunk;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
// Named exactly as the PNG chunk types they stand for.
#[allow(clippy::enum_variant_names)]
pub enum TextKind {
    TEXt,
    ZTXt,
    ITXt,
}

impl TextKind {
    pub fn of(chunk: &Chunk<'_>) -> Option<TextKind> {
        match &chunk.kind {
            b"tEXt" => Some(TextKind::TEXt),
            b"zTXt" => Some(TextKind::ZTXt),
            b"iTXt" => Some(TextKind::ITXt),
            _ => None,
        }
    }
}

/// Which card a keyword holds, if any. Matching ignores ASCII case because writers in the
/// wild have produced `Chara` and `CCV3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CardKeyword {
    /// `ccv3`: a Character Card V3. Preferred, as the V3 spec asks.
    Ccv3,
    /// `chara`: a V2 card (or a V1 one, in old files).
    Chara,
}

impl CardKeyword {
    pub fn parse(keyword: &[u8]) -> Option<CardKeyword> {
        if keyword.eq_ignore_ascii_case(b"ccv3") {
            Some(CardKeyword::Ccv3)
        } else if keyword.eq_ignore_ascii_case(b"chara") {
            Some(CardKeyword::Chara)
        } else {
            None
        }
    }
}

/// The keyword of a text chunk: the bytes before the first NUL.
pub fn keyword<'a>(chunk: &Chunk<'a>) -> Option<&'a [u8]> {
    TextKind::of(chunk)?;
    let nul = chunk.data.iter().position(|&b| b == 0)?;
    Some(&chunk.data[..nul])
}

/// A decoded text chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub kind: TextKind,
    pub keyword: Vec<u8>,
    pub text: Vec<u8>,
    /// iTXt text is UTF-8 by definition; tEXt and zTXt text is Latin-1.
    pub utf8: bool,
}

/// Decodes a text chunk. `None` when `chunk` is not a text chunk.
pub fn decode(chunk: &Chunk<'_>, limits: &Limits) -> Option<Result<Text>> {
    let kind = TextKind::of(chunk)?;
    Some(decode_kind(kind, chunk.data, limits))
}

fn decode_kind(kind: TextKind, data: &[u8], limits: &Limits) -> Result<Text> {
    let malformed = |what: &str| CardError::PngBadCard {
        reason: format!("malformed {kind:?} chunk: {what}"),
    };
    let nul = data
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| malformed("no NUL after the keyword"))?;
    let keyword = data[..nul].to_vec();
    let rest = &data[nul + 1..];
    let (text, utf8) = match kind {
        TextKind::TEXt => (rest.to_vec(), false),
        TextKind::ZTXt => {
            let (_method, compressed) = rest
                .split_first()
                .ok_or_else(|| malformed("no compression method"))?;
            (inflate(compressed, limits)?, false)
        }
        TextKind::ITXt => {
            let [flag, _method, tail @ ..] = rest else {
                return Err(malformed("no compression flag"));
            };
            let lang_end = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| malformed("no language tag"))?;
            let tail = &tail[lang_end + 1..];
            let tk_end = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| malformed("no translated keyword"))?;
            let body = &tail[tk_end + 1..];
            let text = if *flag == 1 {
                inflate(body, limits)?
            } else {
                body.to_vec()
            };
            (text, true)
        }
    };
    Ok(Text {
        kind,
        keyword,
        text,
        utf8,
    })
}

/// zlib-inflates at most `limits.max_inflated_text_bytes`, so a tiny chunk cannot expand into
/// gigabytes.
fn inflate(compressed: &[u8], limits: &Limits) -> Result<Vec<u8>> {
    let limit = limits.max_inflated_text_bytes;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| CardError::InflateFailed {
            reason: e.to_string(),
        })?;
    if out.len() as u64 > limit {
        return Err(CardError::InflateLimit { limit });
    }
    Ok(out)
}

/// The data of a tEXt chunk holding `text` under `keyword`.
pub fn encode_text(keyword: &str, text: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(keyword.len() + 1 + text.len());
    data.extend_from_slice(keyword.as_bytes());
    data.push(0);
    data.extend_from_slice(text.as_bytes());
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn decodes_all_three_kinds() {
        let limits = Limits::default();
        let t = decode_kind(TextKind::TEXt, b"chara\0abc", &limits).unwrap();
        assert_eq!(
            (t.keyword.as_slice(), t.text.as_slice(), t.utf8),
            (&b"chara"[..], &b"abc"[..], false)
        );

        let mut z = b"ccv3\0\0".to_vec();
        z.extend(zlib(b"hello"));
        assert_eq!(
            decode_kind(TextKind::ZTXt, &z, &limits).unwrap().text,
            b"hello"
        );

        let mut i = b"Chara\0\x01\0en\0\0".to_vec();
        i.extend(zlib("h\u{e9}".as_bytes()));
        let t = decode_kind(TextKind::ITXt, &i, &limits).unwrap();
        assert_eq!(t.text, "h\u{e9}".as_bytes());
        assert!(t.utf8);
        assert_eq!(
            decode_kind(TextKind::ITXt, b"ccv3\0\0\0\0\0plain", &limits)
                .unwrap()
                .text,
            b"plain"
        );
    }

    #[test]
    fn inflate_stops_at_the_limit() {
        let mut z = b"ccv3\0\0".to_vec();
        z.extend(zlib(&vec![b'a'; 10_000]));
        let limits = Limits {
            max_inflated_text_bytes: 100,
            ..Limits::default()
        };
        let err = decode_kind(TextKind::ZTXt, &z, &limits).unwrap_err();
        assert_eq!(err.code(), "png.inflate_limit");
    }

    #[test]
    fn malformed_chunks_are_errors_not_panics() {
        let limits = Limits::default();
        for data in [&b"no-nul"[..], b"k\0", b"k\0\x01", b"k\0\x01\0lang"] {
            assert!(decode_kind(TextKind::ITXt, data, &limits).is_err());
        }
        assert!(decode_kind(TextKind::ZTXt, b"k\0\0garbage", &limits).is_err());
    }

    #[test]
    fn card_keywords_ignore_case() {
        assert_eq!(CardKeyword::parse(b"CcV3"), Some(CardKeyword::Ccv3));
        assert_eq!(CardKeyword::parse(b"CHARA"), Some(CardKeyword::Chara));
        assert_eq!(CardKeyword::parse(b"chara-ext-asset_:1"), None);
    }
}
