//! The appliance as an operator meets it: start with no config, read the printed master
//! key, one owner per database, backups of a running server, the command line, request
//! ids, logs, and shutdown.

mod common;

use common::{MASTER_KEY, Options, Proxy, command};
use std::process::Output;

fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run proxy")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn starts_on_defaults_and_prints_a_master_key_once() {
    let proxy = Proxy::start_with(Options { master_key: Some(""), ..Default::default() });
    assert!(proxy.master_key.starts_with("sk-"), "no key printed:\n{}", proxy.output());
    // 128 bits at least: 22 base64url characters after `sk-`.
    assert!(proxy.master_key.len() >= 3 + 22);
    assert!(proxy.db_path().exists());
    let (status, body) = proxy.admin().get("/health/readiness");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["db"], "connected");

    // The database keeps only a hash of the generated key.
    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    let stored: String =
        conn.query_row("SELECT value FROM settings WHERE name = 'master_key_sha256'", (), |r| r.get(0)).unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&proxy.master_key));
    let master_key = proxy.master_key.clone();

    // A restart on the same database keeps the key and does not print it again.
    let dir = proxy.stop();
    let again = Proxy::start_with(Options { master_key: Some(""), dir: Some(dir), ..Default::default() });
    assert!(!again.output().contains("LITELLM_MASTER_KEY="), "printed twice:\n{}", again.output());
    let (status, _) = again.client(Some(&master_key)).get("/health/readiness");
    assert_eq!(status, 200);
}

#[test]
fn a_second_proxy_on_the_same_database_is_refused() {
    let proxy = Proxy::start();
    let output = run(proxy.dir.path(), &["--port", "0", "--host", "127.0.0.1"], &[("LITELLM_MASTER_KEY", MASTER_KEY)]);
    assert!(!output.status.success());
    let message = text(&output);
    let expected = format!("is in use by process {}", proxy.pid());
    assert!(message.contains(&expected), "{message}");
    assert!(message.contains("proxy.db"), "{message}");
}

#[test]
fn backup_of_a_running_proxy_holds_the_same_rows() {
    let proxy = Proxy::start_with(Options { master_key: Some(""), ..Default::default() });
    let target = proxy.dir.path().join("copy.db");
    let output = run(proxy.dir.path(), &["backup", "copy.db"], &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("backed up"));

    let rows = |path: &std::path::Path| -> Vec<(String, String)> {
        let conn = proxy::db::Direct::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT user_id, user_role FROM users UNION ALL SELECT name, value FROM settings ORDER BY 1")
            .unwrap();
        stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let live = rows(&proxy.db_path());
    assert!(!live.is_empty());
    assert_eq!(rows(&target), live);

    // A backup never overwrites.
    let output = run(proxy.dir.path(), &["backup", "copy.db"], &[]);
    assert!(!output.status.success());
    assert!(text(&output).contains("already exists"), "{}", text(&output));
    // The proxy kept serving throughout.
    assert_eq!(proxy.admin().get("/health/readiness").0, 200);
}

#[test]
fn a_bad_config_stops_before_anything_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("proxy.toml"), "[server]\nprot = 4000\n").unwrap();
    let output = run(dir.path(), &[], &[]);
    assert!(!output.status.success());
    let message = text(&output);
    assert!(message.contains("proxy.toml:2:1: unknown setting `prot` in [server]; did you mean `port`?"), "{message}");
    assert!(!dir.path().join("proxy.db").exists(), "the database was created despite the bad config");

    let output = run(dir.path(), &["check-config"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("did you mean `port`"));
}

#[test]
fn check_config_prints_the_effective_config_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "[general_settings]\nmaster_key = \"os.environ/MY_KEY\"\n[server]\nport = 4100\n",
    )
    .unwrap();
    let output = run(dir.path(), &["check-config", "mine.toml"], &[("MY_KEY", "sk-very-secret-master-key")]);
    assert!(output.status.success(), "{}", text(&output));
    let shown = text(&output);
    assert!(shown.contains("configuration is valid"), "{shown}");
    assert!(shown.contains("port = 4100"), "{shown}");
    assert!(!shown.contains("sk-very-secret-master-key"), "{shown}");
    assert!(shown.contains("sk-v****-key"), "{shown}");

    let output = run(dir.path(), &["check-config", "mine.toml"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("MY_KEY"), "{}", text(&output));
}

#[test]
fn a_file_that_is_not_a_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("proxy.db"), "this is a text file, not a database\n".repeat(200)).unwrap();
    let output = run(dir.path(), &["--port", "0"], &[("LITELLM_MASTER_KEY", MASTER_KEY)]);
    assert!(!output.status.success());
    assert!(text(&output).contains("proxy.db is not a SQLite database"), "{}", text(&output));
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let conn = proxy::db::Direct::open(dir.path().join("proxy.db")).unwrap();
    conn.set_schema_version(42).unwrap();
    drop(conn);
    let output = run(dir.path(), &["--port", "0"], &[("LITELLM_MASTER_KEY", MASTER_KEY)]);
    assert!(!output.status.success());
    let message = text(&output);
    let expected = format!("newer proxy (schema version 42; this proxy knows up to {})", proxy::db::migrate::CURRENT);
    assert!(message.contains(&expected), "{message}");
}

