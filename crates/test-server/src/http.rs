use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A real HTTP/1.1 server on loopback that answers every request with a chosen status and
/// body: the DeskMate backend's `/health`, as far as the app can tell. It records the
/// request lines it saw.
pub struct HealthEndpoint {
    pub port: u16,
    reply: Arc<Mutex<(u16, String)>>,
    requests: Arc<Mutex<Vec<String>>>,
    delay: Arc<Mutex<Duration>>,
}

impl HealthEndpoint {
    pub fn start(status: u16, body: &str) -> HealthEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let reply = Arc::new(Mutex::new((status, body.to_string())));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let (r, q, d) = (reply.clone(), requests.clone(), delay.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, q, d) = (r.clone(), q.clone(), d.clone());
                // A thread per request, so a slow answer does not hold the next caller.
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).is_err() {
                        return;
                    }
                    let mut header = String::new();
                    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                        header.clear();
                    }
                    q.lock().unwrap().push(request_line.trim_end().to_string());
                    let wait = *d.lock().unwrap();
                    std::thread::sleep(wait);
                    let (status, body) = r.lock().unwrap().clone();
                    let _ = write!(
                        &stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        HealthEndpoint {
            port,
            reply,
            requests,
            delay,
        }
    }

    pub fn set(&self, status: u16, body: &str) {
        *self.reply.lock().unwrap() = (status, body.to_string());
    }

    /// Answers every later request only after `delay`: a backend that is slow to reply.
    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}
