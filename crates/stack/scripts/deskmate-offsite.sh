#!/bin/bash
# deskmate-offsite, version 1: the offsite copy of a stack's backups, in a second restic
# repository on another machine (SFTP) or in an S3-compatible store, described by
# STACK/shared/env/offsite/ (see deskmate-repository). Installed by DeskMate Studio beside
# deskmate-backup; deskmate-verify runs it after each trial restore that passed, so only
# verified backups go offsite.
#
#   deskmate-offsite STACK_DIR --init       find or make the offsite repository (which
#                                           proves the connection, the pinned host key
#                                           and the key)
#   deskmate-offsite STACK_DIR SNAPSHOT     copy that backup there (restic copy: only what
#                                           the offsite repository lacks travels), check
#                                           the copy's repository reading 1% of its data
#                                           back, then (not append-only) apply the same
#                                           retention rules there
#
# The offsite repository shares the server's password and chunker parameters (init
# --copy-chunker-params), so the copies deduplicate as the originals do. Appends
# "time<TAB>snapshot<TAB>ok|failed<TAB>offsite id or why" to STACK/backups/offsite.tsv.
# A failure is one error<TAB>code<TAB>message line on stderr (deskmate-lib). Codes:
# offsite.no_restic, backup.no_offsite (none set up), backup.offsite_unreachable (the
# offsite repository cannot be reached or made), backup.offsite_not_append_only (the key
# is not confined to the append-only server), offsite.bad_id, offsite.failed.
# shellcheck disable=SC2154 # deskmate-lib sets bin, backups, logs and project
set -euo pipefail
umask 077
# Stopped (a cancel in the app, a lost connection): exit; what restic half-sent is not a
# snapshot until restic writes one, last.
trap 'exit 143' TERM INT HUP PIPE

stack=${1:?usage: deskmate-offsite STACK_DIR --init|SNAPSHOT}
what=${2:?usage: deskmate-offsite STACK_DIR --init|SNAPSHOT}
# shellcheck disable=SC2034 # deskmate-lib reads it
area=offsite
# shellcheck source=/dev/null
. "$stack/bin/deskmate-lib"
restic_options=() ssh_command=()
# shellcheck source=/dev/null
. "$bin/deskmate-repository"

record() {
    printf '%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$what" "$1" "$2" >> "$backups/offsite.tsv"
}
on_fail() {
    [ "$what" = "--init" ] || record failed "$2"
}
# Why restic failed: for SFTP, ssh's own words when ssh fails by itself (restic often
# exits before passing them on), else restic's last line.
why() {
    if [ ${#ssh_command[@]} -gt 0 ] && ! "${ssh_command[@]}" -s sftp < /dev/null > /dev/null 2> "$1.ssh"; then
        grep -v '^Warning' "$1.ssh" | tail -n 1
    else
        tail -n 1 "$1"
    fi
}

need_restic
mkdir -p "$backups"
use_repository local
# The offsite repository takes the local one's chunker parameters, so the local one first.
if [ ! -e "$RESTIC_REPOSITORY/config" ]; then
    restic init > /dev/null 2> "$backups/offsite.err" ||
        fail offsite.failed "could not create the repository on this server: $(tail -n 1 "$backups/offsite.err")"
fi
export RESTIC_FROM_REPOSITORY=$RESTIC_REPOSITORY RESTIC_FROM_PASSWORD_FILE=$RESTIC_PASSWORD_FILE
use_repository offsite
# In words, the target as the owner gave it (an append-only one is reached as rclone:…).
offsite=$(head -n 1 "$stack/shared/env/offsite/target")
err=$backups/offsite.err

if ! restic "${restic_options[@]}" cat config > /dev/null 2> "$err"; then
    if ! grep -q -i 'repository does not exist\|unable to open config\|no such file' "$err"; then
        fail backup.offsite_unreachable "could not reach the offsite repository $offsite: $(why "$err")"
    fi
    restic "${restic_options[@]}" init --copy-chunker-params > /dev/null 2> "$err" ||
        fail backup.offsite_unreachable "could not create the offsite repository $offsite: $(why "$err")"
    say offsite_repository created
fi
if [ "$what" = "--init" ]; then
    # Append-only holds only if this key can do nothing but talk to that rclone: asked to
    # run a shell command, the account must not run it.
    if [ -s "$stack/shared/env/offsite/append-only" ] &&
        "${ssh_command[@]}" 'echo deskmate-shell-reached' < /dev/null 2> /dev/null | grep -q deskmate-shell-reached; then
        fail backup.offsite_not_append_only "the offsite account runs any command for this server's key, so the server could delete its offsite copies"
    fi
    say offsite_ready "$offsite"
    exit 0
fi
[[ $what =~ ^[0-9a-f]{8,64}$ ]] || fail offsite.bad_id "'$what' is not a snapshot id"

restic "${restic_options[@]}" copy "$what" > "$backups/offsite.log" 2> "$err" ||
    fail offsite.failed "could not copy $what to $offsite: $(why "$err")"
# The copy is found by its "original" (the snapshot it was copied from).
copy=$(restic "${restic_options[@]}" snapshots --json 2> "$err" |
    grep -o "\"original\":\"${what}[0-9a-f]*\",\"id\":\"[0-9a-f]*\"" |
    sed 's/.*"id":"\([0-9a-f]*\)"/\1/' | tail -n 1) || true
[ -n "$copy" ] || fail offsite.failed "$offsite does not list the copy of $what"
# The copy's repository checked, and 1% of its data read back each time (a different 1% at
# random), so damage there is found within weeks, not on the day of a disaster.
restic "${restic_options[@]}" check --read-data-subset=1% > "$backups/offsite-check.log" 2> "$err" ||
    fail offsite.failed "the offsite repository $offsite did not pass restic check: $(why "$err")"

# An append-only copy is never pruned from here: that is the offsite side's job, so a
# server in the wrong hands cannot destroy it. Other targets follow the local rules.
if [ ! -s "$stack/shared/env/offsite/append-only" ]; then
    KEEP_DAILY=7 KEEP_WEEKLY=4 KEEP_MONTHLY=6
    # shellcheck source=/dev/null
    [ -r "$stack/shared/backup.env" ] && . "$stack/shared/backup.env"
    restic "${restic_options[@]}" forget --tag deskmate --keep-daily "$KEEP_DAILY" \
        --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY" --prune > "$backups/offsite-forget.log" 2>&1 ||
        say offsite_retention "failed: $(tail -n 1 "$backups/offsite-forget.log")"
fi
record ok "$copy"
say offsite "copied to $offsite as ${copy:0:8}, checked (1% of its data read back)"
