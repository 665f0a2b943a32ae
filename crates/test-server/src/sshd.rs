use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::{free_port, run};

/// The account test sessions sign in as.
pub const TEST_USER: &str = "deskmate-test";
/// A second account whose login shell is `nologin`: it signs in (same key) but may not run
/// commands, as on hosts that hand out SFTP-only users.
pub const NO_SHELL_USER: &str = "deskmate-nosh";
/// A third account, outside the `docker` group: it signs in and runs commands, but the
/// Docker engine refuses it, as for a new VPS user nobody added to the group.
pub const OUTSIDER_USER: &str = "deskmate-outsider";
/// The commands whose real versions would change the test machine itself; sessions get
/// recording stand-ins instead (see `standin/record`).
const RECORDED: &[&str] = &["systemctl", "ufw"];

/// The test user's password, the same for every test process on this machine (set with
/// `chpasswd` by the first).
pub fn test_password() -> &'static str {
    static PASSWORD: OnceLock<String> = OnceLock::new();
    PASSWORD.get_or_init(|| {
        // Test processes run side by side (nextest gives each test a process of its own), so
        // they share one password, chosen once and set under a lock: no process changes the
        // password another is signing in with, and no two `useradd`s race.
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open("/tmp/deskmate-test-accounts.lock")
            .expect("the accounts' lock file opens (tests that start sshd need root)");
        lock.lock().expect("the accounts' lock is taken");
        let kept = Path::new("/tmp/deskmate-test-accounts.password");
        let password = match fs::read_to_string(kept) {
            Ok(kept) if kept.trim().len() >= 12 => kept.trim().to_string(),
            _ => {
                let password = format!("pw-{}-{:x}", std::process::id(), nanos());
                let mut file = fs::OpenOptions::new()
                    .create(true)
                    .truncate(true)
                    .write(true)
                    .mode(0o600)
                    .open(kept)
                    .unwrap();
                file.write_all(password.as_bytes()).unwrap();
                password
            }
        };
        ensure_account(TEST_USER, &["--create-home", "--shell", "/bin/sh"]);
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd runs (tests that start sshd need root)");
        writeln!(chpasswd.stdin.take().unwrap(), "{TEST_USER}:{password}").unwrap();
        assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
        // `*`: no password, but not locked (sshd refuses keys of locked accounts).
        ensure_account(
            NO_SHELL_USER,
            &[
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                "--password",
                "*",
            ],
        );
        ensure_account(
            OUTSIDER_USER,
            &["--no-create-home", "--shell", "/bin/sh", "--password", "*"],
        );
        // The test account may use the real Docker engine, as a deploy user would.
        run("usermod", &["-aG", "docker", TEST_USER]);
        password
    })
}

