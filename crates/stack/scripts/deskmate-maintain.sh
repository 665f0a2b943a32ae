#!/bin/bash
# deskmate-maintain, version 1: housekeeping for one DeskMate stack. Installed by DeskMate
# Studio in STACK/bin; run by the app (Maintenance) or by the server's own timer.
#
#   deskmate-maintain STACK_DIR --plan   what each step would do, with today's sizes
#   deskmate-maintain STACK_DIR          do it
#   deskmate-maintain STACK_DIR --timer  do it as the weekly timer: first take the server's
#                                        deploy lock (the app's maintenance holds it through
#                                        its runner), or skip the run (exit 0,
#                                        `skipped<TAB>why`) while another change holds it;
#                                        each step, and the run, in STACK/log/audit.log
#
# Steps, each with the space before and after, one line each on stdout:
#   step<TAB>id<TAB>bytes before<TAB>bytes after<TAB>what it did (or would do)
#   database  PostgreSQL VACUUM (ANALYZE), then REINDEX DATABASE CONCURRENTLY (the
#             companion keeps answering while it runs)
#   images    images only older releases name (never the current or previous release's,
#             previous being the newest other release that served,
#             never one a container uses: docker refuses those), removed by their tag, and
#             untagged leftovers (dangling images). Older releases are the folders in
#             STACK/releases and the release files an update set aside in
#             STACK/state/retired when it pruned their folders.
#   cache     Docker's build cache (git builds fill it)
#   records   the watchdog's health samples older than 30 days, its changes older than
#             180 days, and rotated host logs older than 90 days
# A step that fails says so on its line and the others still run; the exit status is then 1.
# When it cannot start, one error<TAB>code<TAB>message line on stderr (deskmate-lib), with no
# step run. Codes: maintain.bad_option, maintain.not_installed, maintain.bad_project,
# maintain.busy.
# shellcheck disable=SC2154 # deskmate-lib sets bin, backups, logs and project
set -euo pipefail
umask 077

stack=${1:?usage: deskmate-maintain STACK_DIR [--plan]}
# shellcheck disable=SC2034 # deskmate-lib reads it
area=maintain
# shellcheck source=/dev/null
. "$stack/bin/deskmate-lib"
plan=
timer=
for option in "${@:2}"; do
    case $option in
    --plan) plan=yes ;;
    --timer) timer=yes ;;
    '') ;;
    *) fail maintain.bad_option "unknown option $option" ;;
    esac
done
[ -z "$plan" ] || [ -z "$timer" ] || fail maintain.bad_option "--plan changes nothing, so it is never a timer's run"
failed=0
freed=0
failed_steps=0
if [ -n "$timer" ]; then
    timer_begin maintain - "scheduled maintenance"
    timer_step maintain
fi

# One step's line: step<TAB>id<TAB>bytes before<TAB>bytes after<TAB>what it did. A timer run
# also audits it; a failure there is the word "failed" alone, since the rest quotes a tool.
step() {
    local outcome='done' changed=false detail=$4
    say step "$1	$2	$3	$4"
    if [[ $2 =~ ^[0-9]+$ && $3 =~ ^[0-9]+$ ]] && [ "$3" -lt "$2" ]; then
        freed=$((freed + $2 - $3))
    fi
    case $4 in
    failed*) outcome=failed detail=failed ;;
    skipped*) outcome=failed ;;
    esac
    [ "$outcome" = 'done' ] || failed_steps=$((failed_steps + 1))
    [ "$2" = "$3" ] || changed=true
    timer_audit "$1" "$outcome" "$changed" "$detail"
}
bytes_of() { du -sb "$@" 2> /dev/null | awk '{ s += $1 } END { print s + 0 }'; }

stack_project
take_lock "a backup or restore of this stack is running; try again after it"

# --- database ------------------------------------------------------------------------------
postgres=$(running postgres)
sql() { docker exec -i "$postgres" psql -X -q -A -t -v ON_ERROR_STOP=1 -U deskmate -d deskmate -c "$1"; }
if [ -z "$postgres" ]; then
    step database 0 0 "skipped: the database is not running"
    failed=1
else
    before=$(sql "SELECT pg_database_size(current_database())")
    if [ -n "$plan" ]; then
        step database "$before" "$before" "would run VACUUM (ANALYZE) and REINDEX DATABASE CONCURRENTLY"
    elif sql "VACUUM (ANALYZE)" > /dev/null 2>&1 &&
        sql "REINDEX DATABASE CONCURRENTLY deskmate" > /dev/null 2> "$stack/backups/reindex.log"; then
        step database "$before" "$(sql "SELECT pg_database_size(current_database())")" "vacuumed, statistics updated, indexes rebuilt"
    else
        step database "$before" "$before" "failed: $(tail -n 1 "$stack/backups/reindex.log" 2> /dev/null)"
        failed=1
    fi
fi

# --- images ----------------------------------------------------------------------------------
current=$(basename "$(readlink "$stack/current")")
# The previous release: the newest other folder that has served (state/served.tsv), the
# way back the app's release list shows. A release whose update failed never served and is
# never "previous", so it never displaces the one that did. (A stack from before served.tsv
# was kept: the newest other folder.)
served=$(cut -f 1 "$stack/state/served.tsv" 2> /dev/null || true)
previous=
for v in $(cd "$stack/releases" && ls -1t); do
    [ "$v" != "$current" ] || continue
    if [ -z "$served" ] || printf '%s\n' "$served" | grep -qxF -- "$v"; then
        previous=$v
        break
    fi
