//! The reversible pieces an applied command is recorded as, for undo and redo.

use crate::model::{Room, RoomObject, Theme};

/// A reversible piece of an applied command.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    /// `before`/`after` of the object at `index`; `None` means absent (add or remove).
    Object {
        index: usize,
        before: Option<Box<RoomObject>>,
        after: Option<Box<RoomObject>>,
    },
    Theme {
        before: Box<Theme>,
        after: Box<Theme>,
    },
    Room {
        before: Box<Room>,
        after: Box<Room>,
    },
}

impl Step {
    pub(super) fn apply(&self, room: &mut Room, forward: bool) {
        match self {
            Step::Object {
                index,
                before,
                after,
            } => {
                let (from, to) = if forward {
                    (before, after)
                } else {
                    (after, before)
                };
                match (from, to) {
                    (None, Some(o)) => room.objects.insert(*index, (**o).clone()),
                    (Some(_), None) => {
                        room.objects.remove(*index);
                    }
                    (Some(_), Some(o)) => room.objects[*index] = (**o).clone(),
                    (None, None) => {}
                }
            }
            Step::Theme { before, after } => {
                room.theme = if forward {
                    (**after).clone()
                } else {
                    (**before).clone()
                };
            }
            Step::Room { before, after } => {
                *room = if forward {
                    (**after).clone()
                } else {
                    (**before).clone()
                };
            }
        }
    }
}

/// The steps of one command, undone and redone together.
pub(super) type Change = Vec<Step>;
