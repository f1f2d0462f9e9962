//! The library's one error type, by category. The binary maps categories to exit codes
//! (SPEC §4): rules and usage problems → 2, everything else that stops a run → 1.
//! Messages name files, rows and fields, never personal values.

use std::fmt;
use std::path::PathBuf;

/// One problem in a job or rules file: the file, the key or column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// The key, column or line concerned.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.key, self.message)
    }
}

/// All problems of a rules check, reported at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s) in the job or rules:", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Everything that can stop doisoat.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The job or a rules file is invalid (exit 2).
    #[error("{0}")]
    Rules(Problems),
    /// A command was used wrongly (exit 2).
    #[error("usage: {0}")]
    Usage(String),
    /// A file could not be read or written (exit 1).
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An input file cannot be read at all (exit 1); single bad rows are rejected rows.
    #[error("{path}: {message}")]
    Input {
        /// The input file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Conservation does not hold: some input row has no outcome (exit 1).
    #[error("conservation check failed, nothing published: {0}")]
    Conservation(String),
    /// Another run holds the run root's lock (exit 1).
    #[error("run root {path} is locked by another run ({holder}); try again when it ends")]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: String,
    },
    /// Polars failed on a frame operation (exit 1).
    #[error("data frame operation failed: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}

impl Error {
    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }

    /// The process exit code for this error (SPEC §4).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Rules(_) | Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The message of a caught panic (a third-party library's, turned into an error naming
/// the file it was working on).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown failure".into())
}
