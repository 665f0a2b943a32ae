//! The servers page: profiles, first-contact trust, preflight, health and install.
//!
//! Passwords and passphrases arrive in the call's arguments and go straight to the api layer,
//! which keeps them in the OS keychain; nothing here logs arguments.

use std::path::PathBuf;

use deskmate_api::ProxyKind;
use deskmate_api::servers::{InstallOptions, TlsChoice, host_key_policy};
use deskmate_api::{NewServer, Secret, SignIn};
use serde::Deserialize;
use serde_json::Value;

use super::{Handler, Name, Reply, args, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("server_list", list),
    ("server_add", add),
    ("server_trust", trust),
    ("server_remove", remove),
    ("server_check", check),
    ("server_health", health),
    ("server_history", history),
    ("server_install", install),
    ("server_home", home),
];

fn list(studio: &Studio, _: Value, _: &Task) -> Reply {
    reply(studio.app.servers.list()?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum Auth {
    Agent,
    Key {
        path: PathBuf,
        passphrase: Option<String>,
    },
    Password {
        password: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Add {
    name: String,
    host: String,
    #[serde(default = "ssh_port")]
    port: u16,
    user: String,
    auth: Auth,
    stack_dir: Option<String>,
    domain: Option<String>,
    /// Where DeskMate's backend answers `/health` on the server; 8001 when not given.
    backend_port: Option<u16>,
    /// The fingerprint the owner accepted in the first-contact dialog.
    trust: Option<String>,
    /// The fingerprint the owner accepted after a `ssh.host_key_changed`: the server was
    /// reinstalled since its key was pinned.
    replace: Option<String>,
}

fn ssh_port() -> u16 {
    22
}

/// Without `trust`, a server never seen before is refused with `ssh.host_key_unknown` and
/// its fingerprint in `details`, which the window shows in its key dialog. A server whose
/// pinned key changed is refused with `ssh.host_key_changed` until `replace` names the new
/// key.
fn add(studio: &Studio, value: Value, _: &Task) -> Reply {
    let add: Add = args(value)?;
    if let Auth::Key { path, .. } = &add.auth {
        // Only a key file the owner chose in the dialog (or dropped) is read.
        studio.grants().require(path)?;
    }
    let sign_in = match add.auth {
        Auth::Agent => SignIn::Agent,
        Auth::Key { path, passphrase } => SignIn::Key {
            path,
            passphrase: passphrase.filter(|p| !p.is_empty()).map(Secret::new),
        },
        Auth::Password { password } => SignIn::Password(Secret::new(password)),
    };
    let new = NewServer {
        name: add.name,
        host: add.host,
        port: add.port,
        user: add.user,
        sign_in,
        stack_dir: add.stack_dir.filter(|s| !s.trim().is_empty()),
        domain: add.domain.filter(|s| !s.trim().is_empty()),
        backend_port: add.backend_port,
    };
    let host_key = host_key_policy(add.trust, add.replace);
    reply(studio.app.servers.add(new, host_key)?)
}

#[derive(Deserialize)]
struct Trust {
    name: String,
    fingerprint: String,
}

fn trust(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Trust { name, fingerprint } = args(value)?;
    reply(studio.app.servers.trust(&name, &fingerprint)?)
}

fn remove(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(studio.app.servers.remove(&name)?)
}

fn check(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(studio.app.servers.check(&name)?)
}

fn health(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(studio.app.servers.health(&name)?)
}

fn history(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(studio.app.servers.history(&name, 50)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Install {
    name: String,
    /// The release file, chosen in the app's dialog.
    release: PathBuf,
    domain: Option<String>,
    email: Option<String>,
    /// "acme", "internal" or "none".
    tls: String,
    /// "caddy" (the default) or "nginx".
    #[serde(default)]
    proxy: Option<String>,
    http_port: Option<u16>,
    https_port: Option<u16>,
    /// Only the plan; nothing changes.
    #[serde(default)]
    plan: bool,
}

/// A long task: each finished step goes to the window as `{ "step": … }`; a cancel stops
/// the install at its next safe point, leaving nothing half-written.
fn install(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Install = args(value)?;
    studio.require_release(&a.release)?;
    let mut options = InstallOptions::new(a.release.clone());
    options.host_root = studio.host_root().to_string();
    options.domain = a.domain.filter(|d| !d.trim().is_empty());
    options.email = a.email.filter(|e| !e.trim().is_empty());
    options.tls = match a.tls.as_str() {
        "internal" => TlsChoice::Internal,
        "none" => TlsChoice::None,
        _ => TlsChoice::Acme,
    };
    if a.proxy.as_deref() == Some("nginx") {
        options.proxy = ProxyKind::Nginx;
    }
    options.http_port = a.http_port.unwrap_or(80);
    options.https_port = a.https_port.unwrap_or(443);
    options.plan_only = a.plan;
    let report =
        studio
            .app
            .servers
            .install(&a.name, &options, &mut task.on_event(), &task.cancel())?;
    if !a.plan {
        studio.remember_release(&a.release);
    }
    reply(report)
}

/// The server's home page: status, release, backups, alerts, publications, checklist.
fn home(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(studio.app.servers.home(&name, studio.app.releases.list())?)
}