/// Creates the local account `name` with `useradd` and `options`, unless it exists.
fn ensure_account(name: &str, options: &[&str]) {
    let exists = Command::new("id")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success());
    if !exists {
        let mut args = options.to_vec();
        args.push(name);
        run("useradd", &args);
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A running sshd, stopped when dropped.
pub struct TestServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl TestServer {
    pub fn start() -> TestServer {
        test_password();
        let dir = tempfile::Builder::new()
            .prefix("deskmate-sshd-")
            .tempdir()
            .unwrap();
        // sshd reads authorized_keys, and sessions run the stand-in, as the test user.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::create_dir_all("/run/sshd").unwrap();
        let path = dir.path();
        keygen(&path.join("host_ed25519"));
        keygen(&path.join("client_ed25519"));
        keygen(&path.join("stranger_ed25519"));
        fs::copy(
            path.join("client_ed25519.pub"),
            path.join("authorized_keys"),
        )
        .unwrap();

        // Sessions see the machine's own commands through `path/` (one link each), so a test
        // can take one away (`hide_command`), and the recording stand-ins first.
        let bin = path.join("bin");
        fs::create_dir(&bin).unwrap();
        for name in RECORDED {
            let standin = bin.join(name);
            fs::copy(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("standin/record"),
                &standin,
            )
            .unwrap();
            fs::set_permissions(&standin, fs::Permissions::from_mode(0o755)).unwrap();
        }
        link_commands(&path.join("path"));
        let recorded = path.join("recorded");
        fs::create_dir(&recorded).unwrap();
        fs::set_permissions(&recorded, fs::Permissions::from_mode(0o777)).unwrap();
        let docker_config = path.join("docker-config");
        fs::create_dir(&docker_config).unwrap();
        fs::set_permissions(&docker_config, fs::Permissions::from_mode(0o755)).unwrap();

        let home = path.join("home");
        fs::create_dir(&home).unwrap();
        run("chown", &[TEST_USER, home.to_str().unwrap()]);

        // Another server may take the free port before sshd binds it; sshd then exits, and
        // a fresh port is tried.
        for _ in 0..5 {
            let port = free_port();
            write_config(path, port);
            if let Some(child) = start_sshd(path, port) {
                return TestServer { port, dir, child };
            }
        }
        panic!(
            "sshd could not bind a free port in 5 tries:\n{}",
            fs::read_to_string(path.join("sshd.log")).unwrap_or_default()
        );
    }

    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    pub fn user(&self) -> &'static str {
        TEST_USER
    }

    /// The private key sshd accepts.
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_ed25519")
    }

    /// A well-formed key sshd has never heard of.
    pub fn stranger_key(&self) -> PathBuf {
        self.dir.path().join("stranger_ed25519")
    }

    /// `SHA256:…` of the host key, as `ssh-keygen -lf` prints it.
    pub fn host_fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen")
            .args(["-lf"])
            .arg(self.dir.path().join("host_ed25519.pub"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    }

    /// A folder the test user owns: a stack folder, a transfer target.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A stack folder inside the test user's own folder, named uniquely, so this server's
    /// compose project (named after the folder) is its own.
    pub fn stack_dir(&self) -> String {
        let unique = format!("deskmate-t{}-{}", std::process::id(), self.port);
        self.home().join(unique).to_string_lossy().into_owned()
    }

    /// Takes `command` away from the sessions' PATH (`docker`, say: a server without it).
    pub fn hide_command(&self, command: &str) {
        let _ = fs::remove_file(self.dir.path().join("path").join(command));
    }

    /// Gives a hidden command back, as installing its package on a fresh server would.
    pub fn show_command(&self, command: &str) {
        let link = self.dir.path().join("path").join(command);
        if link.exists() {
            return;
        }
        let found = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            .iter()
            .map(|dir| Path::new(dir).join(command))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{command} is not on this machine"));
        std::os::unix::fs::symlink(found, link).unwrap();
    }

    /// Puts `script` (a shell script) in front of the sessions' `command`, as the recording
    /// stand-ins are: for a server whose `docker` hangs or answers slowly, say.
    pub fn stand_in(&self, command: &str, script: &str) {
        let path = self.dir.path().join("bin").join(command);
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Gives the sessions Compose v2 (`docker compose`), as a CLI plugin in their Docker
    /// config, and takes the old `docker-compose` away: a server with only v2, as Docker's
    /// own packages install it.
    pub fn use_compose_v2(&self) {
        let plugins = self.dir.path().join("docker-config/cli-plugins");
        fs::create_dir_all(&plugins).unwrap();
        std::os::unix::fs::symlink(
            crate::docker::compose_v2_plugin(),
            plugins.join("docker-compose"),
        )
        .unwrap();
        run("chmod", &["-R", "a+rX", &plugins.to_string_lossy()]);
        self.hide_command("docker-compose");
    }

    /// Points the sessions' Docker CLI at a socket nobody listens on, through a real Docker
    /// context: to the CLI, the engine is stopped.
    pub fn stop_docker_for_sessions(&self) {
        let config = self.dir.path().join("docker-config");
        let name = "deskmate-stopped";
        let meta = config
            .join("contexts/meta")
            .join(sha256_hex(name.as_bytes()));
        fs::create_dir_all(&meta).unwrap();
        fs::write(
            meta.join("meta.json"),
            format!(
                r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"unix://{}/no-engine.sock","SkipTLSVerify":false}}}}}}"#,
                self.dir.path().display()
            ),
        )
        .unwrap();
        fs::write(
            config.join("config.json"),
            format!(r#"{{"currentContext":"{name}"}}"#),
        )
        .unwrap();
        run("chmod", &["-R", "a+rX", &config.to_string_lossy()]);
    }

    /// Where the stand-ins record each command they were asked, one `<command>.log` each.
    pub fn recorded_dir(&self) -> PathBuf {
        self.dir.path().join("recorded")
    }

    /// What the sessions asked of a recorded stand-in (`systemctl`, `ufw`), one command a line.
    pub fn recorded(&self, command: &str) -> Vec<String> {
        fs::read_to_string(self.recorded_dir().join(format!("{command}.log")))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    /// Everything sshd logged so far (at DEBUG3: every command line it ran).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Restarts sshd on the same port with a brand-new host key, as a reinstalled server
    /// (or an attacker in between) would look.
    pub fn change_host_key(&mut self) {
        self.stop();
        let key = self.dir.path().join("host_ed25519");
        fs::remove_file(&key).unwrap();
        fs::remove_file(key.with_extension("pub")).unwrap();
        keygen(&key);
        self.child = start_sshd(self.dir.path(), self.port)
            .unwrap_or_else(|| panic!("sshd could not bind its port again:\n{}", self.log()));
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts sshd in `dir` and returns once it listens on `port`, by its own log (which sshd
/// appends to, so a restart waits for a line more): a connection alone could reach another
/// server that took the port. None when sshd exited, having failed to bind.
fn start_sshd(dir: &Path, port: u16) -> Option<Child> {
    let listening = format!("Server listening on 127.0.0.1 port {port}.");
    let log = || fs::read_to_string(dir.join("sshd.log")).unwrap_or_default();
    let before = log().matches(&listening).count();
    let mut child = spawn_sshd(dir);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = log();
        if log.matches(&listening).count() > before {
            return Some(child);
        }
        if child.try_wait().is_ok_and(|status| status.is_some()) {
            return None;
        }
        assert!(Instant::now() < deadline, "sshd did not start:\n{log}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write_config(dir: &Path, port: u16) {
    let config = format!(
        "Port {port}\n\
             ListenAddress 127.0.0.1\n\
             HostKey {p}/host_ed25519\n\
             PidFile {p}/sshd.pid\n\
             AuthorizedKeysFile {p}/authorized_keys\n\
             StrictModes no\n\
             UsePAM no\n\
             PasswordAuthentication yes\n\
             KbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\n\
             AllowUsers {TEST_USER} {NO_SHELL_USER} {OUTSIDER_USER} root\n\
             AllowTcpForwarding local\n\
             MaxSessions 50\n\
             Subsystem sftp /usr/lib/openssh/sftp-server\n\
             MaxStartups 50\n\
             LogLevel DEBUG3\n\
             SetEnv PATH={p}/bin:{p}/path DOCKER_CONFIG={p}/docker-config DESKMATE_RECORDED={p}/recorded\n",
        p = dir.display()
    );
    fs::write(dir.join("sshd_config"), config).unwrap();
}

fn spawn_sshd(dir: &Path) -> Child {
    Command::new("/usr/sbin/sshd")
        .arg("-D")
        .arg("-f")
        .arg(dir.join("sshd_config"))
        .arg("-E")
        .arg(dir.join("sshd.log"))
        .stdin(Stdio::null())
        .spawn()
        .expect("/usr/sbin/sshd runs (run `cargo xtask setup` to install openssh-server)")
}

/// One symbolic link in `dir` for every command in the usual PATH folders (the first found
/// wins, as PATH would have it).
fn link_commands(dir: &Path) {
    fs::create_dir(dir).unwrap();
    for folder in ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let Ok(entries) = fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let link = dir.join(entry.file_name());
            if !link.exists() {
                let _ = std::os::unix::fs::symlink(entry.path(), &link);
            }
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn keygen(path: &Path) {
    run(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "deskmate-test",
            "-f",
            path.to_str().unwrap(),
        ],
    );
    fs::set_permissions(
        path.with_extension("pub"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
}

impl TestServer {
    /// Kills this sshd's connection processes: every connection drops mid-operation, as
    /// when a laptop loses Wi-Fi. Each connection is two sshd processes (the privileged
    /// monitor, and under it the one that holds the channels), so both go; what the
    /// sessions run is left running, as on a real server, until it writes to the dead
    /// connection.
    pub fn drop_connections(&self) {
        let children = |pid: u32| -> Vec<u32> {
            let out = Command::new("pgrep")
                .args(["-P", &pid.to_string()])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            out.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        };
        let is_sshd = |pid: &u32| {
            fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "sshd")
        };
        let monitors: Vec<u32> = children(self.child.id())
            .into_iter()
            .filter(is_sshd)
            .collect();
        let mut doomed: Vec<u32> = monitors
            .iter()
            .flat_map(|m| children(*m))
            .filter(is_sshd)
            .collect();
        doomed.extend(monitors);
        for pid in doomed {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl TestServer {
    /// Replaces every authorized key with the lines of `file` (the test client's own
    /// key included: for a machine the tests never sign in to themselves).
    pub fn replace_authorized_keys(&self, file: &Path) {
        fs::write(
            self.dir.path().join("authorized_keys"),
            fs::read(file).unwrap(),
        )
        .unwrap();
    }

    /// Lets a further public key sign in.
    pub fn authorize(&self, public_key: &Path) {
        let key = fs::read_to_string(public_key).unwrap();
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("authorized_keys"))
            .unwrap();
        file.write_all(key.as_bytes()).unwrap();
    }
}
