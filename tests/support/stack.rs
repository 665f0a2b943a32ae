//! An installed test-bed stack for the backup tests: good-1 in a test server's folder, real
//! rows written through the backend, removed when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_api::{Cancel, Servers};
use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};

/// `method path` with a JSON body through the proxy; the status line and body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

pub struct Installed {
    pub server: TestServer,
    pub servers: Servers,
    pub stack: String,
    pub project: Project,
    pub port: u16,
    pub data: tempfile::TempDir,
}

/// good-1 installed, with `memories` rows (each with its Qdrant point) and a persona file.
pub fn installed(memories: usize) -> Installed {
    installed_as(memories, None)
}

/// The same, signed in as `user` (root: its host files go under the server's `host-root`).
pub fn installed_as(memories: usize, user: Option<&str>) -> Installed {
    installed_from(&release("good-1"), memories, user)
}

/// `release_file` installed, with `memories` rows and a persona file, as `user`.
pub fn installed_from(release_file: &Path, memories: usize, user: Option<&str>) -> Installed {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let servers = super::api_servers(data.path(), &server, user.unwrap_or(server.user()), &stack);
    let mut options = InstallOptions::new(release_file.to_path_buf());
    options.tls = TlsChoice::None;
    options.http_port = free_port();
    options.host_root = server
        .home()
        .join("host-root")
        .to_string_lossy()
        .into_owned();
    servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    for i in 0..memories {
        let (status, body) = http(
            options.http_port,
            "POST",
            "/api/memories",
            &format!(r#"{{"persona": "aria", "text": "memory number {i}"}}"#),
        );
        assert!(status.contains("201"), "{status} {body}");
    }
    let personas = Path::new(&stack).join("shared/data/personas");
    std::fs::create_dir_all(&personas).unwrap();
    std::fs::write(personas.join("aria.json"), r#"{"name": "Aria"}"#).unwrap();
    Installed {
        server,
        servers,
        stack,
        project,
        port: options.http_port,
        data,
    }
}

/// The memories the backend holds.
pub fn memories(port: u16) -> usize {
    let (status, body) = http(port, "GET", "/api/memories", "");
    assert!(status.contains("200"), "{status} {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["memories"].as_array().unwrap().len()
}

impl Installed {
    /// Holds the stack's deploy lock as another computer's update would: `STACK/.lock/deploy`
    /// with its holder file (`epoch<TAB>who`, as `remote::deploy::lock` writes it), taken
    /// `seconds_ago`, owned by the stack's account so that its own lock calls can clear it.
    pub fn hold_deploy_lock(&self, who: &str, seconds_ago: u64) -> std::path::PathBuf {
        use std::os::unix::fs::{MetadataExt, chown};
        let owner = std::fs::metadata(&self.stack).unwrap();
        let own = |path: &Path| chown(path, Some(owner.uid()), Some(owner.gid())).unwrap();
        let lock = Path::new(&self.stack).join(".lock/deploy");
        std::fs::create_dir_all(&lock).unwrap();
        own(lock.parent().unwrap());
        own(&lock);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        std::fs::write(
            lock.join("holder"),
            format!("{}\t{who}\n", now - seconds_ago),
        )
        .unwrap();
        own(&lock.join("holder"));
        lock
    }
}
