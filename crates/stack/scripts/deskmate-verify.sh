#!/bin/bash
# deskmate-verify, version 1: a trial restore of one backup, side by side with the running
# stack, which it never touches. Installed by DeskMate Studio beside deskmate-backup.
#
#   deskmate-verify STACK_DIR SNAPSHOT [--retain]
#
# With --retain (how deskmate-backup --verify calls it), once the trial restore has passed,
# old backups are forgotten and pruned by deskmate-retention's rules, which
# STACK/shared/backup.env tunes (KEEP_DAILY=7, KEEP_WEEKLY=4, KEEP_MONTHLY=6 unless it says
# otherwise): the newest verified backup and the ones the app asked to keep are never
# forgotten, and unverified ones never take a verified one's place; after a failed trial
# restore nothing is forgotten.
#
# Restores the snapshot into a scratch folder, then, on a private network of throwaway
# containers made from the images that ran when it was taken:
#   - a PostgreSQL restored with pg_restore --exit-on-error, whose row counts must equal
#     the counts taken with the dump;
#   - a Qdrant recovered from each snapshot (priority=snapshot, its SHA-256 checked by
#     Qdrant), whose point counts must equal the recorded ones;
#   - every data file, by its recorded SHA-256.
# Then it removes them. The outcome goes to STACK/backups/verified.tsv ("time<TAB>snapshot
# <TAB>ok|failed<TAB>detail"), which the app and the health check read.
#
# Prints key<TAB>value lines; a failure is one error<TAB>code<TAB>message line on stderr
# (deskmate-lib). Codes: verify.bad_id, verify.no_restic, verify.busy, and
# backup.verify_failed when the backup cannot be restored or differs from what was backed up.
# shellcheck disable=SC2154 # deskmate-lib sets bin, backups, logs and project
set -euo pipefail
umask 077
# Stopped (a cancel in the app, a lost connection): exit, so the EXIT trap cleans up.
trap 'exit 143' TERM INT HUP PIPE

stack=${1:?usage: deskmate-verify STACK_DIR SNAPSHOT}
snap=${2:?usage: deskmate-verify STACK_DIR SNAPSHOT [--retain]}
retain=${3:-}
# shellcheck disable=SC2034 # deskmate-lib reads it
area=verify
# shellcheck source=/dev/null
. "$stack/bin/deskmate-lib"
# shellcheck source=/dev/null
. "$bin/deskmate-repository"
use_repository local
tab=$(printf '\t')

# One line each, whatever the detail holds (a tool's words can run over several lines).
record() {
    printf '%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$snap" "$1" \
        "$(printf '%s' "$2" | tr '\t\n' '  ' | cut -c 1-500)" >> "$backups/verified.tsv"
}
# A trial restore that could not be made or did not pass is recorded as failed; a refused
# id or a busy lock is not.
on_fail() {
    case $1 in
    verify.bad_id | verify.busy) ;;
    *) record failed "$2" ;;
    esac
}

[[ $snap =~ ^[0-9a-f]{8,64}$ ]] || fail verify.bad_id "'$snap' is not a snapshot id"
need_restic
take_lock

