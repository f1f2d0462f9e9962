//! Why a record linked, or did not: a lookup in the published run, never a
//! recomputation. Reads the agency's `links.parquet` (tier, blocking rule, each field's
//! level label and weight, total weight, probability, review candidate, runner-up) and
//! its discrepancy rows for the record.

use crate::error::{Error, Result};
use polars::prelude::*;
use std::path::Path;

/// What a run knows about one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Record ID.
    pub record_id: String,
    /// Line in the input.
    pub line: u64,
    /// linked / review / not_in_population.
    pub outcome: String,
    /// Linked person's ID.
    pub person_id: Option<String>,
    /// Tier (1 personal ID, 2 legacy CMND, 3 probabilistic).
    pub tier: Option<i32>,
    /// Match probability.
    pub probability: Option<f64>,
    /// Blocking rule or ID rule.
    pub rule: Option<String>,
    /// (field, level, weight) per compared field (tier 3).
    pub levels: Vec<(String, String, f64)>,
    /// Total match weight (tier 3).
    pub match_weight: Option<f64>,
    /// The candidate to confirm (review).
    pub review_candidate: Option<String>,
    /// The runner-up and its probability.
    pub runner_up: Option<(String, f64)>,
    /// For a record not linked: the best candidate considered and its probability, below
    /// review (`levels` are its comparison: why it fell short).
    pub best_candidate: Option<(String, f64)>,
    /// For a record tier 3 tried: the blocking rules it was looked up under, and the
    /// candidates they gave.
    pub tried: Option<(Vec<String>, u32)>,
    /// (code, field, registry value, suggested value, note) of its discrepancies.
    pub discrepancies: Vec<[String; 5]>,
}

fn str_at(df: &DataFrame, col: &str, i: usize) -> Result<Option<String>> {
    Ok(df.column(col)?.str()?.get(i).map(str::to_string))
}

fn f64_at(df: &DataFrame, col: &str, i: usize) -> Result<Option<f64>> {
    Ok(df.column(col)?.f64()?.get(i))
}

