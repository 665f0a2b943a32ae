//! `compose.yaml` and the env files.
//!
//! The file runs under both `docker compose` (v2) and `docker-compose` (v1, 1.27 or later):
//! no top-level `version` or `name` (the project name is in `.env`, which both read), limits
//! as the service-level `cpus` and `mem_limit` that both honour, and health-gated start-up
//! with `depends_on: condition: service_healthy`.
//!
//! What it promises, each checked by the tests against a running stack:
//! - every service has a health check, `restart: unless-stopped`, CPU and memory limits,
//!   Docker log limits, no new privileges, and runs as the unprivileged user its image sets
//!   (or the one the release names);
//! - PostgreSQL and Qdrant sit on an internal network only and publish nothing; only the
//!   proxy publishes ports;
//! - secrets live in the 0600 env files, never in this file or on a command line.

use serde_yaml_ng::{Mapping, Value};

pub use crate::model::{BACKEND_ENV, POSTGRES_ENV};
use crate::model::{COMPOSE_FILE, DATA_DIR, DATABASE};
use crate::release::Role;
use crate::{Limits, ProxyKind, Stack, Tls, nginx};

/// Docker's own log files per container: at most 3 x 10 MB.
pub const LOG_MAX_SIZE: &str = "10m";
pub const LOG_MAX_FILES: &str = "3";
/// The ports inside the containers. The proxy listens on the very ports it is published on
/// (80 and 443 by default), as an unprivileged user: the stack lets containers bind low
/// ports (`net.ipv4.ip_unprivileged_port_start=0`, Docker's own default since 20.10).
pub const BACKEND_PORT: u16 = 8000;
pub const FRONTEND_PORT: u16 = 8080;
pub const QDRANT_PORT: u16 = 6333;

/// The default limits per role, sized for a 2 GB VPS.
pub fn default_limits(role: Role) -> Limits {
    let (cpus, memory_mib) = match role {
        Role::Postgres => (1.0, 512),
        Role::Qdrant => (1.0, 512),
        Role::Backend => (1.0, 1024),
        Role::Frontend => (0.5, 128),
        Role::Proxy | Role::Nginx => (0.5, 128),
    };
    Limits { cpus, memory_mib }
}

