//! The metrics feed (SPEC §7): `RUN_ROOT/feed/metrics.jsonl`, one line per run × agency ×
//! commune × dimension, appended idempotently per run ID. Communes under the job's
//! `min_count` show no figures (SPEC §8). `metrics.prom` renders the same figures
//! ([`super::openmetrics`]).

use crate::error::{Error, Result};
use crate::handoff::RunData;
use serde_json::{json, Value};
use std::path::Path;

/// Name of the metrics feed folder inside the run root.
pub const FEED_DIR: &str = "feed";

/// One figure of the feed: agency × commune (or `all`) × dimension.
pub(super) struct FeedRow<'a> {
    pub agency: &'a str,
    pub commune: &'a str,
    pub dimension: &'static str,
    pub score: Option<f64>,
    pub passed: Option<u64>,
    pub total: u64,
    pub suppressed: bool,
}

/// The feed's figures; a commune with fewer records than the job's `min_count` keeps
/// no score and no counts (SPEC §8).
pub(super) fn feed_rows(data: &RunData) -> Vec<FeedRow<'_>> {
    let min = data.config.privacy.min_count;
    let mut out = Vec::new();
    for a in &data.agencies {
        let all =
            std::iter::once(("all", &a.scores.total)).chain(a.scores.communes.iter().map(|(c, s)| (c.as_str(), s)));
        for (commune, s) in all {
            let suppressed = commune != "all" && s.counts.rows < min;
            let mut push = |dimension, score: Option<f64>, passed: Option<u64>, total: u64| {
                out.push(FeedRow {
                    agency: &a.input.agency,
                    commune,
                    dimension,
                    score: if suppressed { None } else { score },
                    passed: if suppressed { None } else { passed },
                    total: if suppressed { 0 } else { total },
                    suppressed,
                });
            };
            for d in crate::assess::Dimension::ALL {
                let sc = s.dimension(d);
                push(d.key(), sc.score, Some(sc.passed), sc.total);
            }
            push("overall", s.overall, None, s.counts.rows);
        }
    }
    out
}

/// The feed with this run's lines: every line of `feed/metrics.jsonl` but an earlier
/// attempt's of the same run ID, then one line per agency × commune × dimension; and the
/// feed as it was, to write back if publishing fails after replacing it. Built
/// before the run is published, so that a feed that cannot be read (a torn write, a hand
/// edit) stops the run with the line named, and never becomes a feed of this run's
/// lines only.
pub(super) fn prepare(run_root: &Path, run_id: &str, data: &RunData) -> Result<(String, Option<String>)> {
    let path = run_root.join(FEED_DIR).join("metrics.jsonl");
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|e| Error::Input {
            path: path.clone(),
            message: format!("the feed is not UTF-8 (byte {}); repair or move it aside", e.utf8_error().valid_up_to()),
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&path, e)),
    };
    let previous = existing.as_deref().unwrap_or_default();
    let mut out = String::with_capacity(previous.len() + 4096);
    for (n, line) in previous.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str::<Value>(line).map_err(|e| Error::Input {
            path: path.clone(),
            message: format!("line {}: not a feed line ({e}); repair or move the feed aside", n + 1),
        })?;
        if v["run_id"] != run_id {
            out.push_str(line);
            out.push('\n');
        }
    }
    for r in feed_rows(data) {
        let mut line = json!({"run_id": run_id, "agency": r.agency, "commune": r.commune, "dimension": r.dimension,
                              "score": r.score, "passed": r.passed, "total": if r.suppressed { None } else { Some(r.total) }});
        if r.suppressed {
            line["suppressed"] = json!(true);
        }
        out.push_str(&line.to_string());
        out.push('\n');
    }
    Ok((out, existing))
}
