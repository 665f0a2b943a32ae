#!/bin/bash
# deskmate-restore, version 1: puts one backup's data into NEW places beside the running
# stack, and proves it there; it changes nothing the stack uses. Installed by DeskMate
# Studio beside deskmate-backup; the app then points the stack at what this made, checks
# its health, and points it back if that fails.
#
#   deskmate-restore STACK_DIR SNAPSHOT SUFFIX database|vectors|files...
#
# For each part asked for:
#   database  a new volume PROJECT_postgres_data_SUFFIX, filled by a throwaway PostgreSQL
#             (the stack's own password, from its env file) with pg_restore --exit-on-error;
#             its row counts must equal the backup's
#   vectors   a new volume PROJECT_qdrant_data_SUFFIX, filled by a throwaway Qdrant from
#             each snapshot (priority=snapshot, SHA-256 checked); point counts must equal
#   files     the data files in STACK/shared/data.restore-SUFFIX, hashes checked
# Prints "postgres_volume<TAB>name", "qdrant_volume<TAB>name", "files_dir<TAB>path". On any
# failure it removes what it made and exits non-zero, with one error<TAB>code<TAB>message line
# on stderr (deskmate-lib). Codes: restore.bad_id, restore.bad_name, restore.no_parts,
# restore.not_installed, restore.bad_project, restore.no_restic, restore.busy,
# backup.no_offsite (no copy to restore from), and backup.restore_failed when the backup
# cannot be restored or differs from what was backed up.
# shellcheck disable=SC2154 # deskmate-lib sets bin, backups, logs and project
set -euo pipefail
umask 077
# Stopped (a cancel in the app, a lost connection): exit, so the EXIT trap cleans up.
trap 'exit 143' TERM INT HUP PIPE

stack=${1:?usage: deskmate-restore STACK_DIR SNAPSHOT SUFFIX PART...}
snap=${2:?}
suffix=${3:?}
shift 3
# shellcheck disable=SC2034 # deskmate-lib reads it
area=restore
# shellcheck source=/dev/null
. "$stack/bin/deskmate-lib"
restic_options=()
# shellcheck source=/dev/null
. "$bin/deskmate-repository"
# Another server's offsite copy (disaster recovery) when the app says so.
use_repository "${DESKMATE_REPOSITORY:-local}"
tab=$(printf '\t')

[[ $snap =~ ^[0-9a-f]{8,64}$ ]] || fail restore.bad_id "'$snap' is not a snapshot id"
[[ $suffix =~ ^[a-z0-9]{1,32}$ ]] || fail restore.bad_name "'$suffix' is not a restore name"
stack_project
want() {
    local part
    for part in "${parts[@]}"; do [ "$part" = "$1" ] && return 0; done
    return 1
}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || fail restore.no_parts "say what to restore: database, vectors or files"
need_restic
take_lock

