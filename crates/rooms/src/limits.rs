//! Size and count limits for rooms and room packages read from outside.
//!
//! A real room is a few kilobytes with tens of objects; these limits leave a wide margin and
//! still keep a hostile file from exhausting memory or time (validation is linear in cells and
//! objects, so bounding both bounds it).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest room file (JSON or YAML).
    pub max_room_bytes: u64,
    /// Widest and tallest grid, in cells.
    pub max_grid_side: u32,
    /// Most objects in one room.
    pub max_objects: usize,
    /// Largest `.dmroom` package file.
    pub max_package_bytes: u64,
    /// Most entries in a package.
    pub max_package_entries: usize,
    /// Largest total unpacked size of a package.
    pub max_unpacked_bytes: u64,
    /// Largest single sprite.
    pub max_sprite_bytes: u64,
    /// Largest compression ratio of one entry (checked past 1 MiB unpacked).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_room_bytes: 4 * 1024 * 1024,
            max_grid_side: 512,
            max_objects: 10_000,
            max_package_bytes: 64 * 1024 * 1024,
            max_package_entries: 1_000,
            max_unpacked_bytes: 128 * 1024 * 1024,
            max_sprite_bytes: 8 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}
