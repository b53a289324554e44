//! A minimal SMTP server on loopback for the email tests: it accepts every message and
//! keeps each DATA section.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// Starts a one-thread SMTP server that accepts every message; returns its port and the
/// messages (DATA sections) it received.
pub fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let received = messages.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = stream.write_all(b"220 mock ESMTP\r\n");
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let command = line.trim_end().to_ascii_uppercase();
                let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                    b"250 mock\r\n"
                } else if command == "DATA" {
                    let _ = stream.write_all(b"354 go ahead\r\n");
                    let mut data = String::new();
                    loop {
                        let mut part = String::new();
                        if reader.read_line(&mut part).unwrap_or(0) == 0 || part == ".\r\n" {
                            break;
                        }
                        data.push_str(&part);
                    }
                    received.lock().unwrap().push(data);
                    b"250 queued\r\n"
                } else if command == "QUIT" {
                    let _ = stream.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                let _ = stream.write_all(reply);
            }
        }
    });
    (port, messages)
}
