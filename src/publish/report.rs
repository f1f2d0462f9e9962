//! `report.html`: one self-contained page in Vietnamese (no network: inline CSS and SVG)
//! for the operations centre: the quality gates, the scores per agency with what was fixed
//! and what is new since the previous night, the trend over earlier runs (an axis fitted
//! to the values, each point labelled), a chart of agency × commune, the top codes, the
//! conservation table and the run's timings. Aggregates only; communes with fewer
//! records than the job's `min_count` show no figures. At phone width tables become
//! stacked cards instead of scrolling sideways.

use super::gates::GateResult;
use crate::assess::{Code, Dimension};
use crate::handoff::{AgencySummary, RunData};
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

/// The colour of a score: green from 90, amber from 70, red below, grey without one
/// (the page's legend says so).
fn colour(score: Option<f64>) -> &'static str {
    match score {
        Some(x) if x >= 90.0 => "#2e7d32",
        Some(x) if x >= 70.0 => "#f9a825",
        Some(_) => "#c62828",
        None => "#9e9e9e",
    }
}

const LEGEND: &str = r##"<p class="legend"><span style="color:#2e7d32">■</span> từ 90 điểm · <span style="color:#f9a825">■</span> 70–90 · <span style="color:#c62828">■</span> dưới 70 · <span style="color:#9e9e9e">■</span> không có điểm / ẩn (ít bản ghi)</p>"##;