run=deskmate-verify-$$-$RANDOM
work=$backups/verify
cleanup() {
    docker rm -f "$run-postgres" "$run-qdrant" > /dev/null 2>&1 || true
    docker network rm "$run" > /dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$work"
started=$(date +%s)

restic restore "$snap" --target "$work/restored" > /dev/null 2> "$work/restore.err" ||
    fail backup.verify_failed "restic could not restore it: $(tail -n 3 "$work/restore.err")"
origin=$(restored_stack "$work/restored")
[ -n "$origin" ] || fail backup.verify_failed "it holds no DeskMate backup"
staged=$origin/backups/staging
[ -s "$staged/database.dump" ] || fail backup.verify_failed "it holds no database dump"
image() { awk -F "$tab" -v s="$1" '$1 == s { print $3 }' "$staged/release.tsv"; }
# The stack's project, for today's images (a trial restore needs no stack to run).
if [ -e "$stack/current/.env" ]; then stack_project; fi
# The images it was taken with; where maintenance removed one since, today's, into which a
# dump restores as well (the same or a newer PostgreSQL), which is what a restore would use.
for service in postgres qdrant backend; do
    [ -n "$(image "$service")" ] || fail backup.verify_failed "it does not say which images ran"
    image_to_run "$service" "$(image "$service")" first
    printf -v "${service}_image" '%s' "$chosen_image"
    [ -z "$image_note" ] || say "image_$service" "$image_note"
done
docker network create --internal "$run" > /dev/null

# The database, restored into a throwaway PostgreSQL with a password made here.
password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'POSTGRES_USER=deskmate\nPOSTGRES_DB=deskmate\nPOSTGRES_PASSWORD=%s\n' "$password" > "$work/postgres.env"
docker run -d --name "$run-postgres" --network "$run" --env-file "$work/postgres.env" \
    --label org.deskmate.verify="$snap" "$postgres_image" > /dev/null
ready=
for _ in $(seq 240); do
    if docker exec "$run-postgres" pg_isready -q -h 127.0.0.1 -U deskmate -d deskmate 2> /dev/null; then
        ready=yes
        break
    fi
    sleep 0.5
done
[ -n "$ready" ] || fail backup.verify_failed "the throwaway PostgreSQL did not start"
docker exec -i "$run-postgres" pg_restore --exit-on-error --no-owner -U deskmate -d deskmate \
    < "$staged/database.dump" > /dev/null 2> "$work/pg_restore.err" ||
    fail backup.verify_failed "pg_restore refused the database dump: $(tail -n 3 "$work/pg_restore.err")"
docker exec -i "$run-postgres" psql -X -q -A -t -F "$tab" -v ON_ERROR_STOP=1 -U deskmate -d deskmate \
    < "$bin/deskmate-count.sql" > "$work/row-counts.tsv"
if ! diff -u "$staged/row-counts.tsv" "$work/row-counts.tsv" > "$work/rows.diff"; then
    fail backup.verify_failed "the restored database differs from the one backed up: $(grep '^[-+][^-+]' "$work/rows.diff" | head -n 4 | tr '\n' ' ')"
fi
say database "$(wc -l < "$work/row-counts.tsv") tables, row counts equal"

# The vectors, recovered into a throwaway Qdrant.
docker run -d --name "$run-qdrant" --network "$run" --network-alias qdrant \
    --label org.deskmate.verify="$snap" "$qdrant_image" > /dev/null
collections=0
while IFS="$tab" read -r name points checksum; do
    [[ $name =~ ^[A-Za-z0-9_-]{1,64}$ ]] || fail backup.verify_failed "refusing the collection name '$name'"
    got=$(docker run --rm -i --network "$run" --label org.deskmate.verify="$snap" "$backend_image" \
        python3 -c "$(cat "$bin/deskmate-qdrant.py")" recover "$name" "$checksum" \
        < "$staged/qdrant/$name.snapshot" 2> "$work/qdrant.err") ||
        fail backup.verify_failed "Qdrant refused the snapshot of $name: $(tail -n 3 "$work/qdrant.err")"
    [ "$got" = "$points" ] || fail backup.verify_failed "the collection $name came back with $got points, not $points"
    collections=$((collections + 1))
done < "$staged/collections.tsv"
say vectors "$collections collections, point counts equal"

# The files, by hash.
data=$origin/shared/data
mkdir -p "$data"
# (sha256sum refuses an empty list: no data files is nothing to compare.)
if [ -s "$staged/files.sha256" ]; then
    (cd "$data" && sha256sum --check --quiet --strict "$staged/files.sha256") > "$work/files.err" 2>&1 ||
        fail backup.verify_failed "restored files differ: $(head -n 3 "$work/files.err" | tr '\n' ' ')"
fi
say files "$(wc -l < "$staged/files.sha256") files, hashes equal"

record ok "$(wc -l < "$work/row-counts.tsv") tables, $collections collections, $(wc -l < "$staged/files.sha256") files"
say snapshot "$snap"
if [ "$retain" = "--retain" ]; then
    # shellcheck source=/dev/null
    . "$bin/deskmate-retention"
    # The backup passed either way; a retention failure is told, not a failed backup.
    apply_retention || say retention "failed: $(tail -n 1 "$backups/forget.log" 2> /dev/null)"
fi
# A verified backup goes offsite, when a copy is set up there. The local backup is good
# either way, so a failed copy is told (and logged in offsite.tsv), not a failed backup.
if [ "$retain" = "--retain" ] && [ -r "$stack/shared/env/offsite/target" ]; then
    exec 9>&-
    bash "$bin/deskmate-offsite" "$stack" "$snap" 2> "$work/offsite.err" ||
        say offsite_failed "$(awk -F '\t' '$1 == "error" { said = $3 } END { print said }' "$work/offsite.err")"
fi
say seconds "$(($(date +%s) - started))"
say result verified
