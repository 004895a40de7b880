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
//! 4. [`report`]: views of an analysis, and one printer per format.
//!
//! The command-line front end (`src/main.rs`) only parses arguments and
//! dispatches to these; [`serve`] is the other front end, a local web
//! workbench over one model file (`credence serve`).

pub mod analysis;
pub mod diag;
pub mod model;
pub mod network;
pub mod report;
pub mod serve;
