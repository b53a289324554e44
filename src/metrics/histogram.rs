//! A latency histogram made of atomics: one count per bucket (not cumulative; the
//! exposition adds them up) and the sum in microseconds, so observing is a few relaxed
//! additions. The buckets are LiteLLM's (`LATENCY_BUCKETS`), so dashboards' `le`
//! selectors keep matching.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// LiteLLM's latency buckets in seconds, `+Inf` left implicit.
pub const LATENCY_BUCKETS: [f64; 17] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 420.0, 600.0];

#[derive(Debug, Default)]
pub struct Histogram {
    /// One per bucket, then the values above the last bound.
    counts: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, value: Duration) {
        let seconds = value.as_secs_f64();
        let index = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound).unwrap_or(LATENCY_BUCKETS.len());
        self.counts[index].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The per-bucket counts (not cumulative) and the sum in seconds.
    pub fn snapshot(&self) -> ([u64; LATENCY_BUCKETS.len() + 1], f64) {
        let counts = std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed));
        (counts, self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6)
    }

    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|c| c.load(Ordering::Relaxed) == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_first_bucket_that_holds_them() {
        let h = Histogram::default();
        h.observe(Duration::from_millis(5));
        h.observe(Duration::from_millis(6));
        h.observe(Duration::from_secs(700));
        let (counts, sum) = h.snapshot();
        assert_eq!((counts[0], counts[1], counts[LATENCY_BUCKETS.len()]), (1, 1, 1));
        assert!((sum - 700.011).abs() < 1e-9, "{sum}");
    }
}
