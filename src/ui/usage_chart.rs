//! Bar charts as server-rendered SVG (no chart library): the page's template draws the
//! rectangles computed here, so values are escaped like any other text and the chart
//! shows without JavaScript. Scales round up to a readable maximum.

use serde::Serialize;

pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 180.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 22.0;

#[derive(Serialize)]
pub struct Bar {
    pub x: f64,
    pub w: f64,
    /// Lower segment (first series).
    pub y1: f64,
    pub h1: f64,
    /// Upper segment (second series, stacked; zero height when there is none).
    pub y2: f64,
    pub h2: f64,
    pub title: String,
}

#[derive(Serialize)]
pub struct Tick {
    pub y: f64,
    pub label: String,
}

#[derive(Serialize)]
pub struct Label {
    pub x: f64,
    pub text: String,
}

#[derive(Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub base: f64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub labels: Vec<Label>,
}

/// 1, 2 or 5 times a power of ten, at or above `value`.
fn nice(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|v| *v >= value).unwrap_or(10.0 * power)
}

/// Stacked bars of `(label, first, second)` points; `fmt` writes axis and hover values.
pub fn bars(
    points: &[(String, f64, f64)],
    fmt: impl Fn(f64) -> String,
    title: impl Fn(&str, f64, f64) -> String,
) -> Chart {
    // Four gridlines at round values: the step is nice, not the maximum.
    let max = nice(points.iter().map(|(_, a, b)| a + b).fold(0.0, f64::max) / 4.0) * 4.0;
    let plot_h = HEIGHT - BOTTOM - 8.0;
    let base = HEIGHT - BOTTOM;
    let slot = (WIDTH - LEFT) / points.len().max(1) as f64;
    let w = (slot * 0.75).max(1.0);
    let scale = |v: f64| v / max * plot_h;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, a, b))| {
            let x = LEFT + i as f64 * slot + (slot - w) / 2.0;
            let (h1, h2) = (scale(*a), scale(*b));
            Bar { x, w, y1: base - h1, h1, y2: base - h1 - h2, h2, title: title(label, *a, *b) }
        })
        .collect();
    let ticks = (0..=4).map(|i| {
        let value = max * f64::from(i) / 4.0;
        Tick { y: base - scale(value), label: fmt(value) }
    });
    let every = points.len().div_ceil(8).max(1);
    let labels = points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, (label, _, _))| Label {
            x: LEFT + i as f64 * slot + slot / 2.0,
            text: label.get(5..).unwrap_or(label).to_string(),
        })
        .collect();
    Chart { width: WIDTH, height: HEIGHT, left: LEFT, base, bars, ticks: ticks.collect(), labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_round_up_and_bars_fit() {
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(nice(3.2), 5.0);
        assert_eq!(nice(0.013), 0.02);
        let chart = bars(
            &[("2026-01-01".into(), 2.0, 1.0), ("2026-01-02".into(), 0.0, 0.0)],
            |v| format!("{v}"),
            |_, _, _| String::new(),
        );
        assert_eq!(chart.bars.len(), 2);
        assert!(chart.bars.iter().all(|b| b.y2 >= 0.0 && b.y1 + b.h1 <= chart.base + 0.01));
        assert_eq!(chart.labels[0].text, "01-01");
    }
}
