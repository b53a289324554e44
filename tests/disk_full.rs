//! A full disk: changes fail with 503 and a clear message, nothing half-written, and the
//! proxy keeps serving reads. Needs a small tmpfs, so it runs as root (as CI does).

mod common;

use common::{Options, Proxy};
use serde_json::json;
use std::process::Command;

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_refuses_writes_with_503_and_keeps_serving_reads() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(dir.path())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(mounted, "this test mounts a small tmpfs and must run as root (as .ci/run does)");
    let _mount = Mount(dir.path().to_path_buf());

    let proxy =
        Proxy::start_with(Options { dir: Some(tempfile::TempDir::new_in(dir.path()).unwrap()), ..Default::default() });
    let admin = proxy.admin();
    let (status, body) = admin.post("/user/new", json!({"user_email": "before@example.com", "auto_create_key": false}));
    assert_eq!(status, 200, "{body}");

    // Fill what is left of the disk.
    let filler = dir.path().join("filler");
    let _ = Command::new("dd").arg("if=/dev/zero").arg(format!("of={}", filler.display())).args(["bs=64k"]).output();

    let mut refused = None;
    for i in 0..200 {
        let alias = "x".repeat(2000);
        let (status, body) = admin.post(
            "/user/new",
            json!({"user_email": format!("u{i}@example.com"), "user_alias": alias, "auto_create_key": false}),
        );
        if status != 200 {
            refused = Some((status, body));
            break;
        }
    }
    let (status, body) = refused.expect("the disk never filled up");
    assert_eq!(status, 503, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("disk is full"), "{body}");

    // Reads still work, and the proxy is still up.
    assert_eq!(admin.get("/health/liveliness").0, 200);
    let (status, body) = admin.get("/user/list");
    assert_eq!(status, 200, "{body}");

    // Once space is back, writes work again.
    std::fs::remove_file(&filler).unwrap();
    let (status, body) = admin.post("/user/new", json!({"user_email": "after@example.com", "auto_create_key": false}));
    assert_eq!(status, 200, "{body}");
}
