//! `metrics.prom`: the run in OpenMetrics text for dashboard scrapers (node_exporter's
//! textfile collector, Prometheus), readable by `promtool` and strict OpenMetrics parsers.

use super::feed::feed_rows;
use super::gates::GateResult;
use crate::handoff::RunData;

/// A label value escaped for the exposition format (`\`, `"` and line feeds).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// One metric family of `metrics.prom`: its metadata, then its samples (nothing when it
/// has none: a job without gates has no gate families).
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: impl IntoIterator<Item = String>) {
    use std::fmt::Write as _;
    let mut samples = samples.into_iter().peekable();
    if samples.peek().is_none() {
        return;
    }
    let _ = write!(out, "# TYPE {name} {kind}\n# HELP {name} {help}\n");
    for s in samples {
        out.push_str(&s);
        out.push('\n');
    }
}

/// `metrics.prom`: the run in OpenMetrics text for dashboard scrapers (node_exporter's
/// textfile collector, Prometheus). Agency totals and communes are separate families,
/// so `sum by (agency)` over communes does not count a total twice; the pseudo-commune
/// of records without a commune (`unknown`, most of them rejected rows) and suppressed
/// communes are left out of the commune families (their rows are in the totals). The run
/// itself has its series: its reference day (a missed night shows as a day that does not
/// move), whether every gate held, and each gate.
pub(super) fn render(data: &RunData, gates: &[GateResult]) -> String {
    let mut s = String::with_capacity(16 * 1024);
    run_families(&mut s, data, gates);
    let rows = feed_rows(data);
    let agency_rows = || rows.iter().filter(|r| r.commune == "all");
    let commune_rows =
        || rows.iter().filter(|r| r.commune != "all" && r.commune != crate::assess::UNKNOWN_COMMUNE && !r.suppressed);
    family(
        &mut s,
        "doisoat_score",
        "gauge",
        "Quality score 0-100 of an agency's registry, by dimension.",
        agency_rows().filter_map(|r| {
            r.score.map(|x| {
                format!("doisoat_score{{agency=\"{}\",dimension=\"{}\"}} {x:.2}", label(r.agency), r.dimension)
            })
        }),
    );
    family(
        &mut s,
        "doisoat_commune_score",
        "gauge",
        "Quality score 0-100 of an agency's records of one commune, by dimension (communes under the job's min_count left out).",
        commune_rows().filter_map(|r| {
            r.score.map(|x| {
                format!(
                    "doisoat_commune_score{{agency=\"{}\",commune=\"{}\",dimension=\"{}\"}} {x:.2}",
                    label(r.agency),
                    label(r.commune),
                    r.dimension
                )
            })
        }),
    );
    family(
        &mut s,
        "doisoat_records",
        "gauge",
        "An agency's input rows by outcome (linked, review, not_in_population, rejected).",
        data.agencies.iter().flat_map(|a| {
            let c = &a.counts;
            [
                ("linked", c.linked),
                ("review", c.review),
                ("not_in_population", c.not_in_population),
                ("rejected", c.rejected),
            ]
            .map(|(o, n)| format!("doisoat_records{{agency=\"{}\",outcome=\"{o}\"}} {n}", label(&a.input.agency)))
        }),
    );
    family(
        &mut s,
        "doisoat_commune_records",
        "gauge",
        "An agency's records of one commune behind its scores.",
        commune_rows().filter(|r| r.dimension == "overall").map(|r| {
            format!(
                "doisoat_commune_records{{agency=\"{}\",commune=\"{}\"}} {}",
                label(r.agency),
                label(r.commune),
                r.total
            )
        }),
    );
    family(
        &mut s,
        "doisoat_discrepancies",
        "gauge",
        "Discrepancy rows of an agency by code.",
        data.agencies.iter().flat_map(|a| {
            a.code_counts.iter().map(move |(code, n)| {
                format!("doisoat_discrepancies{{agency=\"{}\",code=\"{code}\"}} {n}", label(&a.input.agency))
            })
        }),
    );
    s.push_str("# EOF\n");
    s
}

/// The run's own families: what ran, its reference day, and its gates.
fn run_families(s: &mut String, data: &RunData, gates: &[GateResult]) {
    let cfg = &data.config;
    let t = cfg.today;
    let day = chrono::NaiveDate::from_ymd_opt(t.year, u32::from(t.month.max(1)), u32::from(t.day.max(1)))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
        .unwrap_or(0);
    let run = format!("run_id=\"{}\",province=\"{}\"", label(&cfg.run_id), label(&cfg.province));
    // An info metric as a gauge of 1 (the Prometheus text format has no info type).
    family(s, "doisoat_run_info", "gauge", "The published run, always 1.", [format!("doisoat_run_info{{{run}}} 1")]);
    family(
        s,
        "doisoat_run_reference_date_seconds",
        "gauge",
        "The run's reference day (midnight UTC, Unix seconds): it moves forward every night a run is published.",
        [format!("doisoat_run_reference_date_seconds {day}")],
    );
    family(
        s,
        "doisoat_run_gates_passed",
        "gauge",
        "1 when every quality gate of the job held, 0 when one failed (the run exits 3).",
        [format!("doisoat_run_gates_passed {}", u8::from(gates.iter().all(|g| g.passed)))],
    );
    let gate_labels = |g: &super::gates::GateResult| {
        format!("agency=\"{}\",dimension=\"{}\",rule=\"{}\"", label(&g.agency), label(&g.dimension), g.rule)
    };
    family(
        s,
        "doisoat_gate_passed",
        "gauge",
        "1 when the gate held on the agency, 0 when it failed.",
        gates.iter().map(|g| format!("doisoat_gate_passed{{{}}} {}", gate_labels(g), u8::from(g.passed))),
    );
    family(
        s,
        "doisoat_gate_shortfall_points",
        "gauge",
        "Points by which the score missed the gate (0 when it held).",
        gates.iter().map(|g| format!("doisoat_gate_shortfall_points{{{}}} {:.2}", gate_labels(g), g.shortfall)),
    );
}
