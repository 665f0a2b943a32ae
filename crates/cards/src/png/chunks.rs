//! Walks the chunks of a PNG without decoding any of them.
//!
//! Written by hand rather than with the `png` crate because we need the opposite of what a
//! decoder gives: the exact bytes of every chunk, in order, with their stored checksums, so a
//! writer can copy the image through untouched and a reader can reach the card text without
//! ever inflating IDAT. A walk is O(chunks), not O(pixels).

use crate::error::{CardError, Result};
use crate::limits::Limits;

pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Length (4) + type (4) before the data, CRC (4) after it.
const FRAMING: usize = 12;

/// One chunk as it sits in the file.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// Position among the file's chunks, from 0.
    pub index: usize,
    /// Byte offset of the chunk's length field.
    pub offset: usize,
    pub kind: [u8; 4],
    pub data: &'a [u8],
    pub stored_crc: u32,
    /// The whole chunk: length, type, data and CRC, exactly as stored.
    pub raw: &'a [u8],
}

impl Chunk<'_> {
    pub fn kind_str(&self) -> &str {
        std::str::from_utf8(&self.kind).unwrap_or("????")
    }

    pub fn computed_crc(&self) -> u32 {
        chunk_crc(&self.kind, self.data)
    }

    pub fn crc_ok(&self) -> bool {
        self.computed_crc() == self.stored_crc
    }

    pub fn is(&self, kind: &[u8; 4]) -> bool {
        &self.kind == kind
    }
}

/// Where and why a walk stopped before IEND.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    /// Index the next chunk would have had.
    pub index: usize,
    /// Byte offset where the damage starts.
    pub offset: usize,
    pub kind: DamageKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// The file ends inside a chunk.
    Truncated,
    /// A chunk type is not four ASCII letters: the bytes from here on are not chunks.
    Garbage,
    /// The file ends cleanly between chunks but no IEND was seen.
    NoIend,
}

/// The chunks of one PNG file, in file order.
#[derive(Debug, Clone)]
pub struct PngLayout<'a> {
    pub chunks: Vec<Chunk<'a>>,
    /// Bytes after IEND (some tools append data there; we keep it).
    pub trailing: &'a [u8],
    /// Set when the walk could not reach IEND.
    pub damage: Option<Damage>,
}

impl<'a> PngLayout<'a> {
    /// Walks `bytes`. Fails only when this is not a PNG at all or a limit is hit; a file cut
    /// short is returned with [`PngLayout::damage`] set so a reader can still recover a card
    /// stored before the cut.
    pub fn walk(bytes: &'a [u8], limits: &Limits) -> Result<Self> {
        if bytes.len() < SIGNATURE.len() || bytes[..8] != SIGNATURE {
            return Err(CardError::NotPng);
        }
        let mut chunks = Vec::new();
        let mut pos = SIGNATURE.len();
        loop {
            let index = chunks.len();
            if pos == bytes.len() {
                let damage = Damage {
                    index,
                    offset: pos,
                    kind: DamageKind::NoIend,
                };
                return Ok(PngLayout {
                    chunks,
                    trailing: &[],
                    damage: Some(damage),
                });
            }
            if index >= limits.max_chunks {
                return Err(CardError::PngTooManyChunks {
                    limit: limits.max_chunks,
                });
            }
            let damaged = |kind| Damage {
                index,
                offset: pos,
                kind,
            };
            let Some(header) = bytes.get(pos..pos + 8) else {
                let damage = Some(damaged(DamageKind::Truncated));
                return Ok(PngLayout {
                    chunks,
                    trailing: &[],
                    damage,
                });
            };
            let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as u64;
            let kind = [header[4], header[5], header[6], header[7]];
            if !kind.iter().all(u8::is_ascii_alphabetic) {
                let damage = Some(damaged(DamageKind::Garbage));
                return Ok(PngLayout {
                    chunks,
                    trailing: &[],
                    damage,
                });
            }
            if len > limits.max_chunk_bytes {
                return Err(CardError::PngChunkTooLarge {
                    index,
                    declared: len,
                    limit: limits.max_chunk_bytes,
                });
            }
            let end = pos + FRAMING + len as usize;
            let Some(raw) = bytes.get(pos..end) else {
                let damage = Some(damaged(DamageKind::Truncated));
                return Ok(PngLayout {
                    chunks,
                    trailing: &[],
                    damage,
                });
            };
            let data = &raw[8..raw.len() - 4];
            let crc_bytes = &raw[raw.len() - 4..];
            let stored_crc =
                u32::from_be_bytes([crc_bytes[0], crc_bytes[1], crc_bytes[2], crc_bytes[3]]);
            chunks.push(Chunk {
                index,
                offset: pos,
                kind,
                data,
                stored_crc,
                raw,
            });
            pos = end;
            if &kind == b"IEND" {
                return Ok(PngLayout {
                    chunks,
                    trailing: &bytes[pos..],
                    damage: None,
                });
            }
        }
    }
}

/// The PNG CRC: CRC-32 over the chunk type and data.
pub fn chunk_crc(kind: &[u8; 4], data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    hasher.finalize()
}

/// Appends one complete chunk (length, type, data, CRC) to `out`.
pub fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<()> {
    let len = u32::try_from(data.len()).map_err(|_| CardError::CannotWrite {
        reason: format!(
            "a {} chunk of {} bytes does not fit in a PNG",
            String::from_utf8_lossy(kind),
            data.len()
        ),
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&chunk_crc(kind, data).to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_png() -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        push_chunk(&mut out, b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 3, 8, 0, 0, 0, 0]).unwrap();
        push_chunk(&mut out, b"IDAT", b"not really zlib").unwrap();
        push_chunk(&mut out, b"IEND", b"").unwrap();
        out
    }

    #[test]
    fn walks_every_chunk() {
        let png = tiny_png();
        let layout = PngLayout::walk(&png, &Limits::default()).unwrap();
        let kinds: Vec<_> = layout.chunks.iter().map(|c| c.kind_str()).collect();
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        assert!(layout.chunks.iter().all(Chunk::crc_ok));
        assert!(layout.damage.is_none());
    }

    #[test]
    fn reports_truncation_instead_of_failing() {
        let png = tiny_png();
        let cut = &png[..png.len() - 14];
        let layout = PngLayout::walk(cut, &Limits::default()).unwrap();
        assert_eq!(layout.chunks.len(), 1);
        assert_eq!(layout.damage.unwrap().kind, DamageKind::Truncated);
    }

    #[test]
    fn keeps_bytes_after_iend() {
        let mut png = tiny_png();
        png.extend_from_slice(b"appended");
        let layout = PngLayout::walk(&png, &Limits::default()).unwrap();
        assert_eq!(layout.trailing, b"appended");
    }

    #[test]
    fn rejects_non_png_and_oversized_chunks() {
        assert!(matches!(
            PngLayout::walk(b"GIF89a", &Limits::default()),
            Err(CardError::NotPng)
        ));
        let limits = Limits {
            max_chunk_bytes: 4,
            ..Limits::default()
        };
        let err = PngLayout::walk(&tiny_png(), &limits).unwrap_err();
        assert_eq!(err.code(), "png.chunk_too_large");
    }
}
