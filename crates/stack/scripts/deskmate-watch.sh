#!/bin/bash
# deskmate-watch, version 2: the server's watchdog. Installed by DeskMate Studio in
# STACK/bin and run by the <project>-watch.timer every five minutes (and by the app on
# demand), as the account the app signs in with.
#
#   deskmate-watch STACK_DIR           one round of checks
#   deskmate-watch STACK_DIR --test    send a test e-mail now, and nothing else
#
# Each round checks, and gives each check a level (ok, warn, fail):
#   services     every service of the running release has a running container, healthy
#                where it has a health check, and the backend's /api/health answers
#                through the proxy (and how fast). One check, so that one fault (a stopped
#                backend fails both) is one e-mail, and its recovery one more.
#   disk         the stack's disk: warn at 80% used, fail at 95%
#   memory       available memory: warn under 10%, fail under 5%
#   certificate  days left on the HTTPS certificate: warn under 30, fail under 14
#   backup       the last verified backup: warn when older than 26 hours, or when none
#
# It keeps its state in STACK/state/watch (current.tsv: what each check said last, and
# since when; one file per check: what the owner was last told, and when), appends each
# change of level to STACK/logs/watch-events.tsv and one sample per round to
# STACK/logs/health.tsv, which the app reads for its chart.
#
# While the app changes the server (an update, a restore, a settings change: whatever holds
# the deploy lock, STACK/.lock/deploy), services are stopped and started on purpose, so the
# services check is not judged: it keeps what it said before, saying so, and no e-mail goes
# out. A lock older than an hour is not trusted to mean work is under way (the app may have
# been closed mid-update), and the check is judged as ever.
#
# E-mail goes out only when a level changes (a problem, and again its recovery), never
# once per round, and a problem that comes back within an hour of its last e-mail waits
# for the hour to pass (a flapping service sends one e-mail, not twelve). A failed send is
# retried on the next round. The settings are STACK/shared/watch.env (no secrets); the
# SMTP password is STACK/shared/env/smtp.password (0600), read by deskmate-mail.py only.
# shellcheck disable=SC2154 # deskmate-lib sets bin, backups, logs and project
set -euo pipefail
umask 077

stack=${1:?usage: deskmate-watch STACK_DIR [--test]}
mode=${2:-}
# shellcheck disable=SC2034 # deskmate-lib reads it
area=alerts
# shellcheck source=/dev/null
. "$stack/bin/deskmate-lib"
state=$stack/state/watch
now=$(date -u +%s)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
hold=3600

# Another server's repository description (with its restic password) is put here only for a
# disaster-recovery restore, inside the deploy lock, and removed by it; one that a dead laptop
# or a lost connection left behind goes as soon as no change holds the lock.
if [ -d "$stack/shared/env/from" ] && [ ! -d "$stack/.lock/deploy" ] && [ "$mode" != --test ]; then
    rm -rf -- "$stack/shared/env/from"
fi

# One setting from a KEY=VALUE file; never sourced, so a value is never run.
setting() {
    [ -f "$1" ] || return 0
    sed -n "s/^$2=//p" "$1" | tail -n 1
}
watch_env=$stack/shared/watch.env
site_env=$stack/shared/site.env
email=$(setting "$watch_env" ALERT_EMAIL)
server=$(setting "$watch_env" SERVER_NAME)
server=${server:-$(hostname)}
domain=$(setting "$site_env" DOMAIN)
tls=$(setting "$site_env" TLS)
http_port=$(setting "$site_env" HTTP_PORT)
https_port=$(setting "$site_env" HTTPS_PORT)
https=no
[ "${tls:-none}" = none ] || https=yes

mkdir -p "$state" "$logs"
exec 9> "$state/.lock"
flock -n 9 || {
    echo "deskmate-watch: another round is running" >&2
    exit 0
}

