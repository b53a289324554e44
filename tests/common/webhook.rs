//! A webhook receiver for the alert tests: a real HTTP server on loopback that keeps every
//! POST (path and body) and answers 200, or 500 on the paths told to fail.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Inner {
    received: Vec<(String, String)>,
    failing: HashSet<String>,
}

#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = inner.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                    continue;
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let failing = {
                    let mut inner = shared.lock().unwrap();
                    let failing = inner.failing.contains(&path);
                    if !failing {
                        inner.received.push((path, String::from_utf8_lossy(&body).into_owned()));
                    }
                    failing
                };
                let status = if failing { "500 Internal Server Error" } else { "200 OK" };
                let _ = stream.write_all(
                    format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").as_bytes(),
                );
            }
        });
        Receiver { base, inner }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answer 500 on `path` (and keep nothing) while `failing`.
    pub fn set_failing(&self, path: &str, failing: bool) {
        let mut inner = self.inner.lock().unwrap();
        if failing {
            inner.failing.insert(path.to_string());
        } else {
            inner.failing.remove(path);
        }
    }

    /// The bodies received on `path`, in order.
    pub fn bodies(&self, path: &str) -> Vec<String> {
        self.inner.lock().unwrap().received.iter().filter(|(p, _)| p == path).map(|(_, b)| b.clone()).collect()
    }

    /// The bodies on `path` once `done` holds for them (waiting up to 20 s).
    pub fn wait_for(&self, path: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let bodies = self.bodies(path);
            if done(&bodies) || Instant::now() > deadline {
                return bodies;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
