//! `report.html`: one self-contained page (no network: inline CSS and SVG) with the
//! scores per agency and commune, the trend over earlier runs of the run root, the top
//! codes, the conservation table and the run's timings. Aggregates only; communes with
//! fewer records than the job's `min_count` show no figures. Readable on a phone.

use crate::assess::Dimension;
use crate::handoff::RunData;
use crate::score::Scores;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fmt_score(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "–".into())
}

/// Horizontal bars for the four dimensions and overall.
fn bars(s: &Scores) -> String {
    let mut svg = String::from(r#"<svg viewBox="0 0 320 110" width="100%" role="img" aria-label="scores">"#);
    let rows =
        Dimension::ALL.iter().map(|d| (d.word(), s.dimension(*d).score)).chain(std::iter::once(("tổng", s.overall)));
    for (i, (label, score)) in rows.enumerate() {
        let y = 4 + i as i32 * 21;
        let w = score.unwrap_or(0.0) * 2.2;
        let colour = match score {
            Some(x) if x >= 90.0 => "#2e7d32",
            Some(x) if x >= 70.0 => "#f9a825",
            Some(_) => "#c62828",
            None => "#9e9e9e",
        };
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}" font-size="12">{label}</text><rect x="46" y="{y}" width="220" height="15" fill="#eee"/><rect x="46" y="{y}" width="{w:.1}" height="15" fill="{colour}"/><text x="272" y="{ty}" font-size="12">{v}</text>"##,
            ty = y + 12,
            v = fmt_score(score)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Overall score per agency over the runs of the feed, as lines.
fn trend(points: &BTreeMap<String, Vec<(String, f64)>>) -> String {
    let runs: Vec<&String> = {
        let mut r: Vec<&String> = points.values().flatten().map(|(run, _)| run).collect();
        r.sort();
        r.dedup();
        r
    };
    if runs.len() < 2 {
        return "<p>Trend: one run so far.</p>".into();
    }
    let x =
        |run: &String| 40.0 + 260.0 * runs.iter().position(|r| *r == run).unwrap_or(0) as f64 / (runs.len() - 1) as f64;
    let y = |v: f64| 10.0 + 120.0 * (100.0 - v) / 100.0;
    let colours = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457"];
    let mut svg = String::from(r#"<svg viewBox="0 0 320 160" width="100%" role="img" aria-label="trend">"#);
    for v in [0, 50, 100] {
        let _ = write!(
            svg,
            r##"<line x1="40" x2="300" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="0" y="{ty:.1}" font-size="10">{v}</text>"##,
            yy = y(v as f64),
            ty = y(v as f64) + 3.0
        );
    }
    for (k, (agency, pts)) in points.iter().enumerate() {
        let path: Vec<String> = pts.iter().map(|(run, v)| format!("{:.1},{:.1}", x(run), y(*v))).collect();
        let c = colours[k % colours.len()];
        let _ = agency;
        let _ = write!(svg, r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/>"#, path.join(" "));
    }
    let _ = write!(
        svg,
        r#"<text x="40" y="158" font-size="10">{}</text><text x="230" y="158" font-size="10">{}</text>"#,
        esc(runs[0]),
        esc(runs[runs.len() - 1])
    );
    svg.push_str("</svg>");
    // A legend in text keeps agencies legible whatever the number of lines.
    let legend: Vec<String> = points
        .keys()
        .enumerate()
        .map(|(k, a)| format!(r#"<span style="color:{}">■ {}</span>"#, colours[k % colours.len()], esc(a)))
        .collect();
    format!("{svg}<p>{}</p>", legend.join(" "))
}

/// The overall score of each agency in each earlier run of the feed, plus this run.
fn trend_points(run_root: &Path, data: &RunData) -> BTreeMap<String, Vec<(String, f64)>> {
    let mut points: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    let feed = std::fs::read_to_string(run_root.join(super::FEED_DIR).join("metrics.jsonl")).unwrap_or_default();
    for line in feed.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if v["commune"] == "all" && v["dimension"] == "overall" && v["run_id"] != data.config.run_id.as_str() {
            if let (Some(a), Some(r), Some(s)) = (v["agency"].as_str(), v["run_id"].as_str(), v["score"].as_f64()) {
                points.entry(a.to_string()).or_default().push((r.to_string(), s));
            }
        }
    }
    for a in &data.agencies {
        if let Some(s) = a.scores.total.overall {
            points.entry(a.input.agency.clone()).or_default().push((data.config.run_id.clone(), s));
        }
    }
    for v in points.values_mut() {
        v.sort_by(|a, b| a.0.cmp(&b.0));
    }
    points
}

/// The report page.
pub fn render(data: &RunData, timings: &[(String, u64)]) -> String {
    let cfg = &data.config;
    let min = cfg.privacy.min_count;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Đối soát {run}</title><style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;color:#222;background:#fafafa}}
h1{{font-size:1.3em}} h2{{font-size:1.1em;margin-top:1.4em}} .cards{{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:12px}}
.card{{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px}} table{{border-collapse:collapse;width:100%;font-size:.85em;background:#fff}}
td,th{{border-bottom:1px solid #eee;padding:4px 6px;text-align:right}} td:first-child,th:first-child{{text-align:left}} .scroll{{overflow-x:auto}} small{{color:#666}} svg{{max-width:640px}}
</style></head><body><h1>Đối soát dữ liệu — run {run}</h1><p><small>province {prov} · reference day {y:04}-{m:02}-{d:02} · four words: đúng (correct), đủ (complete), sạch (clean), sống (live)</small></p>"#,
        run = esc(&cfg.run_id),
        prov = esc(&cfg.province),
        y = cfg.today.year,
        m = cfg.today.month,
        d = cfg.today.day
    );
    h.push_str(r#"<h2>Scores by agency</h2><div class="cards">"#);
    for a in &data.agencies {
        let c = &a.counts;
        let mut top: Vec<(&str, u64)> = a.code_counts.iter().map(|(c, n)| (*c, *n)).collect();
        top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        let top: Vec<String> = top.iter().take(5).map(|(c, n)| format!("<li>{} — {n}</li>", esc(c))).collect();
        let coverage = a
            .assessment
            .coverage
            .as_ref()
            .map(|cv| format!("<br>coverage: {} of {} expected", cv.present, cv.expected))
            .unwrap_or_default();
        let _ = write!(
            h,
            r#"<div class="card"><b>{name}</b> <small>({key})</small>{bars}<small>{rows} records · {l} linked · {r} review · {n} not in population · {j} rejected{coverage}</small><ol>{top}</ol></div>"#,
            name = esc(&a.input.name),
            key = esc(&a.input.agency),
            bars = bars(&a.scores.total),
            rows = c.rows,
            l = c.linked,
            r = c.review,
            n = c.not_in_population,
            j = c.rejected,
            top = top.join("")
        );
    }
    h.push_str("</div><h2>Trend of the overall score</h2>");
    h.push_str(&trend(&trend_points(&cfg.run_root, data)));
    for a in &data.agencies {
        let _ = write!(
            h,
            r#"<h2>{} by commune</h2><div class="scroll"><table><tr><th>commune</th><th>records</th><th>đúng</th><th>đủ</th><th>sạch</th><th>sống</th><th>overall</th></tr>"#,
            esc(&a.input.name)
        );
        for (code, s) in &a.scores.communes {
            let name = super::commune_name(code);
            let label = if name.is_empty() { code.clone() } else { format!("{name} ({code})") };
            if s.counts.rows < min {
                let _ = write!(
                    h,
                    r#"<tr><td>{}</td><td colspan="6"><small>fewer than {min} records: not shown</small></td></tr>"#,
                    esc(&label)
                );
                continue;
            }
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&label),
                s.counts.rows,
                fmt_score(s.dung.score),
                fmt_score(s.du.score),
                fmt_score(s.sach.score),
                fmt_score(s.song.score),
                fmt_score(s.overall)
            );
        }
        h.push_str("</table></div>");
    }
    h.push_str(r#"<h2>Conservation</h2><div class="scroll"><table><tr><th>input</th><th>rows</th><th>linked</th><th>review</th><th>not in population</th><th>rejected</th></tr>"#);
    let _ = write!(
        h,
        "<tr><td>population</td><td>{}</td><td colspan=\"3\">{} people loaded</td><td>{}</td></tr>",
        data.population_file.rows,
        data.people.len(),
        data.population_rejected.len()
    );
    for a in &data.agencies {
        let c = &a.counts;
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.input.agency),
            c.rows,
            c.linked,
            c.review,
            c.not_in_population,
            c.rejected
        );
    }
    h.push_str(r#"</table></div><h2>Timings</h2><table><tr><th>stage</th><th>ms</th></tr>"#);
    for (stage, ms) in timings {
        let _ = write!(h, "<tr><td>{}</td><td>{ms}</td></tr>", esc(stage));
    }
    h.push_str("</table></body></html>\n");
    h
}
