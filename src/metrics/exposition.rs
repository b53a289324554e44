//! Prometheus' text exposition format (version 0.0.4), written by hand: `# HELP` and
//! `# TYPE` lines per family, then its samples. A counter family `x` has samples named
//! `x_total` (as Python's `prometheus_client` names LiteLLM's counters); a histogram has
//! cumulative `x_bucket{le=...}` samples ending with `+Inf`, then `x_sum` and `x_count`.

use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// The `# HELP` and `# TYPE` lines of a family.
pub fn header(out: &mut String, name: &str, help: &str, kind: Kind) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {}", kind.as_str());
}

/// One sample line; `name` is the sample's full name (`x_total`, `x_bucket`, ...).
pub fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"{}\"", escape_label_value(value));
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&number(value));
    out.push('\n');
}

/// A histogram's samples: `counts` holds one count per bucket of `bounds` plus one for
/// the values above the last bound (not cumulative); the lines are.
pub fn histogram(out: &mut String, name: &str, labels: &[(&str, &str)], bounds: &[f64], counts: &[u64], sum: f64) {
    let bucket = format!("{name}_bucket");
    let mut running = 0u64;
    for (i, count) in counts.iter().enumerate() {
        running += count;
        let le = bounds.get(i).map_or_else(|| "+Inf".to_string(), |b| number(*b));
        let mut with_le: Vec<(&str, &str)> = labels.to_vec();
        with_le.push(("le", &le));
        sample(out, &bucket, &with_le, running as f64);
    }
    sample(out, &format!("{name}_sum"), labels, sum);
    sample(out, &format!("{name}_count"), labels, running as f64);
}

/// A value as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, integers without a fraction.
pub fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.1}")
    } else {
        format!("{value}")
    }
}

/// Label values escape backslash, double quote and line feed.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Help text escapes backslash and line feed.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_have_help_and_type_and_counters_end_in_total() {
        let mut out = String::new();
        header(&mut out, "litellm_spend_metric", "Total spend\\on \"LLM\" requests\nin USD", Kind::Counter);
        sample(&mut out, "litellm_spend_metric_total", &[("team", "a\"b\\c\nd"), ("user", "")], 0.25);
        assert_eq!(
            out,
            "# HELP litellm_spend_metric Total spend\\\\on \"LLM\" requests\\nin USD\n\
             # TYPE litellm_spend_metric counter\n\
             litellm_spend_metric_total{team=\"a\\\"b\\\\c\\nd\",user=\"\"} 0.25\n"
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let mut out = String::new();
        histogram(&mut out, "lat", &[("model", "m")], &[0.1, 1.0], &[2, 0, 3], 7.5);
        assert_eq!(
            out,
            "lat_bucket{model=\"m\",le=\"0.1\"} 2.0\n\
             lat_bucket{model=\"m\",le=\"1.0\"} 2.0\n\
             lat_bucket{model=\"m\",le=\"+Inf\"} 5.0\n\
             lat_sum{model=\"m\"} 7.5\n\
             lat_count{model=\"m\"} 5.0\n"
        );
    }

    #[test]
    fn numbers_are_written_as_prometheus_reads_them() {
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(3.0), "3.0");
        assert_eq!(number(0.005), "0.005");
        assert_eq!(number(1e20), "100000000000000000000");
    }
}
