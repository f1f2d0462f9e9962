//! Quality gates (SPEC §7): the job's limits on a run's scores, evaluated once the run is
//! published. A failed gate does not unpublish the run; the CLI exits 3 and names it.

use crate::handoff::RunData;
use serde_json::Value;
use std::path::Path;

/// Evaluates the job's gates against this run's and the previous run's scores.
pub(super) fn evaluate(data: &RunData, previous: Option<&Path>) -> Vec<String> {
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
    let mut failed = Vec::new();
    for g in &data.config.gates {
        for a in &data.agencies {
            if g.agency.as_deref().is_some_and(|x| x != a.input.agency) {
                continue;
            }
            let Some(score) = a.scores.total.get(&g.dimension) else {
                continue;
            };
            if let Some(min) = g.min {
                if score < min {
                    failed.push(format!(
                        "{} {} is {score:.2}, below the gate's minimum {min:.2}",
                        a.input.agency, g.dimension
                    ));
                }
            }
            if let (Some(max_drop), Some(before)) = (g.max_drop, prev_score(&a.input.agency, &g.dimension)) {
                if before - score > max_drop {
                    failed.push(format!(
                        "{} {} fell from {before:.2} to {score:.2}, more than the gate's {max_drop:.2} points",
                        a.input.agency, g.dimension
                    ));
                }
            }
        }
    }
    failed
}
