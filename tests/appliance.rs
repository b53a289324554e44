//! The appliance as a user meets it: start with no config, read the printed master key,
//! one owner per database, backups of a running server.

mod common;

use common::{Options, Proxy};

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

    // A restart on the same database keeps the key and does not print it again.
    let dir = proxy.stop();
    let again = Proxy::start_with(Options { master_key: Some(""), dir: Some(dir), ..Default::default() });
    assert!(!again.output().contains("LITELLM_MASTER_KEY="), "printed twice:\n{}", again.output());
}