/// Looks up a record in a run.
pub fn explain(run: &Path, agency: &str, record_id: &str) -> Result<Explanation> {
    if !crate::config::safe_key(agency) {
        return Err(Error::Usage(format!("'{agency}' is no agency key")));
    }
    let path = run.join(agency).join("links.parquet");
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let df = ParquetReader::new(file).finish()?;
    let ids = df.column("record_id")?.str()?;
    let Some(i) = (0..df.height()).find(|&i| ids.get(i) == Some(record_id)) else {
        return Err(Error::Usage(format!(
            "record '{record_id}' is not among {agency}'s readable records in {}",
            run.display()
        )));
    };
    let levels = str_at(&df, "levels", i)?
        .map(|s| {
            s.split(';')
                .filter_map(|part| {
                    let (field, rest) = part.split_once('=')?;
                    let (level, w) = rest.rsplit_once(':')?;
                    Some((field.to_string(), level.to_string(), w.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    let runner = match (str_at(&df, "runner_up", i)?, f64_at(&df, "runner_up_probability", i)?) {
        (Some(p), Some(pr)) => Some((p, pr)),
        _ => None,
    };
    let columns = ["record_id", "code", "field", "registry_value", "suggested_value", "note"];
    let [rid, code, field, reg, sug, note] = crate::publish::read::discrepancy_columns(&run.join(agency), &columns)?
        .try_into()
        .expect("one list per column asked");
    let discrepancies = (0..rid.len())
        .filter(|&k| rid[k] == record_id)
        .map(|k| [&code[k], &field[k], &reg[k], &sug[k], &note[k]].map(String::clone))
        .collect();
    Ok(Explanation {
        record_id: record_id.to_string(),
        line: df.column("line")?.u64()?.get(i).unwrap_or(0),
        outcome: str_at(&df, "outcome", i)?.unwrap_or_default(),
        person_id: str_at(&df, "person_id", i)?,
        tier: df.column("link_tier")?.i32()?.get(i),
        probability: f64_at(&df, "link_score", i)?,
        rule: str_at(&df, "rule", i)?,
        levels,
        match_weight: f64_at(&df, "match_weight", i)?,
        review_candidate: str_at(&df, "review_candidate", i)?,
        runner_up: runner,
        tried: tried(&df, i)?,
        best_candidate: best_candidate(&df, i)?,
        discrepancies,
    })
}

/// The blocking rules a record was tried under and its candidates (a run before these
/// columns existed has none).
fn tried(df: &DataFrame, i: usize) -> Result<Option<(Vec<String>, u32)>> {
    let (Ok(rules), Ok(n)) = (df.column("rules_tried"), df.column("candidates")) else {
        return Ok(None);
    };
    let rules = rules.str()?.get(i).map(|s| s.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect());
    Ok(rules.map(|r| (r, n.u32().ok().and_then(|c| c.get(i)).unwrap_or(0))))
}

/// The best candidate of a record not linked (a run before these columns existed has
/// none).
fn best_candidate(df: &DataFrame, i: usize) -> Result<Option<(String, f64)>> {
    if df.column("best_candidate").is_err() {
        return Ok(None);
    }
    Ok(str_at(df, "best_candidate", i)?.zip(f64_at(df, "best_probability", i)?))
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "record {} (line {}): {}", self.record_id, self.line, self.outcome)?;
        if let Some(p) = &self.person_id {
            writeln!(f, "  person        {p}")?;
        }
        if let Some(p) = &self.review_candidate {
            writeln!(f, "  candidate     {p} (to confirm in review.csv)")?;
        }
        if let Some(t) = self.tier {
            let how = match t {
                1 => "personal ID",
                2 => "legacy CMND",
                _ => "probabilistic (Fellegi–Sunter)",
            };
            writeln!(f, "  tier          {t}: {how}")?;
        }
        if let Some(r) = &self.rule {
            writeln!(f, "  rule          {r}")?;
        }
        if let Some((p, pr)) = &self.best_candidate {
            writeln!(f, "  best candidate {p} at {pr:.4}: below the review threshold")?;
            let against: Vec<String> = self
                .levels
                .iter()
                .filter(|(_, _, w)| *w < 0.0)
                .map(|(field, level, _)| format!("{field} {level}"))
                .collect();
            if !against.is_empty() {
                writeln!(f, "  fell short on {}", against.join(", "))?;
            }
        }
        if let Some((rules, n)) = &self.tried {
            let under = if rules.is_empty() {
                "no blocking rule (a key of every rule missing)".into()
            } else {
                rules.join(", ")
            };
            writeln!(f, "  blocking      tried under {under}: {n} candidate(s)")?;
        }
        if !self.levels.is_empty() {
            // The level column fits its longest label (already_holds_a_record).
            let width = self.levels.iter().map(|(_, level, _)| level.chars().count()).max().unwrap_or(0).max(16);
            // And the field column its longest name (attribute.street_number).
            let fw = self.levels.iter().map(|(field, _, _)| field.chars().count()).max().unwrap_or(0).max(10);
            writeln!(f, "  comparison    {:<fw$} {:<width$} {:>8}", "field", "level", "weight")?;
            for (field, level, w) in &self.levels {
                writeln!(f, "                {field:<fw$} {level:<width$} {w:>+8.3}")?;
            }
        }
        if let Some(w) = self.match_weight {
            writeln!(f, "  total weight  {w:+.3} (prior included)")?;
        }
        if let Some(p) = self.probability {
            writeln!(f, "  probability   {p:.4}")?;
        }
        match &self.runner_up {
            Some((p, pr)) => writeln!(f, "  runner-up     {p} at {pr:.4}: lost on total weight")?,
            None if self.tier == Some(3) => writeln!(f, "  runner-up     none: the only candidate")?,
            None => {}
        }
        for [code, field, reg, sug, note] in &self.discrepancies {
            writeln!(f, "  {code:<24} {field:<10} {reg:?} → {sug:?} {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The holder's level label (22 characters) used to push its weight out of the column.
    #[test]
    fn weights_stay_in_one_column_whatever_the_level_labels() {
        let level = |f: &str, l: &str, w: f64| (f.to_string(), l.to_string(), w);
        let e = Explanation {
            record_id: "R1".into(),
            line: 2,
            outcome: "linked".into(),
            person_id: Some("012087999999".into()),
            tier: Some(3),
            probability: Some(0.99),
            rule: Some("name_birthyear".into()),
            levels: vec![level("name", "exact", 9.6), level("registry", "already_holds_a_record", 2.079)],
            match_weight: Some(11.7),
            review_candidate: None,
            runner_up: None,
            best_candidate: None,
            tried: None,
            discrepancies: Vec::new(),
        };
        let text = e.to_string();
        let ends: Vec<usize> = text
            .lines()
            .filter(|l| {
                l.contains("exact") || l.contains("already_holds") || l.contains("weight") && l.contains("level")
            })
            .map(|l| l.trim_end().chars().count())
            .collect();
        assert_eq!(ends.len(), 3, "{text}");
        assert!(ends.iter().all(|&n| n == ends[0]), "{text}");
    }
}
