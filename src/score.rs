//! Score: đúng / đủ / sạch / sống and overall, per agency and per commune (SPEC §6).
//!
//! Takes the per-row outcomes of an assessment; gives [`Scores`] with the counts behind
//! every score. A score whose denominator is zero is `None` (no data), never 100.
//!
//! - đúng = linked records with no đúng discrepancy of severity error / linked records;
//! - đủ = records linked and with every required field / all records (rejected included);
//! - sạch = records with no sạch discrepancy / all records;
//! - sống = linked records with no sống discrepancy / linked records;
//! - overall = weighted mean of the scores that exist (weights from the rules).

use crate::assess::{Dimension, RecordOutcome};
use crate::config::Weights;
use crate::link::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One dimension's score with its counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Score {
    /// Records that pass.
    pub passed: u64,
    /// Records considered.
    pub total: u64,
    /// 0–100 with two decimals, `None` when nothing was considered.
    pub score: Option<f64>,
}

impl Score {
    fn new(passed: u64, total: u64) -> Score {
        let score = (total > 0).then(|| round2(100.0 * passed as f64 / total as f64));
        Score { passed, total, score }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Outcome counts (conservation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    /// All rows.
    pub rows: u64,
    /// Linked.
    pub linked: u64,
    /// In review.
    pub review: u64,
    /// Not in population.
    pub not_in_population: u64,
    /// Rejected.
    pub rejected: u64,
}

impl Counts {
    /// Counts the outcomes of rows.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a RecordOutcome>) -> Counts {
        let mut c = Counts::default();
        for o in outcomes {
            c.rows += 1;
            match o.outcome {
                Outcome::Linked => c.linked += 1,
                Outcome::Review => c.review += 1,
                Outcome::NotInPopulation => c.not_in_population += 1,
                Outcome::Rejected => c.rejected += 1,
            }
        }
        c
    }

    /// Whether the four outcomes add up to the rows.
    pub fn conserved(&self) -> bool {
        self.linked + self.review + self.not_in_population + self.rejected == self.rows
    }
}

/// The four scores and overall for a set of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Outcome counts.
    pub counts: Counts,
    /// đúng.
    pub dung: Score,
    /// đủ.
    pub du: Score,
    /// sạch.
    pub sach: Score,
    /// sống.
    pub song: Score,
    /// Weighted mean of the scores that exist.
    pub overall: Option<f64>,
}

impl Scores {
    /// Scores a set of rows.
    pub fn of(outcomes: &[&RecordOutcome], weights: &Weights) -> Scores {
        let counts = Counts::of(outcomes.iter().copied());
        let linked: Vec<&&RecordOutcome> = outcomes.iter().filter(|o| o.outcome == Outcome::Linked).collect();
        let pass =
            |rows: &[&&RecordOutcome], d: Dimension| rows.iter().filter(|o| !o.flagged[d as usize]).count() as u64;
        let all: Vec<&&RecordOutcome> = outcomes.iter().collect();
        let dung = Score::new(pass(&linked, Dimension::Dung), linked.len() as u64);
        let du = Score::new(linked.iter().filter(|o| o.complete).count() as u64, counts.rows);
        let sach = Score::new(pass(&all, Dimension::Sach), counts.rows);
        let song = Score::new(pass(&linked, Dimension::Song), linked.len() as u64);
        let parts = [
            (dung.score, weights.dung),
            (du.score, weights.du),
            (sach.score, weights.sach),
            (song.score, weights.song),
        ];
        let (sum, w) =
            parts.iter().filter_map(|(s, w)| s.map(|s| (s * w, *w))).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        let overall = (w > 0.0).then(|| round2(sum / w));
        Scores { counts, dung, du, sach, song, overall }
    }

    /// The score of a dimension key (`dung`, `du`, `sach`, `song`, `overall`).
    pub fn get(&self, key: &str) -> Option<f64> {
        match key {
            "dung" => self.dung.score,
            "du" => self.du.score,
            "sach" => self.sach.score,
            "song" => self.song.score,
            "overall" => self.overall,
            _ => None,
        }
    }

    /// The score and counts of a dimension.
    pub fn dimension(&self, d: Dimension) -> &Score {
        match d {
            Dimension::Dung => &self.dung,
            Dimension::Du => &self.du,
            Dimension::Sach => &self.sach,
            Dimension::Song => &self.song,
        }
    }
}

/// Scores of one agency: overall and per commune (sorted by commune code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyScores {
    /// The whole registry.
    pub total: Scores,
    /// Per 2025 commune code.
    pub communes: BTreeMap<String, Scores>,
}

/// Scores an agency's rows.
pub fn score(outcomes: &[RecordOutcome], weights: &Weights) -> AgencyScores {
    let all: Vec<&RecordOutcome> = outcomes.iter().collect();
    let mut by_commune: BTreeMap<String, Vec<&RecordOutcome>> = BTreeMap::new();
    for o in outcomes {
        by_commune.entry(o.commune.clone()).or_default().push(o);
    }
    AgencyScores {
        total: Scores::of(&all, weights),
        communes: by_commune.into_iter().map(|(c, rows)| (c, Scores::of(&rows, weights))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(outcome: Outcome, complete: bool, flagged: [bool; 4]) -> RecordOutcome {
        RecordOutcome { commune: "03424".into(), outcome, complete, flagged }
    }

    #[test]
    fn scores_count_the_right_rows() {
        let rows = [
            row(Outcome::Linked, true, [false; 4]),
            row(Outcome::Linked, false, [true, false, false, false]),
            row(Outcome::NotInPopulation, true, [false, true, false, false]),
            row(Outcome::Rejected, false, [false, false, true, false]),
        ];
        let s = score(&rows, &Weights::default()).total;
        assert_eq!((s.dung.passed, s.dung.total), (1, 2));
        assert_eq!((s.du.passed, s.du.total), (1, 4));
        assert_eq!((s.sach.passed, s.sach.total), (3, 4));
        assert_eq!((s.song.passed, s.song.total), (2, 2));
        assert_eq!(s.dung.score, Some(50.0));
        assert_eq!(s.overall, Some(round2((50.0 + 25.0 + 75.0 + 100.0) / 4.0)));
        assert!(s.counts.conserved());
    }

    #[test]
    fn empty_denominator_is_no_score() {
        let rows = [row(Outcome::NotInPopulation, true, [false; 4])];
        let s = score(&rows, &Weights::default()).total;
        assert_eq!(s.dung.score, None);
        assert_eq!(s.overall, Some(round2((0.0 + 100.0) / 2.0)));
    }
}