const STYLE: &str = r#"body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;color:#222;background:#fafafa}
h1{font-size:1.3em} h2{font-size:1.1em;margin-top:1.4em} .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:12px}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px} table{border-collapse:collapse;width:100%;font-size:.85em;background:#fff}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:right} .bad{color:#b00020;font-weight:600} td:first-child,th:first-child{text-align:left} small,.legend{color:#666;font-size:.85em} svg{max-width:640px}
.gates{border-radius:8px;padding:8px 12px;margin:8px 0} .fail{background:#fdecea;border:1px solid #c62828} .pass{background:#e8f5e9;border:1px solid #2e7d32}
.heat td{color:#fff;text-align:center} .heat td:first-child{color:#222;text-align:left}
@media (max-width:600px){.heat{font-size:.7em;table-layout:fixed} .heat th{overflow-wrap:anywhere;font-weight:normal} .heat td,.heat th{padding:3px 2px} .heat td:first-child{width:34%}
table.rs tr:first-child{display:none} table.rs tr{display:block;border-bottom:2px solid #ddd;padding:4px 0}
table.rs td{display:flex;justify-content:space-between;border:0;text-align:right} table.rs td::before{content:attr(data-label);color:#666;text-align:left;padding-right:8px}}"#;

/// A table whose rows become stacked cards at phone width: a header row, then rows of
/// cells each labelled with its column's header.
fn table(h: &mut String, headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    h.push_str(r#"<table class="rs"><tr>"#);
    for c in headers {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>");
    for row in rows {
        h.push_str("<tr>");
        for (c, v) in headers.iter().zip(&row) {
            let _ = write!(h, r#"<td data-label="{}">{v}</td>"#, esc(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

/// Horizontal bars for the four dimensions and overall.
fn bars(s: &Scores) -> String {
    let mut svg = String::from(r#"<svg viewBox="0 0 320 110" width="100%" role="img" aria-label="điểm">"#);
    let rows =
        Dimension::ALL.iter().map(|d| (d.word(), s.dimension(*d).score)).chain(std::iter::once(("tổng", s.overall)));
    for (i, (label, score)) in rows.enumerate() {
        let y = 4 + i as i32 * 21;
        let w = score.unwrap_or(0.0) * 2.2;
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}" font-size="12">{label}</text><rect x="46" y="{y}" width="220" height="15" fill="#eee"/><rect x="46" y="{y}" width="{w:.1}" height="15" fill="{c}"/><text x="272" y="{ty}" font-size="12">{v}</text>"##,
            ty = y + 12,
            c = colour(score),
            v = fmt_score(score)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Overall score per agency over the runs of the feed, as labelled lines on an axis
/// fitted to the values (a change of a point is visible).
fn trend(points: &BTreeMap<String, Vec<(String, f64)>>) -> String {
    let runs: Vec<&String> = {
        let mut r: Vec<&String> = points.values().flatten().map(|(run, _)| run).collect();
        r.sort();
        r.dedup();
        r
    };
    if runs.len() < 2 {
        return "<p>Xu hướng: mới có một lần chạy.</p>".into();
    }
    let values = || points.values().flatten().map(|(_, v)| *v);
    let lo = (values().fold(f64::INFINITY, f64::min) - 1.0).floor().max(0.0);
    let hi = (values().fold(f64::NEG_INFINITY, f64::max) + 1.0).ceil().min(100.0).max(lo + 2.0);
    let x =
        |run: &String| 44.0 + 250.0 * runs.iter().position(|r| *r == run).unwrap_or(0) as f64 / (runs.len() - 1) as f64;
    let y = |v: f64| 10.0 + 120.0 * (hi - v) / (hi - lo);
    let colours = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457"];
    let mut svg = String::from(r#"<svg viewBox="0 0 340 165" width="100%" role="img" aria-label="xu hướng">"#);
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="44" x2="300" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="0" y="{ty:.1}" font-size="10">{v:.1}</text>"##,
            yy = y(v),
            ty = y(v) + 3.0
        );
    }
    for (k, pts) in points.values().enumerate() {
        let c = colours[k % colours.len()];
        let path: Vec<String> = pts.iter().map(|(run, v)| format!("{:.1},{:.1}", x(run), y(*v))).collect();
        let _ = write!(svg, r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/>"#, path.join(" "));
        for (run, v) in pts {
            let _ = write!(
                svg,
                r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="2.5" fill="{c}"><title>{r}: {v:.2}</title></circle>"#,
                cx = x(run),
                cy = y(*v),
                r = esc(run)
            );
        }
        if let Some((run, v)) = pts.last() {
            let _ = write!(
                svg,
                r#"<text x="{tx:.1}" y="{ty:.1}" font-size="9" fill="{c}">{v:.1}</text>"#,
                tx = x(run) + 4.0,
                ty = y(*v) + 3.0
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="44" y="162" font-size="10">{}</text><text x="300" y="162" font-size="10" text-anchor="end">{}</text>"#,
        esc(runs[0]),
        esc(runs[runs.len() - 1])
    );
    svg.push_str("</svg>");
    let legend: Vec<String> = points
        .keys()
        .enumerate()
        .map(|(k, a)| format!(r#"<span style="color:{}">■ {}</span>"#, colours[k % colours.len()], esc(a)))
        .collect();
    format!("{svg}<p class=\"legend\">{}</p>", legend.join(" "))
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

/// The gates: a red box naming each failed gate and by how much, or a green line.
fn gates_section(h: &mut String, gates: &[GateResult]) {
    if gates.is_empty() {
        return;
    }
    let failed: Vec<&GateResult> = gates.iter().filter(|g| !g.passed).collect();
    if failed.is_empty() {
        let _ = write!(h, r#"<div class="gates pass">Đạt cả {} ngưỡng chất lượng của cấu hình.</div>"#, gates.len());
        return;
    }
    let _ = write!(h, r#"<div class="gates fail"><b>Không đạt {} ngưỡng chất lượng</b><ul>"#, failed.len());
    for g in failed {
        let what = match (g.rule, g.previous) {
            ("max_drop", Some(before)) => format!(
                "giảm từ {before:.2} xuống {:.2}, quá {:.2} điểm cho phép (vượt {:.2})",
                g.score, g.limit, g.shortfall
            ),
            _ => format!("là {:.2}, dưới mức tối thiểu {:.2} (thiếu {:.2})", g.score, g.limit, g.shortfall),
        };
        let _ = write!(h, "<li>{} — {}: {what}</li>", esc(&g.agency), esc(&g.dimension));
    }
    h.push_str("</ul></div>");
}

/// One card per agency: bars, counts, changes since the previous run, top codes.
fn agency_cards(h: &mut String, data: &RunData, summaries: &[AgencySummary]) {
    h.push_str(r#"<h2>Điểm theo cơ quan</h2>"#);
    h.push_str(LEGEND);
    h.push_str(r#"<div class="cards">"#);
    for (a, sum) in data.agencies.iter().zip(summaries) {
        let c = &a.counts;
        let mut top: Vec<(&str, u64)> = a.code_counts.iter().map(|(c, n)| (*c, *n)).collect();
        top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        let top: Vec<String> = top
            .iter()
            .take(5)
            .map(|(c, n)| {
                let what = Code::from_name(c).map(Code::description).unwrap_or_default();
                format!("<li>{} — {n}<br><small>{}</small></li>", esc(c), esc(what))
            })
            .collect();
        let coverage = a
            .assessment
            .coverage
            .as_ref()
            .map(|cv| format!("<br>độ phủ: {} trong {} người cần có", cv.present, cv.expected))
            .unwrap_or_default();
        let _ = write!(
            h,
            r#"<div class="card"><b>{name}</b> <small>({key})</small>{bars}<small>{rows} bản ghi · {l} đã liên kết · {r} cần xem xét · {n} không có trong CSDL dân cư · {j} bị loại{coverage}</small><p>Từ lần chạy trước: <b>{fixed}</b> sai lệch đã sửa, <b>{new}</b> sai lệch mới</p><ol>{top}</ol></div>"#,
            name = esc(&a.input.name),
            key = esc(&a.input.agency),
            bars = bars(&a.scores.total),
            rows = c.rows,
            l = c.linked,
            r = c.review,
            n = c.not_in_population,
            j = c.rejected,
            fixed = sum.resolved,
            new = sum.new,
            top = top.join("")
        );
    }
    h.push_str("</div>");
}

/// The chart of agency × commune: one row per commune, one coloured cell per agency with
/// its overall score (a phone shows the four agencies side by side).
fn heat_map(h: &mut String, data: &RunData) {
    let min = data.config.privacy.min_count;
    let mut communes: Vec<&str> = data
        .agencies
        .iter()
        .flat_map(|a| a.scores.communes.keys().map(String::as_str))
        .filter(|c| *c != crate::assess::UNKNOWN_COMMUNE)
        .collect();
    communes.sort_unstable();
    communes.dedup();
    h.push_str(r#"<h2>Điểm tổng theo xã và cơ quan</h2><table class="heat"><tr><th>xã/phường</th>"#);
    for a in &data.agencies {
        let _ = write!(h, "<th>{}</th>", esc(&a.input.agency));
    }
    h.push_str("</tr>");
    let hidden: BTreeMap<&String, _> =
        data.agencies.iter().map(|a| (&a.input.agency, super::feed::suppressed_communes(&a.scores, min))).collect();
    for c in communes {
        let name = super::commune_name(c);
        let label = if name.is_empty() { c.to_string() } else { format!("{name} ({c})") };
        let _ = write!(h, "<tr><td>{}</td>", esc(&label));
        for a in &data.agencies {
            let score =
                a.scores.communes.get(c).filter(|_| !hidden[&a.input.agency].contains(c)).and_then(|s| s.overall);
            let _ = write!(h, r#"<td style="background:{}">{}</td>"#, colour(score), fmt_score(score));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    h.push_str(LEGEND);
}

/// Each agency's communes in a table.
fn commune_tables(h: &mut String, data: &RunData) {
    let min = data.config.privacy.min_count;
    let headers = ["xã/phường", "bản ghi", "đúng", "đủ", "sạch", "sống", "tổng"];
    for a in &data.agencies {
        let _ = write!(h, r#"<h2>{} theo xã/phường</h2>"#, esc(&a.input.name));
        let hidden = super::feed::suppressed_communes(&a.scores, min);
        let rows = a.scores.communes.iter().map(|(code, s)| {
            let name = super::commune_name(code);
            let label = esc(&if name.is_empty() { code.clone() } else { format!("{name} ({code})") });
            if hidden.contains(code.as_str()) {
                let why =
                    if s.counts.rows < min { format!("dưới {min} bản ghi") } else { "ẩn kèm xã nhỏ".into() };
                let hidden = format!("<small>{why}: ẩn</small>");
                return vec![label, hidden, String::new(), String::new(), String::new(), String::new(), String::new()];
            }
            let dims = [s.dung.score, s.du.score, s.sach.score, s.song.score, s.overall].map(fmt_score);
            std::iter::once(label).chain(std::iter::once(s.counts.rows.to_string())).chain(dims).collect()
        });
        table(h, &headers, rows);
    }
}

/// How each input's checked columns read (the profile of `check-rules`): the share of
/// sampled values that parse, the commonest shapes of those that do not (personal data
/// masked), and values a person should know of (names after a title, offices).
fn input_profile(h: &mut String, data: &RunData) {
    use crate::normalize::profile::NotableKind;
    h.push_str("<h2>Hồ sơ dữ liệu đầu vào</h2><p><small>mẫu các dòng đầu của mỗi tệp; các cột có giá trị không đọc được hoặc cần lưu ý (các cột khác đọc được 100 %); dạng giá trị đã che dữ liệu cá nhân (Xxx: chữ, 9: số)</small></p>");
    let files = data
        .population_files
        .iter()
        .map(|p| &p.file)
        .chain(data.agencies.iter().flat_map(|a| a.files.iter().map(|f| &f.file)));
    let mut rows = Vec::new();
    for f in files {
        let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for c in f.profile.iter().filter(|c| c.failed > 0 || c.notable.is_some()) {
            let parsed = c.values - c.failed;
            let share = if c.values == 0 { 100.0 } else { 100.0 * parsed as f64 / c.values as f64 };
            let forms: Vec<String> =
                c.forms.iter().map(|(form, n)| format!("<code>{}</code>&nbsp;×&nbsp;{n}", esc(form))).collect();
            let note = c.notable.as_ref().map_or(String::new(), |n| {
                let what = match n.what {
                    NotableKind::Titled => "có danh xưng (Ông, Bà, Hộ …) trước tên",
                    NotableKind::Office => "ghi tên cơ quan (UBND …): nơi đăng ký, không phải nơi cư trú",
                    NotableKind::Inactive => "không có trong danh sách trạng thái hoạt động (đọc là không hoạt động)",
                };
                let forms: Vec<String> =
                    n.forms.iter().map(|(form, k)| format!("<code>{}</code>&nbsp;×&nbsp;{k}", esc(form))).collect();
                format!("<span>{} {what}:<br>{}</span>", n.count, forms.join("<br>"))
            });
            let cls = if c.values > 0 && c.failed * 2 > c.values { "bad" } else { "" };
            rows.push(vec![
                esc(&name),
                esc(&c.column),
                esc(super::vietnamese::field(c.field.name())),
                format!(r#"<span class="{cls}">{parsed}/{} ({share:.1} %)</span>"#, c.values),
                format!("<span>{}</span>", forms.join("<br>")),
                note,
            ]);
        }
    }
    let headers = ["tệp", "cột", "trường", "đọc được", "dạng không đọc được", "lưu ý"];
    table(h, &headers, rows);
}

/// The report page. `summaries` are the agencies' (in the order of `data.agencies`), with
/// what changed since the previous run.
pub fn render(data: &RunData, timings: &[(String, u64)], gates: &[GateResult], summaries: &[AgencySummary]) -> String {
    let cfg = &data.config;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Đối soát {run}</title><style>{STYLE}</style></head><body><h1>Đối soát dữ liệu — lần chạy {run}</h1><p><small>tỉnh {prov} · ngày tham chiếu {d:02}/{m:02}/{y:04} · bốn tiêu chí: đúng, đủ, sạch, sống</small></p>"#,
        run = esc(&cfg.run_id),
        prov = esc(&cfg.province),
        y = cfg.today.year,
        m = cfg.today.month,
        d = cfg.today.day
    );
    gates_section(&mut h, gates);
    agency_cards(&mut h, data, summaries);
    h.push_str("<h2>Xu hướng điểm tổng</h2>");
    h.push_str(&trend(&trend_points(&cfg.run_root, data)));
    heat_map(&mut h, data);
    commune_tables(&mut h, data);
    h.push_str("<h2>Bảo toàn số dòng</h2>");
    let population = data.population_files.iter().map(|p| {
        let name = if data.population_files.len() == 1 {
            "dân cư".to_string()
        } else {
            format!("dân cư: {}", esc(&p.file.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()))
        };
        vec![
            name,
            p.file.rows.to_string(),
            format!("{} người đã nạp", p.loaded),
            String::new(),
            String::new(),
            p.rejected.to_string(),
        ]
    });
    let registries = data.agencies.iter().map(|a| {
        let c = &a.counts;
        vec![
            esc(&a.input.agency),
            c.rows.to_string(),
            c.linked.to_string(),
            c.review.to_string(),
            c.not_in_population.to_string(),
            c.rejected.to_string(),
        ]
    });
    let headers = ["tệp", "dòng", "đã liên kết", "cần xem xét", "không có trong CSDL dân cư", "bị loại"];
    table(&mut h, &headers, population.chain(registries));
    input_profile(&mut h, data);
    h.push_str("<h2>Thời gian các bước</h2>");
    table(&mut h, &["bước", "ms"], timings.iter().map(|(stage, ms)| vec![esc(stage), ms.to_string()]));
    h.push_str("</body></html>\n");
    h
}