# Named by the project too: two stacks on one Docker (production and staging) may restore
# in the same second, and a shared name would make one of them fail.
run=deskmate-restore-$project-$suffix
work=$backups/restore
made_volumes=()
made_files=
finished=
cleanup() {
    docker rm -f "$run-postgres" "$run-qdrant" > /dev/null 2>&1 || true
    docker network rm "$run" > /dev/null 2>&1 || true
    if [ -z "$finished" ]; then
        for volume in "${made_volumes[@]}"; do docker volume rm "$volume" > /dev/null 2>&1 || true; done
        [ -n "$made_files" ] && rm -rf "$made_files"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$work"

restic "${restic_options[@]}" restore "$snap" --target "$work/restored" > /dev/null 2> "$work/restore.err" ||
    fail backup.restore_failed "restic could not restore $snap: $(tail -n 3 "$work/restore.err")"
# The backup's own paths: one made on another server holds that server's stack folder.
origin=$(restored_stack "$work/restored")
[ -n "$origin" ] || fail backup.restore_failed "$snap holds no DeskMate backup"
staged=$origin/backups/staging
image() { awk -F "$tab" -v s="$1" '$1 == s { print $3 }' "$staged/release.tsv"; }
docker network create --internal "$run" > /dev/null
# A throwaway container of SERVICE on today's image (the one the stack will run on the
# restored volume, so its data folder is in today's format; a dump restores into the same
# or a newer PostgreSQL), or the backup's own when SERVICE is not running; with docker's own
# words when it cannot start (its last line alone only says "Run 'docker run --help'").
start() {
    local service=$1 ref
    shift
    ref=$(image "$service")
    [[ $ref =~ ^[A-Za-z0-9][A-Za-z0-9_.:/@-]*$ ]] || fail backup.restore_failed "the backup does not say which $service image ran"
    image_to_run "$service" "$ref" today
    ref=$chosen_image
    [ -z "$image_note" ] || say "image_$service" "$image_note"
    docker run -d --name "$run-$service" --network "$run" "$@" "$ref" > /dev/null 2> "$work/docker.err" ||
        fail backup.restore_failed "the new $service did not start: $(grep -v -e '^$' -e 'docker run --help' "$work/docker.err" | head -n 2)"
}

if want database; then
    volume=${project}_postgres_data_$suffix
    # Labelled with the project, as compose labels its own, so whatever cleans up by label
    # (a test bed, an owner's docker volume ls --filter) finds it; the app removes by name.
    docker volume create --label org.deskmate.restored-from="$snap" \
        --label "com.docker.compose.project=$project" "$volume" > /dev/null
    made_volumes+=("$volume")
    start postgres --env-file "$stack/shared/env/postgres.env" -e POSTGRES_USER=deskmate \
        -e POSTGRES_DB=deskmate -v "$volume:/var/lib/postgresql/data"
    ready=
    for _ in $(seq 240); do
        if docker exec "$run-postgres" pg_isready -q -h 127.0.0.1 -U deskmate -d deskmate 2> /dev/null; then
            ready=yes
            break
        fi
        sleep 0.5
    done
    [ -n "$ready" ] || fail backup.restore_failed "the new PostgreSQL did not start"
    docker exec -i "$run-postgres" pg_restore --exit-on-error --no-owner -U deskmate -d deskmate \
        < "$staged/database.dump" > /dev/null 2> "$work/pg_restore.err" ||
        fail backup.restore_failed "pg_restore refused the database dump: $(tail -n 3 "$work/pg_restore.err")"
    docker exec -i "$run-postgres" psql -X -q -A -t -F "$tab" -v ON_ERROR_STOP=1 -U deskmate -d deskmate \
        < "$bin/deskmate-count.sql" > "$work/row-counts.tsv"
    diff -q "$staged/row-counts.tsv" "$work/row-counts.tsv" > /dev/null ||
        fail backup.restore_failed "the restored database's row counts differ from the backup's"
    # A clean shutdown, so the stack's PostgreSQL finds a consistent data folder.
    docker stop -t 60 "$run-postgres" > /dev/null
    say postgres_volume "$volume"
fi

if want vectors; then
    volume=${project}_qdrant_data_$suffix
    docker volume create --label org.deskmate.restored-from="$snap" \
        --label "com.docker.compose.project=$project" "$volume" > /dev/null
    made_volumes+=("$volume")
    start qdrant --network-alias qdrant -v "$volume:/qdrant/storage"
    # The backend's Python talks to Qdrant for the recovery: today's image, or the backup's.
    image_to_run backend "$(image backend)" today
    helper_image=$chosen_image
    while IFS="$tab" read -r name points checksum; do
        [[ $name =~ ^[A-Za-z0-9_-]{1,64}$ ]] || fail backup.restore_failed "refusing the collection name '$name'"
        got=$(docker run --rm -i --network "$run" "$helper_image" \
            python3 -c "$(cat "$bin/deskmate-qdrant.py")" recover "$name" "$checksum" \
            < "$staged/qdrant/$name.snapshot" 2> "$work/qdrant.err") ||
            fail backup.restore_failed "Qdrant refused the snapshot of $name: $(tail -n 3 "$work/qdrant.err")"
        [ "$got" = "$points" ] || fail backup.restore_failed "the collection $name came back with $got points, not $points"
    done < "$staged/collections.tsv"
    docker stop -t 30 "$run-qdrant" > /dev/null
    say qdrant_volume "$volume"
fi

if want files; then
    target=$stack/shared/data.restore-$suffix
    rm -rf "$target"
    mkdir -p "$origin/shared/data"
    mv "$origin/shared/data" "$target"
    made_files=$target
    if [ -s "$staged/files.sha256" ]; then
        (cd "$target" && sha256sum --check --quiet --strict "$staged/files.sha256") > "$work/files.err" 2>&1 ||
            fail backup.restore_failed "restored files differ: $(head -n 3 "$work/files.err" | tr '\n' ' ')"
    fi
    say files_dir "$target"
fi
finished=yes
say result restored
