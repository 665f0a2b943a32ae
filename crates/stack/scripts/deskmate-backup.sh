#!/bin/bash
# deskmate-backup, version 1: one backup of a DeskMate stack into its restic repository.
# Installed by DeskMate Studio (which checks its SHA-256 before each use) in STACK/bin; the
# backup timer runs the same file. `--verify` runs deskmate-verify on the new snapshot
# (whose report follows a `--verify--` line), and, if it passes, the retention rules.
# `--timer` (what the timer passes) first takes the server's deploy lock, or skips the run
# (exit 0, `skipped<TAB>why`) while another change holds it, and writes the run's steps
# (lock, backup, verify) to STACK/log/audit.log. Without it, the app's runner does both:
# the app never waits for the deploy lock to back up (an update backs up first while it
# holds the lock), so this script takes only its own repository lock then.
#
#   deskmate-backup STACK_DIR [--verify] [--timer] [--keep=WHY]
#   deskmate-backup STACK_DIR --check [--timer]
#
# `--check` (the weekly timer) runs `restic check --read-data-subset=5%` instead, recording
# its outcome in backups/checks.tsv for the health report and the watchdog.
#
# `--keep=WHY` (an update's backup first, a restore's safety backup) keeps the backup for
# KEEP_PROTECTED_DAYS (30) whatever the retention rules say, and the list says why
# (deskmate-retention, backups/kept.tsv).
#
# One restic snapshot holds everything one backup is, so a backup is whole or absent:
#   staging/database.dump     pg_dump -Fc -Z0, taken in the same transaction snapshot as
#   staging/row-counts.tsv    the row count of every table ("schema.table<TAB>rows")
#   staging/qdrant/NAME.snapshot and staging/collections.tsv ("name<TAB>points<TAB>sha256")
#   staging/files.sha256      every data file's hash (personas, rooms, sprites)
#   staging/release.tsv       what ran: "service<TAB>image<TAB>image id"
#   shared/data, shared/env (secrets: only inside the encrypted repository), releases/V
# and appends "time<TAB>snapshot<TAB>release<TAB>bytes<TAB>added<TAB>seconds" to
# backups/history.tsv.
#
# The dump is staged on the server's disk (beside the repository) rather than streamed:
# restic 0.14 (Debian 12) has no --stdin-from-command, and a stream into --stdin can store an
# empty dump as a good backup. Staged, its exit status, size and readability are checked
# before restic sees it. The password is read from a 0600 file (RESTIC_PASSWORD_FILE),
# never from a command line.
#
# Prints key<TAB>value lines for the app; a failure is one error<TAB>code<TAB>message line
# on stderr (deskmate-lib). Codes: backup.not_installed, backup.bad_project,
# backup.no_restic, backup.busy, backup.disk_full, backup.database_down,
# backup.failed, backup.check_failed.
# shellcheck disable=SC2154 # deskmate-lib sets bin, backups, logs and project
set -euo pipefail
umask 077
# Stopped (a cancel in the app, a lost connection): exit, so the EXIT trap cleans up.
trap 'exit 143' TERM INT HUP PIPE

stack=${1:?usage: deskmate-backup STACK_DIR [--verify] [--timer] [--keep=WHY]}
# shellcheck disable=SC2034 # deskmate-lib reads it
area=backup
# shellcheck source=/dev/null
. "$stack/bin/deskmate-lib"
verify=
timer=
keep=
check=
for option in "${@:2}"; do
    case $option in
    --verify) verify=--verify ;;
    --check) check=yes ;;
    --timer) timer=yes ;;
    --keep=?*) keep=${option#--keep=} ;;
    # The app passes an empty second argument for a backup without a trial restore.
    '') ;;
    *) fail backup.failed "unknown option $option" ;;
    esac
done
if [ -n "$check" ]; then
    # The weekly check of the repository itself (what the backups are stored in), reading
    # back 5% of its data: its outcome goes to backups/checks.tsv ("time<TAB>ok|failed
    # <TAB>detail"), which the health report and the watchdog read.
    [ -z "$timer" ] || { timer_begin backup-check - "the weekly backup check" && timer_step check; }
    # shellcheck source=/dev/null
    . "$bin/deskmate-repository"
    use_repository local
    need_restic
    [ -e "$RESTIC_REPOSITORY/config" ] || { say check "no repository yet"; exit 0; }
    take_lock
    checked() {
        printf '%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >> "$backups/checks.tsv"
    }
    if restic check --read-data-subset=5% > "$backups/check.log" 2>&1; then
        checked ok "the repository and 5% of its data read back whole"
        say check ok
        timer_audit check 'done' false "the repository and 5% of its data read back whole"
    else
        said=$(grep -v '^$' "$backups/check.log" | tail -n 2 | tr '\t\n' '  ' | cut -c 1-300)
        checked failed "$said"
        fail backup.check_failed "restic check found the repository damaged: $said"
    fi
    exit 0
