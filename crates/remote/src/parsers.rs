//! Every parser of what a server sends, reachable from outside the crate only for the fuzz
//! targets and the property tests (`tests/parsers.rs`); the operations and reports use them
//! inside. Each one has limits and never panics on any input.

pub use crate::backend::{BackendHealth, parse_response};
pub use crate::compose::{Listing, parse as parse_compose_ps, parse_inspect};
pub use crate::exit_marker::ExitMarker;
pub use crate::offsite::parse_probe;
pub use crate::parts::schema::schema_changes;
pub use crate::script_error::{MAX_CODE, MAX_LINE, is_code, last_error, read as read_error_lines};
