//! The sample cards DeskMate Studio ships (original characters, in `templates/personas/`),
//! built into the binary so the tour and a fresh library work without the source tree.

/// `(file name, bytes)` of each sample card.
pub const SAMPLE_CARDS: &[(&str, &[u8])] = &[
    (
        "aster-vale.json",
        include_bytes!("../../../templates/personas/aster-vale.json"),
    ),
    (
        "bram-copperkettle.json",
        include_bytes!("../../../templates/personas/bram-copperkettle.json"),
    ),
    (
        "nyx-holloway.png",
        include_bytes!("../../../templates/personas/nyx-holloway.png"),
    ),
];