fi
if [ -n "$timer" ]; then
    timer_begin backup - "scheduled backup"
    timer_step backup
fi
# shellcheck source=/dev/null
. "$bin/deskmate-repository"
use_repository local

stack_project
cd "$stack/current"
version=$(basename "$(readlink "$stack/current")")
need_restic
[ -s "$RESTIC_PASSWORD_FILE" ] || fail backup.failed "the repository password file $RESTIC_PASSWORD_FILE is missing"
take_lock
watch_disk backup.disk_full

staging=$backups/staging
rm -rf "$staging"
mkdir -p "$staging/qdrant"
clean_staging() { rm -rf "$staging"; }
at_exit clean_staging
started=$(date +%s)

if [ ! -e "$RESTIC_REPOSITORY/config" ]; then
    restic init > /dev/null 2> "$backups/init.log" ||
        fail backup.failed "could not create the repository in $RESTIC_REPOSITORY: $(tail -n 3 "$backups/init.log")"
    say repository created
fi

# The database. A read-only transaction exports its snapshot; the counts are read in it and
# pg_dump dumps exactly it, so the counts are what the dump holds.
postgres=$(running postgres)
[ -n "$postgres" ] || fail backup.database_down "PostgreSQL is not running, so nothing was backed up (is the postgres service running?)"
coproc PSQL {
    docker exec -i "$postgres" psql -X -q -A -t -F "$(printf '\t')" \
        -v ON_ERROR_STOP=1 -U deskmate -d deskmate 2>&1
}
# Kept now: bash unsets PSQL_PID once it has reaped the coprocess, which can be before the
# wait below, and set -u would then stop a good backup.
psql_child=$PSQL_PID
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${PSQL[1]}"
snapshot=
IFS= read -r -t 60 snapshot <&"${PSQL[0]}" || true
case $snapshot in
[0-9A-F]*-*) ;;
*) fail backup.database_down "PostgreSQL did not answer, so nothing was backed up (is the postgres service running?): $snapshot" ;;
esac
cat "$bin/deskmate-count.sql" >&"${PSQL[1]}"
echo "SELECT '--end--';" >&"${PSQL[1]}"
while IFS= read -r -t 600 line <&"${PSQL[0]}"; do
    [ "$line" = "--end--" ] && break
    printf '%s\n' "$line" >> "$staging/row-counts.tsv"
done
[ "$line" = "--end--" ] || fail backup.database_down "PostgreSQL stopped answering while counting rows"
touch "$staging/row-counts.tsv"
# Uncompressed (-Z0): a compressed dump changes from the first changed row on, so restic
# could deduplicate nothing of it and every backup stored the whole database again.
docker exec -i "$postgres" pg_dump -U deskmate -d deskmate -Fc -Z0 --snapshot="$snapshot" \
    > "$staging/database.dump" 2> "$backups/pg_dump.log" ||
    fail backup.failed "pg_dump failed, so nothing was backed up: $(tail -n 3 "$backups/pg_dump.log")"
echo "COMMIT;" >&"${PSQL[1]}"
psql_in=${PSQL[1]}
exec {psql_in}>&-
wait "$psql_child" || true
[ -s "$staging/database.dump" ] || fail backup.failed "pg_dump wrote nothing, so nothing was backed up"
docker exec -i "$postgres" pg_restore -l < "$staging/database.dump" > /dev/null ||
    fail backup.failed "the database dump does not read back (pg_restore -l), so nothing was backed up"
say database "$(wc -l < "$staging/row-counts.tsv") tables, $(stat -c %s "$staging/database.dump") bytes"

# Every Qdrant collection: a snapshot through Qdrant's API, checked against its SHA-256.
backend=$(running backend)
[ -n "$backend" ] || fail backup.failed "the backend is not running, so Qdrant could not be reached and nothing was backed up"
qdrant=(docker exec -i "$backend" python3 -c "$(cat "$bin/deskmate-qdrant.py")")
"${qdrant[@]}" list > "$staging/collections.list" ||
    fail backup.failed "Qdrant did not list its collections, so nothing was backed up"
