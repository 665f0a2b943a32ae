//! Repair: apply every fix [`check`](crate::check) knows, and say what changed.

use deskmate_diagnostics::Diagnostic;

use crate::check::{self, Fix, display_path, short};
use crate::model::Card;

/// Passes are needed because a fix can expose new findings (a missing `data` object, once
/// added, has missing fields). Three is the deepest nesting a fix creates.
const MAX_PASSES: usize = 4;

/// The repaired card and one `info` diagnostic per change made.
pub fn repair(card: &Card) -> (Card, Vec<Diagnostic>) {
    let mut doc = card.to_value();
    let mut changes = Vec::new();
    for _ in 0..MAX_PASSES {
        let current = Card::from_value(doc.clone()).expect("repair keeps the root an object");
        let fixes: Vec<_> = check::check(&current)
            .into_iter()
            .filter_map(|f| Some((f.diagnostic, f.fix?)))
            .collect();
        if fixes.is_empty() {
            break;
        }
        for (finding, fix) in fixes {
            changes.push(describe(&finding, &fix));
            check::apply(&mut doc, &fix);
        }
    }
    let repaired = Card::from_value(doc).expect("repair keeps the root an object");
    (repaired, changes)
}

fn describe(finding: &Diagnostic, fix: &Fix) -> Diagnostic {
    let code = match finding.code.as_str() {
        "card.missing_field" => "repair.filled_default",
        "card.timestamp_millis" => "repair.timestamp_seconds",
        "card.bad_spec" | "card.bad_spec_version" => "repair.spec",
        _ => "repair.coerced",
    };
    let (path, message) = match fix {
        Fix::Set(path, value) => (
            display_path(path),
            format!("set `{}` to {}", display_path(path), short(value)),
        ),
        Fix::Remove(path) => (
            display_path(path),
            format!("removed the empty `{}`", display_path(path)),
        ),
    };
    Diagnostic::info(code, format!("{message} (was: {})", finding.message)).at(path)
}
