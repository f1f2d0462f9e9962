//! The built-in demo province: hand-made Lai Châu records (`fixtures/demo/`) and the
//! default rules (`rules/`), embedded in the binary so `doisoat demo` works anywhere,
//! offline. [`write`] lays them out in a folder with their `job.toml`.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const FILES: &[(&str, &str)] = &[
    ("job.toml", include_str!("../fixtures/demo/job.toml")),
    (
        "population.csv",
        include_str!("../fixtures/demo/population.csv"),
    ),
    ("ho_tich.csv", include_str!("../fixtures/demo/ho_tich.csv")),
    ("bhxh.csv", include_str!("../fixtures/demo/bhxh.csv")),
    ("dat_dai.csv", include_str!("../fixtures/demo/dat_dai.csv")),
    (
        "giao_duc.csv",
        include_str!("../fixtures/demo/giao_duc.csv"),
    ),
    (
        "rules/population.toml",
        include_str!("../rules/population.toml"),
    ),
    (
        "rules/civil_status.toml",
        include_str!("../rules/civil_status.toml"),
    ),
    (
        "rules/insurance.toml",
        include_str!("../rules/insurance.toml"),
    ),
    ("rules/land.toml", include_str!("../rules/land.toml")),
    (
        "rules/education.toml",
        include_str!("../rules/education.toml"),
    ),
];

/// Writes the demo province into `dir`; gives the path of its `job.toml`.
pub fn write(dir: &Path) -> Result<PathBuf> {
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    Ok(dir.join("job.toml"))
}
