//! The metrics feed (SPEC §7): `RUN_ROOT/feed/metrics.jsonl`, one line per run × agency ×
//! commune × dimension, appended idempotently per run ID. Communes under the job's
//! `min_count` show no figures (SPEC §8). `metrics.prom` renders the same figures
//! ([`super::openmetrics`]).

use crate::error::{Error, Result};
use crate::handoff::RunData;
use serde_json::{json, Value};
use std::collections::BTreeSet;
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

/// The communes of an agency whose figures are not shown (SPEC §8): those with fewer
/// records than `min`, and then, so that the agency's total minus the communes shown does
/// not give a hidden commune's figures, the smallest others until the hidden ones are at
/// least two and hold at least `min` records together (or none is left to hide).
pub(super) fn suppressed_communes(scores: &crate::score::AgencyScores, min: u64) -> BTreeSet<&str> {
    let mut by_size: Vec<(u64, &str)> = scores.communes.iter().map(|(c, s)| (s.counts.rows, c.as_str())).collect();
    by_size.sort();
    let mut hidden: BTreeSet<&str> = by_size.iter().filter(|(n, _)| *n < min).map(|(_, c)| *c).collect();
    if hidden.is_empty() {
        return hidden;
    }
    let mut held: u64 = by_size.iter().filter(|(_, c)| hidden.contains(c)).map(|(n, _)| n).sum();
    for (n, c) in &by_size {
        if hidden.len() >= 2 && held >= min {
            break;
        }
        if hidden.insert(c) {
            held += n;
        }
    }
    hidden
}

/// The feed's figures; a commune [`suppressed_communes`] hides keeps no score and no
/// counts (SPEC §8).
pub(super) fn feed_rows(data: &RunData) -> Vec<FeedRow<'_>> {
    let min = data.config.privacy.min_count;
    let mut out = Vec::new();
    for a in &data.agencies {
        let hidden = suppressed_communes(&a.scores, min);
        let all =
            std::iter::once(("all", &a.scores.total)).chain(a.scores.communes.iter().map(|(c, s)| (c.as_str(), s)));
        for (commune, s) in all {
            let suppressed = commune != "all" && hidden.contains(commune);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::{AgencyScores, Scores};

    fn agency(sizes: &[(&str, u64)]) -> AgencyScores {
        let none = Scores::of(&[], &crate::config::Weights::default());
        let sized = |n: u64| {
            let mut s = none.clone();
            s.counts.rows = n;
            s
        };
        AgencyScores {
            total: sized(sizes.iter().map(|x| x.1).sum()),
            communes: sizes.iter().map(|(c, n)| (c.to_string(), sized(*n))).collect(),
        }
    }

    /// Hostile (#20, weak): one commune under `min_count` hidden alone, and the agency's
    /// total minus the communes shown gave its exact counts. A second commune is hidden
    /// with it, the smallest, until the hidden ones hold `min_count` together.
    #[test]
    fn a_hidden_commune_is_never_the_only_one_hidden() {
        let hidden = |s: &[(&str, u64)]| {
            let a = agency(s);
            suppressed_communes(&a, 5).into_iter().map(str::to_string).collect::<Vec<_>>()
        };
        assert_eq!(hidden(&[("a", 3), ("b", 40), ("c", 9)]), ["a", "c"]);
        assert_eq!(hidden(&[("a", 3), ("b", 4), ("c", 40)]), ["a", "b"]);
        assert_eq!(hidden(&[("a", 1), ("b", 1), ("c", 2), ("d", 40)]), ["a", "b", "c", "d"]);
        assert!(hidden(&[("a", 5), ("b", 40)]).is_empty());
        assert_eq!(hidden(&[("a", 3)]), ["a"]);
    }
}