done
tags_in() {
    sed -n 's/.*"image"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$1" 2> /dev/null || true
}
keep=" $(for v in "$current" $previous; do tags_in "$stack/releases/$v/release.json"; done | tr '\n' ' ') "
removable=()
retired=()
for file in "$stack"/releases/*/release.json "$stack"/state/retired/*.json; do
    [ -f "$file" ] || continue
    case $file in
    "$stack/releases/$current/release.json" | "$stack/releases/$previous/release.json") continue ;;
    "$stack/state/retired/"*) retired+=("$file") ;;
    esac
    for tag in $(tags_in "$file"); do
        case $keep in *" $tag "*) continue ;; esac
        case " ${removable[*]-} " in *" $tag "*) continue ;; esac
        docker image inspect "$tag" > /dev/null 2>&1 && removable+=("$tag")
    done
done
image_bytes() {
    local total=0 size
    for tag in "$@"; do
        size=$(docker image inspect --format '{{.Size}}' "$tag" 2> /dev/null || echo 0)
        total=$((total + size))
    done
    echo "$total"
}
dangling=$(docker images -q --filter dangling=true | sort -u)
# shellcheck disable=SC2086 # ids, one word each
before=$(($(image_bytes "${removable[@]}") + $(image_bytes $dangling)))
if [ -n "$plan" ]; then
    step images "$before" 0 "would remove ${#removable[@]} image(s) of older releases (${removable[*]:-none}) and $(echo "$dangling" | grep -c . || true) untagged one(s)"
else
    gone=()
    for tag in "${removable[@]}"; do
        docker rmi "$tag" > /dev/null 2>&1 && gone+=("$tag")
    done
    # A set-aside release file goes once none of its images is left (kept or in use: stays).
    for file in "${retired[@]}"; do
        left=
        for tag in $(tags_in "$file"); do
            case $keep in *" $tag "*) continue ;; esac
            ! docker image inspect "$tag" > /dev/null 2>&1 || left=yes
        done
        [ -n "$left" ] || rm -f -- "$file"
    done
    docker image prune -f > /dev/null 2>&1 || true
    dangling=$(docker images -q --filter dangling=true | sort -u)
    # shellcheck disable=SC2086
    after=$(($(image_bytes "${removable[@]}") + $(image_bytes $dangling)))
    step images "$before" "$after" "removed ${#gone[@]} image(s) of older releases (${gone[*]:-none}) and the untagged ones; kept $current and ${previous:-no previous}"
fi

# --- build cache -----------------------------------------------------------------------------
cache=$(docker system df --format '{{.Type}}	{{.Size}}' 2> /dev/null | awk -F '\t' '$1 == "Build Cache" { print $2 }')
to_bytes() {
    awk -v v="${1:-0B}" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        m = (u == "kB" || u == "KB") ? 1e3 : (u == "MB") ? 1e6 : (u == "GB") ? 1e9 : (u == "TB") ? 1e12 : 1
        printf "%d", n * m }'
}
before=$(to_bytes "$cache")
if [ -n "$plan" ]; then
    step cache "$before" 0 "would empty Docker's build cache (${cache:-0B})"
else
    docker builder prune -f > /dev/null 2>&1 || true
    cache=$(docker system df --format '{{.Type}}	{{.Size}}' 2> /dev/null | awk -F '\t' '$1 == "Build Cache" { print $2 }')
    step cache "$before" "$(to_bytes "$cache")" "emptied Docker's build cache"
fi

# --- records ---------------------------------------------------------------------------------
cut_older() { # FILE DAYS: drops lines whose first field (a UTC time) is older
    local file=$1 since
    [ -f "$file" ] || return 0
    since=$(date -u -d "-$2 days" +%Y-%m-%dT%H:%M:%SZ)
    awk -F '\t' -v since="$since" '$1 >= since' "$file" > "$file.new" && mv "$file.new" "$file"
}
old_logs=$(find "$logs" -name '*.gz' -mtime +90 2> /dev/null || true)
# shellcheck disable=SC2086
before=$(($(bytes_of "$logs/health.tsv" "$logs/watch-events.tsv") + $(bytes_of $old_logs /dev/null)))
if [ -n "$plan" ]; then
    step records "$before" "$before" "would drop health samples older than 30 days, changes older than 180 days and $(echo "$old_logs" | grep -c . || true) rotated log(s) older than 90 days"
else
    cut_older "$logs/health.tsv" 30
    cut_older "$logs/watch-events.tsv" 180
    # shellcheck disable=SC2086
    [ -z "$old_logs" ] || rm -f -- $old_logs
    step records "$before" "$(bytes_of "$logs/health.tsv" "$logs/watch-events.tsv")" "kept 30 days of health samples and 180 days of changes"
    printf '%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$failed" >> "$logs/maintain.tsv"
fi
# The run as the app's maintenance audits it (the watchdog lists it as an incident).
changed=false
[ "$freed" -eq 0 ] || changed=true
timer_audit maintain 'done' "$changed" "freed $freed bytes; $failed_steps step(s) failed"
exit "$failed"
