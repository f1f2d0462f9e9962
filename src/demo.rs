//! The built-in hand-made province (`fixtures/demo/`, a few records of every case) and
//! the default rules (`rules/`), embedded in the binary so they work anywhere, offline.
//! [`write`] lays the hand-made province out in a folder with its `job.toml`; `doisoat
//! demo` itself generates a synthetic province (see [`crate::synth`]).

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const FILES: &[(&str, &str)] = &[
    ("job.toml", include_str!("../fixtures/demo/job.toml")),
    ("population.csv", include_str!("../fixtures/demo/population.csv")),
    ("ho_tich.csv", include_str!("../fixtures/demo/ho_tich.csv")),
    ("bhxh.csv", include_str!("../fixtures/demo/bhxh.csv")),
    ("dat_dai.csv", include_str!("../fixtures/demo/dat_dai.csv")),
    ("giao_duc.csv", include_str!("../fixtures/demo/giao_duc.csv")),
];

/// Writes the hand-made province into `dir`; gives the path of its `job.toml`.
pub fn write(dir: &Path) -> Result<PathBuf> {
    for (name, text) in FILES.iter().chain(crate::config::DEFAULT_RULES) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    Ok(dir.join("job.toml"))
}
