//! Where the proxy's secrets live, as an operator and an attacker holding a copy of the
//! database meet it: the session-signing secret is never in the database or a backup (a
//! backup cannot mint a session for the live proxy), it comes from `PROXY_SECRET_KEY`, its
//! `_FILE` or `LITELLM_SALT_KEY`, or else from an owner-only key file beside the database;
//! a weak master key is refused unless `dangerously_permit_weak_or_unset_master_key` says
//! otherwise, loudly.

mod common;

use common::browser::Browser;
use common::{MASTER_KEY, Options, Proxy, command};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// 64 characters, as `openssl rand -hex 32` prints.
const SECRET: &str = "5be8c0e2b2f1a7d94e6c3a1f0d8b7e2c4a9f6d3b1e8c7a2f5d0b9e4c3a1f7d6b";
const OTHER_SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("run proxy")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Starts the server in `dir` and expects it to refuse to start: returns what it printed.
/// A server that starts instead is stopped (by its PID) and the test fails.
fn start_refused(dir: &Path, env: &[(&str, &str)]) -> String {
    let mut cmd = command(dir);
    cmd.args(["--port", "0", "--host", "127.0.0.1"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut child = cmd.spawn().expect("start proxy");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!("the proxy started although it should have refused:\n{}", text(&output));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    assert!(!output.status.success(), "{}", text(&output));
    text(&output)
}

/// The admin's session cookie, signed in through the password form.
fn admin_cookie(proxy: &Proxy) -> String {
    Browser::signed_in(proxy, "admin", &proxy.master_key).cookie("token").expect("a session cookie")
}

/// The status of `/ui` for a browser holding `cookie`: 200 signed in, 303 to the sign-in page.
fn ui_status(proxy: &Proxy, cookie: &str) -> u16 {
    let browser = Browser::new();
    browser.set("token", cookie);
    browser.get(&proxy.url("/ui")).status
}

fn key_file(proxy: &Proxy) -> std::path::PathBuf {
    proxy.dir.path().join("proxy.key")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn setting_names(db: &Path) -> Vec<String> {
    let conn = proxy::db::Direct::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT name FROM settings ORDER BY name").unwrap();
    stmt.query_map((), |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn the_database_holds_no_signing_secret() {
    let proxy = Proxy::start();
    assert_eq!(ui_status(&proxy, &admin_cookie(&proxy)), 200);

    let names = setting_names(&proxy.db_path());
    assert!(!names.iter().any(|n| n.contains("secret")), "a secret in the settings table: {names:?}");
    // The secret, and the key derived from it, are nowhere in the file or its journal.
    let secret = std::fs::read_to_string(key_file(&proxy)).expect("the key file beside the database");
    let secret = secret.trim();
    let (derived, _) = proxy::auth::proxy_secret::ProxySecret::load(None, &proxy.db_path()).unwrap();
    let derived = derived.derive(proxy::auth::signing_secret::PURPOSE);
    for file in ["proxy.db", "proxy.db-wal"] {
        let bytes = std::fs::read(proxy.dir.path().join(file)).unwrap_or_default();
        assert!(!contains(&bytes, secret.as_bytes()), "{file} holds the key file's secret");
        assert!(!contains(&bytes, &derived), "{file} holds the signing key");
        assert!(!contains(&bytes, hex(&derived).as_bytes()), "{file} holds the signing key");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_cookie_minted_from_a_backup_is_refused_by_the_live_proxy() {
    let live = Proxy::start();
    let live_cookie = admin_cookie(&live);
    // The attacker's copy: a backup of the live database, served by a proxy of their own.
    let stolen = tempfile::tempdir().unwrap();
    let backup = stolen.path().join("proxy.db");
    let output = run(live.dir.path(), &["backup", backup.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output));
    let copy = Proxy::start_with(Options { dir: Some(stolen), ..Default::default() });
    let minted = admin_cookie(&copy);
    assert_eq!(ui_status(&copy, &minted), 200, "the copy's own session works on the copy");

    assert_eq!(ui_status(&live, &minted), 303, "a session minted from a backup opened the live proxy");
    assert_eq!(ui_status(&live, &live_cookie), 200);
}

#[test]
fn a_secret_an_older_version_stored_is_deleted_and_its_sessions_end() {
    let first = Proxy::start();
    let dir = first.stop();
    let db = dir.path().join("proxy.db");
    // What an older version left: the signing secret in the settings table, and a session
    // (the built-in admin's) signed with it.
    let old_secret = [7u8; 32];
    let conn = proxy::db::Direct::open(&db).unwrap();
    conn.execute(
        "INSERT INTO settings (name, value, updated_at) VALUES ('jwt_signing_secret', ?1, '2026-01-01T00:00:00Z')",
        [hex(&old_secret)],
    )
    .unwrap();
    let epoch: i64 =
        conn.query_row("SELECT session_epoch FROM users WHERE user_id = 'default_user_id'", (), |r| r.get(0)).unwrap();
    drop(conn);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = proxy::auth::session::SessionClaims {
        user_id: "default_user_id".into(),
        user_role: proxy::auth::Role::ProxyAdmin,
        user_email: None,
        login_method: proxy::auth::session::PASSWORD.into(),
        session_epoch: epoch,
        sid: "old-session".into(),
        iat: now,
        exp: now + 3600,
    };
    let old_cookie = proxy::auth::SessionKeys::new(old_secret.to_vec()).sign(&claims).unwrap();

    let proxy = Proxy::start_with(Options { dir: Some(dir), ..Default::default() });
    assert!(!setting_names(&proxy.db_path()).contains(&"jwt_signing_secret".to_string()));
    let output = proxy.output_with("moved out of the database");
    assert!(output.contains("moved out of the database"), "{output}");
    assert_eq!(ui_status(&proxy, &old_cookie), 303, "a session signed with the old stored secret still works");
    assert_eq!(ui_status(&proxy, &admin_cookie(&proxy)), 200);
}

#[cfg(unix)]
#[test]
fn the_key_file_is_owner_only_and_checked_on_every_start() {
    use std::os::unix::fs::PermissionsExt;
    let proxy = Proxy::start();
    let path = key_file(&proxy);
    let mode = std::fs::metadata(&path).expect("the key file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let content = std::fs::read_to_string(&path).unwrap();
    assert!(content.trim().len() == 64 && content.trim().chars().all(|c| c.is_ascii_hexdigit()), "{content}");
    let cookie = admin_cookie(&proxy);

    // A key file others may read stops the start, naming the fix.
    let dir = proxy.stop();
    let path = dir.path().join("proxy.key");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let message = start_refused(dir.path(), &[("LITELLM_MASTER_KEY", MASTER_KEY)]);
    assert!(message.contains("proxy.key") && message.contains("mode 0644"), "{message}");
    assert!(message.contains(&format!("chmod 600 {}", path.display())), "{message}");

    // Fixed, the same file is read again: sessions survive the restart.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let again = Proxy::start_with(Options { dir: Some(dir), ..Default::default() });
    assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    assert_eq!(ui_status(&again, &cookie), 200);
}

#[test]
fn proxies_sharing_proxy_secret_key_its_file_or_litellm_salt_key_accept_each_others_sessions() {
    let holder = tempfile::tempdir().unwrap();
    let secret_file = holder.path().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let other_file = holder.path().join("other");
    std::fs::write(&other_file, OTHER_SECRET).unwrap();
    let start = |env: Vec<(&'static str, String)>| Proxy::start_with(Options { env, ..Default::default() });

    // Each on its own database; the variable that wins is the one holding SECRET.
    let by_value = start(vec![
        ("PROXY_SECRET_KEY", SECRET.into()),
        ("PROXY_SECRET_KEY_FILE", other_file.display().to_string()),
        ("LITELLM_SALT_KEY", OTHER_SECRET.into()),
    ]);
    let by_file = start(vec![
        ("PROXY_SECRET_KEY_FILE", secret_file.display().to_string()),
        ("LITELLM_SALT_KEY", OTHER_SECRET.into()),
    ]);
    let by_salt = start(vec![("LITELLM_SALT_KEY", SECRET.into())]);
    let by_key_file = Proxy::start();

    let cookie = admin_cookie(&by_value);
    assert_eq!(ui_status(&by_file, &cookie), 200, "PROXY_SECRET_KEY_FILE");
    assert_eq!(ui_status(&by_salt, &cookie), 200, "LITELLM_SALT_KEY");
    assert_eq!(ui_status(&by_value, &admin_cookie(&by_salt)), 200);
    assert_eq!(ui_status(&by_key_file, &cookie), 303, "another secret refuses it");
    for proxy in [&by_value, &by_file, &by_salt] {
        assert!(!key_file(proxy).exists(), "a key file was made although the secret is configured");
    }
}

#[test]
fn a_short_secret_is_refused_at_start() {
    for variable in ["PROXY_SECRET_KEY", "LITELLM_SALT_KEY"] {
        let dir = tempfile::tempdir().unwrap();
        let message = start_refused(dir.path(), &[("LITELLM_MASTER_KEY", MASTER_KEY), (variable, "sk-1234-too-short")]);
        assert!(message.contains(&format!("environment variable {variable}")), "{message}");
        assert!(message.contains("secret_key: is too short (17 characters)"), "{message}");
        assert!(message.contains("at least 32"), "{message}");
        assert!(!dir.path().join("proxy.db").exists(), "the database was created despite the bad secret");
    }
}

#[test]
fn a_backup_holds_neither_the_key_file_nor_the_secret() {
    let proxy = Proxy::start();
    let secret = std::fs::read_to_string(key_file(&proxy)).expect("the key file");
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("copy.db");
    let output = run(proxy.dir.path(), &["backup", target.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("proxy.key is not in the backup"), "{}", text(&output));

    let files: Vec<String> =
        std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert_eq!(files, ["copy.db"]);
    let bytes = std::fs::read(&target).unwrap();
    assert!(!contains(&bytes, secret.trim().as_bytes()), "the backup holds the key file's secret");
    let names = setting_names(&target);
    assert!(!names.iter().any(|n| n.contains("secret")), "a secret in the backup's settings: {names:?}");
}

#[test]
fn a_weak_master_key_is_refused_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let message = start_refused(dir.path(), &[("LITELLM_MASTER_KEY", "sk-1234")]);
    assert!(message.contains("environment variable LITELLM_MASTER_KEY: general_settings.master_key"), "{message}");
    assert!(message.contains("documented example key"), "{message}");
    assert!(message.contains("LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY=true"), "{message}");
    assert!(!dir.path().join("proxy.db").exists());
}

#[test]
fn a_weak_master_key_starts_when_dangerously_permitted_with_a_loud_warning() {
    let proxy = Proxy::start_with(Options {
        master_key: Some("sk-1234"),
        env: vec![("LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY", "true".into())],
        ..Default::default()
    });
    let banner = "WARNING: the master key is LiteLLM's documented example key";
    let output = proxy.output_with(banner);
    assert!(output.contains(banner), "{output}");
    // Once in the log (for collectors), once as a banner on stderr.
    let twice = |output: &str| output.matches("anyone who knows or guesses it is proxy admin").count() == 2;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut output = output;
    while !twice(&output) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        output = proxy.output();
    }
    assert!(twice(&output), "{output}");
    assert_eq!(proxy.admin().get("/key/list").0, 200, "the master key works");
    assert_eq!(proxy.client(Some("sk-12345")).get("/key/list").0, 401);
}