#[test]
fn a_missing_database_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let output =
        run(dir.path(), &["--port", "0", "--db", "no/such/dir/proxy.db"], &[("LITELLM_MASTER_KEY", MASTER_KEY)]);
    assert!(!output.status.success());
    assert!(text(&output).contains("does not exist"), "{}", text(&output));
}

/// Runs the binary as an unprivileged user: root ignores file permissions, so the
/// read-only cases can only be shown by someone else.
fn run_unprivileged(dir: &std::path::Path, args: &[&str]) -> Output {
    let is_root = std::process::Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let mut cmd = if is_root {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(common::binary());
        cmd
    } else {
        std::process::Command::new(common::binary())
    };
    cmd.current_dir(dir).env_clear().env("LITELLM_MASTER_KEY", MASTER_KEY).args(args);
    cmd.output().expect("run proxy")
}

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_database_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // A real database, handed to the unprivileged user with the file itself read-only.
    let conn = proxy::db::Direct::open(dir.path().join("proxy.db")).unwrap();
    conn.execute_batch("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);").unwrap();
    drop(conn);
    chmod(dir.path(), 0o777);
    chmod(&dir.path().join("proxy.db"), 0o444);
    let output = run_unprivileged(dir.path(), &["--port", "0"]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("proxy.db is read-only"), "{}", text(&output));
}

#[test]
fn an_unwritable_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o555);
    let output = run_unprivileged(dir.path(), &["--port", "0"]);
    chmod(dir.path(), 0o755);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("is not writable"), "{}", text(&output));
}

#[test]
fn a_taken_port_is_named_with_the_fix() {
    let proxy = Proxy::start();
    let port = proxy.base_url.rsplit(':').next().unwrap().to_string();
    let other = tempfile::tempdir().unwrap();
    let output = run(other.path(), &["--port", &port, "--host", "127.0.0.1"], &[("LITELLM_MASTER_KEY", MASTER_KEY)]);
    assert!(!output.status.success());
    let message = text(&output);
    assert!(message.contains(&format!("port {port} on 127.0.0.1 is taken")), "{message}");
    assert!(message.contains("--port"), "{message}");
}

#[test]
fn every_response_carries_a_request_id() {
    let proxy = Proxy::start();
    let http = reqwest::blocking::Client::new();
    let response = http.get(proxy.url("/health/liveliness")).header("x-request-id", "my-trace-42").send().unwrap();
    assert_eq!(response.headers()["x-request-id"], "my-trace-42");
    let response = http.get(proxy.url("/no/such/route")).send().unwrap();
    assert_eq!(response.status(), 404);
    let generated = response.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generated.len(), 36, "{generated}");
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["error"]["code"], "404");
}

#[test]
fn json_logs_are_json_and_never_hold_the_master_key() {
    let mut proxy = Proxy::start_with(Options { env: vec![("PROXY_LOG_FORMAT", "json".into())], ..Default::default() });
    for _ in 0..3 {
        proxy.admin().get("/health/readiness");
        proxy.client(Some("sk-wrong-key-123456")).get("/health/readiness");
    }
    assert_eq!(proxy.terminate(), Some(0));
    let output = proxy.output();
    assert!(!output.contains(MASTER_KEY), "the master key reached the log:\n{output}");
    let log_lines: Vec<&str> = output.lines().filter(|l| l.starts_with('{')).collect();
    assert!(log_lines.len() >= 2, "{output}");
    for line in log_lines {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn sigterm_stops_cleanly_and_the_healthcheck_follows() {
    let mut proxy = Proxy::start();
    let port = proxy.base_url.rsplit(':').next().unwrap().to_string();
    let check = |dir: &std::path::Path| run(dir, &["healthcheck", "--port", &port, "--host", "127.0.0.1"], &[]);
    let output = check(proxy.dir.path());
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(proxy.terminate(), Some(0));
    assert!(proxy.output().contains("stopped"), "{}", proxy.output());
    // The lock is released: the same database opens again at once.
    let output = check(proxy.dir.path());
    assert!(!output.status.success());
    let dir = proxy.stop();
    let again = Proxy::start_with(Options { dir: Some(dir), ..Default::default() });
    assert_eq!(again.admin().get("/health/readiness").0, 200);
}

#[test]
fn version_and_api_docs() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--version"], &[]);
    assert!(text(&output).contains(env!("CARGO_PKG_VERSION")));

    let proxy = Proxy::start();
    let http = reqwest::blocking::Client::new();
    let doc: serde_json::Value = http.get(proxy.url("/openapi.json")).send().unwrap().json().unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/health/readiness"].is_object());
    let page = http.get(proxy.url("/")).send().unwrap().text().unwrap();
    assert!(page.contains("/ui") && page.contains("swagger-ui-bundle.js"));
    assert!(!page.contains("https://"), "the docs page must not load from the network");
    let script = http.get(proxy.url("/assets/vendor/swagger-ui/swagger-ui-bundle.js")).send().unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"].to_str().unwrap().contains("javascript"));
}
