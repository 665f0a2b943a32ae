//! Size and count limits for everything read from outside.
//!
//! The defaults are generous for real cards (the largest RisuAI CHARX files with many
//! expression sprites run to a few hundred MB) and small enough that a hostile file cannot
//! exhaust memory on an owner's laptop.

/// Limits applied by every reader in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest card file of any format.
    pub max_file_bytes: u64,
    /// Largest single PNG chunk (data length).
    pub max_chunk_bytes: u64,
    /// Most chunks one PNG may have.
    pub max_chunks: usize,
    /// Largest inflated text of a zTXt or iTXt chunk.
    pub max_inflated_text_bytes: u64,
    /// Most entries in a ZIP archive (a CHARX, a sprite set, a zip of cards).
    pub max_zip_entries: usize,
    /// Largest total unpacked size of a ZIP archive.
    pub max_zip_total_bytes: u64,
    /// Largest compression ratio of one archive entry (only checked past 1 MiB unpacked, where
    /// a bomb can do harm; small, highly repetitive JSON is normal).
    pub max_zip_ratio: u64,
    /// Most pixels an image may have before we agree to decode it.
    pub max_image_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1024 * 1024 * 1024,
            max_chunk_bytes: 256 * 1024 * 1024,
            max_chunks: 100_000,
            max_inflated_text_bytes: 64 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_zip_total_bytes: 2 * 1024 * 1024 * 1024,
            max_zip_ratio: 200,
            max_image_pixels: 100_000_000,
        }
    }
}
