//! The database's shape before and after a new release's code ran: what an update's failure
//! tells the owner it changed (`public.memories.mood (text)`), and what restoring the backup
//! taken first would undo.

use super::commands::run_script;
use crate::ops::Remote;

/// The database's columns, one `schema.table.column type` line each, or None when
/// PostgreSQL cannot be read.
pub(crate) fn schema(session: &dyn Remote, project: &str) -> Option<Vec<String>> {
    let out = run_script(
        session,
        "reading the database's tables",
        r#"c=$(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=postgres | head -n 1)
[ -n "$c" ] || exit 3
docker exec "$c" psql -X -q -A -t -v ON_ERROR_STOP=1 -U deskmate -d deskmate -c "SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1""#,
        &[project],
    )
    .ok()?;
    Some(
        out.lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

/// What differs between two [`schema`] readings, in words: whole tables added or removed,
/// else single columns.
pub fn schema_changes(before: &[String], after: &[String]) -> Vec<String> {
    use std::collections::BTreeSet;
    let split = |line: &str| -> Option<(String, String, String)> {
        let (path, kind) = line.split_once(' ')?;
        let (table, column) = path.rsplit_once('.')?;
        Some((table.to_string(), column.to_string(), kind.to_string()))
    };
    let read = |lines: &[String]| -> BTreeSet<(String, String, String)> {
        lines.iter().filter_map(|l| split(l)).collect()
    };
    let (before, after) = (read(before), read(after));
    let tables = |set: &BTreeSet<(String, String, String)>| -> BTreeSet<String> {
        set.iter().map(|(t, _, _)| t.clone()).collect()
    };
    let (tables_before, tables_after) = (tables(&before), tables(&after));
    let mut changes = Vec::new();
    for table in tables_after.difference(&tables_before) {
        changes.push(format!("added the table {table}"));
    }
    for table in tables_before.difference(&tables_after) {
        changes.push(format!("removed the table {table}"));
    }
    for (table, column, kind) in after.difference(&before) {
        if tables_before.contains(table) {
            changes.push(format!("added the column {table}.{column} ({kind})"));
        }
    }
    for (table, column, kind) in before.difference(&after) {
        if tables_after.contains(table) {
            changes.push(format!("removed the column {table}.{column} ({kind})"));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_changes_name_new_tables_and_columns_in_words() {
        let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
        let before =
            lines("public.memories.id integer\npublic.memories.text text\npublic.old.id integer");
        let after = lines(
            "public.memories.id integer\npublic.memories.text text\npublic.memories.mood text\npublic.moods.id integer",
        );
        assert_eq!(
            schema_changes(&before, &after),
            [
                "added the table public.moods",
                "removed the table public.old",
                "added the column public.memories.mood (text)"
            ]
        );
        assert!(schema_changes(&after, &after).is_empty());
    }
}
