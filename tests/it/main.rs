//! The integration tests, one binary (as ripgrep does): each module is one
//! suite, and building them links once instead of once per suite.
//!
//! `tests/threads.rs` stays a binary of its own: it counts the process's
//! threads, which other suites running beside it would change.

#[path = "common/cli.rs"]
mod cli;
#[path = "../../examples/generate.rs"]
#[allow(dead_code)]
mod generate;
#[path = "common/gen.rs"]
mod model_gen;
#[path = "common/sample.rs"]
mod sample;

mod ach;
mod ach_csv;
mod bad_models;
mod bif_refusals;
mod budgets;
mod chunked_parse;
mod cli_basics;
mod collect;
mod compare;
mod explain;
mod files_and_pipes;
mod group_commands;
mod groups;
mod guide;
mod hostile_inputs;
mod hostile_networks;
mod hostile_text;
mod html_browser;
mod impossible;
mod interop;
mod judgement;
mod known_answers;
mod leave_one_out;
mod ledger;
mod lints;
mod look_alikes;
mod networks;
mod orders;
mod output_budget;
mod printed_numbers;
mod process_exit;
mod properties;
mod ranges;
mod relevance;
mod report_formats;
mod robustness;
mod scaled;
mod seed_model;
mod sensitivity;
mod serve;
mod serve_browser;
mod simulate;
mod snapshots;
mod validation_gaps;
mod whatif;
