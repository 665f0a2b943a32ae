//! `deskmate-logs`: DeskMate's container logs, read. Pure: text in, reports out; the lines
//! come over SSH (`deskmate-remote`'s `logs`).
//!
//! - [`line`]: one line as the server's log script prints it (`service<TAB>out|err<TAB>`
//!   Docker's timestamp, then the container's own text) parsed into time, service, stream,
//!   level, message and request id. JSON lines (DeskMate's backend, Caddy's access log) are
//!   read field by field; other lines are kept as text, with a level guessed from words
//!   such as `ERROR` or `Traceback`.
//! - [`patterns`]: errors grouped by what they say once numbers, ids, hashes, paths, quoted
//!   values and addresses are taken out, so one fault that happened 500 times is one row.
//! - [`requests`]: requests per minute, the 5xx rate and p50/p95 response times per route
//!   group, from the proxy's JSON access log.
//!
//! Every input is bounded: a line is cut at [`line::MAX_LINE`] bytes, and the groups and
//! routes kept are capped, so a hostile or runaway log cannot make a report grow unbounded.

pub mod line;
pub mod patterns;
pub mod requests;

pub use line::{Level, LogLine, Stream, parse_line};
pub use patterns::{ErrorGroup, group_errors, normalise};
pub use requests::{RouteStats, request_stats};
