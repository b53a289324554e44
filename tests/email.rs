//! Invitation emails against a local SMTP server started by the test (a minimal one, on
//! loopback): the link arrives; with the server down the invitation is still made and the
//! answer says the email was not sent.

mod common;

use common::smtp::smtp_server;
use common::{Options, Proxy};
use serde_json::json;
use std::net::TcpListener;

fn config(port: u16) -> String {
    format!("[server]\nbase_url = \"https://llm.example.com\"\n{}", email_only(port))
}

fn email_only(port: u16) -> String {
    format!(
        "[email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_security = \"none\"\nsmtp_from = \"proxy@example.com\"\n"
    )
}

#[test]
fn an_invitation_emails_its_link() {
    let (port, messages) = smtp_server();
    let config = config(port);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let (_, user) = proxy.admin().post("/user/new", json!({"user_email": "invitee@example.com"}));
    let (status, invite) = proxy.admin().post("/invitation/new", json!({"user_id": user["user_id"]}));
    assert_eq!(status, 200, "{invite}");
    assert_eq!(invite["email_sent"], true, "{invite}");
    let messages = messages.lock().unwrap();
    assert_eq!(messages.len(), 1);
    // The body is quoted-printable (the link line is long): undo the soft breaks and `=`.
    let mail = messages[0].replace("=\r\n", "").replace("=3D", "=");
    assert!(mail.contains("To: invitee@example.com"), "{mail}");
    let link = invite["invitation_link"].as_str().unwrap();
    assert!(link.starts_with("https://llm.example.com/ui/onboarding?id="), "{link}");
    assert!(mail.contains(link), "{mail}");
}

#[test]
fn without_a_base_url_no_link_is_emailed_to_a_host_a_request_named() {
    let (port, messages) = smtp_server();
    let config = email_only(port);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let (_, user) = proxy.admin().post("/user/new", json!({"user_email": "invitee@example.com"}));
    let response = reqwest::blocking::Client::new()
        .post(proxy.url("/invitation/new"))
        .bearer_auth(&proxy.master_key)
        .header("host", "evil.example")
        .json(&json!({"user_id": user["user_id"]}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let invite: serde_json::Value = response.json().unwrap();
    assert_eq!(invite["email_sent"], false, "{invite}");
    assert!(invite["email_error"].as_str().unwrap().contains("base_url"), "{invite}");
    assert!(messages.lock().unwrap().is_empty());
}

#[test]
fn a_failed_send_is_reported_and_the_invitation_kept() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = config(port);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let (_, user) = proxy.admin().post("/user/new", json!({"user_email": "invitee@example.com"}));
    let (status, invite) = proxy.admin().post("/invitation/new", json!({"user_id": user["user_id"]}));
    assert_eq!(status, 200, "{invite}");
    assert_eq!(invite["email_sent"], false);
    assert!(invite["email_error"].as_str().is_some_and(|e| !e.is_empty()), "{invite}");
    let (status, info) =
        proxy.admin().get(&format!("/invitation/info?invitation_id={}", invite["id"].as_str().unwrap()));
    assert_eq!(status, 200, "{info}");
}
