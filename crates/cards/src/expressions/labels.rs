//! The two label sets and the mapping between them.
//!
//! SillyTavern's Character Expressions extension classifies each reply into one of 28
//! emotions (the GoEmotions set) and shows the sprite of that label. The DeskMate server
//! knows 16 expressions and finds them by file name. Neither set contains the other, so
//! exporting to DeskMate picks, for each DeskMate label, the first SillyTavern label in
//! [`DESKMATE_SOURCES`] that the set has, and says when it had to fall back.

/// SillyTavern's labels, in its own (alphabetical) order.
pub const SILLYTAVERN: [&str; 28] = [
    "admiration",
    "amusement",
    "anger",
    "annoyance",
    "approval",
    "caring",
    "confusion",
    "curiosity",
    "desire",
    "disappointment",
    "disapproval",
    "disgust",
    "embarrassment",
    "excitement",
    "fear",
    "gratitude",
    "grief",
    "joy",
    "love",
    "nervousness",
    "neutral",
    "optimism",
    "pride",
    "realization",
    "relief",
    "remorse",
    "sadness",
    "surprise",
];

/// The DeskMate server's labels, in the order its persona reader looks for them.
pub const DESKMATE: [&str; 16] = [
    "happy",
    "sad",
    "angry",
    "surprised",
    "confused",
    "excited",
    "tired",
    "worried",
    "neutral",
    "thinking",
    "embarrassed",
    "annoyed",
    "sleepy",
    "curious",
    "proud",
    "disappointed",
];

/// For each DeskMate label, where its picture may come from, best first: the DeskMate label
/// itself, then SillyTavern labels of the same feeling, then broader ones. `neutral` is the
/// last resort everywhere, because a calm face is never wrong. Three DeskMate labels
/// (tired, thinking, sleepy) have no SillyTavern counterpart and always fall back unless
/// the set has them as custom labels.
pub const DESKMATE_SOURCES: [(&str, &[&str]); 16] = [
    (
        "happy",
        &[
            "happy",
            "joy",
            "amusement",
            "optimism",
            "gratitude",
            "relief",
            "love",
            "approval",
            "admiration",
            "caring",
            "neutral",
        ],
    ),
    (
        "sad",
        &[
            "sad",
            "sadness",
            "grief",
            "remorse",
            "disappointment",
            "neutral",
        ],
    ),
    (
        "angry",
        &[
            "angry",
            "anger",
            "annoyance",
            "disgust",
            "disapproval",
            "neutral",
        ],
    ),
    (
        "surprised",
        &[
            "surprised",
            "surprise",
            "realization",
            "excitement",
            "neutral",
        ],
    ),
    (
        "confused",
        &["confused", "confusion", "nervousness", "neutral"],
    ),
    (
        "excited",
        &[
            "excited",
            "excitement",
            "joy",
            "desire",
            "amusement",
            "neutral",
        ],
    ),
    ("tired", &["tired", "sleepy", "sadness", "neutral"]),
    (
        "worried",
        &["worried", "nervousness", "fear", "confusion", "neutral"],
    ),
    ("neutral", &["neutral"]),
    (
        "thinking",
        &[
            "thinking",
            "curiosity",
            "realization",
            "confusion",
            "neutral",
        ],
    ),
    (
        "embarrassed",
        &[
            "embarrassed",
            "embarrassment",
            "nervousness",
            "remorse",
            "neutral",
        ],
    ),
    (
        "annoyed",
        &["annoyed", "annoyance", "disapproval", "anger", "neutral"],
    ),
    ("sleepy", &["sleepy", "tired", "neutral"]),
    (
        "curious",
        &["curious", "curiosity", "realization", "thinking", "neutral"],
    ),
    ("proud", &["proud", "pride", "admiration", "joy", "neutral"]),
    (
        "disappointed",
        &[
            "disappointed",
            "disappointment",
            "sadness",
            "disapproval",
            "neutral",
        ],
    ),
];

