//! The `credence` command line: parses arguments and dispatches to the
//! library. Exit codes: 0 ok, 1 invalid or inconsistent model, 2 usage.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "credence",
    version,
    about = "Evidence-weighting reasoning engine: exact Bayesian support for competing hypotheses"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a model and lint it (circular reporting, one origin behind
    /// many reports, non-diagnostic items, indistinguishable hypotheses,
    /// unused sources).
    Check {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Posterior per hypothesis, what drove it, and independent origins.
    Report {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check { model, format } => {
            commands::check(&model, matches!(format, CheckFormat::Json))
        }
        Command::Report {
            model,
            format,
            output,
        } => {
            let format = match format {
                ReportFormat::Text => credence::report::Format::Text,
                ReportFormat::Json => credence::report::Format::Json,
            };
            commands::report(&model, format, output.as_deref())
        }
    };
    ExitCode::from(code)
}