# Sends one e-mail: the first line of stdin is its subject, the rest its body. The host's
# python3 when it has one, else the backend image's (every release has one), so a stopped
# backend can still be reported.
send_mail() {
    local image
    if command -v python3 > /dev/null; then
        python3 "$bin/deskmate-mail.py" "$watch_env" "$stack/shared/env/smtp.password"
        return
    fi
    image=$(docker ps -a --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=backend" --format '{{.Image}}' | head -n 1)
    [ -n "$image" ] || {
        error_line alerts.no_mailer "no python3 here and no backend image to send e-mail with"
        return 1
    }
    docker run --rm -i --network host --entrypoint python3 \
        -v "$bin/deskmate-mail.py:/deskmate-mail.py:ro" \
        -v "$watch_env:/watch.env:ro" \
        -v "$stack/shared/env/smtp.password:/smtp.password:ro" \
        "$image" /deskmate-mail.py /watch.env /smtp.password
}

project=
if [ -e "$stack/current/.env" ]; then
    project=$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' "$stack/current/.env")
fi

if [ "$mode" = --test ]; then
    [ -n "$email" ] || fail alerts.no_email "no alert e-mail is set for $server"
    printf '%s\n' "[DeskMate] $server: a test e-mail" \
        "This is a test e-mail from the DeskMate watchdog on $server ($stamp)." "" \
        "If you can read it, alerts reach you: you will get an e-mail when something on" \
        "this server needs you (a service down, a full disk, an old backup, a certificate" \
        "about to expire), and one more when it is well again." | send_mail
    say sent "$email"
    exit 0
fi
[ -z "$mode" ] || fail alerts.bad_option "unknown option $mode"

# --- the checks: each sets level, message and fix ---------------------------------------

# The services of the running release: the keys under `services:` in its compose.yaml
# (which the app writes, two spaces deep).
services() {
    awk '/^services:/ { in_services = 1; next }
         /^[^ ]/ { in_services = 0 }
         in_services && /^  [a-z0-9_-]+:$/ { sub(/^  /, ""); sub(/:$/, ""); print }' \
        "$stack/current/compose.yaml"
}

check_containers() {
    local service ids id status health good bad=()
    if [ -z "$project" ] || [ ! -e "$stack/current/compose.yaml" ]; then
        level=fail message="no DeskMate release is installed in $stack"
        fix="install DeskMate from DeskMate Studio (Servers, Install)"
        return
    fi
    if ! docker info > /dev/null 2>&1; then
        level=fail message="Docker is not running, so nothing of DeskMate is"
        fix="restart the server, or start Docker on it (systemctl start docker)"
        return
    fi
    for service in $(services); do
        ids=$(docker ps -a -q --filter "label=com.docker.compose.project=$project" \
            --filter "label=com.docker.compose.service=$service")
        good=
        status=missing
        for id in $ids; do
            read -r status health < <(docker inspect --format \
                '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \
                "$id" 2> /dev/null || echo "gone none")
            if [ "$status" = running ] && [ "$health" != unhealthy ]; then
                good=yes
                break
            fi
            [ "$status" != running ] || status=unhealthy
        done
        [ -n "$good" ] || bad+=("$service ($status)")
    done
    if [ ${#bad[@]} -eq 0 ]; then
        level=ok message="every service is running" fix=''
    else
        level=fail message="not running: ${bad[*]}"
        fix="read that service's logs in DeskMate Studio (Servers, $server, Logs); installing the same release again (Install) starts what is stopped"
    fi
}

# Fetches /api/health through the proxy; prints the HTTP status and the seconds taken. The
# certificate is not checked here (-k): the certificate check below watches it, and an
# internal CA's certificate is not in the host's store.
fetch_health() {
    local scheme=http port=${http_port:-80} host=127.0.0.1
    if [ "$https" = yes ]; then
        scheme=https port=${https_port:-443} host=${domain:-localhost}
    fi
    if command -v curl > /dev/null; then
        curl -ksS -o /dev/null -m 10 --resolve "$host:$port:127.0.0.1" \
            -w '%{http_code} %{time_total}\n' "$scheme://$host:$port/api/health" 2> /dev/null
    else
        python3 - "$scheme" "$host" "$port" << 'EOF'
import http.client, socket, ssl, sys, time
scheme, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = time.monotonic()
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
if scheme == "https":
    context = ssl._create_unverified_context()
    connection.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), 10), server_hostname=host)
connection.request("GET", "/api/health", headers={"Host": host})
print(connection.getresponse().status, round(time.monotonic() - start, 3))
EOF
    fi
}

response_ms=
check_health() {
    local proxy answer code seconds
    proxy=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=proxy" 2> /dev/null | head -n 1)
    if [ -z "$proxy" ]; then
        level=fail message="the proxy is not running, so the companion cannot be reached"
        fix="open DeskMate Studio, Servers, $server, and read the proxy's logs (Logs)"
        return
    fi
    answer=$(fetch_health || true)
    read -r code seconds <<< "${answer:-0 0}"
    if [ "$code" = 200 ]; then
        response_ms=$(awk -v s="$seconds" 'BEGIN { printf "%d", s * 1000 }')
        level=ok message="the backend answers in $response_ms ms" fix=''
        if [ "$response_ms" -gt 3000 ]; then
            level=warn message="the backend answers, but slowly: $response_ms ms"
            fix="look at the server's memory and disk here, and at the backend's logs (Logs)"
        fi
    else
        level=fail message="the backend does not answer /api/health (HTTP ${code:-none})"
        fix="open DeskMate Studio, Servers, $server: read the backend's logs (Logs), or roll back the last update (Releases)"
    fi
}

check_services() {
    check_containers
    local c_level=$level c_message=$message c_fix=$fix
    [ -n "$project" ] || return 0
    check_health
    if [ "$c_level" != ok ]; then
        [ "$level" = ok ] || c_message="$c_message; the companion does not answer"
        level=$c_level message=$c_message fix=$c_fix
    fi
}

disk_pct=
check_disk() {
    disk_pct=$(df -P "$stack" | awk 'NR == 2 { sub(/%/, "", $5); print $5 }')
    local free
    free=$(df -Ph "$stack" | awk 'NR == 2 { print $4 }')
    if [ "$disk_pct" -ge 95 ]; then
        level=fail message="the disk is $disk_pct% full ($free free): the database may stop writing"
    elif [ "$disk_pct" -ge 80 ]; then
        level=warn message="the disk is $disk_pct% full ($free free)"
    else
        level=ok message="the disk is $disk_pct% full ($free free)" fix=''
        return
    fi
    fix="run Maintenance in DeskMate Studio (it removes old images, build cache and logs), or give the server a bigger disk"
}

memory_pct=
check_memory() {
    local total available
    total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    available=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    local free_pct=$((available * 100 / total))
    memory_pct=$((100 - free_pct))
    if [ "$free_pct" -lt 5 ]; then
        level=fail message="only $free_pct% of memory is free: services may be stopped by the kernel"
    elif [ "$free_pct" -lt 10 ]; then
        level=warn message="only $free_pct% of memory is free"
    else
        level=ok message="$free_pct% of memory is free" fix=''
        return
    fi
    fix="restart the server, or move it to a plan with more memory"
}

check_certificate() {
    local port=${https_port:-443} end days
    if [ "$tls" != acme ] || [ -z "$domain" ]; then
        level=ok message="no public certificate to watch (TLS: ${tls:-none})" fix=''
        return
    fi
    end=
    if command -v openssl > /dev/null; then
        end=$(openssl s_client -connect "127.0.0.1:$port" -servername "$domain" < /dev/null 2> /dev/null |
            openssl x509 -noout -enddate 2> /dev/null | sed -n 's/^notAfter=//p' || true)
    fi
    if [ -z "$end" ]; then
        level=warn message="the HTTPS certificate for $domain could not be read"
        fix="check that the proxy runs (Logs), and that $domain points at this server"
        return
    fi
    days=$((($(date -u -d "$end" +%s) - now) / 86400))
    if [ "$days" -lt 14 ]; then
        level=fail message="the HTTPS certificate for $domain expires in $days days"
    elif [ "$days" -lt 30 ]; then
        level=warn message="the HTTPS certificate for $domain expires in $days days"
    else
        level=ok message="the HTTPS certificate for $domain is good for $days days" fix=''
        return
    fi
    fix="the proxy renews it by itself when $domain points at this server and ports 80 and 443 are open; read the proxy's logs (Logs)"
}

TRIAL_FAILED_FIX="back up again from DeskMate Studio (Backups); if that trial restore fails too, the backup repository on the server is damaged: delete nothing, and copy the stack's backups folder somewhere safe"
check_backup() {
    local last age newest checked
    # The newest trial restore failed: a damaged repository (or backup) says so first.
    newest=$(awk -F '\t' '$3 == "ok" || $3 == "failed" { l = $0 } END { print l }' "$stack/backups/verified.tsv" 2> /dev/null || true)
    # So does the weekly repository check (deskmate-backup --check).
    checked=$(tail -n 1 "$stack/backups/checks.tsv" 2> /dev/null || true)
    if [ "$(printf '%s' "$checked" | cut -f 2)" = failed ]; then
        level=fail
        message="the weekly check of the backup repository found it damaged: $(printf '%s' "$checked" | cut -f 3 | cut -c 1-200)"
        fix="$TRIAL_FAILED_FIX"
        return
    fi
    if [ "$(printf '%s' "$newest" | cut -f 3)" = failed ]; then
        level=fail
        message="the last trial restore (backup $(printf '%s' "$newest" | cut -f 2 | cut -c 1-8)) failed: $(printf '%s' "$newest" | cut -f 4 | cut -c 1-200)"
        fix="$TRIAL_FAILED_FIX"
        return
    fi
    last=$(awk -F '\t' '$3 == "ok" { t = $1 } END { print t }' "$stack/backups/verified.tsv" 2> /dev/null || true)
    if [ -z "$last" ]; then
        level=warn message="there is no verified backup yet"
        fix="back up now from DeskMate Studio (Backups), and set a daily schedule"
        return
    fi
    age=$(((now - $(date -u -d "$last" +%s)) / 3600))
    if [ "$age" -ge 26 ]; then
        level=warn message="the last verified backup is $age hours old"
        fix="look at the last backup's outcome in DeskMate Studio (Backups), and back up now"
    else
        level=ok message="the last verified backup is $age hours old" fix=''
    fi
}

# Who is changing the server now, by the deploy lock (`epoch<TAB>who` in its holder file,
# as the app writes it), if that lock is under an hour old.
changing=
if [ -r "$stack/.lock/deploy/holder" ]; then
    IFS=$'\t' read -r taken who < "$stack/.lock/deploy/holder" || true
    case ${taken:-} in
    '' | *[!0-9]*) ;;
    *) [ $((now - taken)) -ge 3600 ] || changing=${who:-someone} ;;
    esac
    # It goes into current.tsv: no tab or odd byte may split that line.
    changing=${changing//[^A-Za-z0-9@._ -]/?}
fi

# --- what changed, and who is told -------------------------------------------------------

declare -A previous_level previous_since previous_message previous_fix
if [ -f "$state/current.tsv" ]; then
    while IFS=$'\t' read -r id lvl since msg fx; do
        previous_level[$id]=$lvl
        previous_since[$id]=$since
        previous_message[$id]=$msg
        previous_fix[$id]=$fx
    done < "$state/current.tsv"
fi
paused="not checked while $changing changes the server; before: "

current=$state/current.tsv.new
: > "$current"
changes=()
overall=ok
for id in services disk memory certificate backup; do
    level=ok message='' fix=''
    if [ "$id" = services ] && [ -n "$changing" ] && [ -n "${previous_level[$id]:-}" ]; then
        level=${previous_level[$id]} fix=${previous_fix[$id]}
        message=$paused${previous_message[$id]#not checked while * changes the server; before: }
    else
        "check_$id"
    fi
    since=${previous_since[$id]:-$now}
    if [ "${previous_level[$id]:-}" != "$level" ]; then
        since=$now
        printf '%s\t%s\t%s\t%s\t%s\n' "$stamp" "$id" "${previous_level[$id]:-new}" "$level" "$message" >> "$logs/watch-events.tsv"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$level" "$since" "$message" "$fix" >> "$current"
    case $level in
    fail) overall=fail ;;
    warn) [ "$overall" = fail ] || overall=warn ;;
    esac

    # What the owner was last told of this check, and when they were last told of a problem.
    told=ok told_at=0
    if [ -f "$state/$id" ]; then
        read -r told told_at < "$state/$id" || true
    fi
    if [ "$level" != "$told" ]; then
        if [ "$level" != ok ] && [ "$told" = ok ] && [ $((now - told_at)) -lt $hold ]; then
            continue # back within the hour: wait, so one flapping fault is one e-mail
        fi
        changes+=("$id	$told	$level	$message	$fix")
    fi
