# shellcheck shell=bash disable=SC2034,SC2154 # sourced: $stack and $area are the caller's, the names it sets are theirs
# deskmate-lib, version 1: what DeskMate's server scripts share. Sourced (not run) by
# deskmate-backup, -verify, -restore, -offsite, -maintain and -watch once they have set
# $stack (the stack folder) and $area (the first part of their error codes: backup, verify,
# restore, offsite, maintain, alerts); installed beside them in STACK/bin.
#
#   say KEY VALUE        a report line on stdout: KEY<TAB>VALUE
#   fail CODE MESSAGE    a failure: error<TAB>CODE<TAB>MESSAGE on stderr, then exit 1.
#                        CODE is stable ([a-z_]+.[a-z_]+): the app picks its own advice by it
#                        and never reads the words; MESSAGE is plain words for the owner, on
#                        one line. The app reads the last such line a script printed.
#   error_line CODE MESSAGE   the same line, without exiting (a failure the script survives)
#   on_fail CODE MESSAGE      when the script defines it, fail runs it too (a log entry)
#   watch_disk CODE      a failure on a full disk (under 1 MiB free where the stack or its
#                        backups are, or a tool saying so) is reported as CODE, saying so;
#                        so is a command that stops the script (set -e) on a full disk
#   stack_project        a DeskMate is installed here ($area.not_installed), and $project is
#                        its compose project ($area.bad_project)
#   need_restic          restic is installed ($area.no_restic)
#   take_lock [MESSAGE]  the lock backups, trial restores, restores and maintenance share
#                        (STACK/backups/.lock, held on fd 9 until exit): $area.busy
#   running SERVICE      the id of a running container of SERVICE in $project
#
# Paths it sets: $backups, $bin, $logs.

backups=$stack/backups
bin=$stack/bin
logs=$stack/logs
disk_full_code=

say() { printf '%s\t%s\n' "$1" "$2"; }

error_line() {
    local message=$2
    message=${message//$'\t'/ }
    message=${message//$'\r'/ }
    message=${message//$'\n'/ }
    printf 'error\t%s\t%s\n' "$1" "$message" >&2
}

# The least free space, in KiB, where the stack and its backups are (they may be two disks).
disk_free_kib() {
    df -Pk "$stack" "$backups" 2> /dev/null | awk 'NR > 1 && (m == "" || $4 + 0 < m) { m = $4 + 0 } END { print m }'
}

fail() {
    local code=$1 free message
    shift
    message="$*"
    # A full disk is the likeliest cause of many failures; say so rather than leave the
    # owner with a tool's last words.
    if [ -n "$disk_full_code" ]; then
        free=$(disk_free_kib)
        if [[ $free =~ ^[0-9]+$ ]] && [ "$free" -lt 1024 ]; then
            code=$disk_full_code
            message="$message (the server's disk is full: $free KiB free)"
        elif [[ $message == *[Nn]"o space left on device"* ]]; then
            code=$disk_full_code
            message="$message (the server's disk is full)"
        fi
    fi
    error_line "$code" "$message"
    if declare -F on_fail > /dev/null; then
        on_fail "$code" "$message" || true
    fi
    exit 1
}

# Run by the ERR trap watch_disk sets: a command that stops the script on a full disk.
stopped_on_full_disk() {
    local status=$? free
    free=$(disk_free_kib)
    if [[ $free =~ ^[0-9]+$ ]] && [ "$free" -lt 1024 ]; then
        fail "$disk_full_code" "it could not write"
    fi
    return "$status"
}

watch_disk() {
    disk_full_code=$1
    trap stopped_on_full_disk ERR
}

stack_project() {
    [ -e "$stack/current/.env" ] || fail "$area.not_installed" "no DeskMate is installed in $stack"
    project=$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' "$stack/current/.env")
    [[ $project =~ ^[a-z0-9_-]+$ ]] || fail "$area.bad_project" "the stack's project name is unreadable"
}

need_restic() {
    command -v restic > /dev/null || fail "$area.no_restic" "restic is not installed on this server"
}

take_lock() {
    mkdir -p "$backups"
    exec 9> "$backups/.lock"
    flock -n 9 || fail "$area.busy" "${1:-another backup or restore of this stack is running}"
}

# Not `compose exec`: during and after an update a service's container is not always
# number 1, which is all exec takes.
running() {
    docker ps -q --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=$1" | head -n 1
}