/// DeskMate labels with the same feeling in SillyTavern. `tired`, `thinking` and `sleepy`
/// have none and travel to SillyTavern as custom labels under their own names.
pub const SAME_FEELING: [(&str, &str); 13] = [
    ("happy", "joy"),
    ("sad", "sadness"),
    ("angry", "anger"),
    ("surprised", "surprise"),
    ("confused", "confusion"),
    ("excited", "excitement"),
    ("worried", "nervousness"),
    ("neutral", "neutral"),
    ("embarrassed", "embarrassment"),
    ("annoyed", "annoyance"),
    ("curious", "curiosity"),
    ("proud", "pride"),
    ("disappointed", "disappointment"),
];

/// The SillyTavern label with the same feeling as a DeskMate one.
pub fn sillytavern_for(deskmate: &str) -> Option<&'static str> {
    SAME_FEELING
        .iter()
        .find(|(d, _)| *d == deskmate)
        .map(|(_, st)| *st)
}

/// A set of labels a sprite set is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSet {
    SillyTavern,
    DeskMate,
}

impl LabelSet {
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            LabelSet::SillyTavern => &SILLYTAVERN,
            LabelSet::DeskMate => &DESKMATE,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LabelSet::SillyTavern => "sillytavern",
            LabelSet::DeskMate => "deskmate",
        }
    }
}

/// The label SillyTavern gives a sprite file: the lowercased file name, cut at the first
/// `-` or `.` (so `Joy-2.png` is another `joy`). `None` for names that give no label.
pub fn label_from_file_name(file_name: &str) -> Option<String> {
    let lower = file_name.to_lowercase();
    let label = lower.split(['-', '.']).next().unwrap_or("");
    (!label.is_empty()).then(|| label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_deskmate_label_has_sources_that_exist() {
        let known = |l: &str| SILLYTAVERN.contains(&l) || DESKMATE.contains(&l);
        for (label, (mapped, sources)) in DESKMATE.iter().zip(DESKMATE_SOURCES.iter()) {
            assert_eq!(label, mapped, "same order");
            assert_eq!(sources[0], *label, "{label} prefers itself");
            assert_eq!(*sources.last().unwrap(), "neutral");
            assert!(sources.iter().all(|s| known(s)), "{label}");
        }
    }

    #[test]
    fn labels_come_from_file_names_as_sillytavern_reads_them() {
        assert_eq!(label_from_file_name("Joy.PNG").as_deref(), Some("joy"));
        assert_eq!(label_from_file_name("joy-2.webp").as_deref(), Some("joy"));
        assert_eq!(
            label_from_file_name("neutral.final.gif").as_deref(),
            Some("neutral")
        );
        assert_eq!(
            label_from_file_name("my_custom.png").as_deref(),
            Some("my_custom")
        );
        assert_eq!(label_from_file_name(".hidden.png"), None);
        assert_eq!(label_from_file_name("-2.png"), None);
    }

    #[test]
    fn deskmate_labels_map_back_to_sillytavern_where_it_has_the_feeling() {
        assert_eq!(sillytavern_for("happy"), Some("joy"));
        assert_eq!(sillytavern_for("worried"), Some("nervousness"));
        assert_eq!(sillytavern_for("neutral"), Some("neutral"));
        assert_eq!(sillytavern_for("tired"), None);
        assert_eq!(sillytavern_for("sleepy"), None);
        for (deskmate, st) in SAME_FEELING {
            assert!(DESKMATE.contains(&deskmate) && SILLYTAVERN.contains(&st));
            // The same feeling is also the first SillyTavern choice when exporting.
            let sources = DESKMATE_SOURCES
                .iter()
                .find(|(d, _)| *d == deskmate)
                .unwrap()
                .1;
            assert!(
                sources.iter().find(|s| SILLYTAVERN.contains(s)) == Some(&st),
                "{deskmate}"
            );
        }
        assert_eq!(sillytavern_for("nonsense"), None);
    }
}
