//! A sprite set as a whole: reading one from a folder's or zip's files, checking it, and
//! measuring its coverage of a label set.

use std::collections::BTreeMap;

use deskmate_diagnostics::Diagnostic;
use serde::Serialize;

use crate::archive::{self, Entry};
use crate::error::{CardError, Result};
use crate::expressions::labels::{DESKMATE_SOURCES, LabelSet};
use crate::expressions::sprite::{Sprite, SpriteLimits};
use crate::limits::Limits;

/// What reading a set's files gave: the sprites, and every file left out with the reason.
#[derive(Debug, Clone, Default)]
pub struct SetRead {
    pub sprites: Vec<Sprite>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file_name: String,
    /// A stable code: `expression.not_a_picture`, `expression.in_subfolder`, or the
    /// error's own code for a picture that failed its checks.
    pub code: String,
    pub reason: String,
}

const PICTURE_EXTENSIONS: [&str; 5] = ["png", "webp", "gif", "jpg", "jpeg"];

/// Reads sprites from a flat set of files, the way SillyTavern does: folders and macOS
/// metadata (`__MACOSX/`, `._name`, `.DS_Store`) are passed over, and each picture's label
/// comes from its name. A file that fails its checks is skipped with the reason; the rest
/// of the set is still read.
pub fn read_files(
    files: Vec<Entry>,
    limits: &Limits,
    sprite_limits: &SpriteLimits,
) -> Result<SetRead> {
    let mut read = SetRead::default();
    for Entry { name, bytes } in files {
        if is_metadata(&name) {
            continue;
        }
        let skip = |code: &str, reason: String| Skipped {
            file_name: name.clone(),
            code: code.into(),
            reason,
        };
        if name.contains(['/', '\\']) {
            read.skipped.push(skip(
                "expression.in_subfolder",
                "a sprite set is flat; pictures in subfolders are not part of it".into(),
            ));
            continue;
        }
        let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        if !extension.is_some_and(|e| PICTURE_EXTENSIONS.contains(&e.as_str())) {
            read.skipped.push(skip(
                "expression.not_a_picture",
                "not a .png, .webp, .gif or .jpg file".into(),
            ));
            continue;
        }
        if read.sprites.len() == sprite_limits.max_sprites {
            return Err(CardError::TooManySprites {
                limit: sprite_limits.max_sprites,
            });
        }
        match Sprite::read(&name, None, bytes, limits, sprite_limits) {
            Ok(sprite) => read.sprites.push(sprite),
            Err(err) => read.skipped.push(skip(err.code(), err.to_string())),
        }
    }
    // `joy.png` before `joy-2.png` before `joy-10.png`: shorter names first within a label.
    read.sprites.sort_by(|a, b| {
        (&a.label, a.file_name.len(), &a.file_name).cmp(&(
            &b.label,
            b.file_name.len(),
            &b.file_name,
        ))
    });
    Ok(read)
}

/// Reads a sprite zip, within the archive limits (entry count, real unpacked size, ratio,
/// names that climb out of the folder).
pub fn read_zip(bytes: &[u8], limits: &Limits, sprite_limits: &SpriteLimits) -> Result<SetRead> {
    read_files(archive::read_entries(bytes, limits)?, limits, sprite_limits)
}

fn is_metadata(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.starts_with("__MACOSX/")
        || base.starts_with("._")
        || base == ".DS_Store"
        || base.is_empty()
}

/// Findings about a set as a whole: sizes that do not match (the character would jump or
/// shrink when the expression changes), sprites with no transparency (a box shows around
/// the character), and labels with several pictures.
pub fn check(sprites: &[Sprite]) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let mut sizes: BTreeMap<(u32, u32), Vec<&str>> = BTreeMap::new();
    for sprite in sprites {
        sizes
            .entry((sprite.width, sprite.height))
            .or_default()
            .push(&sprite.file_name);
    }
    if let Some((&(w, h), _)) = sizes.iter().max_by_key(|(_, files)| files.len()) {
        for (&(sw, sh), files) in &sizes {
            if (sw, sh) == (w, h) {
                continue;
            }
            let same_shape = u64::from(sw) * u64::from(h) == u64::from(sh) * u64::from(w);
            let message = format!(
                "{} {sw}x{sh}, while most sprites are {w}x{h}",
                if files.len() == 1 { "is" } else { "are" }
            );
            let finding = if same_shape {
                Diagnostic::info("expression.mixed_scale", format!("{} {message}", files.join(", ")))
                    .hint("the shape matches, so it is only scaled; resize it to match for the sharpest result")
            } else {
                Diagnostic::warning("expression.mixed_sizes", format!("{} {message}", files.join(", ")))
                    .hint("the character will jump or stretch when this expression shows; export all sprites at one size")
            };
            findings.push(finding);
        }
    }
    let opaque: Vec<&str> = sprites
        .iter()
        .filter(|s| !s.alpha)
        .map(|s| s.file_name.as_str())
        .collect();
    if !opaque.is_empty() {
        findings.push(
            Diagnostic::info(
                "expression.no_transparency",
                format!("{} of {} sprites have no transparency: {}", opaque.len(), sprites.len(), opaque.join(", ")),
            )
            .hint("a solid background shows as a box around the character; export with a transparent background (PNG or WebP)"),
        );
    }
    let mut per_label: BTreeMap<&str, usize> = BTreeMap::new();
    for sprite in sprites {
        *per_label.entry(&sprite.label).or_default() += 1;
    }
    for (label, count) in per_label.into_iter().filter(|(_, n)| *n > 1) {
        findings.push(
            Diagnostic::info(
                "expression.several_pictures",
                format!("`{label}` has {count} pictures"),
            )
            .hint("SillyTavern picks one of them at random each time; the DeskMate server uses the first"),
        );
    }
    findings
}

/// How a set covers a label set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Coverage {
    pub label_set: &'static str,
    pub total: usize,
    /// Labels of the label set with a picture of their own.
    pub present: Vec<String>,
    /// Labels that show another label's picture instead.
    pub fallbacks: Vec<Fallback>,
    /// Labels with no picture at all, not even a fallback.
    pub missing: Vec<String>,
    /// Labels in the sprite set that are not in the label set.
    pub custom: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Fallback {
    pub label: String,
    pub from: String,
}

/// Which labels of `set` the labels `have` cover. For DeskMate, a missing label falls back
/// along [`DESKMATE_SOURCES`]; for SillyTavern, to `neutral`, which is what the extension's
/// usual fallback setting shows.
pub fn coverage(have: &[&str], set: LabelSet) -> Coverage {
    let mut coverage = Coverage {
        label_set: set.name(),
        total: set.labels().len(),
        present: Vec::new(),
        fallbacks: Vec::new(),
        missing: Vec::new(),
        custom: Vec::new(),
    };
    for &label in set.labels() {
        let sources: &[&str] = match set {
            LabelSet::DeskMate => DESKMATE_SOURCES
                .iter()
                .find(|(l, _)| *l == label)
                .map(|(_, s)| *s)
                .unwrap_or(&[]),
            LabelSet::SillyTavern => &[label, "neutral"],
        };
        match sources.iter().find(|s| have.contains(s)) {
            Some(&from) if from == label => coverage.present.push(label.into()),
            Some(&from) => coverage.fallbacks.push(Fallback {
                label: label.into(),
                from: from.into(),
            }),
            None => coverage.missing.push(label.into()),
        }
    }
    let mut custom: Vec<String> = have
        .iter()
        .filter(|l| !set.labels().contains(l))
        .map(|l| l.to_string())
        .collect();
    custom.sort();
    custom.dedup();
    coverage.custom = custom;
    coverage
}
