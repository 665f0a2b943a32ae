//! Edit commands and their undo/redo history: the one way a room changes.
//!
//! The editor UI, the CLI's `room edit` and tests all send the same [`Command`]s, so they
//! cannot disagree about what a move or a resize does. A command either applies whole or is
//! refused with an [`EditError`] that says why and, for collisions, where the object would
//! fit; it never leaves an object outside the grid or a solid object on top of another.
//!
//! History stores, for each applied command, the objects (or theme, or whole room) before and
//! after, so undo restores the room exactly.

mod command;
mod error;
mod execute;
mod placement_check;
mod step;

use std::collections::VecDeque;

pub use command::{Command, Property};
pub use error::EditError;

use crate::model::Room;
use execute::execute;
use step::Change;

/// A room being edited, with its history.
#[derive(Debug, Clone)]
pub struct Editor {
    room: Room,
    undo: VecDeque<Change>,
    redo: Vec<Change>,
    history_limit: usize,
}

impl Editor {
    /// Oldest steps are dropped past this many, to bound memory in a long session.
    pub const DEFAULT_HISTORY: usize = 500;

    pub fn new(room: Room) -> Self {
        Editor {
            room,
            undo: VecDeque::new(),
            redo: Vec::new(),
            history_limit: Self::DEFAULT_HISTORY,
        }
    }

    pub fn room(&self) -> &Room {
        &self.room
    }

    pub fn into_room(self) -> Room {
        self.room
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies `command` as one undoable step, or refuses it and leaves the room unchanged.
    pub fn apply(&mut self, command: &Command) -> Result<(), EditError> {
        let mut change = Vec::new();
        if let Err(e) = execute(&mut self.room, command, &mut change) {
            for step in change.iter().rev() {
                step.apply(&mut self.room, false);
            }
            return Err(e);
        }
        if !change.is_empty() {
            self.undo.push_back(change);
            if self.undo.len() > self.history_limit {
                self.undo.pop_front();
            }
            self.redo.clear();
        }
        Ok(())
    }

    /// Whether `command` would apply, without applying it (for the editor's drop ghost).
    pub fn would_apply(&self, command: &Command) -> Result<(), EditError> {
        let mut scratch = self.room.clone();
        execute(&mut scratch, command, &mut Vec::new())
    }

    /// Reverts the last applied command. False when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(change) = self.undo.pop_back() else {
            return false;
        };
        for step in change.iter().rev() {
            step.apply(&mut self.room, false);
        }
        self.redo.push(change);
        true
    }

    /// Re-applies the last undone command. False when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(change) = self.redo.pop() else {
            return false;
        };
        for step in &change {
            step.apply(&mut self.room, true);
        }
        self.undo.push_back(change);
        true
    }
}