while IFS="$(printf '\t')" read -r name points; do
    [[ $name =~ ^[A-Za-z0-9_-]{1,64}$ ]] || fail backup.failed "refusing the collection name '$name'"
    file=$staging/qdrant/$name.snapshot
    "${qdrant[@]}" snapshot "$name" > "$file" 2> "$staging/qdrant/$name.meta" ||
        fail backup.failed "Qdrant could not snapshot $name: $(tail -n 3 "$staging/qdrant/$name.meta")"
    checksum=$(cut -f 1 "$staging/qdrant/$name.meta" | tail -n 1)
    actual=$(sha256sum "$file" | cut -d ' ' -f 1)
    [ "$checksum" = "$actual" ] || fail backup.failed "the snapshot of $name does not match Qdrant's checksum"
    [ -s "$file" ] || fail backup.failed "the snapshot of $name is empty"
    printf '%s\t%s\t%s\n' "$name" "$points" "$actual" >> "$staging/collections.tsv"
    rm -f "$staging/qdrant/$name.meta"
done < "$staging/collections.list"
rm -f "$staging/collections.list"
touch "$staging/collections.tsv"
say vectors "$(wc -l < "$staging/collections.tsv") collections"

# The data files, by hash; what ran, by image id.
mkdir -p "$stack/shared/data"
(cd "$stack/shared/data" && find . -type f -print0 | sort -z | xargs -0r sha256sum) > "$staging/files.sha256"
say files "$(wc -l < "$staging/files.sha256") files"
for id in $(docker ps -q --filter "label=com.docker.compose.project=$project"); do
    docker inspect --format '{{index .Config.Labels "com.docker.compose.service"}}{{"\t"}}{{.Config.Image}}{{"\t"}}{{.Image}}' "$id"
done | sort > "$staging/release.tsv"

restic backup --json --host deskmate --tag deskmate --tag "release=$version" \
    --exclude "$RESTIC_PASSWORD_FILE" --exclude "$stack/shared/env/from" \
    "$staging" "$stack/shared/data" "$stack/shared/env" "$stack/releases/$version" \
    > "$backups/last-backup.json" 2> "$backups/last-backup.err" || {
    code=$?
    id=$(sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p' "$backups/last-backup.json" | tail -n 1)
    # A partial snapshot (exit 3: some files unreadable) is not a backup: it goes again.
    [ -n "$id" ] && restic forget "$id" > /dev/null 2>&1
    fail backup.failed "restic failed (exit $code), so no backup was kept: $(tail -n 3 "$backups/last-backup.err")"
}
summary=$(grep '"message_type":"summary"' "$backups/last-backup.json" | tail -n 1)
id=$(printf '%s' "$summary" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || fail backup.failed "restic reported no snapshot"
field() { printf '%s' "$summary" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
seconds=$(($(date +%s) - started))
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$id" "$version" \
    "$(field total_bytes_processed)" "$(field data_added)" "$seconds" >> "$backups/history.tsv"
if [ -n "$keep" ]; then
    # shellcheck source=/dev/null
    . "$bin/deskmate-retention"
    keep_backup "$id" "$keep"
fi
say snapshot "$id"
say release "$version"
say bytes "$(field total_bytes_processed)"
say added "$(field data_added)"
say seconds "$seconds"
timer_audit backup 'done' true "backup $id of $version"
if [ "$verify" = "--verify" ]; then
    rm -rf "$staging"
    flock -u 9
    echo "--verify--"
    [ -n "$timer" ] || exec bash "$bin/deskmate-verify" "$stack" "$id" --retain
    # A timer run holds the deploy lock until the trial restore is over, so it waits for it
    # rather than exec, which would drop the exit hook that lets the lock go.
    timer_step verify
    said=$backups/timer-verify.out
    status=0
    bash "$bin/deskmate-verify" "$stack" "$id" --retain > "$said" 2> "$said.err" || status=$?
    cat "$said"
    cat "$said.err" >&2
    # shellcheck disable=SC2034 # deskmate-lib's exit hook audits it
    failed_code=$(awk -F '\t' '$1 == "error" { code = $2 } END { print code }' "$said.err")
    forgotten=$(awk -F '\t' '$1 == "forgotten" { n = $2 } END { print n + 0 }' "$said")
    offsite=$(awk -F '\t' '$1 == "offsite_failed" { f = 1 } END { if (f) print "; the offsite copy failed" }' "$said")
    rm -f -- "$said" "$said.err"
    [ "$status" -eq 0 ] || exit "$status"
    changed=false
    [ "$forgotten" -eq 0 ] || changed=true
    timer_audit verify 'done' "$changed" "backup $id restores whole; $forgotten older backup(s) forgotten$offsite"
    exit 0
fi
say result ok
