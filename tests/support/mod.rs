//! Helpers for end-to-end tests of the `deskmate` binary.
#![allow(dead_code)]

pub mod events;
pub mod images;
pub mod install;
pub mod stack;
pub mod traffic;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }
}

/// Runs the CLI with an empty data folder of its own, so no plugin of this machine's joins in.
pub fn deskmate(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    let empty = std::env::temp_dir().join(format!("deskmate-tests-empty-{}", std::process::id()));
    deskmate_with_data(&empty, args)
}

/// Runs the CLI with `data` as its data folder (plugins, cache).
pub fn deskmate_with_data(data: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args(args.iter().map(|a| a.as_ref()))
        .env("DESKMATE_DATA_DIR", data)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(name: &str) -> PathBuf {
    repo().join("templates/personas").join(name)
}

/// A real picture in any format the image encoder writes.
pub fn picture(path: &Path, width: u32, height: u32, format: image::ImageFormat) {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    std::fs::write(path, out.into_inner()).unwrap();
}

/// The IDAT data of a PNG, in order.
pub fn idat(bytes: &[u8]) -> Vec<Vec<u8>> {
    let layout =
        deskmate_cards::png::PngLayout::walk(bytes, &deskmate_cards::Limits::default()).unwrap();
    layout
        .chunks
        .iter()
        .filter(|c| c.is(b"IDAT"))
        .map(|c| c.data.to_vec())
        .collect()
}

/// The example plugins, built and packaged by `cargo xtask plugins` (run once per test
/// process), each in `target/plugins/<id>/`.
pub fn example_plugin(id: &str) -> PathBuf {
    static PACKAGED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    PACKAGED.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["xtask", "plugins"])
            .current_dir(repo())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "cargo xtask plugins failed");
    });
    repo().join("target/plugins").join(id)
}

/// Runs the CLI with `data` as its data folder, `stdin` on its standard input, and secrets
/// in the data folder's file store (a test must not touch the desktop's keychain).
pub fn deskmate_piped(data: &Path, stdin: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    deskmate_piped_with(
        data,
        stdin,
        args,
        &[("DESKMATE_SECRETS", "file".to_string())],
    )
}

/// [`deskmate_piped`] with the secrets wherever `env` points: the file store, or a test
/// keychain ([`deskmate_test_server::SecretService::env`]).
pub fn deskmate_piped_with(
    data: &Path,
    stdin: &str,
    args: &[&dyn AsRef<std::ffi::OsStr>],
    env: &[(&str, String)],
) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args(args.iter().map(|a| a.as_ref()))
        .env_remove("DESKMATE_SECRETS")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("DESKMATE_DATA_DIR", data)
        .env("DESKMATE_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The api's `Servers` in `data`, with the test sshd saved as `home`: signed in as `user`
/// with the client key, its host key trusted, its stack in `stack`.
pub fn api_servers(
    data: &Path,
    server: &deskmate_test_server::TestServer,
    user: &str,
    stack: &str,
) -> deskmate_api::Servers {
    let servers = deskmate_api::Servers::open(&deskmate_api::DataDir::new(data)).unwrap();
    add_server(&servers, "home", server, user, stack);
    servers
}

/// Adds `server` to `servers` as `name`, signing in with its client key.
pub fn add_server(
    servers: &deskmate_api::Servers,
    name: &str,
    server: &deskmate_test_server::TestServer,
    user: &str,
    stack: &str,
) {
    use deskmate_api::{HostKeyPolicy, NewServer, SignIn};
    servers
        .add(
            NewServer {
                name: name.into(),
                host: "127.0.0.1".into(),
                port: server.port,
                user: user.into(),
                sign_in: SignIn::Key {
                    path: server.client_key(),
                    passphrase: None,
                },
                stack_dir: Some(stack.to_string()),
                domain: None,
                backend_port: None,
            },
            HostKeyPolicy::TrustNew(server.host_fingerprint()),
        )
        .unwrap();
}

/// The unit files as systemd reads them: `systemd-analyze verify` must pass.
pub fn systemd_verify(units: &[&Path]) {
    let verify = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(units)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}
