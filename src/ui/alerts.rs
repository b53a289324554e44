//! `/ui/alerts`: the latest alerts with their channel and fate (sent, waiting for a retry
//! with the channel's last error, or given up), and the alert settings in force, for
//! admins and admin viewers (the policy's `AlertRead`).

use super::{Signed, page};
use crate::auth::policy::{self, Op};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

/// Rows the page lists.
const SHOWN: u32 = 200;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/alerts", get(show))
}

async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    if let Err(error) = policy::authorize(&state, &signed.caller, Op::AlertRead) {
        return super::keys::refused(&error);
    }
    let rows = match state.db.read(|conn| crate::alerts::store::recent(conn, SHOWN)).await {
        Ok(rows) => rows,
        Err(error) => return super::keys::refused(&error.into()),
    };
    let general = &state.config.settings.general_settings;
    let types: Vec<&str> = match &general.alert_types {
        Some(types) => types.iter().map(String::as_str).collect(),
        None => crate::alerts::ALERT_TYPES.to_vec(),
    };
    let context = minijinja::context! {
        rows,
        channels => general.alerting,
        types,
        email_ready => crate::email::configured(&state.config.settings.email),
        slack_set => general.slack_webhook_url.is_some(),
        webhook_set => general.webhook_url.is_some(),
        ..signed.context(&state, "Alerts", "/ui/alerts")
    };
    page(StatusCode::OK, "alerts.html", context)
}
