//! Upstream calls through the environment's proxy (`HTTP_PROXY`, `HTTPS_PROXY`,
//! `NO_PROXY`), as curl and LiteLLM's client honour them. The proxy here is a real HTTP
//! server that records each request line: a plain-HTTP upstream's request arrives in
//! absolute form and is answered by it, an HTTPS upstream is asked for with `CONNECT`
//! (refused here, so that request fails), and a `NO_PROXY` host is reached directly.

mod common;

use common::mock_upstream::mock;
use common::{Options, Proxy, model, post};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

const ANSWER: &str = r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"via the proxy"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#;

/// A forward proxy that answers plain-HTTP requests itself and refuses tunnels; returns
/// its address and the request lines it saw (with the Proxy-Authorization of CONNECTs).
fn forward_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let (mut length, mut auth) = (0usize, String::new());
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        let (name, value) = header.split_once(':').unwrap_or((header, ""));
                        match name.to_ascii_lowercase().as_str() {
                            "content-length" => length = value.trim().parse().unwrap(),
                            "proxy-authorization" => auth = value.trim().to_string(),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let line = line.trim_end().to_string();
                    log.lock().unwrap().push(format!("{line} {auth}").trim_end().to_string());
                    if line.starts_with("CONNECT") {
                        let _ = writer.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
                        return;
                    }
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ANSWER}",
                        ANSWER.len()
                    );
                    writer.write_all(reply.as_bytes()).unwrap();
                }
            });
        }
    });
    (address, seen)
}

fn deployment(name: &str, api_base: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/m\"\napi_base = \"{api_base}\"\napi_key = \"k\"\n\n"
    )
}

#[test]
fn upstream_calls_follow_the_environment_proxy() {
    let (proxy_address, seen) = forward_proxy();
    let config = format!(
        "{}{}{}[router_settings]\nnum_retries = 0\n",
        deployment("plain", "http://llm.internal.example:8000/v1"),
        deployment("tls", "https://api.example.com/v1"),
        model("local", "egress-local+p=4+c=1", 0.0, 0.0),
    );
    let proxy = Proxy::start_with(Options {
        config: Some(&config),
        env: vec![
            ("HTTP_PROXY", format!("http://{proxy_address}")),
            ("HTTPS_PROXY", format!("http://user:secret@{proxy_address}")),
            ("NO_PROXY", "127.0.0.1,localhost".to_string()),
        ],
        ..Default::default()
    });
    let key = common::MASTER_KEY;
    let chat = |model: &str| json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});

    let (status, _, answer) = post(&proxy.url("/v1/chat/completions"), key, &chat("plain"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["choices"][0]["message"]["content"], "via the proxy");

    let (status, _, answer) = post(&proxy.url("/v1/chat/completions"), key, &chat("tls"));
    assert!(status >= 400, "the tunnel was refused: {status} {answer}");

    let (status, _, answer) = post(&proxy.url("/v1/chat/completions"), key, &chat("local"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().calls("egress-local+p=4+c=1"), 1, "a NO_PROXY host is called directly");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            "POST http://llm.internal.example:8000/v1/chat/completions HTTP/1.1".to_string(),
            // user:secret in Basic.
            "CONNECT api.example.com:443 HTTP/1.1 Basic dXNlcjpzZWNyZXQ=".to_string(),
        ]
    );
}
