//! The nginx proxy: `nginx.conf`, the HTTPS server `https.conf`, and `start.sh`, which runs
//! nginx and keeps its certificate with certbot.
//!
//! The routes are Caddy's (and DeskMate's own nginx config's): `/api/` to the backend with
//! the prefix stripped, `/ws` to the backend as a WebSocket, the rest to the frontend. What
//! nginx adds is a request rate limit per client IP on the API (`limit_req`, 10 a second,
//! bursts of 20, then `429`).
//!
//! How HTTPS comes up, so that nothing answers with a certificate that is not the real one:
//! - nginx starts with the HTTP server only, which answers ACME's challenges from
//!   `/data/acme` and sends everything else to HTTPS;
//! - `start.sh` gets the certificate (certbot's webroot mode, `acme`) or makes one of its
//!   own (`internal`), copies it to `/data/tls`, links `https.conf` into the folder
//!   `nginx.conf` includes and reloads nginx; from then on HTTPS answers;
//! - every 12 hours it runs `certbot renew` and reloads nginx after a renewal.
//!
//! Certificates live in the `/data` volume, so a restart or an update keeps them.
//!
//! The image must have nginx, certbot, openssl and a POSIX shell; it runs as an unprivileged
//! user (compose lets it bind low ports), so every file nginx and certbot write is under
//! `/tmp` or `/data`.

use crate::compose::{BACKEND_PORT, FRONTEND_PORT};
use crate::{Stack, Tls};

/// Where the release's proxy folder is mounted in the container.
pub const MOUNT: &str = "/etc/deskmate-proxy";
/// The proxy's own health answer, on the container's loopback only.
pub const HEALTH_PORT: u16 = 2019;
/// Where `nginx.conf` looks for the servers `start.sh` enables.
const ENABLED: &str = "/tmp/nginx/enabled";
const TLS_DIR: &str = "/data/tls";
const WEBROOT: &str = "/data/acme";

/// The name the certificate is for.
fn site_name(stack: &Stack) -> String {
    stack
        .domain
        .clone()
        .unwrap_or_else(|| "localhost".to_string())
}

fn header(stack: &Stack) -> String {
    format!(
        "# DeskMate {} ({}), written by DeskMate Studio.\n",
        stack.release.version,
        stack.environment.name()
    )
}

/// The routes, shared by the HTTP server (without HTTPS) and the HTTPS server.
fn routes() -> String {
    format!(
        r#"    # Names are looked up per request through Docker's DNS, so a recreated backend is
    # found at its new address (and nginx starts before the others do).
    set $backend backend:{BACKEND_PORT};
    set $frontend frontend:{FRONTEND_PORT};

    location /api/ {{
        limit_req zone=api burst=20 nodelay;
        rewrite ^/api/(.*)$ /$1 break;
        proxy_pass http://$backend;
    }}
    location = /ws {{
        proxy_pass http://$backend;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 1h;
    }}
    location / {{
        proxy_pass http://$frontend;
    }}
"#
    )
}

/// The security headers; HSTS only over HTTPS. `always`, so errors (a 429) carry them too.
fn security_headers(https: bool) -> String {
    let mut lines = String::new();
    if https {
        lines.push_str(
            "    add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n",
        );
    }
    lines.push_str(
        "    add_header X-Content-Type-Options nosniff always;\n    add_header X-Frame-Options DENY always;\n    add_header Referrer-Policy strict-origin-when-cross-origin always;\n",
    );
    lines
}