/// The stack's default health check for a role, when the release gives none. They use what
/// the role's usual image has: `pg_isready`, bash's `/dev/tcp` (Qdrant's image has no curl
/// or wget), Python for DeskMate's backend, `wget` for an nginx-based frontend.
pub fn default_health(role: Role) -> Vec<String> {
    let http_probe = |port: u16, path: &str| {
        vec![
            "CMD".to_string(),
            "bash".into(),
            "-c".into(),
            format!(
                "exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET {path} HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"
            ),
        ]
    };
    match role {
        Role::Postgres => [
            "CMD",
            "pg_isready",
            "-h",
            "127.0.0.1",
            "-U",
            DATABASE,
            "-d",
            DATABASE,
        ]
        .map(String::from)
        .to_vec(),
        Role::Qdrant => http_probe(QDRANT_PORT, "/readyz"),
        // DeskMate's /health always answers 200; healthy means its status says so.
        Role::Backend => vec![
            "CMD".into(),
            "python3".into(),
            "-c".into(),
            format!(
                "import json,sys,urllib.request; r=json.load(urllib.request.urlopen('http://127.0.0.1:{BACKEND_PORT}/health', timeout=5)); sys.exit(0 if r.get('status') == 'healthy' else 1)"
            ),
        ],
        Role::Frontend => vec![
            "CMD".into(),
            "wget".into(),
            "-q".into(),
            "-O".into(),
            "/dev/null".into(),
            format!("http://127.0.0.1:{FRONTEND_PORT}/"),
        ],
        // Caddy's admin API answers on the container's own loopback.
        Role::Proxy => http_probe(2019, "/config/"),
        // nginx.conf's own health server, on the container's loopback.
        Role::Nginx => http_probe(nginx::HEALTH_PORT, "/health"),
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn list(items: &[&str]) -> Value {
    Value::Sequence(items.iter().map(|i| s(i)).collect())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn service(stack: &Stack, role: Role, mut extra: Vec<(&str, Value)>) -> Value {
    let image = stack.release.image(role);
    let limits = default_limits(role);
    let health = image.health.clone().unwrap_or_else(|| default_health(role));
    let mut pairs = vec![("image", s(&image.image)), ("restart", s("unless-stopped"))];
    pairs.append(&mut extra);
    pairs.extend([
        (
            "healthcheck",
            map(vec![
                (
                    "test",
                    Value::Sequence(health.iter().map(|a| s(a)).collect()),
                ),
                ("interval", s("5s")),
                ("timeout", s("5s")),
                ("retries", Value::Number(12.into())),
                ("start_period", s("10s")),
            ]),
        ),
        ("cpus", s(&format!("{:.2}", limits.cpus))),
        ("mem_limit", s(&format!("{}m", limits.memory_mib))),
        ("security_opt", list(&["no-new-privileges:true"])),
        (
            "logging",
            map(vec![
                ("driver", s("json-file")),
                (
                    "options",
                    map(vec![
                        ("max-size", s(LOG_MAX_SIZE)),
                        ("max-file", s(LOG_MAX_FILES)),
                    ]),
                ),
            ]),
        ),
        (
            "labels",
            map(vec![
                ("org.deskmate.release", s(&stack.release.version)),
                ("org.deskmate.role", s(role.service())),
            ]),
        ),
    ]);
    map(pairs)
}

fn healthy(services: &[&str]) -> Value {
    map(services
        .iter()
        .map(|name| (*name, map(vec![("condition", s("service_healthy"))])))
        .collect())
}

/// `compose.yaml`.
pub fn compose_yaml(stack: &Stack) -> String {
    let env = stack.environment.name();
    let mut ports = vec![format!("{0}:{0}", stack.http_port)];
    if stack.serves_https() {
        ports.push(format!("{0}:{0}", stack.https_port));
    }
    let proxy_files = match stack.proxy {
        // The release's proxy folder: the Caddyfile, and a private CA's certificate.
        ProxyKind::Caddy => vec![
            "./proxy:/etc/caddy:ro",
            "proxy_data:/data",
            "proxy_config:/config",
        ],
        ProxyKind::Nginx => vec![
            "./proxy:/etc/deskmate-proxy:ro",
            "proxy_data:/data",
            "proxy_config:/config",
        ],
    };
    let mut proxy_extra = vec![
        (
            "ports",
            list(&ports.iter().map(String::as_str).collect::<Vec<_>>()),
        ),
        (
            "sysctls",
            map(vec![(
                "net.ipv4.ip_unprivileged_port_start",
                Value::Number(0.into()),
            )]),
        ),
        ("volumes", list(&proxy_files)),
        ("networks", list(&["web"])),
        ("depends_on", healthy(&["backend", "frontend"])),
    ];
    if matches!(stack.tls, Tls::Acme { ca: Some(_), .. }) {
        // A private ACME CA on the server itself (a company's, or pebble in tests) is
        // reached by this name.
        proxy_extra.push(("extra_hosts", list(&["host.docker.internal:host-gateway"])));
    }
    if stack.proxy == ProxyKind::Nginx {
        proxy_extra.push((
            "command",
            list(&["sh", &format!("{}/start.sh", nginx::MOUNT)]),
        ));
    }
    let services = map(vec![
        (
            "postgres",
            service(
                stack,
                Role::Postgres,
                vec![
                    (
                        "env_file",
                        list(&[&format!("{}/{POSTGRES_ENV}", stack.dir)]),
                    ),
                    (
                        "environment",
                        map(vec![
                            ("POSTGRES_USER", s(DATABASE)),
                            ("POSTGRES_DB", s(DATABASE)),
                        ]),
                    ),
                    ("volumes", list(&["postgres_data:/var/lib/postgresql/data"])),
                    ("networks", list(&["internal"])),
                ],
            ),
        ),
        (
            "qdrant",
            service(
                stack,
                Role::Qdrant,
                vec![
                    (
                        "volumes",
                        list(&[
                            "qdrant_data:/qdrant/storage",
                            "qdrant_snapshots:/qdrant/snapshots",
                        ]),
                    ),
                    ("networks", list(&["internal"])),
                ],
            ),
        ),
        (
            "backend",
            service(
                stack,
                Role::Backend,
                vec![
                    ("env_file", list(&[&format!("{}/{BACKEND_ENV}", stack.dir)])),
                    (
                        "environment",
                        map(vec![
                            ("ENVIRONMENT", s(env)),
                            ("QDRANT_URL", s(&format!("http://qdrant:{QDRANT_PORT}"))),
                            ("PORT", s(&BACKEND_PORT.to_string())),
                        ]),
                    ),
                    (
                        "volumes",
                        list(&[&format!("{}/{DATA_DIR}:/data:ro", stack.dir)]),
                    ),
                    ("networks", list(&["internal", "web"])),
                    ("depends_on", healthy(&["postgres", "qdrant"])),
                ],
            ),
        ),
        (
            "frontend",
            service(stack, Role::Frontend, vec![("networks", list(&["web"]))]),
        ),
        ("proxy", service(stack, stack.proxy_role(), proxy_extra)),
    ]);
    let volume_names = [
        "postgres_data",
        "qdrant_data",
        "qdrant_snapshots",
        "proxy_data",
        "proxy_config",
    ];
    // The data volumes are named through `.env`, so a restore can point the running release
    // at the volumes it filled by changing two lines there (and `shared/data-volumes`).
    let volumes = map(volume_names
        .iter()
        .map(|v| match *v {
            "postgres_data" => (*v, map(vec![("name", s("${DESKMATE_POSTGRES_VOLUME}"))])),
            "qdrant_data" => (*v, map(vec![("name", s("${DESKMATE_QDRANT_VOLUME}"))])),
            _ => (*v, map(vec![])),
        })
        .collect());
    let networks = map(vec![
        // No way out and none in: only the backend reaches the databases.
        ("internal", map(vec![("internal", Value::Bool(true))])),
        ("web", map(vec![])),
    ]);
    let document = map(vec![
        ("services", services),
        ("volumes", volumes),
        ("networks", networks),
    ]);
    let yaml = serde_yaml_ng::to_string(&document).expect("a mapping of strings serializes");
    format!(
        "# DeskMate {version} ({env}), written by DeskMate Studio. Edits are replaced on the\n# next install or update; secrets are in ../../shared/env, not here.\n{yaml}",
        version = stack.release.version,
    )
}

/// `.env`: read by compose itself in the stack folder, never by a container.
pub fn dotenv(stack: &Stack) -> String {
    format!(
        "# Read by docker compose and docker-compose in this folder. No secrets here.\nCOMPOSE_PROJECT_NAME={}\nCOMPOSE_FILE={COMPOSE_FILE}\n# The volumes with the companion's data (a restore points these at the ones it filled).\nDESKMATE_POSTGRES_VOLUME={}\nDESKMATE_QDRANT_VOLUME={}\n",
        stack.project(),
        stack.postgres_volume(),
        stack.qdrant_volume()
    )
}

/// The PostgreSQL container's secret.
pub fn postgres_env(stack: &Stack) -> String {
    format!(
        "# Secret (0600). The database password, read by the PostgreSQL container at its first start.\nPOSTGRES_PASSWORD={}\n",
        stack.secrets.postgres_password
    )
}

/// The backend's secrets: the database URL (with its password) and the app's keys.
pub fn backend_env(stack: &Stack) -> String {
    let mut text = format!(
        "# Secret (0600). Read by the backend container.\nDATABASE_URL={}\nSECRET_KEY={}\nJWT_SECRET={}\n",
        database_url(&stack.secrets.postgres_password),
        stack.secrets.secret_key,
        stack.secrets.jwt_secret
    );
    for (key, value) in &stack.settings {
        text += &format!("{key}={value}\n");
    }
    text
}

/// The backend's `DATABASE_URL` for a database password.
pub fn database_url(password: &str) -> String {
    format!("postgresql://{DATABASE}:{password}@postgres:5432/{DATABASE}")
}
