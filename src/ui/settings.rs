//! `/ui/settings` (proxy admins): the effective configuration with secrets masked, the
//! version, the database file and its size, the spend rows it holds (how many, the oldest)
//! and the retention in force, and a backup download made by the same
//! function as `proxy backup` (`db::backup_to`: a consistent `VACUUM INTO` copy while the
//! proxy keeps serving). The copy goes to a temporary file that is unlinked as soon as it
//! is open, so nothing is left behind whether or not the download finishes.

use super::{Signed, message, page};
use crate::auth::Role;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::path::{Path, PathBuf};
use tokio::io::AsyncReadExt;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/settings", get(show)).route("/ui/settings/backup", post(backup))
}

fn admins_only() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Admins only",
        "Only proxy admins can see the settings.",
        Some(("/ui", "Back to the overview")),
    )
}

/// The database file with its WAL (what a copy of the file alone would miss).
fn size_of(path: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    [path.to_path_buf(), wal].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}

fn human(bytes: u64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{value:.1} {}", units[unit]) }
}

async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    if signed.role() != Role::ProxyAdmin {
        return admins_only();
    }
    let path = PathBuf::from(&state.config.settings.server.database_path);
    let held = match state.db.read(crate::spend::retention::held).await {
        Ok(held) => Some(held),
        Err(e) => {
            tracing::warn!(error = %e, "cannot count the spend rows for the settings page");
            None
        }
    };
    let general = &state.config.settings.general_settings;
    let context = minijinja::context! {
        version => env!("CARGO_PKG_VERSION"),
        config => state.config.to_masked_toml(),
        config_file => state.config.file.as_ref().map(|f| f.display().to_string()),
        database => path.display().to_string(),
        size => human(size_of(&path)),
        spend_rows => held.as_ref().map(|h| h.rows),
        oldest_spend_row => held.and_then(|h| h.oldest).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        retention_period => general.maximum_spend_logs_retention_period.clone(),
        retention_interval => general.maximum_spend_logs_retention_interval.clone(),
        payload_capture => general.store_prompts_in_spend_logs,
        payload_period => general.payload_retention_period.clone(),
        uptime_minutes => state.started_at.elapsed().as_secs() / 60,
        ..signed.context(&state, "Settings", "/ui/settings")
    };
    page(StatusCode::OK, "settings.html", context)
}

async fn backup(State(state): State<AppState>, signed: Signed) -> Response {
    if signed.role() != Role::ProxyAdmin {
        return admins_only();
    }
    let source = PathBuf::from(&state.config.settings.server.database_path);
    let target = std::env::temp_dir().join(format!("proxy-backup-{}.db", uuid::Uuid::new_v4().simple()));
    let copy = target.clone();
    let made = tokio::task::spawn_blocking(move || crate::db::backup_to(&source, &copy)).await;
    let failed = |detail: String| {
        tracing::error!(error = %detail, "backup download failed");
        message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Backup failed",
            "The copy could not be made; the proxy logged why.",
            Some(("/ui/settings", "Back to settings")),
        )
    };
    let size = match made {
        Ok(Ok(size)) => size,
        Ok(Err(e)) => return failed(e.to_string()),
        Err(e) => return failed(e.to_string()),
    };
    let file = tokio::fs::File::open(&target).await;
    // Unlinked while open: the data lives until the stream drops the handle.
    if let Err(e) = tokio::fs::remove_file(&target).await {
        tracing::warn!(error = %e, file = %target.display(), "could not remove the temporary backup file");
    }
    let file = match file {
        Ok(file) => file,
        Err(e) => return failed(e.to_string()),
    };
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let name = format!("attachment; filename=\"proxy-backup-{}.db\"", state.clock.now().format("%Y%m%d-%H%M%S"));
    (
        [
            (header::CONTENT_TYPE, "application/vnd.sqlite3".to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_for_people() {
        assert_eq!(super::human(512), "512 bytes");
        assert_eq!(super::human(3 * 1024 * 1024), "3.0 MiB");
    }
}
