//! A plugin that misbehaves on request: the document it is given names the misdeed.
//! The host's tests use it to show each one is contained.

wit_bindgen::generate!({ path: "../../../../../plugins/wit/0.1.0", world: "validator" });

use deskmate::validator::host::{LogLevel, log};
use deskmate::validator::types::Severity;

struct Hostile;

impl Guest for Hostile {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "hostile".into(),
            name: "Hostile".into(),
            version: "1.0.0".into(),
            targets: vec![Target::Room, Target::Persona],
        }
    }

    fn validate(_target: Target, document: String) -> Vec<Diagnostic> {
        match document.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "hog" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => panic!("deliberate"),
            "recurse" => vec![note(&format!("{}", recurse(std::hint::black_box(1))))],
            "flood" => (0..5_000).map(|i| note(&i.to_string())).collect(),
            "huge" => vec![note(&"x".repeat(16 << 20))],
            "bad-code" => vec![Diagnostic {
                code: "Not A Code!".into(),
                ..note("")
            }],
            "chatty" => {
                let line = "y".repeat(1023);
                for _ in 0..2_000 {
                    println!("{line}");
                    eprintln!("{line}");
                    log(LogLevel::Info, &line);
                }
                vec![note("still here")]
            }
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(30));
                vec![note("woke up")]
            }
            // `snoop PORT`: the test listens on PORT, so a refused connection means the sandbox
            // refused it, not that nothing was there.
            asked if asked.starts_with("snoop") => {
                snoop(asked.strip_prefix("snoop").unwrap_or("").trim())
            }
            _ => vec![note("ok")],
        }
    }
}

fn recurse(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        recurse(std::hint::black_box(n + 1)) + 1
    }
}

/// Tries every door out of the sandbox and reports, as findings, each one that opened.
fn snoop(port: &str) -> Vec<Diagnostic> {
    let mut opened = Vec::new();
    if std::fs::read_dir("/").is_ok() || std::fs::read_to_string("/etc/passwd").is_ok() {
        opened.push(note("filesystem"));
    }
    if std::fs::write("escape.txt", b"x").is_ok() {
        opened.push(note("write"));
    }
    if std::env::vars().next().is_some() || std::env::args().next().is_some() {
        opened.push(note("environment"));
    }
    if std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_ok() {
        opened.push(note("network"));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    if now.as_secs() > 0 {
        opened.push(note("clock"));
    }
    let first = std::time::Instant::now();
    let spin: u64 = (0..1_000_000u64).map(std::hint::black_box).sum();
    if first.elapsed().as_nanos() > 0 && spin > 0 {
        opened.push(note("monotonic clock"));
    }
    opened.push(note("done"));
    opened
}

fn note(message: &str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Info,
        code: "hostile.note".into(),
        message: message.into(),
        path: None,
        hint: None,
    }
}

export!(Hostile);
