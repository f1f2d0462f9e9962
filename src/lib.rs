//! # doisoat — đối soát: registry reconciliation against the population register
//!
//! A nightly batch that reconciles a Vietnamese province's sectoral registries (civil
//! status, insurance, land, education) against its population-register extract and tells
//! each agency which of its records are wrong, missing, duplicated or out of date.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! config ─▶ ingest ─▶ normalize ─▶ link ─▶ assess ─▶ score ─▶ publish
//! ```
//!
//! - [`config`]: job and rules files → a checked [`config::Config`];
//! - [`ingest`]: CSV / Parquet / spreadsheets → raw rows and rejected rows;
//! - [`normalize`]: names, dates, sex, IDs, communes → typed records with match keys;
//! - [`link`]: ID tiers (personal ID, legacy CMND), then probabilistic matching;
//! - [`assess`]: discrepancy codes (SPEC §5);
//! - [`score`]: đúng / đủ / sạch / sống;
//! - [`publish`]: the run folder, written atomically, the metrics feed, the gates.
//!
//! The normalizers are plain functions, usable on their own:
//!
//! ```
//! use doisoat::vn::{id, name::Name, text};
//!
//! let n = Name::parse("NGUYỄN  VĂN hoà").unwrap();
//! assert_eq!(&*n.display, "Nguyễn Văn Hòa");
//! assert_eq!(&*n.folded, "nguyen van hoa");
//! assert_eq!(text::fold("Đặng Thị Thuỷ"), "dang thi thuy");
//! // A spreadsheet dropped the leading zero of a personal ID:
//! assert_eq!(&*id::parse("12088000116").digits, "012088000116");
//! ```
//!
//! [`run`] drives them; the library never prints — progress goes to a
//! [`Progress`] sink and results come back as a [`RunReport`].

pub mod alloc;
pub mod assess;
pub mod cells;
pub mod config;
pub mod demo;
pub mod error;
pub mod evaluate;
pub mod explain;
pub mod handoff;
pub mod ingest;
pub mod link;
pub mod national;
pub mod normalize;
pub mod onboard;
pub mod pipeline;
pub mod publish;
pub mod rng;
pub mod score;
pub mod synth;
pub mod vn;

pub use error::{Error, Result};
pub use handoff::RunReport;
pub use pipeline::{run, NoProgress, Progress};