done
mv "$current" "$state/current.tsv"
printf '%s\t%s\t%s\t%s\t%s\n' "$stamp" "$overall" "${response_ms:-}" "${disk_pct:-}" "${memory_pct:-}" >> "$logs/health.tsv"

# Marks what the owner has now been told (a problem's time, to hold its return).
mark_told() {
    local id=$1 level=$2 at=0
    [ "$level" = ok ] || at=$now
    if [ "$level" = ok ] && [ -f "$state/$id" ]; then
        read -r _ at < "$state/$id" || true
    fi
    printf '%s %s\n' "$level" "$at" > "$state/$id"
}

if [ ${#changes[@]} -eq 0 ]; then
    echo "overall	$overall	no change"
    exit 0
fi
if [ -z "$email" ]; then
    # No one to tell yet: the app shows the changes. What is still wrong when an address is
    # set goes out in the first e-mail; what came and went meanwhile does not.
    echo "overall	$overall	changed, no alert e-mail set"
    exit 0
fi

problems=0
body=()
for change in "${changes[@]}"; do
    IFS=$'\t' read -r id _ level message fix <<< "$change"
    if [ "$level" = ok ]; then
        body+=("WELL AGAIN ($id): $message." "")
    else
        problems=$((problems + 1))
        body+=("$(echo "$level" | tr '[:lower:]' '[:upper:]') ($id): $message." "What to do: $fix." "")
    fi
done
if [ "$problems" -eq 0 ]; then
    subject="[DeskMate] $server: well again"
elif [ ${#changes[@]} -eq 1 ]; then
    IFS=$'\t' read -r _ _ _ message _ <<< "${changes[0]}"
    subject="[DeskMate] $server: $message"
else
    subject="[DeskMate] $server: $problems problems"
fi
if printf '%s\n' "$subject" "The DeskMate watchdog on $server saw a change at $stamp:" "" \
    "${body[@]}" \
    "You get one e-mail when something goes wrong and one when it is well again." \
    "DeskMate Studio shows the details on the server's page." | send_mail; then
    for change in "${changes[@]}"; do
        IFS=$'\t' read -r id _ level _ <<< "$change"
        mark_told "$id" "$level"
    done
    say overall "$overall	mailed	${#changes[@]}"
else
    say overall "$overall	mail failed"
    fail alerts.mail_failed "the alert e-mail to $email could not be sent; the next round tries again"
fi
