-- deskmate-count, version 1: the row count of every table, one "schema.table<TAB>rows" line
-- each, in name order. Read by deskmate-backup (inside its dump's snapshot) and by
-- deskmate-verify (in the trial restore), so the two lists compare line by line.
SELECT format('SELECT %L, count(*) FROM %I.%I', schemaname || '.' || tablename, schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 \gexec
