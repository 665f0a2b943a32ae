# shellcheck shell=bash disable=SC2154 # sourced: $stack and $backups are the caller's
# deskmate-retention, version 1: which backups to forget, decided here rather than by
# restic's own `forget --keep-*`, because restic counts every snapshot alike: one more
# backup the same day would make it forget the backup an update took first, and an
# unverified backup would take a verified one's place. Sourced by deskmate-verify (after a
# trial restore passed) and installed beside it.
#
#   apply_retention        forgets and prunes; prints forgotten<TAB>N and writes
#                          STACK/backups/retention.tsv ("snapshot<TAB>why it is kept")
#   retention_plan NOW     prints "keep<TAB>snapshot<TAB>why" and "forget<TAB>snapshot<TAB>"
#                          lines, from `snapshot<TAB>epoch` lines on stdin (what the tests run)
#
# The rules, in order; a backup is kept if any says so:
#   1. a backup the app asked to keep (STACK/backups/kept.tsv: "snapshot<TAB>until epoch
#      <TAB>why"; an update's backup first and a restore's safety backup, for
#      KEEP_PROTECTED_DAYS, 30 unless backup.env says otherwise), until then;
#   2. the newest backup that passed its trial restore, always;
#   3. among the backups that passed their trial restore only: the newest of each of the
#      last KEEP_DAILY days, KEEP_WEEKLY ISO weeks and KEEP_MONTHLY months that have one;
#   4. a backup that has not passed one (not verified, or its trial restore failed) while it
#      is newer than the newest verified one or younger than KEEP_UNVERIFIED_DAYS (7).
# With no verified backup at all, nothing is forgotten.

# The last outcome of each snapshot's trial restore, by its first 8 digits: "id8<TAB>ok".
retention_verified() {
    awk -F '\t' 'length($2) >= 8 { last[substr($2, 1, 8)] = $3 }
        END { for (id in last) print id "\t" last[id] }' "$backups/verified.tsv" 2> /dev/null || true
}

# What kept.tsv ("snapshot<TAB>until epoch<TAB>until date<TAB>why") still protects at NOW:
# "id8<TAB>kept until DATE: why", the latest line of each snapshot.
retention_kept() {
    awk -F '\t' -v now="$1" 'length($1) >= 8 && $2 + 0 > now { k[substr($1, 1, 8)] = "kept until " $3 ": " $4 }
        END { for (id in k) print id "\t" k[id] }' "$backups/kept.tsv" 2> /dev/null || true
}

retention_plan() {
    local now=$1
    # Each snapshot with its day, ISO week and month (UTC), newest first; the verified and
    # kept lists go in through the environment (awk -v would mangle their newlines).
    while IFS=$'\t' read -r id epoch; do
        [ -n "$id" ] || continue
        printf '%s\t%s\t%s\n' "$id" "$epoch" "$(date -u -d "@$epoch" '+%Y-%m-%d%t%G-W%V%t%Y-%m')"
    done | sort -t $'\t' -k2,2nr |
        RETENTION_VERIFIED=$(retention_verified) RETENTION_KEPT=$(retention_kept "$now") awk -F '\t' \
            -v now="$now" -v daily="${KEEP_DAILY:-7}" -v weekly="${KEEP_WEEKLY:-4}" \
            -v monthly="${KEEP_MONTHLY:-6}" -v unverified_days="${KEEP_UNVERIFIED_DAYS:-7}" '
        function load(text, into, lines, n, i, f) {
            n = split(text, lines, "\n")
            for (i = 1; i <= n; i++) if (split(lines[i], f, "\t") >= 2) into[f[1]] = f[2]
        }
        function add(a, b) { return a == "" ? b : a "; " b }
        BEGIN { load(ENVIRON["RETENTION_VERIFIED"], outcome); load(ENVIRON["RETENTION_KEPT"], kept) }
        { id[NR] = $1; epoch[NR] = $2; day[NR] = $3; week[NR] = $4; month[NR] = $5 }
        END {
            newest = 0
            for (i = 1; i <= NR; i++) if (outcome[substr(id[i], 1, 8)] == "ok") { newest = i; break }
            for (i = 1; i <= NR; i++) {
                short = substr(id[i], 1, 8)
                reason = (short in kept) ? kept[short] : ""
                if (outcome[short] == "ok") {
                    of = ""
                    if (!(day[i] in days) && ndays < daily) { days[day[i]]; ndays++; of = "day" }
                    if (!(week[i] in weeks) && nweeks < weekly) { weeks[week[i]]; nweeks++; of = of (of == "" ? "" : ", ") "week" }
                    if (!(month[i] in months) && nmonths < monthly) { months[month[i]]; nmonths++; of = of (of == "" ? "" : ", ") "month" }
                    if (i == newest) reason = add(reason, "the newest verified backup")
                    else if (of != "") reason = add(reason, "the newest verified backup of its " of)
                } else if (newest == 0 || epoch[i] > epoch[newest] || now - epoch[i] < unverified_days * 86400) {
                    if (outcome[short] == "failed") reason = add(reason, "its trial restore failed; kept " unverified_days " days for salvage")
                    else reason = add(reason, "not verified; kept " unverified_days " days")
                }
                if (reason == "" && newest == 0) reason = "no backup has passed a trial restore yet"
                print (reason == "" ? "forget" : "keep") "\t" id[i] "\t" reason
            }
        }'
}

apply_retention() {
    KEEP_DAILY=7 KEEP_WEEKLY=4 KEEP_MONTHLY=6 KEEP_UNVERIFIED_DAYS=7
    # shellcheck source=/dev/null
    [ -r "$stack/shared/backup.env" ] && . "$stack/shared/backup.env"
    local listed plan forget=() decision id
    listed=$(restic snapshots --json --tag deskmate --no-lock) || return 1
    # restic's JSON, one object per snapshot: the time and the full id of each.
    plan=$(printf '%s\n' "$listed" | sed 's/},{"time"/}\n{"time"/g' |
        sed -n 's/.*"time":"\([^"]*\)".*"id":"\([0-9a-f]\{64\}\)".*/\2\t\1/p' |
        while IFS=$'\t' read -r id time; do
            printf '%s\t%s\n' "$id" "$(date -u -d "$time" +%s)"
        done | retention_plan "$(date +%s)") || return 1
    printf '%s\n' "$plan" | awk -F '\t' '$1 == "keep" { print substr($2, 1, 8) "\t" $3 }' \
        > "$backups/retention.tsv.part" && mv -f "$backups/retention.tsv.part" "$backups/retention.tsv"
    while IFS=$'\t' read -r decision id _; do
        if [ "$decision" = forget ]; then forget+=("$id"); fi
    done <<< "$plan"
    if [ "${#forget[@]}" -gt 0 ]; then
        restic forget --prune "${forget[@]}" > "$backups/forget.log" 2>&1 || return 1
    fi
    say forgotten "${#forget[@]}"
}

# A backup the app asks to keep (`deskmate-backup --keep WHY`): kept.tsv gains a line.
keep_backup() {
    local days=${KEEP_PROTECTED_DAYS:-30} until
    # shellcheck source=/dev/null
    [ -r "$stack/shared/backup.env" ] && . "$stack/shared/backup.env"
    days=${KEEP_PROTECTED_DAYS:-$days}
    until=$(($(date +%s) + days * 86400))
    printf '%s\t%s\t%s\t%s\n' "$1" "$until" "$(date -u -d "@$until" +%Y-%m-%d)" "$(printf '%s' "$2" | tr '\t\n' '  ')" \
        >> "$backups/kept.tsv"
}
