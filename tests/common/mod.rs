//! The black-box test harness: starts the real `proxy` binary on a port the system picks,
//! with its own temporary directory and database, and stops it (by its PID) when dropped.
#![allow(dead_code)]

pub mod browser;
pub mod mock_anthropic;
pub mod mock_gemini;
pub mod mock_media;
pub mod mock_responses;
pub mod mock_upstream;
pub mod oidc;
pub mod seed;
pub mod smtp;
pub mod webhook;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const MASTER_KEY: &str = "sk-test-master-key-0123456789";

pub struct Proxy {
    pub base_url: String,
    pub master_key: String,
    pub dir: tempfile::TempDir,
    child: Child,
    /// Everything the process printed on stdout and stderr so far is collected here.
    output: std::sync::Arc<std::sync::Mutex<String>>,
}

/// How to start a proxy.
#[derive(Default)]
pub struct Options<'a> {
    /// Contents of `proxy.toml` (none: no file).
    pub config: Option<&'a str>,
    /// Extra environment variables.
    pub env: Vec<(&'a str, String)>,
    /// Use this master key (default: MASTER_KEY; `Some("")` starts without one).
    pub master_key: Option<&'a str>,
    /// Reuse this directory (and its database).
    pub dir: Option<tempfile::TempDir>,
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_proxy"))
}

/// A command for the binary with a clean environment (no variables of the developer's
/// shell leak into a test).
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(binary());
    command.current_dir(dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command.env("RUST_LOG", "info");
    command
}

