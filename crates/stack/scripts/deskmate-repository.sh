# shellcheck shell=bash disable=SC2034,SC2154 # sourced: $stack is the caller's, restic_options is for it
# deskmate-repository, version 1: which restic repository a backup script works on.
# Sourced (not run) by deskmate-backup, -verify, -restore and -offsite, after they set
# $stack and source deskmate-lib; installed beside them.
#
#   use_repository local     STACK/backups/restic, the server's own disk (the default)
#   use_repository offsite   the offsite copy that STACK/shared/env/offsite/ describes
#   use_repository from      another server's offsite copy, which the app puts in
#                            STACK/shared/env/from/ for one disaster-recovery restore
#
# An offsite folder holds `target` (one line: restic's repository, like
# sftp:backup@host:/srv/deskmate, or s3:https://host/bucket/path), `port` (SSH's),
# `key` (the SSH key, 0600), `known_hosts` (the pinned host key: ssh refuses any other),
# for S3 `s3.env` (AWS_ACCESS_KEY_ID=…, AWS_SECRET_ACCESS_KEY=…), and for an SFTP account
# that serves the repository append-only for this key `append-only`. `from` also holds
# that server's `restic.password`; an offsite copy shares the server's password.
#
# Sets RESTIC_REPOSITORY and RESTIC_PASSWORD_FILE (exported) and the array
# restic_options (the sftp command), so a call is: restic "${restic_options[@]}" ...
# For SFTP, ssh_command is that ssh command alone (to ask ssh why a connection failed:
# restic often exits before passing ssh's last words on).
# The password is only ever read from a file, never put on a command line.

use_repository() {
    restic_options=()
    ssh_command=()
    case $1 in
    local)
        RESTIC_REPOSITORY=$stack/backups/restic
        RESTIC_PASSWORD_FILE=$stack/shared/env/restic.password
        ;;
    offsite) remote_repository "$stack/shared/env/offsite" "$stack/shared/env/restic.password" ;;
    from) remote_repository "$stack/shared/env/from" "$stack/shared/env/from/restic.password" ;;
    *) repository_fail backup.failed "no repository is called '$1'" ;;
    esac
    export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE
}

# A failure: deskmate-lib's fail (error<TAB>code<TAB>message) in the scripts, which source
# it first; a plain line where the app sources this file alone.
repository_fail() {
    if declare -F fail > /dev/null; then
        fail "$@"
    fi
    echo "deskmate-repository: $2" >&2
    exit 1
}

remote_repository() {
    local dir=$1 target port
    [ -r "$dir/target" ] || repository_fail backup.no_offsite "no offsite copy is set up ($dir/target is missing)"
    target=$(head -n 1 "$dir/target")
    RESTIC_REPOSITORY=$target
    RESTIC_PASSWORD_FILE=$2
    case $target in
    sftp:*)
        port=$(head -n 1 "$dir/port" 2> /dev/null || echo 22)
        [[ $port =~ ^[0-9]{1,5}$ ]] || port=22
        local login=${target#sftp:}
        login=${login%%:*}
        ssh_command=(ssh -i "$dir/key" -p "$port" -o IdentitiesOnly=yes -o BatchMode=yes
            -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$dir/known_hosts"
            -o ConnectTimeout=20 -o ServerAliveInterval=15 "$login")
        # restic splits these at spaces, so the stack folder has none (the app checks).
        if [ -s "$dir/append-only" ]; then
            # The account runs `rclone serve restic --stdio --append-only FOLDER` for this
            # key whatever it is asked (a forced command): restic speaks to it through its
            # rclone backend over ssh, and may add to the repository but never delete.
            RESTIC_REPOSITORY=rclone:offsite
            restic_options=(-o "rclone.program=${ssh_command[*]}" -o "rclone.args=serve restic --stdio")
        else
            restic_options=(-o "sftp.command=${ssh_command[*]} -s sftp")
        fi
        ;;
    s3:*)
        set -a
        # shellcheck source=/dev/null
        . "$dir/s3.env"
        set +a
        ;;
    esac
}

# The stack folder as the backup recorded it, inside a restored tree: a backup made on
# another server holds that server's paths. Prints it, relative to nothing (an absolute
# path under $1), or nothing when the tree holds no backup.
restored_stack() {
    local found
    found=$(find "$1" -path '*/backups/staging/release.tsv' -print -quit)
    [ -n "$found" ] && printf '%s\n' "${found%/backups/staging/release.tsv}"
}
