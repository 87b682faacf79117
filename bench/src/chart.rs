//! The latency distributions as one SVG (hand-written, no dependencies): a cumulative
//! distribution per series, on a logarithmic time axis, one panel per figure: the cold starts
//! (init, first invocation) and each warm operation next to its floors.

use std::fmt::Write as _;

use crate::Results;
use crate::stats::sorted;

const PANEL_W: f64 = 610.0;
const PANEL_H: f64 = 250.0;
const MARGIN_L: f64 = 46.0;
const MARGIN_R: f64 = 220.0;
const MARGIN_T: f64 = 28.0;
const MARGIN_B: f64 = 34.0;
const COLUMNS: usize = 2;
const COLORS: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939",
];

struct Series {
    name: String,
    values: Vec<f64>,
    color: &'static str,
    dash: &'static str,
}

struct Panel {
    title: String,
    series: Vec<Series>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn svg(results: &Results) -> String {
    let mut panels = Vec::new();
    let color = |i: usize| COLORS[i % COLORS.len()];

    let mut init = Panel {
        title: format!(
            "Cold start: init (exec → first poll), {} runs each",
            results.config.cold_runs
        ),
        series: Vec::new(),
    };
    let mut first = Panel {
        title: format!(
            "Cold start: first invocation (exec → response), {} runs",
            results.config.cold_runs
        ),
        series: Vec::new(),
    };
    let mut function_index = 0;
    for row in &results.cold {
        let (c, dash) = match row.binary.as_str() {
            "floor-echo" => ("#000000", "2,3"),
            "floor-sdk" => (color(function_index), "6,3"),
            _ => {
                let c = color(function_index);
                function_index += 1;
                (c, "")
            }
        };
        // Init does not depend on the calls: one floor-sdk init series is enough.
        if row.binary != "floor-sdk" || !init.series.iter().any(|s| s.name == "floor-sdk") {
            init.series.push(Series {
                name: if row.binary == "floor-sdk" {
                    "floor-sdk".into()
                } else {
                    row.label.clone()
                },
                values: if row.binary == "floor-sdk" {
                    results
                        .cold
                        .iter()
                        .filter(|r| r.binary == "floor-sdk")
                        .flat_map(|r| r.init_ms.iter().copied())
                        .collect()
                } else {
                    row.init_ms.clone()
                },
                color: if row.binary == "floor-sdk" {
                    "#555555"
                } else {
                    c
                },
                dash,
            });
        }
        first.series.push(Series {
            name: match (&row.op, row.binary.as_str()) {
                (Some(op), "floor-sdk") => format!("floor-sdk ({})", op.name()),
                _ => row.label.clone(),
            },
            values: row.first_ms.clone(),
            color: c,
            dash,
        });
    }
    panels.push(init);
    panels.push(first);

    for r in &results.warm {
        panels.push(Panel {
            title: format!(
                "{} ({}), concurrency {}, {} requests",
                r.op.name(),
                r.function,
                r.function_concurrent.concurrency,
                r.function_concurrent.total_ms.len()
            ),
            series: vec![
                Series {
                    name: r.function.clone(),
                    values: r.function_concurrent.total_ms.clone(),
                    color: COLORS[0],
                    dash: "",
                },
                Series {
                    name: "floor (harness)".into(),
                    values: r.floor_concurrent.total_ms.clone(),
                    color: COLORS[1],
                    dash: "6,3",
                },
                Series {
                    name: "floor-sdk".into(),
                    values: r.floor_sdk_concurrent.total_ms.clone(),
                    color: COLORS[2],
                    dash: "2,3",
                },
                Series {
                    name: "in DynamoDB".into(),
                    values: r.function_concurrent.dynamodb_ms.clone(),
                    color: "#999999",
                    dash: "1,2",
                },
            ],
        });
    }

    let rows = panels.len().div_ceil(COLUMNS);
    let width = PANEL_W * COLUMNS as f64;
    let height = PANEL_H * rows as f64 + 52.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="10" y="22" font-size="15" font-weight="bold">Latency distributions — {} {}</text><text x="10" y="38" fill="#444444">Share of requests at or below each time (log time axis in ms; the vertical scale is linear up to p90 and stretches the tail above it). Solid: the function; dashed: its floors; grey dotted: time inside DynamoDB.</text>"##,
        escape(results.machine.get("date").map_or("", String::as_str)),
        escape(results.machine.get("commit").map_or("", String::as_str)),
    );
    for (i, panel) in panels.iter().enumerate() {
        let x0 = PANEL_W * (i % COLUMNS) as f64;
        let y0 = 52.0 + PANEL_H * (i / COLUMNS) as f64;
        draw_panel(&mut out, panel, x0, y0);
    }
    out.push_str("</svg>\n");
    out
}

