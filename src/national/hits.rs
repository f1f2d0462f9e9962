//! What a task of the national pass finds (a [`Hit`] per residue record a person of
//! another province was linked or proposed for), the task file that carries it to the
//! merge, and the merge: the best hit of each record, written back to the record's
//! province as `RESIDES_IN_OTHER_PROVINCE` rows with the discrepancy columns.

use super::residue::Origin;
use crate::assess::{Code, Discrepancy};
use crate::error::{Error, Result};
use crate::link::Tier;
use crate::publish::columns::{self, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A residue record and the person of another province a task found for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The record.
    pub origin: Origin,
    /// The person's province (the partition that holds them).
    pub province: String,
    /// The person's personal ID.
    pub person_id: String,
    /// The person's 2025 commune code.
    pub person_commune: String,
    /// The tier that linked them (1 personal ID, 2 legacy CMND, 3 probabilistic).
    pub tier: u8,
    /// Link probability, to six decimals (as the task file writes it).
    pub score: f64,
    /// Linked (else a probable match for a person to confirm).
    pub linked: bool,
    /// Tier 3: the level of each field compared (`name=exact dob=exact …`).
    pub levels: String,
}

impl Hit {
    /// Which of two hits of one record wins: linked before review, an ID tier before
    /// tier 3, the more probable, then the lower province code and person ID (so that the
    /// choice never depends on the order the tasks ran in).
    fn rank(&self) -> (bool, u8, std::cmp::Reverse<i64>, &str, &str) {
        let score = (self.score * 1e6).round() as i64;
        (!self.linked, self.tier, std::cmp::Reverse(score), &self.province, &self.person_id)
    }
}

/// A probability rounded as the task file writes it.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

const TASK_HEADER: [&str; 14] = [
    "province",
    "agency",
    "source_file",
    "line",
    "record_id",
    "commune",
    "commune_written",
    "person_province",
    "person_id",
    "person_commune",
    "tier",
    "score",
    "outcome",
    "levels",
];

/// The file of task `k` of `n` in the pass's output folder.
pub fn task_file(out: &Path, k: usize, n: usize) -> PathBuf {
    out.join("tasks").join(format!("task-{k}-of-{n}.csv"))
}

