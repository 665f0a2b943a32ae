#!/bin/sh
# First start: make the cluster with POSTGRES_USER as its superuser (password from
# POSTGRES_PASSWORD or the file POSTGRES_PASSWORD_FILE names), create POSTGRES_DB, and
# accept password sign-in (scram-sha-256) from the stack's network. Later starts only run
# the server. The password never appears on a command line: initdb reads it from a file.
set -eu

: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"

if [ "${1:-postgres}" = "postgres" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        password_file="$POSTGRES_PASSWORD_FILE"
    elif [ -n "${POSTGRES_PASSWORD:-}" ]; then
        password_file="$(mktemp)"
        printf '%s' "$POSTGRES_PASSWORD" > "$password_file"
    else
        echo "docker-entrypoint: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
        exit 1
    fi
    # Made beside PGDATA and renamed into place once complete, so a first start cut short
    # (the container stopped mid-way) leaves no half-made cluster that later starts trust.
    init="$PGDATA.init"
    rm -rf "$init"
    initdb --username="$user" --pwfile="$password_file" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "$init" > /dev/null
    [ -z "${POSTGRES_PASSWORD_FILE:-}" ] && rm -f "$password_file"
    echo "host all all all scram-sha-256" >> "$init/pg_hba.conf"
    # A private socket folder so the setup server accepts no TCP connection yet.
    pg_ctl -D "$init" -w -o "-c listen_addresses='' -c unix_socket_directories=/run/postgresql" start > /dev/null
    if [ "$db" != "postgres" ]; then
        createdb -h /run/postgresql -U "$user" "$db"
    fi
    pg_ctl -D "$init" -m fast -w stop > /dev/null
    mv "$init" "$PGDATA"
    echo "docker-entrypoint: database $db is ready for $user"
fi

if [ "${1:-}" = "postgres" ]; then
    shift
    exec postgres -c listen_addresses='*' -c unix_socket_directories=/run/postgresql "$@"
fi
exec "$@"
