//! The process' own metrics, under the names Prometheus' client libraries use (and
//! LiteLLM's `/metrics` shows): resident and virtual memory, CPU seconds, open and allowed
//! file descriptors, the start time. Read from `/proc/self` at each scrape, so they cost
//! nothing between scrapes; elsewhere than Linux they are left out.

use super::exposition::{Kind, header, sample};
use std::path::Path;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

pub fn write(out: &mut String) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return };
    // The fields after the command name (which may hold spaces) in parentheses.
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return };
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `after` starts at field 3 (state); utime is field 14, stime 15, starttime 22.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v * 1024.0)
    };
    if let Some(bytes) = kib("VmSize:") {
        header(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", Kind::Gauge);
        sample(out, "process_virtual_memory_bytes", &[], bytes);
    }
    if let Some(bytes) = kib("VmRSS:") {
        header(out, "process_resident_memory_bytes", "Resident memory size in bytes.", Kind::Gauge);
        sample(out, "process_resident_memory_bytes", &[], bytes);
    }
    if let (Some(boot), Some(start)) = (boot_time(), field(22)) {
        header(
            out,
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            Kind::Gauge,
        );
        sample(out, "process_start_time_seconds", &[], boot + start / TICKS_PER_SECOND);
    }
    if let (Some(user), Some(system)) = (field(14), field(15)) {
        header(out, "process_cpu_seconds", "Total user and system CPU time spent in seconds.", Kind::Counter);
        sample(out, "process_cpu_seconds_total", &[], (user + system) / TICKS_PER_SECOND);
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        header(out, "process_open_fds", "Number of open file descriptors.", Kind::Gauge);
        sample(out, "process_open_fds", &[], entries.count() as f64);
    }
    if let Some(max) = max_open_files(Path::new("/proc/self/limits")) {
        header(out, "process_max_fds", "Maximum number of open file descriptors.", Kind::Gauge);
        sample(out, "process_max_fds", &[], max);
    }
}

fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines().find_map(|l| l.strip_prefix("btime ")).and_then(|v| v.trim().parse().ok())
}

/// The soft limit on open files (`unlimited` is left out).
fn max_open_files(limits: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(limits).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn reads_this_process() {
        let mut out = String::new();
        super::write(&mut out);
        for name in [
            "process_resident_memory_bytes ",
            "process_cpu_seconds_total ",
            "process_open_fds ",
            "process_start_time_seconds ",
        ] {
            assert!(out.contains(name), "{name} missing in {out}");
        }
    }
}
