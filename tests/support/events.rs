//! What tests listen for in an operation's event stream.

use deskmate_api::OperationEvent;

/// The step a `finished` event ends, if it is one.
pub fn finished(event: &OperationEvent) -> Option<&'static str> {
    match event {
        OperationEvent::Finished { step, .. } => Some(step),
        _ => None,
    }
}

/// The part a note tells of (`database` of "database: 12 tables"), if it is one.
pub fn note_key(event: &OperationEvent) -> Option<&str> {
    match event {
        OperationEvent::Note { detail, .. } => detail.split(':').next(),
        _ => None,
    }
}
