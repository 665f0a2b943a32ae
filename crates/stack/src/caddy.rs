//! The proxy's `Caddyfile`.
//!
//! Routes as DeskMate's own nginx config has them: `/api/*` to the backend with the `/api`
//! prefix stripped (so the backend's `/health` is `/api/health` outside), `/ws` to the
//! backend, everything else to the frontend. Security headers (HSTS only over HTTPS),
//! compression and a JSON access log on stdout, which Docker's log limits bound.
//!
//! Stock Caddy has no request rate limiter; with Caddy the backend's own per-IP limit
//! (DeskMate's `RATE_LIMIT_PER_MINUTE`) is what applies.

use crate::compose::{BACKEND_PORT, FRONTEND_PORT};
use crate::{Stack, Tls};

pub fn caddyfile(stack: &Stack) -> String {
    let mut global = vec![
        // The ports it is published on: redirects and ACME's challenges then name the ports
        // visitors use.
        format!("http_port {}", stack.http_port),
        format!("https_port {}", stack.https_port),
        "admin 127.0.0.1:2019".to_string(),
    ];
    if let Some(email) = &stack.email {
        global.push(format!("email {email}"));
    }
    let site = match (&stack.tls, &stack.domain) {
        (Tls::Acme { ca, ca_root_pem }, Some(domain)) => {
            if let Some(ca) = ca {
                global.push(format!("acme_ca {ca}"));
            }
            if ca_root_pem.is_some() {
                global.push("acme_ca_root /etc/caddy/acme-ca-root.pem".to_string());
            }
            domain.clone()
        }
        (Tls::Internal, domain) => {
            global.push("local_certs".to_string());
            // Without a domain Caddy's internal CA still needs a name to issue for.
            domain.clone().unwrap_or_else(|| "localhost".to_string())
        }
        (_, _) => {
            global.push("auto_https off".to_string());
            format!(":{}", stack.http_port)
        }
    };
    let mut headers = vec![
        "X-Content-Type-Options nosniff".to_string(),
        "X-Frame-Options DENY".to_string(),
        "Referrer-Policy strict-origin-when-cross-origin".to_string(),
        "-Server".to_string(),
    ];
    if stack.serves_https() {
        headers.insert(
            0,
            "Strict-Transport-Security \"max-age=31536000; includeSubDomains\"".to_string(),
        );
    }
    let indent = |lines: &[String], depth: usize| {
        lines
            .iter()
            .map(|l| format!("{}{l}\n", "\t".repeat(depth)))
            .collect::<String>()
    };
    // An update stops the old containers while the new ones serve: a connection refused by
    // one going away is tried again (Caddy looks the name up per connection) instead of
    // failing the visitor's request. A container that has just stopped can still be in
    // Docker's DNS answer for a moment, with no one at its address: a dial there waits out
    // its timeout (Caddy's default 3 s, of which Go gives the first address 2 s) before the
    // next try. On the compose network a live container answers in well under a millisecond,
    // so a short dial timeout only makes that wait short.
    const RETRY: [&str; 5] = [
        "lb_try_duration 10s",
        "lb_try_interval 100ms",
        "transport http {",
        "\tdial_timeout 300ms",
        "}",
    ];
    format!(
        "# DeskMate {version} ({env}), written by DeskMate Studio.\n{{\n{global}}}\n\n{site} {{\n\tencode zstd gzip\n\theader {{\n{headers}\t}}\n\tlog {{\n\t\toutput stdout\n\t\tformat json\n\t}}\n\thandle_path /api/* {{\n\t\treverse_proxy backend:{BACKEND_PORT} {{\n{retry}\t\t}}\n\t}}\n\thandle /ws {{\n\t\treverse_proxy backend:{BACKEND_PORT} {{\n{retry}\t\t}}\n\t}}\n\thandle {{\n\t\treverse_proxy frontend:{FRONTEND_PORT} {{\n{retry}\t\t}}\n\t}}\n}}\n",
        version = stack.release.version,
        env = stack.environment.name(),
        global = indent(&global, 1),
        headers = indent(&headers, 2),
        retry = indent(&RETRY.map(str::to_string), 3),
    )
}
