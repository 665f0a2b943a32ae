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
#   image_to_run SERVICE WANTED first|today   the image a throwaway SERVICE of a trial
#                        restore or a restore runs, in $chosen_image: WANTED (the image id
#                        the backup ran) first, or today's (what SERVICE runs now) first, the
#                        other when the first is gone; $image_note says so when it is not
#                        WANTED. Fails ($area.image_gone) when neither is on the server.
#   at_exit FUNCTION     runs FUNCTION STATUS when the script exits, newest first; a script
#                        that uses it (or timer_begin) sets no EXIT trap of its own
#
# For a run by the server's own timer (`--timer`; the app's runner does all this itself
# when the app runs a script):
#   take_deploy_lock WHO ACTION   the server's deploy lock (STACK/.lock/deploy) taken as the
#                        app takes it (crates/remote/src/ops/lock.rs): one mkdir, then
#                        `holder` (epoch<TAB>who), `action`, `owner` (token<TAB>host<TAB>pid),
#                        the token random per run; let go on exit by this run only. Returns 1
#                        when someone else holds it, with $lock_who, $lock_action and
#                        $lock_age (seconds) set. It never breaks a lock, however old: only
#                        the owner clears one, from the app, after being told whose it is.
#   release_deploy_lock  lets go of it if this run's token still holds it; says what it
#                        found in $deploy_lock_released (released, none, other, failed)
#   audit_line OP SUBJECT STEP OUTCOME CHANGED DETAIL   one line of STACK/log/audit.log in
#                        the app's format (crates/remote/src/ops/audit.rs); the environment
#                        comes from the folder's name, as the app names it (BASE-staging)
#   timer_begin OP SUBJECT ACTION   the deploy lock taken and audited (step `lock`); when
#                        someone else holds it, the run is skipped (exit 0), saying so on
#                        stdout and in the audit log (outcome=cancelled). On exit: the step
#                        under way, if any, audited as failed or cancelled, the lock let go
#   timer_step STEP      STEP is under way (a stop before its timer_audit is audited)
#   timer_audit STEP OUTCOME CHANGED DETAIL   a step's line, in a timer run only
#
# Paths it sets: $backups, $bin, $logs.

backups=$stack/backups
bin=$stack/bin
logs=$stack/logs
disk_full_code=
failed_code=

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
    # For the audit line a timer run writes on exit: the code only, never the words, which
    # may quote a tool's output.
    failed_code=$code
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