fn draw_panel(out: &mut String, panel: &Panel, x0: f64, y0: f64) {
    let plot_w = PANEL_W - MARGIN_L - MARGIN_R;
    let plot_h = PANEL_H - MARGIN_T - MARGIN_B;
    let left = x0 + MARGIN_L;
    let top = y0 + MARGIN_T;
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="12" font-weight="bold">{}</text>"#,
        left,
        y0 + 18.0,
        escape(&panel.title)
    );
    let all: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if all.is_empty() {
        return;
    }
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = (
        lo.log10().floor(),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let x_of = |v: f64| left + (v.max(1e-9).log10() - lo) / (hi - lo) * plot_w;
    // The fraction of samples at or below a time: linear up to p90 (the lower 60% of the
    // height), then stretched so that p99 and p99.9 get a fifth of the height each.
    let y_of = |q: f64| {
        let t = if q <= 0.9 {
            0.6 * q / 0.9
        } else {
            0.6 + 0.2 * (-(1.0 - q).max(1e-3).log10() - 1.0)
        };
        top + (1.0 - t) * plot_h
    };

    let _ = writeln!(
        out,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#cccccc"/>"##
    );
    // Time grid: 1, 2, 5 per decade.
    let mut decade = lo;
    while decade < hi + 0.5 {
        for m in [1.0, 2.0, 5.0] {
            let v = 10f64.powf(decade) * m;
            if v.log10() > hi + 1e-9 {
                continue;
            }
            let x = x_of(v);
            let major = m == 1.0;
            let _ = writeln!(
                out,
                r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="{}" stroke-width="0.6"/>"##,
                top + plot_h,
                if major { "#bbbbbb" } else { "#e6e6e6" }
            );
            let label = if v >= 1.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            };
            let _ = writeln!(
                out,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444444">{label}</text>"##,
                top + plot_h + 13.0
            );
        }
        decade += 1.0;
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444444">ms</text>"##,
        left + plot_w / 2.0,
        top + plot_h + 27.0
    );
    for (q, label) in [
        (0.0, "0"),
        (0.25, "p25"),
        (0.5, "p50"),
        (0.75, "p75"),
        (0.9, "p90"),
        (0.99, "p99"),
        (0.999, "p99.9"),
    ] {
        let y = y_of(q);
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e6e6e6" stroke-width="0.6"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444444">{label}</text>"##,
            left + plot_w,
            left - 4.0,
            y + 3.5
        );
    }
    for (i, series) in panel.series.iter().enumerate() {
        let values = sorted(series.values.iter().copied());
        if values.is_empty() {
            continue;
        }
        let n = values.len() as f64;
        let mut path = String::new();
        for (k, v) in values.iter().enumerate() {
            let x = x_of(*v);
            let (ya, yb) = (y_of(k as f64 / n), y_of((k + 1) as f64 / n));
            if k == 0 {
                let _ = write!(path, "M{x:.1},{ya:.1}");
            } else {
                let _ = write!(path, " L{x:.1},{ya:.1}");
            }
            let _ = write!(path, " L{x:.1},{yb:.1}");
        }
        let dash = if series.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, series.dash)
        };
        let _ = writeln!(
            out,
            r#"<path d="{path}" fill="none" stroke="{}" stroke-width="1.4"{dash}/>"#,
            series.color
        );
        let ly = top + 10.0 + i as f64 * 14.0;
        let lx = left + plot_w + 10.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            lx + 18.0,
            series.color,
            lx + 22.0,
            ly + 3.5,
            escape(&series.name)
        );
    }
}
