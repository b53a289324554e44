//! How many client connections the server holds at once. Every connection is a file
//! descriptor, and so is the upstream connection a model request opens; once the process
//! runs out of them `accept` fails and nobody is served, however few requests are
//! actually in flight. So past `server.max_connections` (lowered to fit the open-file
//! limit) new connections are closed at once, and the log says so once a minute rather
//! than once per connection.

use std::time::{Duration, Instant};

/// File descriptors kept for everything but client connections (database, journal,
/// listener, logs, DNS, SSO and email clients).
const RESERVED_FILES: u64 = 64;
/// How often the refusal is logged while it goes on.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// The connection limit to enforce: the configured one, lowered so that each connection
/// and one upstream connection for it fit in the open-file limit.
pub fn max_connections(configured: usize) -> usize {
    let configured = configured.max(1);
    let Some(files) = open_files_limit() else { return configured };
    let fits = usize::try_from(files.saturating_sub(RESERVED_FILES) / 2).unwrap_or(usize::MAX).max(1);
    if fits < configured {
        tracing::info!(
            max_connections = fits,
            configured,
            open_files_limit = files,
            "max_connections lowered to fit the open-file limit; raise `ulimit -n` to allow more"
        );
        return fits;
    }
    configured
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere or
/// when unlimited.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_files(&limits)
}

fn parse_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files").split_whitespace().next()?.parse().ok()
}

/// Logs refused connections: the first at once, then a count at most once a minute.
#[derive(Default)]
pub struct RefusalLog {
    last_logged: Option<Instant>,
    unlogged: u64,
}

impl RefusalLog {
    pub fn refused(&mut self, limit: usize, now: Instant) {
        self.unlogged += 1;
        if self.last_logged.is_some_and(|at| now.duration_since(at) < LOG_EVERY) {
            return;
        }
        tracing::warn!(
            max_connections = limit,
            refused = self.unlogged,
            "connection limit reached: new connections are closed until open ones end (server.max_connections)"
        );
        self.last_logged = Some(now);
        self.unlogged = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_soft_open_files_limit() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max processes             63304                63304                processes \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_files(text), Some(1024));
        assert_eq!(parse_open_files("Max open files            unlimited   unlimited   files"), None);
        assert_eq!(parse_open_files(""), None);
    }

    #[test]
    fn refusals_are_logged_once_a_minute() {
        let mut log = RefusalLog::default();
        let start = Instant::now();
        log.refused(2, start);
        assert_eq!(log.unlogged, 0);
        log.refused(2, start + Duration::from_secs(1));
        log.refused(2, start + Duration::from_secs(2));
        assert_eq!(log.unlogged, 2);
        log.refused(2, start + LOG_EVERY);
        assert_eq!(log.unlogged, 0);
    }
}
