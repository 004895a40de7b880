//! credence: an evidence-weighting reasoning engine.
//!
//! A model names competing hypotheses, evidence items, the sources that
//! report them and how reliable they are, and the links that make reports
//! dependent. credence turns it into a discrete Bayesian network and computes
//! the exact posterior of each hypothesis. The steps, one module each, and
//! data flows one way:
//!
//! 1. [`model`]: load TOML and validate it into a [`model::Model`], every
//!    problem a [`diag::Diagnostic`] with a span.
//! 2. [`network`]: compile the model into a Bayesian network
//!    ([`network::compile`]) and run exact inference by variable elimination.
//! 3. [`analysis`]: posteriors, weight of evidence, independent origins,
//!    learned source reliability.
//! 4. [`report`]: one serializable view per command (its JSON), laid out as
//!    a [`report::Doc`] that the text, Markdown and HTML renderers draw;
//!    [`report::write`] writes any view in any [`report::Format`].
//!
//! The command-line front end (`src/main.rs`) only parses arguments and
//! dispatches to these; [`serve`] is the other front end, a local web
//! workbench over one model file (`credence serve`).
//!
//! # Example
//!
//! Check a model written in a string, then print the posterior of each
//! hypothesis. The model format is documented in `docs/FORMAT.md`; this is
//! its opening example.
//!
//! ```
//! use credence::{analysis, diag, model};
//!
//! let text = r#"
//! [model]
//! title = "The missing parcel"
//!
//! [[hypotheses]]
//! id = "lost_in_transit"
//! title = "The courier lost it before delivery"
//!
//! [[hypotheses]]
//! id = "taken_from_door"
//! title = "It was delivered and taken from the doorstep"
//!
//! [[sources]]
//! id = "tracking"
//! title = "The courier's tracking page"
//! reliability = "B"
//!
//! [[evidence]]
//! id = "scanned_delivered"
//! claim = "The driver scanned the parcel at the door"
//! likelihood = { lost_in_transit = 0.2, taken_from_door = "almost certain" }
//! reports = [ { source = "tracking" } ]
//! "#;
//!
//! // A model read from memory cites no seed documents.
//! let checked = model::check_text("parcel.toml", text, model::no_documents);
//! let Some(model) = checked.model else {
//!     // Every error, with its line, column and a hint, as `credence check` prints it.
//!     let file = diag::SourceFile::new("parcel.toml", text);
//!     panic!("{}", diag::render_plain(&file, &checked.diagnostics));
//! };
//! let result = analysis::analyse(&model).expect("exact inference");
//! for (hypothesis, outcome) in model.hypotheses.iter().zip(&result.hypotheses) {
//!     println!("{}: {:.4}", hypothesis.id, outcome.posterior);
//! }
//! // lost_in_transit: 0.2289
//! // taken_from_door: 0.7711
//! let leader = &model.hypotheses[result.leader.index()];
//! assert_eq!(leader.id, "taken_from_door");
//! assert!((result.hypotheses[result.leader.index()].posterior - 0.7711).abs() < 5e-5);
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod diag;
pub mod escape;
pub mod input;
pub mod look_alike;
pub mod model;
pub mod network;
pub mod report;
pub mod serve;
