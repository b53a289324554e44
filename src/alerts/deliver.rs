//! Sending outbox rows: `slack` posts `{"text": ...}` (what Slack's incoming webhooks and
//! their look-alikes read), `webhook` posts the JSON event, `email` sends a plain-text
//! mail to the row's recipients through `[email]`. A failed send is tried again after
//! 30 s, then twice as long each time up to an hour, until `store::MAX_ATTEMPTS`.
//! Error texts never carry the webhook URL (a Slack URL is a secret).

use super::store::{self, Outgoing};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Rows sent per run at most (the rest wait for the next run).
const BATCH: u32 = 50;

/// The client for webhooks: short timeouts, no redirects (a webhook that redirects is
/// misconfigured, and following it could leak the payload elsewhere).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

/// When a row that failed `attempts` times (this one included) is tried next.
pub fn retry_at(now: DateTime<Utc>, attempts: i64) -> DateTime<Utc> {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    let seconds = (30_i64 << exponent).min(3600);
    now + chrono::Duration::seconds(seconds)
}

async fn post(client: &reqwest::Client, url: Option<&str>, what: &str, body: String) -> Result<(), String> {
    let url = url.filter(|u| !u.trim().is_empty()).ok_or_else(|| format!("{what} is not set"))?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("the {what} could not be reached: {}", e.without_url()))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("the {what} answered {status}")) }
}

/// Sends one row through its channel.
pub async fn send(state: &AppState, client: &reqwest::Client, row: &Outgoing) -> Result<(), String> {
    let general = &state.config.settings.general_settings;
    match row.channel.as_str() {
        "slack" => {
            let text = format!("*{}* ({})\n{}", row.alert_type, row.event, row.message);
            let url = general.slack_webhook_url.as_ref().map(|s| s.expose());
            post(client, url, "slack_webhook_url", serde_json::json!({ "text": text }).to_string()).await
        }
        "webhook" => {
            let url = general.webhook_url.as_ref().map(|s| s.expose());
            post(client, url, "webhook_url", row.payload.clone()).await
        }
        "email" => {
            let to: Vec<String> = serde_json::from_str(&row.recipients).unwrap_or_default();
            if to.is_empty() {
                return Err("no recipient has an email address (set the admins' user_email)".into());
            }
            let subject = format!("LLM proxy alert: {}", row.event.replace('_', " "));
            crate::email::send_text(&state.config.settings.email, &to, &subject, &row.message).await
        }
        other => Err(format!("`{other}` is not an alert channel")),
    }
}

/// Sends every due row once (`all_pending`: every pending row, due or not); returns how
/// many were sent.
pub async fn run_once(
    state: &AppState,
    client: &reqwest::Client,
    all_pending: bool,
) -> Result<usize, crate::db::DbError> {
    let until = if all_pending { "9999".to_string() } else { crate::time::format(state.clock.now()) };
    let rows = state.db.read(move |conn| store::due(conn, &until, BATCH)).await?;
    let mut sent = 0;
    for row in rows {
        let outcome = send(state, client, &row).await;
        let now = state.clock.now();
        let id = row.id;
        match outcome {
            Ok(()) => {
                let at = crate::time::format(now);
                state.db.write(move |tx| store::sent(tx, id, &at)).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(alert = id, channel = %row.channel, error = %error, "an alert could not be sent; trying again later");
                let retry = crate::time::format(retry_at(now, row.attempts + 1));
                state.db.write(move |tx| store::failed(tx, id, &error, &retry)).await?;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let now = crate::time::parse("2026-01-01T00:00:00Z").unwrap();
        let after = |n| (retry_at(now, n) - now).num_seconds();
        assert_eq!([after(1), after(2), after(3), after(8), after(30)], [30, 60, 120, 3600, 3600]);
    }
}