image_to_run() {
    local service=$1 wanted=$2 order=$3 container='' today=''
    [ -z "${project:-}" ] || container=$(running "$service")
    [ -z "$container" ] || today=$(docker inspect --format '{{.Image}}' "$container" 2> /dev/null || true)
    image_note=
    if [ "$order" = today ] && [ -n "$today" ]; then
        chosen_image=$today
    elif [ -n "$wanted" ] && docker image inspect "$wanted" > /dev/null 2>&1; then
        chosen_image=$wanted
    elif [ -n "$today" ]; then
        chosen_image=$today
    else
        fail "$area.image_gone" "the $service image this backup was taken with (${wanted:7:12}) is no longer on the server, and DeskMate's $service is not running to lend today's: start DeskMate, then try again"
    fi
    if [ "$chosen_image" != "$wanted" ]; then
        image_note="today's image (${chosen_image:7:12}), not the one it was taken with (${wanted:7:12})"
        docker image inspect "$wanted" > /dev/null 2>&1 || image_note="$image_note, which is gone"
    fi
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

exit_hooks=()
run_exit_hooks() {
    local status=$? i
    for ((i = ${#exit_hooks[@]} - 1; i >= 0; i--)); do
        "${exit_hooks[i]}" "$status" || true
    done
    return "$status"
}
at_exit() {
    exit_hooks+=("$1")
    trap run_exit_hooks EXIT
}

# --- the deploy lock -------------------------------------------------------------------------

deploy_lock=$stack/.lock/deploy
deploy_lock_token=
deploy_lock_released=
lock_who=
lock_action=
lock_age=0

take_deploy_lock() {
    local who=${1//[[:cntrl:]]/ } action=${2//[[:cntrl:]]/ } token taken=
    token=$(random_hex 8)
    mkdir -p "$stack/.lock" || fail "$area.failed" "could not make the deploy lock's folder $stack/.lock"
    if mkdir "$deploy_lock" 2> /dev/null; then
        if printf '%s\t%s\n' "$(date -u +%s)" "$who" > "$deploy_lock/holder" &&
            printf '%s\n' "$action" > "$deploy_lock/action" &&
            printf '%s\t%s\t%s\n' "$token" "${HOSTNAME:-$(hostname)}" "$$" > "$deploy_lock/owner"; then
            deploy_lock_token=$token
            at_exit release_deploy_lock
            return 0
        fi
        rm -rf -- "$deploy_lock"
        fail "$area.failed" "could not write the deploy lock in $deploy_lock"
    fi
    [ -d "$deploy_lock" ] || fail "$area.failed" "could not make the deploy lock in $stack/.lock"
    # Someone else's: read who, what and since when, the way the app does, and leave it.
    lock_who='' lock_action='' lock_age=0
    IFS=$'\t' read -r taken lock_who 2> /dev/null < "$deploy_lock/holder" || true
    lock_action=$(head -c 200 "$deploy_lock/action" 2> /dev/null | tr -d '\t\n' || true)
    [[ ${taken:-} =~ ^[0-9]+$ ]] && lock_age=$(($(date -u +%s) - taken))
    lock_who=${lock_who:-someone}
    return 1
}

# Also an exit hook (take_deploy_lock registers it), so it takes and ignores a status.
release_deploy_lock() {
    local token=$deploy_lock_token tok='' rest
    [ -n "$token" ] || return 0
    deploy_lock_token=
    if [ ! -d "$deploy_lock" ]; then
        deploy_lock_released=none
        return 0
    fi
    IFS=$'\t' read -r tok rest 2> /dev/null < "$deploy_lock/owner" || true
    # Only this run's own token: a lock cleared from the app and taken since by another
    # change is that change's.
    if [ "$tok" != "$token" ]; then
        deploy_lock_released=other
    elif rm -rf -- "$deploy_lock"; then
        deploy_lock_released=released
    else
        deploy_lock_released=failed
    fi
}

# --- the audit log ---------------------------------------------------------------------------

case ${stack%/} in
*-staging) audit_environment=staging ;;
*) audit_environment=production ;;
esac
audit_run=

# One word of a line, as the app writes it: whitespace made _, at most 128 characters.
audit_word() {
    local word=${1//[[:space:]]/_}
    word=${word:0:128}
    printf '%s' "${word:--}"
}

# Best effort, like the app's writer: a log that cannot be written never stops the work.
audit_line() {
    local detail=${6-}
    detail=${detail//[[:cntrl:]]/ }
    detail=${detail:0:600}
    detail=${detail#"${detail%%[![:space:]]*}"}
    detail=${detail%"${detail##*[![:space:]]}"}
    [ -n "$audit_run" ] || audit_run=$(random_hex 4)
    {
        mkdir -p "$stack/log" &&
            printf '%s %s %s %s %s run=%s step=%s outcome=%s changed=%s %s\n' \
                "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(id -un)" "$(audit_word "$1")" \
                "$audit_environment" "$(audit_word "$2")" "$audit_run" "$(audit_word "$3")" \
                "$4" "$5" "$detail" >> "$stack/log/audit.log"
    } 2> /dev/null || true
}

# --- a run by the server's own timer ---------------------------------------------------------

timer_op=
timer_subject=
timer_current=

# A lock's age in the words the app uses.
age_words() {
    local s=$1
    if [ "$s" -lt 120 ]; then
        echo "$s s"
    elif [ "$s" -lt 7200 ]; then
        echo "$((s / 60)) min"
    elif [ "$s" -lt 172800 ]; then
        echo "$((s / 3600)) h"
    else
        echo "$((s / 86400)) days"
    fi
}

timer_begin() {
    local who="$1 timer on ${HOSTNAME:-$(hostname)}" why
    timer_op=$1
    timer_subject=$2
    audit_run=$(random_hex 4)
    if ! take_deploy_lock "$who" "$3"; then
        why="$lock_who holds the deploy lock for ${lock_action:-a change}, since $(age_words "$lock_age")"
        # A change runs for minutes, an update with its backup and watch under an hour; a
        # lock far older is likely left behind, but only its owner may say so and clear it.
        if [ "$lock_age" -ge 21600 ]; then
            why="$why; if nothing is changing the server, clear the lock in DeskMate Studio"
        fi
        say skipped "$why"
        audit_line "$timer_op" "$timer_subject" lock cancelled false "skipped: $why"
        exit 0
    fi
    at_exit timer_end
    # Stopped (systemctl stop, a shutdown): exit with the signal's status, so the step under
    # way is audited as cancelled and the lock let go. Without a trap, bash dies in a
    # command's wait with the last status, which would read as a step that finished.
    trap 'exit 143' TERM INT HUP PIPE
    audit_line "$timer_op" "$timer_subject" lock 'done' false "held by $who"
}

timer_step() { timer_current=$1; }

timer_audit() {
    [ -n "$timer_op" ] || return 0
    audit_line "$timer_op" "$timer_subject" "$1" "$2" "$3" "$4"
    [ "$1" != "$timer_current" ] || timer_current=
}

# The exit hook of a timer run: the step it stopped in, then the lock let go, each audited
# as the app's runner audits them.
timer_end() {
    local status=$1 outcome detail
    if [ -n "$timer_current" ]; then
        if [ "$status" -eq 0 ]; then
            outcome='done' detail="finished"
        elif [ "$status" -ge 128 ]; then
            outcome=cancelled detail="stopped by a signal (exit $status)"
        elif [ -n "$failed_code" ]; then
            outcome=failed detail="$failed_code: the script stopped; its own words are in the server's journal"
        else
            outcome=failed detail="the script stopped (exit $status)"
        fi
        audit_line "$timer_op" "$timer_subject" "$timer_current" "$outcome" false "$detail"
        timer_current=
    fi
    release_deploy_lock
    outcome=undone
    case $deploy_lock_released in
    released) detail="let go" ;;
    none) detail="already cleared by someone else" ;;
    other) detail="left alone: it was cleared and taken since by someone else" ;;
    *) outcome=undo_failed detail="could not be let go; clear it once nothing runs" ;;
    esac
    audit_line "$timer_op" "$timer_subject" lock "$outcome" false "$detail"
}
