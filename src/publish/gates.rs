//! Quality gates (SPEC §7): the job's limits on a run's scores, evaluated against this run
//! and the previous one before the run's own files are written, so that `metrics.json`,
//! `metrics.prom`, `report.html` and the manifest say which gate failed and by how much.
//! A failed gate does not unpublish the run; the CLI exits 3 and names it.

use crate::handoff::RunData;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// One gate checked on one agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    /// Agency key.
    pub agency: String,
    /// `dung`, `du`, `sach`, `song` or `overall`.
    pub dimension: String,
    /// `min` (the score may not be below the limit) or `max_drop` (may not fall more
    /// than the limit since the previous run).
    pub rule: &'static str,
    /// The limit.
    pub limit: f64,
    /// This run's score.
    pub score: f64,
    /// The previous run's score (`max_drop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<f64>,
    /// The gate held.
    pub passed: bool,
    /// By how many points the score missed the gate (0 when it held), two decimals.
    pub shortfall: f64,
}

impl GateResult {
    /// What a person reads of a failed gate.
    pub fn message(&self) -> String {
        match (self.rule, self.previous) {
            ("max_drop", Some(before)) => format!(
                "{} {} fell from {before:.2} to {:.2}, more than the gate's {:.2} points",
                self.agency, self.dimension, self.score, self.limit
            ),
            _ => format!(
                "{} {} is {:.2}, below the gate's minimum {:.2}",
                self.agency, self.dimension, self.score, self.limit
            ),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Evaluates the job's gates against this run's and the previous run's scores: every
/// gate on every agency it applies to (a dimension without a score is not checked).
pub(super) fn evaluate(data: &RunData, previous: Option<&Path>) -> Vec<GateResult> {
    let prev: Option<Value> = previous
        .and_then(|p| std::fs::read_to_string(p.join("metrics.json")).ok())
        .and_then(|t| serde_json::from_str(&t).ok());
    let prev_score = |agency: &str, dim: &str| -> Option<f64> {
        let agencies = prev.as_ref()?["agencies"].as_array()?;
        let a = agencies.iter().find(|a| a["agency"] == agency)?;
        if dim == "overall" {
            a["overall"].as_f64()
        } else {
            a[dim]["score"].as_f64()
        }
    };
    let mut results = Vec::new();
    for g in &data.config.gates {
        for a in &data.agencies {
            if g.agency.as_deref().is_some_and(|x| x != a.input.agency) {
                continue;
            }
            let Some(score) = a.scores.total.get(&g.dimension) else {
                continue;
            };
            let result = |rule, limit: f64, previous: Option<f64>, shortfall: f64| GateResult {
                agency: a.input.agency.clone(),
                dimension: g.dimension.clone(),
                rule,
                limit,
                score,
                previous,
                passed: shortfall <= 0.0,
                shortfall: round2(shortfall.max(0.0)),
            };
            if let Some(min) = g.min {
                results.push(result("min", min, None, min - score));
            }
            if let (Some(max_drop), Some(before)) = (g.max_drop, prev_score(&a.input.agency, &g.dimension)) {
                results.push(result("max_drop", max_drop, Some(before), before - score - max_drop));
            }
        }
    }
    results
}