impl Proxy {
    pub fn start() -> Proxy {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options<'_>) -> Proxy {
        let dir = options.dir.unwrap_or_else(|| tempfile::tempdir().expect("a temp dir"));
        if let Some(config) = options.config {
            std::fs::write(dir.path().join("proxy.toml"), config).expect("write proxy.toml");
        }
        let mut command = command(dir.path());
        command.args(["--port", "0", "--host", "127.0.0.1"]);
        let master_key = options.master_key.unwrap_or(MASTER_KEY).to_string();
        if !master_key.is_empty() {
            command.env("LITELLM_MASTER_KEY", &master_key);
        }
        for (name, value) in options.env {
            command.env(name, value);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start proxy");
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (ready_tx, ready_rx) = mpsc::channel::<String>();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let output = output.clone();
            let ready_tx = ready_tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push_str(&format!("{line}\n"));
                    if line.contains(" listening on http://") {
                        let _ = ready_tx.send(line);
                    }
                }
            });
        }
        drop(ready_tx);
        let line = match ready_rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("proxy did not start:\n{}", output.lock().unwrap());
            }
        };
        let address = line.split("http://").nth(1).and_then(|rest| rest.split_whitespace().next()).expect("address");
        let printed = output.lock().unwrap().clone();
        let master_key = if master_key.is_empty() {
            printed
                .lines()
                .find_map(|l| l.trim().strip_prefix("LITELLM_MASTER_KEY="))
                .map(str::to_string)
                .unwrap_or_default()
        } else {
            master_key
        };
        Proxy { base_url: format!("http://{address}"), master_key, dir, child, output }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("proxy.db")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The output once it holds `needle` (waiting up to 5 s: stdout and stderr reach the
    /// test through pipes and reader threads, so a line printed just before the ready line,
    /// or just now, may not be in yet).
    pub fn output_with(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let output = self.output();
            if output.contains(needle) || std::time::Instant::now() >= deadline {
                return output;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status code.
    pub fn terminate(&mut self) -> Option<i32> {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        self.child.wait().ok().and_then(|s| s.code())
    }

    /// A connection to the database once the spend journal is folded into its tables
    /// (the proxy folds every 50 ms; see src/spend/journal.rs), as every read through the
    /// proxy sees it.
    pub fn folded_db(&self) -> proxy::db::Direct {
        let conn = proxy::db::Direct::open(self.db_path()).expect("open db");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let waiting: i64 = conn.query_row("SELECT count(*) FROM spend_journal", (), |r| r.get(0)).expect("journal");
            if waiting == 0 || std::time::Instant::now() > deadline {
                return conn;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// SIGKILL, as a crash would.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGKILL, and its directory back (to start again on what the crash left).
    pub fn crash(mut self) -> tempfile::TempDir {
        self.kill_hard();
        let dir = tempfile::tempdir().expect("a temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    /// Stops the process and gives back its directory (to restart on the same database).
    pub fn stop(mut self) -> tempfile::TempDir {
        self.terminate();
        let dir = tempfile::tempdir().expect("a temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    /// A blocking client with the master key set.
    pub fn admin(&self) -> Client {
        Client {
            base: self.base_url.clone(),
            key: Some(self.master_key.clone()),
            http: reqwest::blocking::Client::new(),
        }
    }

    pub fn client(&self, key: Option<&str>) -> Client {
        Client { base: self.base_url.clone(), key: key.map(str::to_string), http: reqwest::blocking::Client::new() }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small JSON client: every call returns the status and the parsed body.
pub struct Client {
    pub base: String,
    pub key: Option<String>,
    pub http: reqwest::blocking::Client,
}

impl Client {
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let mut request = self.http.get(format!("{}{}", self.base, path));
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        answer(request.send().expect("request"))
    }

    pub fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let mut request = self.http.post(format!("{}{}", self.base, path)).json(&body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        answer(request.send().expect("request"))
    }
}

fn answer(response: reqwest::blocking::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

/// A POST with a bearer key; returns status, headers and the body as JSON (or a string).
pub fn post(url: &str, key: &str, body: &serde_json::Value) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let response = reqwest::blocking::Client::new().post(url).bearer_auth(key).json(body).send().expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().unwrap_or_default();
    (status, headers, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

/// Starts a proxy on a database seeded by `seed`, with `config` as proxy.toml.
pub fn start_seeded(config: &str, seed: impl FnOnce(&seed::Seed)) -> Proxy {
    let dir = tempfile::tempdir().expect("a temp dir");
    {
        let rows = seed::Seed::new(dir.path());
        seed(&rows);
    }
    Proxy::start_with(Options { config: Some(config), dir: Some(dir), ..Default::default() })
}

/// One `[[model_list]]` entry on the mock upstream, priced per token.
pub fn model(name: &str, upstream: &str, input: f64, output: f64) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{}\"\napi_key = \"upstream-key\"\n[model_list.model_info]\ninput_cost_per_token = {input:?}\noutput_cost_per_token = {output:?}\n\n",
        mock_upstream::mock().api_base()
    )
}

/// Reads one value from the proxy's database (WAL lets a reader in while it runs).
pub fn query<T: proxy::db::FromSql>(proxy: &Proxy, sql: &str) -> T {
    proxy.folded_db().query_row(sql, (), |r| r.get(0)).expect(sql)
}

/// Prices (per token) the gateway tests give their models: 10 prompt and 5 completion
/// tokens, what the mock upstream answers by default, cost [`COST`].
pub const PRICE_IN: f64 = 0.001;
pub const PRICE_OUT: f64 = 0.002;
pub const COST: f64 = 0.02;

/// A one-message chat request body for `model`.
pub fn chat_body(model: &str) -> serde_json::Value {
    serde_json::json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

/// A header's value as text ("" when absent).
pub fn header_text(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Makes each `(user_id, role)` with `/user/new` (email `<user_id>@example.com`) as the
/// master key; returns each user's first key, in order.
pub fn new_users(admin: &Client, users: &[(&str, &str)]) -> Vec<String> {
    users
        .iter()
        .map(|(who, role)| {
            let body =
                serde_json::json!({"user_id": who, "user_role": role, "user_email": format!("{who}@example.com")});
            let (status, user) = admin.post("/user/new", body);
            assert_eq!(status, 200, "{user}");
            user["key"].as_str().expect("the new user's key").to_string()
        })
        .collect()
}
