//! A request loop through the proxy while an update (or anything else) runs: what it saw.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the request loop saw.
#[derive(Debug, Default)]
pub struct Traffic {
    pub requests: usize,
    pub failures: Vec<String>,
    pub seconds: f64,
    /// The longest time between the starts of two requests in a row: an outage or a request
    /// held that long could have gone unseen, so it must stay short.
    pub longest_gap: Duration,
}

/// One GET through the proxy: its status line, or why there was none.
pub fn get(port: u16, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    Ok(response.lines().next().unwrap_or("").to_string())
}

/// Runs `during` while requests (API and page, alternately) go through the proxy, one at a
/// time with 40 ms between them, loopback only.
pub fn with_traffic<T>(port: u16, during: impl FnOnce() -> T) -> (T, Traffic) {
    let running = AtomicBool::new(true);
    std::thread::scope(|scope| {
        let loop_ = scope.spawn(|| {
            let mut seen = Traffic::default();
            let started = Instant::now();
            let mut last_start = started;
            while running.load(Ordering::Relaxed) {
                seen.longest_gap = seen.longest_gap.max(last_start.elapsed());
                last_start = Instant::now();
                let path = if seen.requests % 2 == 0 {
                    "/api/health"
                } else {
                    "/"
                };
                match get(port, path) {
                    Ok(status) if status.contains(" 200 ") => {}
                    Ok(status) => seen.failures.push(format!("{path}: {status}")),
                    Err(e) => seen.failures.push(format!("{path}: {e}")),
                }
                seen.requests += 1;
                std::thread::sleep(Duration::from_millis(40));
            }
            seen.seconds = started.elapsed().as_secs_f64();
            seen
        });
        let result = during();
        running.store(false, Ordering::Relaxed);
        (result, loop_.join().unwrap())
    })
}
