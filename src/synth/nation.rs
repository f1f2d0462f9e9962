//! A generated nation (`generate --provinces P`): P provinces, each generated as the
//! province is (its own seed, its own 2025 communes and birth-registration code), whose
//! populations form a hive-partitioned lake, and people who moved between them.
//!
//! Written into the output folder: `lake/population/province=XX/population.csv` (each
//! province's extract: the people living there, those who moved in included);
//! `provinces/XX/` (its registries, rules, truth and a job that reads its partition of
//! the lake); `truth/cross_province.csv` (`province, agency, record_id, person_id,
//! person_province`: the records a province's registries still hold of people who now
//! live in another province).
//!
//! A mover is an adult alive on the reference day (the education registry's coverage
//! stays its province's own); they leave their province's extract and join another's,
//! in one of its communes, without the parents and spouse the extract named. Their
//! records stay where they were registered: in that province's truth they are not in
//! the population, with the codes the record carries alone.

use super::province::Province;
use super::{build, csv_text, write, write_province, Built, Moves, Options, Summary};
use crate::error::{Error, Result};
use crate::rng::Rng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Share of each province's adults who live in another province.
pub const MOVER_SHARE: f64 = 0.03;

/// The lake's population dataset, from a province's folder.
const LAKE_POPULATION: &str = "../../lake/population";

/// Codes a record carries alone (its ID's structure, its address's units, its row):
/// they stay on the record of a person who moved away; the codes that compare it with
/// its person go.
const RECORD_CODES: [&str; 7] = [
    "ID_MISSING",
    "ID_MALFORMED",
    "ID_PROVINCE_INVALID",
    "ID_SEX_CENTURY_CONFLICT",
    "ID_BIRTH_YEAR_CONFLICT",
    "ADDRESS_LEGACY_UNIT",
    "REJECTED_ROW",
];

/// What was generated.
#[derive(Debug, Clone)]
pub struct NationSummary {
    /// Per province: its 2025 code and what was written.
    pub provinces: Vec<(String, Summary)>,
    /// People living in another province than the one they were generated in.
    pub movers: usize,
    /// Records held by a province of a person who lives in another.
    pub cross_records: usize,
    /// The cross-province truth file.
    pub truth: PathBuf,
}

/// The nation's provinces: Lai Châu first, then the 2025 provinces by code. Each
/// province's people born elsewhere were mostly born in the province before it.
fn provinces(n: usize) -> Result<Vec<Province>> {
    let units = crate::vn::admin::AdminUnits::get();
    let codes: Vec<&str> = units.provinces().map(|(c, _)| c).filter(|c| *c != "12").collect();
    if n == 0 || n > codes.len() + 1 {
        return Err(Error::Usage(format!("--provinces must be 1 to {}", codes.len() + 1)));
    }
    let mut out = vec![Province::lai_chau()];
    for (i, code) in codes.into_iter().take(n - 1).enumerate() {
        let neighbour = out[i].id_code.clone();
        out.push(Province::of(code, &neighbour, i as u64 + 1).expect("a 2025 province of the reference"));
    }
    Ok(out)
}

/// Generates a nation of `n` provinces of `opts.people` people each into `dir`.
pub fn generate(dir: &Path, opts: &Options, n: usize) -> Result<NationSummary> {
    let mut built: Vec<Built> = provinces(n)?
        .into_iter()
        .enumerate()
        .map(|(i, province)| {
            // Each province its own seed: the first is the province generated alone.
            let seed = opts.seed.wrapping_add(i as u64 * 1_000_003);
            build(&Options { seed, ..opts.clone() }, province)
        })
        .collect();
    let mut moves: Vec<Moves> = built.iter().map(|_| Moves::default()).collect();
    // A generator of its own: the provinces are the ones generated alone.
    let mut rng = Rng::new(opts.seed ^ 0x4E41_5449_4F4E);
    let mut moved: Vec<HashMap<String, usize>> = vec![HashMap::new(); built.len()];
    for a in 0..built.len() {
        for (j, person) in built[a].people.iter().enumerate() {
            let adult = opts.today.year - person.dob.year >= 18;
            if built.len() < 2 || person.death.is_some() || !adult || !rng.chance(MOVER_SHARE) {
                continue;
            }
            let b = (a + 1 + rng.below(built.len() as u64 - 1) as usize) % built.len();
            let commune = &built[b].communes[rng.below(built[b].communes.len() as u64) as usize];
            let mut arrived = person.clone();
            arrived.commune = commune.code.clone();
            arrived.hamlet = rng.pick_string(&commune.hamlets);
            (arrived.father, arrived.mother, arrived.spouse, arrived.moved_from) = (None, None, None, None);
            arrived.updated = crate::synth::population::random_date(&mut rng, 2024, &opts.today);
            moves[b].arrived.push(arrived);
            moves[a].gone.insert(j);
            moved[a].insert(person.pid.clone(), b);
        }
    }
    let code_of: Vec<String> = built.iter().map(|b| b.province.code.clone()).collect();
    let mut cross = Vec::new();
    for (a, province) in built.iter_mut().enumerate() {
        for reg in province.registries.iter_mut() {
            for (record_id, person, codes) in reg.truth.iter_mut() {
                let Some(&b) = moved[a].get(person.as_str()) else { continue };
                let rejected = codes.contains("REJECTED_ROW");
                codes.retain(|c| RECORD_CODES.contains(c));
                if !rejected {
                    let row = [&code_of[a], reg.agency, record_id.as_str(), person.as_str(), &code_of[b]];
                    cross.push(row.map(str::to_string).to_vec());
                    codes.insert("NOT_IN_POPULATION");
                }
                person.clear();
            }
        }
    }
    let mut summaries = Vec::new();
    for (province, moves) in built.iter().zip(moves.iter_mut()) {
        let at = format!("province={}", province.province.code);
        moves.lake = Some((PathBuf::from(LAKE_POPULATION), at));
        let folder = dir.join("provinces").join(&province.province.code);
        summaries.push((province.province.code.clone(), write_province(&folder, opts, province, moves)?));
    }
    let truth = dir.join("truth/cross_province.csv");
    let header = ["province", "agency", "record_id", "person_id", "person_province"];
    write(&truth, csv_text(&header, &cross).as_bytes())?;
    let movers = moves.iter().map(|m| m.arrived.len()).sum();
    Ok(NationSummary { provinces: summaries, movers, cross_records: cross.len(), truth })
}
