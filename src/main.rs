//! The `credence` command line: parses arguments and dispatches to the
//! library. Exit codes: 0 ok, 1 invalid or inconsistent model, 2 usage.

mod allocator;
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
    /// Posteriors under the model's scenarios or --set overrides, beside the
    /// baseline, and whether the leading hypothesis changes.
    Whatif {
        model: PathBuf,
        /// Run this scenario of the model (repeatable). Default: every one.
        #[arg(long = "scenario", value_name = "ID", conflicts_with = "all")]
        scenario: Vec<String>,
        /// Override PATH=VALUE (repeatable), e.g. sources.wsj.reliability=0.3.
        /// Alone, the overrides form one scenario; with --scenario or --all
        /// they apply on top of each chosen scenario.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Run every scenario of the model (the default without --set).
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Sweep every source reliability and bias and every likelihood over
    /// [0, 1]: tornado, flip points, linchpins, weight of evidence.
    Sensitivity {
        model: PathBuf,
        /// Grid points per parameter, both ends included.
        #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u32).range(2..=1001))]
        points: u32,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Monte Carlo over every uncertain number (intervals, verbal terms,
    /// Admiralty F): the spread of each posterior and how often each
    /// hypothesis leads. Seeded: the same seed gives the same output.
    Simulate {
        model: PathBuf,
        /// Number of samples (at most 1,000,000).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        samples: u64,
        /// Seed of the random draws.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Heuer's Analysis of Competing Hypotheses matrix beside the Bayesian
    /// result, and where the two rankings disagree, why.
    Ach {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The arithmetic step by step: hit and false-alarm rates, relay
    /// chains, each item's likelihood, the running posterior.
    Explain {
        model: PathBuf,
        /// Explain only this evidence item, and its effect on the posterior.
        #[arg(long, value_name = "ID")]
        item: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The network as a drawing: hypotheses, items, reports by source, relay
    /// chains (dashed where partial), latent reliabilities, origins marked.
    Graph {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
        format: GraphFormatArg,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The compiled network as BIF (GeNIe, Netica, pgmpy; observed reports
    /// carry `property evidence`), or the validated model as JSON.
    Export {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = ExportFormatArg::Bif)]
        format: ExportFormatArg,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Exact posterior of one node of any discrete BIF network (GeNIe,
    /// Netica, bnlearn, pgmpy, credence export).
    Query {
        /// A BIF file.
        network: PathBuf,
        /// The node whose posterior to compute.
        #[arg(long, value_name = "NODE")]
        target: String,
        /// Observe NODE in STATE (repeatable); overrides the file's evidence.
        #[arg(long = "evidence", value_name = "NODE=STATE")]
        evidence: Vec<String>,
        /// Also enter the file's `property evidence = STATE ;` lines.
        #[arg(long)]
        file_evidence: bool,
        #[arg(long, value_enum, default_value_t = QueryFormat::Text)]
        format: QueryFormat,
        /// Write to FILE instead of standard output (atomically).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The workbench: a local web page over MODEL with a slider for every
    /// number in it, live on the file (saving in an editor updates the
    /// page), and saving the current overrides as a scenario. Prints the
    /// URL; serves on 127.0.0.1 only, until Ctrl-C.
    Serve {
        model: PathBuf,
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 8765)]
        port: u16,
        /// Do not open a browser.
        #[arg(long)]
        no_open: bool,
    },
    /// Shell completion script for SHELL, to standard output.
    #[command(hide = true)]
    GenerateCompletions {
        #[arg(long, value_enum)]
        shell: clap_complete::Shell,
    },
    /// The man page (roff), to standard output.
    #[command(hide = true)]
    GenerateMan,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Markdown,
    Json,
    Html,
}

impl From<ReportFormat> for credence::report::Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Text => Self::Text,
            ReportFormat::Markdown => Self::Markdown,
            ReportFormat::Json => Self::Json,
            ReportFormat::Html => Self::Html,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormatArg {
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormatArg {
    Bif,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum QueryFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    allocator::return_freed_memory_at_once();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check { model, format } => {
            commands::check(&model, matches!(format, CheckFormat::Json))
        }
        Command::Report {
            model,
            format,
            output,
        } => commands::report(&model, format.into(), output.as_deref()),
        Command::Whatif {
            model,
            scenario,
            set,
            all,
            format,
            output,
        } => commands::whatif(
            &model,
            &scenario,
            &set,
            all,
            format.into(),
            output.as_deref(),
        ),
        Command::Sensitivity {
            model,
            points,
            format,
            output,
        } => commands::sensitivity(&model, points as usize, format.into(), output.as_deref()),
        Command::Simulate {
            model,
            samples,
            seed,
            format,
            output,
        } => commands::simulate(&model, samples, seed, format.into(), output.as_deref()),
        Command::Ach {
            model,
            format,
            output,
        } => commands::ach(&model, format.into(), output.as_deref()),
        Command::Explain {
            model,
            item,
            format,
            output,
        } => commands::explain(&model, item.as_deref(), format.into(), output.as_deref()),
        Command::Graph {
            model,
            format,
            output,
        } => {
            let format = match format {
                GraphFormatArg::Dot => credence::report::graph::GraphFormat::Dot,
                GraphFormatArg::Mermaid => credence::report::graph::GraphFormat::Mermaid,
            };
            commands::graph(&model, format, output.as_deref())
        }
        Command::Export {
            model,
            format,
            output,
        } => {
            let format = match format {
                ExportFormatArg::Bif => credence::report::export::ExportFormat::Bif,
                ExportFormatArg::Json => credence::report::export::ExportFormat::Json,
            };
            commands::export(&model, format, output.as_deref())
        }
        Command::Query {
            network,
            target,
            evidence,
            file_evidence,
            format,
            output,
        } => commands::query(
            &network,
            &target,
            &evidence,
            file_evidence,
            matches!(format, QueryFormat::Json),
            output.as_deref(),
        ),
        Command::Serve {
            model,
            port,
            no_open,
        } => commands::serve(&model, port, no_open),
        Command::GenerateCompletions { shell } => {
            commands::completions(shell, <Cli as clap::CommandFactory>::command())
        }
        Command::GenerateMan => commands::man(<Cli as clap::CommandFactory>::command()),
    };
    ExitCode::from(code)
}
