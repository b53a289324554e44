//! Outgoing email (optional): the invitation link and alerts, sent through the SMTP server of
//! `[email]` with lettre (rustls, no OpenSSL, so the binary stays static). Email is off
//! while `smtp_host` is unset. A send that fails is reported to the caller and logged;
//! it never undoes what the email was about (the invitation is already stored).

use crate::config::{EmailSettings, SmtpSecurity};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one send may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(15);

pub fn configured(settings: &EmailSettings) -> bool {
    settings.smtp_host.as_deref().is_some_and(|h| !h.trim().is_empty())
}

fn transport(settings: &EmailSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = settings.smtp_host.as_deref().ok_or("email is not configured: set smtp_host in [email]")?;
    let builder = match settings.smtp_security {
        SmtpSecurity::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(|e| e.to_string())?
        }
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| e.to_string())?,
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
    };
    let mut builder = builder.port(settings.smtp_port).timeout(Some(TIMEOUT));
    if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
    }
    Ok(builder.build())
}

/// Sends the invitation link to `to`. The error says what went wrong, for the caller.
pub async fn send_invitation(settings: &EmailSettings, to: &str, link: &str, expires_at: &str) -> Result<(), String> {
    let from = settings
        .smtp_from
        .clone()
        .or_else(|| settings.smtp_username.clone())
        .ok_or("set smtp_from in [email]: the sender address of invitation emails")?;
    let message = Message::builder()
        .from(from.parse().map_err(|e| format!("smtp_from `{from}` is not an address: {e}"))?)
        .to(to.parse().map_err(|e| format!("`{to}` is not an email address: {e}"))?)
        .subject("You are invited to the LLM proxy")
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "Hello,\n\nyou have been invited to the LLM proxy. Open this link to set your password:\n\n{link}\n\n\
             The link works once, until {expires_at}.\n"
        ))
        .map_err(|e| format!("cannot build the email: {e}"))?;
    transport(settings)?.send(message).await.map(|_| ()).map_err(|e| format!("the SMTP server refused or failed: {e}"))
}

/// Sends a plain-text email to every address of `to` (alerts). The error says what went
/// wrong, for the caller.
pub async fn send_text(settings: &EmailSettings, to: &[String], subject: &str, body: &str) -> Result<(), String> {
    let from = settings
        .smtp_from
        .clone()
        .or_else(|| settings.smtp_username.clone())
        .ok_or("set smtp_from in [email]: the sender address of alert emails")?;
    let mut builder = Message::builder()
        .from(from.parse().map_err(|e| format!("smtp_from `{from}` is not an address: {e}"))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for address in to {
        builder = builder.to(address.parse().map_err(|e| format!("`{address}` is not an email address: {e}"))?);
    }
    let message = builder.body(body.to_string()).map_err(|e| format!("cannot build the email: {e}"))?;
    transport(settings)?.send(message).await.map(|_| ()).map_err(|e| format!("the SMTP server refused or failed: {e}"))
}
