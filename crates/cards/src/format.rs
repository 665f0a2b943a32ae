//! Which card container a file is, by its bytes or by its name.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Png,
    Json,
    Charx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Json => "json",
            Format::Charx => "charx",
        }
    }

    /// The format a file name asks for: `.png`, `.json`, `.charx`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Format::Png),
            "json" => Some(Format::Json),
            "charx" => Some(Format::Charx),
            _ => None,
        }
    }

    /// The format the content is, whatever the file is called. A ZIP counts even with data in
    /// front of it (RisuAI's JPEG + CHARX files), found by its end-of-directory record.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&crate::png::chunks::SIGNATURE) {
            return Some(Format::Png);
        }
        let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            return Some(Format::Json);
        }
        if bytes.starts_with(b"PK\x03\x04") || has_zip_end(bytes) {
            return Some(Format::Charx);
        }
        None
    }
}

/// Looks for the ZIP end-of-central-directory record in the last 64 KiB + 22 bytes, where the
/// format puts it.
fn has_zip_end(bytes: &[u8]) -> bool {
    const EOCD: &[u8] = b"PK\x05\x06";
    let start = bytes.len().saturating_sub(65_535 + 22);
    bytes[start..].windows(4).any(|w| w == EOCD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(
            Format::sniff(b"\xef\xbb\xbf  {\"a\":1}"),
            Some(Format::Json)
        );
        assert_eq!(Format::sniff(b"PK\x03\x04...."), Some(Format::Charx));
        assert_eq!(
            Format::sniff(b"\xff\xd8\xff jpeg bytes PK\x05\x06 end"),
            Some(Format::Charx)
        );
        assert_eq!(Format::sniff(b"\xff\xd8\xff plain jpeg"), None);
        assert_eq!(
            Format::from_path(Path::new("a/b.CharX")),
            Some(Format::Charx)
        );
    }
}