/// Writes a task's hits (to a temporary name, then renamed: a file there is complete).
pub fn write_task(path: &Path, hits: &[Hit]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = path.with_extension("csv.partial");
    let mut w = csv::Writer::from_path(&tmp).map_err(|e| Error::Input { path: tmp.clone(), message: e.to_string() })?;
    let fail = |e: csv::Error| Error::Input { path: tmp.clone(), message: e.to_string() };
    w.write_record(TASK_HEADER).map_err(fail)?;
    for h in hits {
        let o = &h.origin;
        let outcome = if h.linked { "linked" } else { "review" };
        w.write_record([
            o.province.as_str(),
            &o.agency,
            &o.source_file,
            &o.line.to_string(),
            &o.record_id,
            &o.commune,
            &o.commune_written,
            &h.province,
            &h.person_id,
            &h.person_commune,
            &h.tier.to_string(),
            &format!("{:.6}", h.score),
            outcome,
            &h.levels,
        ])
        .map_err(fail)?;
    }
    w.flush().map_err(|e| Error::io(&tmp, e))?;
    drop(w);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads the hits of every task of `n`; a task whose file is missing is an error naming
/// it (the merge waits for every task).
pub fn read_tasks(out: &Path, n: usize) -> Result<Vec<Hit>> {
    let mut hits = Vec::new();
    for k in 0..n {
        let path = task_file(out, k, n);
        if !path.is_file() {
            return Err(Error::Input {
                path: path.clone(),
                message: format!("task {k} of {n} has not finished: its file is missing"),
            });
        }
        let bad = |line: usize, message: String| Error::Input {
            path: path.clone(),
            message: format!("line {line}: {message}"),
        };
        let mut r = csv::Reader::from_path(&path).map_err(|e| bad(1, e.to_string()))?;
        for (i, row) in r.records().enumerate() {
            let row = row.map_err(|e| bad(i + 2, e.to_string()))?;
            if row.len() != TASK_HEADER.len() {
                return Err(bad(i + 2, format!("{} fields, not {}", row.len(), TASK_HEADER.len())));
            }
            let f = |j: usize| row[j].to_string();
            let number =
                |j: usize| row[j].parse::<f64>().map_err(|_| bad(i + 2, format!("{}: not a number", TASK_HEADER[j])));
            hits.push(Hit {
                origin: Origin {
                    province: f(0),
                    agency: f(1),
                    source_file: f(2),
                    line: number(3)? as u64,
                    record_id: f(4),
                    commune: f(5),
                    commune_written: f(6),
                },
                province: f(7),
                person_id: f(8),
                person_commune: f(9),
                tier: number(10)? as u8,
                score: number(11)?,
                linked: &row[12] == "linked",
                levels: f(13),
            });
        }
    }
    Ok(hits)
}

/// The best hit of each record (the others are the runners-up), by record.
///
/// Each partition decided its tier-3 links among its own people, so a record two
/// provinces each hold a match for (namesakes born the same day, far apart) is linked in
/// both. As a province run does among its candidates, the merge weighs the record's
/// tier-3 hits of all provinces against each other: the best's share of their evidence
/// (each hit's odds p / (1 − p), the best's over their sum) below the `link` threshold
/// sends it to review, for a person to choose. An ID-tier hit stays linked.
pub fn best(hits: Vec<Hit>, link: f64) -> Vec<(Hit, Option<Hit>)> {
    let mut by_record: BTreeMap<Origin, Vec<Hit>> = BTreeMap::new();
    for h in hits {
        by_record.entry(h.origin.clone()).or_default().push(h);
    }
    by_record
        .into_values()
        .map(|mut hs| {
            hs.sort_by(|a, b| a.rank().cmp(&b.rank()));
            let share = share_of_first(&hs);
            let mut hs = hs.into_iter();
            let mut best = hs.next().expect("a record has a hit");
            if best.linked && best.tier == 3 && share < link {
                best.linked = false;
            }
            (best, hs.next())
        })
        .collect()
}

/// The first tier-3 hit's share of the evidence of all the record's tier-3 hits: its odds
/// over the sum of theirs (1 when it is alone, or not tier 3).
fn share_of_first(hs: &[Hit]) -> f64 {
    // A probability rounded to 1 (six decimals) is held at 1 − 10⁻⁶: odds stay finite.
    let odds = |h: &Hit| {
        let p = h.score.clamp(0.0, 1.0 - 1e-6);
        p / (1.0 - p)
    };
    match hs.first() {
        Some(first) if first.tier == 3 => {
            let total: f64 = hs.iter().filter(|h| h.tier == 3).map(odds).sum();
            odds(first) / total
        }
        _ => 1.0,
    }
}

/// Writes each province's `province=XX/cross_province.{parquet,csv}` (every province
/// whose residue was read, even without a row). Gives the files written.
pub fn write_back(
    out: &Path,
    run_id: &str,
    provinces: &[String],
    found: &[(Hit, Option<Hit>)],
) -> Result<Vec<PathBuf>> {
    let units = crate::vn::admin::AdminUnits::get();
    let province_name = |code: &str| units.province_name(code).unwrap_or("").to_string();
    let mut written = Vec::new();
    for province in provinces {
        let mine: Vec<&(Hit, Option<Hit>)> = found.iter().filter(|(h, _)| &h.origin.province == province).collect();
        let ds: Vec<Discrepancy> =
            mine.iter().map(|(h, runner)| discrepancy(h, runner.as_ref(), &province_name)).collect();
        let ids: Vec<_> = mine.iter().zip(&ds).map(|((h, _), d)| d.stable_id(&h.origin.agency)).collect();
        let rows: Vec<Row> = mine
            .iter()
            .zip(&ds)
            .zip(&ids)
            .map(|(((h, _), d), id)| Row {
                run_id,
                agency: &h.origin.agency,
                d,
                commune_name: crate::publish::commune_name(&d.commune),
                id: id.as_str(),
                suggested: &d.suggested_value,
                is_new: true,
                source_file: &h.origin.source_file,
            })
            .collect();
        let dir = out.join(format!("province={province}"));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let (parquet, csv) = (dir.join("cross_province.parquet"), dir.join("cross_province.csv"));
        columns::write_parquet(&parquet, &rows)?;
        columns::write_csv(&csv, &rows)?;
        written.extend([parquet, csv]);
    }
    Ok(written)
}

/// A record's `RESIDES_IN_OTHER_PROVINCE` row: its commune as written against the
/// person's commune; suggested, the person's province.
fn discrepancy(h: &Hit, runner: Option<&Hit>, province_name: &dyn Fn(&str) -> String) -> Discrepancy {
    let o = &h.origin;
    // The record's own commune, else the person's (SPEC §5).
    let commune = [&o.commune, &h.person_commune].into_iter().find(|c| !c.is_empty());
    let commune = commune.map_or_else(|| "unknown".to_string(), |c| c.to_string());
    let mut d = Discrepancy::new(o.record_id.clone(), o.line, commune, Code::ResidesInOtherProvince, "commune");
    d.registry_value = o.commune_written.clone();
    let person_commune = crate::publish::commune_name(&h.person_commune);
    d.population_value = format!("{person_commune} ({})", h.person_commune);
    d.suggested_value = format!("{} ({})", province_name(&h.province), h.province);
    d.person_id = h.person_id.clone();
    d.tier = Some(match h.tier {
        1 => Tier::PersonalId,
        2 => Tier::LegacyId,
        _ => Tier::Probabilistic,
    });
    d.score = Some(h.score);
    let mut note = if h.linked { "linked".to_string() } else { "review: a person must confirm".to_string() };
    if !h.levels.is_empty() {
        note.push_str(&format!(" ({})", h.levels));
    }
    if let Some(r) = runner.filter(|r| r.province != h.province) {
        let how = if r.linked { "also linked in" } else { "also a candidate in" };
        note.push_str(&format!("; {how} {} ({})", province_name(&r.province), r.province));
    }
    d.note = note;
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(province: &str, tier: u8, score: f64, linked: bool) -> Hit {
        let origin = Origin {
            province: "12".into(),
            agency: "insurance".into(),
            source_file: "bhxh.csv".into(),
            line: 7,
            record_id: "BH-1".into(),
            commune: String::new(),
            commune_written: "Xã Bản Bo".into(),
        };
        let person_id = format!("0{province}090000001");
        let levels = String::new();
        Hit {
            origin,
            province: province.into(),
            person_id,
            person_commune: "00004".into(),
            tier,
            score,
            linked,
            levels,
        }
    }

    /// Linked before review, an ID tier before tier 3, the more probable, then the lower
    /// province: whatever order the tasks gave the hits in.
    #[test]
    fn the_best_hit_of_a_record_does_not_depend_on_the_order_of_the_tasks() {
        let hits = [
            hit("04", 3, 0.99, false),
            hit("01", 3, 0.95, true),
            hit("11", 3, 0.97, true),
            hit("08", 1, 1.0, true),
            hit("02", 1, 1.0, true),
        ];
        for rotation in 0..hits.len() {
            let mut v = hits.to_vec();
            v.rotate_left(rotation);
            let best = best(v, 0.8);
            assert_eq!(best.len(), 1);
            assert_eq!(
                (best[0].0.province.as_str(), best[0].1.as_ref().map(|r| r.province.as_str())),
                ("02", Some("08"))
            );
        }
        let tier3 = best(vec![hit("01", 3, 0.95, true), hit("04", 3, 0.99, false), hit("11", 3, 0.97, true)], 0.8);
        assert_eq!(tier3[0].0.province, "11");
    }

    /// Namesakes of two provinces: each partition linked the record, the merge weighs the
    /// two links against each other and sends the record to review; a link far more
    /// probable than the other province's stays linked, and so does an ID link.
    #[test]
    fn a_record_two_provinces_both_link_goes_to_review() {
        let [(both, runner)]: [(Hit, Option<Hit>); 1] =
            best(vec![hit("01", 3, 0.97, true), hit("11", 3, 0.95, true)], 0.8).try_into().expect("one record");
        assert!(!both.linked, "odds 32 : 19, a share of 0.63");
        assert_eq!((both.province.as_str(), runner.map(|r| r.province)), ("01", Some("11".to_string())));
        let clear = best(vec![hit("01", 3, 0.9999, true), hit("11", 3, 0.9, true)], 0.8);
        assert!(clear[0].0.linked, "odds 9 999 : 9, a share of 0.999");
        let weak_other = best(vec![hit("01", 3, 0.97, true), hit("11", 3, 0.6, false)], 0.8);
        assert!(weak_other[0].0.linked, "odds 32 : 1.5, a share of 0.96");
        let by_id = best(vec![hit("01", 1, 1.0, true), hit("11", 3, 0.99, true)], 0.8);
        assert!(by_id[0].0.linked);
        let d = discrepancy(&both, Some(&hit("11", 3, 0.95, true)), &|_| "Lai Châu".to_string());
        assert!(d.note.starts_with("review: a person must confirm; also linked in Lai Châu (11)"), "{}", d.note);
    }

    /// The row written back: the record's commune as written against the person's, the
    /// person's province suggested, the runner-up's province noted.
    #[test]
    fn a_hit_is_written_back_as_resides_in_other_province() {
        let name = |c: &str| if c == "01" { "Thành phố Hà Nội".to_string() } else { String::new() };
        let d = discrepancy(&hit("01", 1, 1.0, true), Some(&hit("04", 3, 0.97, true)), &name);
        assert_eq!(d.code, Code::ResidesInOtherProvince);
        assert_eq!(d.commune, "00004", "no commune of its own: the person's");
        assert_eq!(d.registry_value, "Xã Bản Bo");
        assert_eq!(d.suggested_value, "Thành phố Hà Nội (01)");
        assert_eq!(d.tier, Some(Tier::PersonalId));
        assert!(d.note.starts_with("linked; also linked in"), "{}", d.note);
    }
}
