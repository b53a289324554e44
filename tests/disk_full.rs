//! A full disk: changes fail with 503 and a clear message, nothing half-written, and the
//! proxy keeps serving reads; model requests are refused before the upstream is called
//! (and paid) until spend can be recorded again. Needs a small tmpfs, so it runs as root
//! (as CI does).

mod common;

use common::mock_upstream::mock;
use common::{Options, Proxy};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A directory on an 8 MB tmpfs, unmounted when the guard drops.
fn small_disk() -> (tempfile::TempDir, Mount) {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(dir.path())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(mounted, "this test mounts a small tmpfs and must run as root (as .ci/run does)");
    let mount = Mount(dir.path().to_path_buf());
    (dir, mount)
}

/// Fills what is left of the disk; the file is returned to free the space again.
fn fill(disk: &Path) -> std::path::PathBuf {
    let filler = disk.join("filler");
    let _ = Command::new("dd").arg("if=/dev/zero").arg(format!("of={}", filler.display())).args(["bs=64k"]).output();
    filler
}

#[test]
fn a_full_disk_refuses_writes_with_503_and_keeps_serving_reads() {
    let (dir, _mount) = small_disk();

    let proxy =
        Proxy::start_with(Options { dir: Some(tempfile::TempDir::new_in(dir.path()).unwrap()), ..Default::default() });
    let admin = proxy.admin();
    let (status, body) = admin.post("/user/new", json!({"user_email": "before@example.com", "auto_create_key": false}));
    assert_eq!(status, 200, "{body}");

    let filler = fill(dir.path());

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

/// Issue 12, finding 11g: once a spend commit has failed for lack of space, model requests
/// are refused before the upstream call (which would be paid for an answer that cannot be
/// charged), and served again once there is space, without a restart.
#[test]
fn a_full_disk_refuses_model_requests_before_the_upstream_until_there_is_space() {
    let (dir, _mount) = small_disk();
    let upstream = "disk-full+p=10+c=5";
    let config = common::model("disk-model", upstream, 0.001, 0.002);
    let proxy = Proxy::start_with(Options {
        config: Some(&config),
        dir: Some(tempfile::TempDir::new_in(dir.path()).unwrap()),
        ..Default::default()
    });
    let admin = proxy.admin();
    let chat = json!({"model": "disk-model", "messages": [{"role": "user", "content": "hi"}]});
    let (status, body) = admin.post("/v1/chat/completions", chat.clone());
    assert_eq!(status, 200, "{body}");

    let filler = fill(dir.path());
    // Answered until a spend commit finds no space (that request reached the upstream).
    let failed = (0..2000).map(|_| admin.post("/v1/chat/completions", chat.clone())).find(|(status, _)| *status != 200);
    let (status, body) = failed.expect("the disk never filled up");
    assert_eq!(status, 503, "{body}");
    let calls = mock().calls(upstream);

    for _ in 0..3 {
        let (status, body) = admin.post("/v1/chat/completions", chat.clone());
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["type"], "no_db_connection", "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("disk is full") && message.contains("no upstream call"), "{body}");
    }
    assert_eq!(mock().calls(upstream), calls, "no upstream call while the disk is full");

    // Space again: within a probe interval or two, requests are served (no restart).
    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = admin.post("/v1/chat/completions", chat.clone());
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(Instant::now() < deadline, "still refused after space was freed: {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(mock().calls(upstream), calls + 1, "only the served request reached the upstream");
}
