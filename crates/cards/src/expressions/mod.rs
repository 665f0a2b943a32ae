//! Expression sprite sets: the pictures a character shows for each feeling.
//!
//! SillyTavern keeps them flat, one file per label (`joy.png`, `joy-2.png`), and labels them
//! by file name. The DeskMate server finds `<name>_<label>.png` beside the persona's card,
//! with its own 16 labels. A V3 CHARX carries them as `emotion` assets. This module reads a
//! set from any of those ([`set`]), checks every picture ([`sprite`]), measures coverage of
//! either label set ([`labels`], [`set::coverage`]) and writes each layout ([`export`]).
//! Picture bytes are never re-encoded, except where the DeskMate server needs a PNG and the
//! sprite is not one.

pub mod carried;
pub mod export;
pub mod file_name;
pub mod labels;
pub mod set;
pub mod sprite;

pub use carried::carried_sprites;
pub use labels::LabelSet;
pub use set::{Coverage, SetRead, Skipped, check, coverage};
pub use sprite::{Sprite, SpriteFormat, SpriteLimits};