/// `nginx.conf`: the HTTP server, the loopback health answer, and the include of the HTTPS
/// server once `start.sh` has a certificate.
pub fn nginx_conf(stack: &Stack) -> String {
    let http_server = if stack.serves_https() {
        let target = if stack.https_port == 443 {
            "https://$host$request_uri".to_string()
        } else {
            format!("https://$host:{}$request_uri", stack.https_port)
        };
        format!(
            "    server {{\n        listen {port};\n        server_name _;\n        location /.well-known/acme-challenge/ {{\n            root {WEBROOT};\n        }}\n        location / {{\n            return 301 {target};\n        }}\n    }}\n",
            port = stack.http_port,
        )
    } else {
        format!(
            "    server {{\n        listen {port};\n        server_name _;\n{headers}{routes}    }}\n",
            port = stack.http_port,
            headers = indent(&security_headers(false)),
            routes = indent(&routes()),
        )
    };
    format!(
        r#"{header}# Started by start.sh beside it, as an unprivileged user: every path it writes is in /tmp.
worker_processes auto;
pid /tmp/nginx/nginx.pid;
error_log stderr warn;

events {{
    worker_connections 1024;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    server_tokens off;
    client_max_body_size 25m;
    client_body_temp_path /tmp/nginx/body;
    proxy_temp_path /tmp/nginx/proxy;
    fastcgi_temp_path /tmp/nginx/fastcgi;
    uwsgi_temp_path /tmp/nginx/uwsgi;
    scgi_temp_path /tmp/nginx/scgi;

    # One JSON line per request on stdout, which Docker's log limits bound.
    log_format json escape=json '{{"time":"$time_iso8601","remote":"$remote_addr","method":"$request_method","uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,"seconds":$request_time,"agent":"$http_user_agent"}}';
    access_log /dev/stdout json;

    gzip on;
    gzip_min_length 1024;
    gzip_types text/plain text/css application/javascript application/json image/svg+xml;

    resolver 127.0.0.11 valid=1s ipv6=off;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;

    # The API's limit per client IP: 10 requests a second, bursts of 20, then 429.
    limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;
    limit_req_status 429;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}

    # The container's health check asks here.
    server {{
        listen 127.0.0.1:{HEALTH_PORT};
        access_log off;
        location = /health {{
            return 200 "ok\n";
        }}
    }}

{http_server}
    include {ENABLED}/*.conf;
}}
"#,
        header = header(stack),
    )
}

/// `https.conf`: the HTTPS server, enabled by `start.sh` once the certificate is in place.
pub fn https_conf(stack: &Stack) -> String {
    format!(
        "{header}# Included by nginx.conf once start.sh has the certificate.\nserver {{\n    listen {port} ssl http2;\n    server_name {name};\n    ssl_certificate {TLS_DIR}/fullchain.pem;\n    ssl_certificate_key {TLS_DIR}/privkey.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:tls:10m;\n{headers}{routes}}}\n",
        header = header(stack),
        port = stack.https_port,
        name = site_name(stack),
        headers = security_headers(true),
        routes = routes(),
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("    {line}\n")
            }
        })
        .collect()
}

/// `start.sh`: the proxy container's command. POSIX sh; every value in it was checked by
/// [`Stack::check`] (domain, e-mail, CA URL), so it stands unquoted-safe inside quotes.
pub fn start_script(stack: &Stack) -> String {
    let name = site_name(stack);
    let certificate = match &stack.tls {
        Tls::None => String::new(),
        Tls::Internal => format!(
            r#"
# Internal: a certificate of its own, kept in {TLS_DIR}; browsers warn until it is trusted.
if [ ! -s "$tls/fullchain.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
        -subj "/CN={name}" -addext "subjectAltName=DNS:{name}" \
        -keyout "$tls/privkey.pem.new" -out "$tls/fullchain.pem.new" 2>/dev/null
    mv "$tls/privkey.pem.new" "$tls/privkey.pem"
    mv "$tls/fullchain.pem.new" "$tls/fullchain.pem"
fi
enable_https
"#
        ),
        Tls::Acme { ca, ca_root_pem } => {
            let mut account = String::new();
            if let Some(ca) = ca {
                account.push_str(&format!(" --server {ca}"));
            }
            match &stack.email {
                Some(email) => account.push_str(&format!(" --email {email}")),
                None => account.push_str(" --register-unsafely-without-email"),
            }
            let trust = if ca_root_pem.is_some() {
                format!(
                    "# The private CA's own HTTPS certificate, from the release's proxy folder.\nexport REQUESTS_CA_BUNDLE={MOUNT}/acme-ca-root.pem\n"
                )
            } else {
                String::new()
            };
            format!(
                r#"
# ACME: certbot's webroot mode, answered by the HTTP server from {WEBROOT}.
{trust}certbot_dirs="--config-dir /data/letsencrypt --work-dir /tmp/certbot --logs-dir /tmp/certbot/logs"
live=/data/letsencrypt/live/{name}

install_certificate() {{
    cp -L "$live/privkey.pem" "$tls/privkey.pem.new"
    cp -L "$live/fullchain.pem" "$tls/fullchain.pem.new"
    mv "$tls/privkey.pem.new" "$tls/privkey.pem"
    mv "$tls/fullchain.pem.new" "$tls/fullchain.pem"
    enable_https
}}

(
    # A refused order is often passing (a nonce the CA turned down, a name whose DNS is
    # still spreading): try again soon, then less and less often, so that the CA's limit of
    # five failed checks an hour for one name is not spent at once.
    delay=10
    # shellcheck disable=SC2086 # the folder options are several words on purpose
    until certbot certonly $certbot_dirs --non-interactive --agree-tos{account} \
        --webroot -w {WEBROOT} -d {name} --keep-until-expiring; do
        echo "deskmate-proxy: no certificate for {name} yet; trying again in $delay s" >&2
        sleep "$delay"
        case $delay in
            10) delay=60 ;;
            60) delay=300 ;;
            *) delay=900 ;;
        esac
    done
    install_certificate
    while sleep 43200; do
        # shellcheck disable=SC2086
        if certbot renew $certbot_dirs --non-interactive --quiet; then
            install_certificate
        fi
    done
) &
"#
            )
        }
    };
    format!(
        r#"#!/bin/sh
{header}# Runs nginx in the foreground and keeps its certificate; see nginx.conf beside it.
set -eu

conf={MOUNT}/nginx.conf
tls={TLS_DIR}
mkdir -p /tmp/nginx {ENABLED} {WEBROOT} "$tls"

enable_https() {{
    ln -sf {MOUNT}/https.conf {ENABLED}/https.conf
    if [ -s /tmp/nginx/nginx.pid ]; then
        nginx -c "$conf" -s reload
    fi
}}

nginx -c "$conf" -g 'daemon off;' &
nginx=$!
# Docker stops the container with TERM; pass it on so nginx shuts down cleanly.
trap 'kill -TERM "$nginx"; wait "$nginx"; exit 0' TERM INT
# Wait for nginx to write its pid file, so a reload finds it.
tries=0
while [ ! -s /tmp/nginx/nginx.pid ] && [ "$tries" -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
{certificate}
wait "$nginx"
"#,
        header = header(stack),
    )
}
