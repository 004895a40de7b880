//! The `credence` command line: parses arguments and dispatches to the
//! library. Exit codes: 0 ok, 1 invalid or inconsistent model, 2 usage.

mod allocator;
mod commands;
mod output;
mod progress;

use std::ffi::c_int;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "credence",
    version,
    propagate_version = true,
    about = "Evidence-weighting reasoning engine: exact Bayesian support for competing hypotheses"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The model file every model command reads.
#[derive(Args)]
struct ModelArg {
    /// The model: a TOML file of hypotheses, sources, evidence and
    /// scenarios (docs/FORMAT.md). Seed-document references are checked
    /// against `[model] seeds`, else a `seeds` folder beside the model's
    /// folder.
    #[arg(value_name = "MODEL")]
    model: PathBuf,
}

/// A command's set of output formats.
trait FormatArg: ValueEnum + Clone + Send + Sync + 'static {
    /// The default format's name. (Not `default_value_t`: clap caches that
    /// text in a static, which a generic `Output<F>` would share between
    /// every `F`.)
    const DEFAULT: &'static str;
}

/// Where a command writes and in which format: `F` is the command's own
/// set of formats.
#[derive(Args)]
struct Output<F: FormatArg> {
    #[arg(
        long,
        value_enum,
        default_value = F::DEFAULT,
        help = "The output format",
        long_help = "The output format, one of:"
    )]
    format: F,
    /// Write to FILE instead of standard output. The file is written
    /// atomically: a temporary file beside it is renamed into place once
    /// complete, so a failed run never leaves a truncated file. FILE may
    /// not be the input, a device, a FIFO or a socket; an existing FILE
    /// keeps its permissions; a symbolic link is followed to its target.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a model and lint it (circular reporting, one origin behind
    /// many reports, non-diagnostic items, indistinguishable hypotheses,
    /// unused sources).
    ///
    /// Runs exact inference too: evidence the model makes impossible, or a
    /// network over the inference budget, makes the model invalid (exit 1).
    Check {
        #[command(flatten)]
        model: ModelArg,
        #[arg(
            long,
            value_enum,
            default_value_t = CheckFormat::Text,
            help = "The output format",
            long_help = "The output format, one of:"
        )]
        format: CheckFormat,
    },
    /// Posterior per hypothesis, what drove it, and independent origins.
    Report {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// Posteriors under the model's scenarios or --set overrides, beside the
    /// baseline, and whether the leading hypothesis changes.
    Whatif {
        #[command(flatten)]
        model: ModelArg,
        /// Run this scenario of the model (repeatable). Default: every one.
        #[arg(long = "scenario", value_name = "ID", conflicts_with = "all")]
        scenario: Vec<String>,
        /// Override PATH=VALUE (repeatable), e.g. sources.wsj.reliability=0.3.
        ///
        /// The paths (ids are the model's own):
        ///   hypotheses.H.prior                      a probability; the others rescale
        ///   sources.S.reliability                   Admiralty letter, number, interval
        ///                                           or { hit = .., false_alarm = .. }
        ///   sources.S.bias                          a number, interval or word
        ///   evidence.E.enabled                      true or false
        ///   evidence.E.likelihood.H                 P(E | H): number, interval or word
        ///   evidence.E.reports.R.reliability        as sources.S.reliability
        ///   evidence.E.reports.R.bias               as sources.S.bias
        ///   evidence.E.reports.R.observed           true or false
        ///   evidence.E.reports.R.strength           a relayed report's link, 0 to 1
        ///   dependencies.D.strength                 every link the dependency made
        /// A value is TOML: 0.3, [0.2, 0.4], "likely" (or a bare word), true.
        /// Example: --set sources.wsj.reliability=C --set evidence.e2.enabled=false
        ///
        /// Alone, the overrides form one scenario; with --scenario or --all
        /// they apply on top of each chosen scenario.
        #[arg(long = "set", value_name = "PATH=VALUE", verbatim_doc_comment)]
        set: Vec<String>,
        /// Run every scenario of the model (the default without --set).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// Sweep every source reliability and bias, every likelihood and every
    /// written prior over its plausible range (or [0, 1]): tornado, flip
    /// points, linchpins, weight of evidence.
    Sensitivity {
        #[command(flatten)]
        model: ModelArg,
        /// Grid points per parameter, both ends included.
        #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u32).range(2..=1001))]
        points: u32,
        /// plausible: each number over the range the model states (an
        /// interval, a verbal term's band, an Admiralty grade either way, a
        /// point number's band); full: every number over [0, 1].
        #[arg(long, value_enum, default_value_t = RangeArg::Plausible)]
        range: RangeArg,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// Monte Carlo over every uncertain number (intervals, verbal terms,
    /// Admiralty F): the spread of each posterior and how often each
    /// hypothesis leads. Seeded: the same seed gives the same output.
    Simulate {
        #[command(flatten)]
        model: ModelArg,
        /// Number of samples (at most 1,000,000).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        samples: u64,
        /// Seed of the random draws: the same seed gives the same output on
        /// any number of threads.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// Heuer's Analysis of Competing Hypotheses matrix beside the Bayesian
    /// result, and where the two rankings disagree, why.
    Ach {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// What to collect next: each pending evidence item (`pending = true`)
    /// by its expected information in bits, each outcome's probability and
    /// posterior, the chance it overturns the judgement, indicators to watch.
    Collect {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// Several analysts' models of one question side by side: what aligns
    /// by id and what does not, each posterior and bottom line, the linear
    /// and logarithmic pools, the spread, the cruxes (each parameter on
    /// which the models differ and what adopting another's value alone does
    /// to each posterior), and the ACH consensus per cell (docs/COMPARE.md).
    ///
    /// Each model is validated on its own; an invalid one is reported with
    /// its file, line and column (exit 1). Models with no hypothesis id in
    /// common cannot be compared (exit 2).
    Compare {
        /// The models (at least two): TOML files of the same question.
        /// Each is named by its file's stem, made unique (`-2`, `-3`).
        #[arg(value_name = "MODEL", num_args = 2.., required = true)]
        models: Vec<PathBuf>,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// The arithmetic step by step: hit and false-alarm rates, relay
    /// chains, each item's likelihood, the running posterior.
    Explain {
        #[command(flatten)]
        model: ModelArg,
        /// Explain only this evidence item, and its effect on the posterior.
        #[arg(long, value_name = "ID")]
        item: Option<String>,
        #[command(flatten)]
        output: Output<ReportFormat>,
    },
    /// The network as a drawing: hypotheses, items, reports by source, relay
    /// chains (dashed where partial), latent reliabilities, origins marked.
    Graph {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        output: Output<GraphFormatArg>,
    },
    /// The compiled network as BIF, XMLBIF or XDSL (GeNIe, Netica, pgmpy;
    /// observed reports carry their evidence), the validated model as JSON,
    /// or its ACH matrix as CSV.
    Export {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        output: Output<ExportFormatArg>,
    },
    /// Bring another tool's file in as a model: `import ach MATRIX.csv`
    /// reads an ACH spreadsheet and writes a commented model TOML.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Exact posterior of one node of any discrete BIF, XMLBIF or XDSL
    /// network (GeNIe, Netica, bnlearn, pgmpy, credence export).
    ///
    /// The evidence the file carries (`property evidence = STATE ;`) is
    /// entered unless --ignore-file-evidence is given; the output lists
    /// every observation entered and where it came from.
    Query {
        /// The network: BIF, XMLBIF or GeNIe's XDSL, told apart by content
        /// (docs/BIF.md says which dialects are read).
        #[arg(value_name = "NETWORK")]
        network: PathBuf,
        /// The node whose posterior to compute.
        #[arg(long, value_name = "NODE", required_unless_present = "all")]
        target: Option<String>,
        /// Every node's posterior, in the file's order, from one
        /// calibration (not one elimination per node).
        #[arg(long, conflicts_with = "target")]
        all: bool,
        /// Answer every evidence set of a JSON Lines file, one object
        /// `{"NODE": "STATE", ...}` per line, from one parse of the network
        /// (--evidence and the file's evidence are entered in each set too;
        /// the line's state wins on the same node).
        #[arg(long, value_name = "SETS.jsonl")]
        evidence_file: Option<PathBuf>,
        /// Observe NODE in STATE (repeatable); on the same node it replaces
        /// the file's evidence.
        #[arg(long = "evidence", value_name = "NODE=STATE")]
        evidence: Vec<String>,
        /// Leave out the file's `property evidence` lines: the posterior
        /// given only --evidence (the prior without it).
        #[arg(long, conflicts_with = "file_evidence")]
        ignore_file_evidence: bool,
        /// Enter the file's evidence (the default; kept so older scripts
        /// still run).
        #[arg(long, hide = true)]
        file_evidence: bool,
        /// The memory exact inference may hold in tables at once, e.g.
        /// `2GiB`, `800MB` (default 512MiB): a network over it is refused
        /// before any large table is built, naming the nodes that tie it
        /// together.
        #[arg(long, value_name = "SIZE", value_parser = credence::network::ve::parse_memory_size)]
        memory: Option<usize>,
        #[command(flatten)]
        output: Output<QueryFormat>,
    },
    /// The workbench: a local web page over MODEL with a slider for every
    /// number in it, live on the file (saving in an editor updates the
    /// page), and saving the current overrides as a scenario. Prints the
    /// URL; serves on 127.0.0.1 only, until Ctrl-C.
    Serve {
        /// The model file to serve and watch.
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
        /// The shell to write the completion script for.
        #[arg(long, value_enum)]
        shell: clap_complete::Shell,
    },
    /// Man pages (roff): the main page to standard output, or with --dir
    /// one page per command (credence.1, credence-report.1, ...).
    #[command(hide = true)]
    GenerateMan {
        /// Write credence.1 and one page per command into DIR (made if
        /// missing), each written atomically.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// What `credence import` reads.
#[derive(Subcommand)]
enum ImportCommand {
    /// An ACH matrix from a spreadsheet (CSV): the first column the
    /// evidence, then one column per hypothesis of CC/C/N/I/II/NA cells,
    /// optional Source, Credibility and Relevance columns (docs/ACH_CSV.md).
    /// Writes a commented model TOML on the documented ACH scale.
    ///
    /// Excel's exports are read as they are: a byte-order mark, `,` `;` or
    /// tab between cells, quoted cells, CRLF. A bad cell is reported at its
    /// line and column (exit 1).
    Ach {
        /// The CSV file (`-`: standard input).
        #[arg(value_name = "MATRIX.csv")]
        matrix: PathBuf,
        /// The model's title (default: from the file name).
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
        /// Write the model to FILE instead of standard output, atomically
        /// (as every command's -o).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    /// Diagnostics rendered with the offending line, then a one-line summary.
    Text,
    /// The check view (kind `credence.check`, docs/JSON.md): validity, a
    /// summary of the model and every diagnostic with its line and column.
    Json,
}

/// The ranges `sensitivity` sweeps.
#[derive(Clone, Copy, ValueEnum)]
enum RangeArg {
    Plausible,
    Full,
}

impl From<RangeArg> for credence::analysis::ranges::RangeMode {
    fn from(r: RangeArg) -> Self {
        match r {
            RangeArg::Plausible => Self::Plausible,
            RangeArg::Full => Self::Full,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// Aligned plain text, colored on a terminal (never with NO_COLOR set).
    Text,
    /// GitHub-flavoured Markdown: pipe tables, no raw HTML.
    Markdown,
    /// The command's view as JSON (schemas in docs/JSON.md).
    Json,
    /// One self-contained HTML page: inline CSS and SVG charts, no script.
    Html,
}

impl FormatArg for ReportFormat {
    const DEFAULT: &'static str = "text";
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
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

impl FormatArg for GraphFormatArg {
    const DEFAULT: &'static str = "dot";
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormatArg {
    /// The compiled network in the Bayesian Interchange Format, observed
    /// reports as `property evidence` (docs/BIF.md).
    Bif,
    /// The validated model as JSON (kind `credence.export`, docs/JSON.md).
    Json,
    /// The ACH matrix as a spreadsheet (CSV), in the layout `credence
    /// import ach` reads (docs/ACH_CSV.md).
    AchCsv,
    /// The compiled network as XMLBIF 0.3 (pgmpy, Weka), observed reports
    /// as `<PROPERTY>evidence = STATE</PROPERTY>` (docs/BIF.md).
    Xmlbif,
    /// The compiled network as GeNIe's XDSL, observed reports as
    /// `<property id="evidence">` (docs/BIF.md).
    Xdsl,
}

impl FormatArg for ExportFormatArg {
    const DEFAULT: &'static str = "bif";
}

#[derive(Clone, Copy, ValueEnum)]
enum QueryFormat {
    /// The evidence entered and the posterior table.
    Text,
    /// The query view (kind `credence.query`, docs/JSON.md).
    Json,
}

impl FormatArg for QueryFormat {
    const DEFAULT: &'static str = "text";
}

impl Command {
    /// Every file the command reads and its `-o` file, for commands that
    /// have them.
    fn files(&self) -> (Vec<&std::path::Path>, Option<&std::path::Path>) {
        match self {
            Command::Report { model, output } | Command::Sensitivity { model, output, .. } => {
                (vec![&model.model], output.file())
            }
            Command::Whatif { model, output, .. }
            | Command::Simulate { model, output, .. }
            | Command::Ach { model, output }
            | Command::Collect { model, output }
            | Command::Explain { model, output, .. } => (vec![&model.model], output.file()),
            Command::Graph { model, output } => (vec![&model.model], output.file()),
            Command::Export { model, output } => (vec![&model.model], output.file()),
            // An evidence file is an input too: `-o` onto it would replace
            // the evidence sets with their answers.
            Command::Query {
                network,
                evidence_file,
                output,
                ..
            } => {
                let mut inputs = vec![network.as_path()];
                inputs.extend(evidence_file.as_deref());
                (inputs, output.file())
            }
            Command::Import {
                what: ImportCommand::Ach { matrix, output, .. },
            } => (vec![matrix], output.as_deref()),
            Command::Check { model, .. } => (vec![&model.model], None),
            Command::Compare { models, output } => {
                (models.iter().map(PathBuf::as_path).collect(), output.file())
            }
            Command::Serve { model, .. } => (vec![model], None),
            Command::GenerateCompletions { .. } | Command::GenerateMan { .. } => (vec![], None),
        }
    }
}

impl<F: FormatArg> Output<F> {
    fn file(&self) -> Option<&std::path::Path> {
        self.output.as_deref()
    }
}

fn main() {
    // Help, --version and usage errors print here and end the process the
    // same way as every command (clap's own `exit` would tear it down).
    let code = match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            // A reader that went away (`--help | head`) is no failure.
            let _ = e.print();
            u8::try_from(e.exit_code()).unwrap_or(commands::USAGE)
        }
    };
    exit_without_teardown(code)
}

/// End the process with `code` as soon as standard output is flushed.
///
/// By now the command has written its output (to standard output, or to
/// its `-o` file, renamed into place) and dropped what it built, its
/// temporary files included. The normal exit would then only give memory
/// back that the kernel reclaims at once anyway: mimalloc's exit handler
/// collects every page and returns the freed ones to the system (five
/// `madvise` calls over 9 MiB after a query of pigs, 28 after `check` of a
/// small model), about 5% of a small query's time.
fn exit_without_teardown(code: u8) -> ! {
    // The renderers flush their own buffers; this flushes what `print!`
    // may have left in standard output's line buffer, as the normal exit
    // does (and, as it does, ignores a reader that went away).
    let _ = std::io::Write::flush(&mut std::io::stdout());
    if allocator::reports_at_exit() {
        std::process::exit(code.into());
    }
    // SAFETY: `_exit` ends the process; nothing runs after it, so no
    // invariant of this program can be observed broken.
    unsafe { libc::_exit(c_int::from(code)) }
}

/// Run the command line's command; its exit code.
fn run(cli: Cli) -> u8 {
    if matches!(cli.command, Command::Query { .. }) {
        allocator::keep_freed_memory_for_query();
    } else {
        allocator::return_freed_memory_at_once();
    }
    // `-o` onto an input would replace the model (the network, the
    // evidence sets) with its report: refused before any work.
    if let (inputs, Some(out)) = cli.command.files()
        && let Err(e) = output::refuse_input_as_output(&inputs, out)
    {
        eprintln!("error: {e}");
        return commands::USAGE;
    }
    // Standard input holds one model: a second `-` would read it empty.
    if let Command::Compare { models, .. } = &cli.command
        && models
            .iter()
            .filter(|m| credence::input::is_stdin(m))
            .count()
            > 1
    {
        eprintln!(
            "error: `-` (standard input) is given more than once: it holds one model\n = hint: give the other models as files"
        );
        return commands::USAGE;
    }
    match cli.command {
        Command::Check { model, format } => {
            commands::check(&model.model, matches!(format, CheckFormat::Json))
        }
        Command::Report { model, output } => {
            commands::report(&model.model, output.format.into(), output.file())
        }
        Command::Whatif {
            model,
            scenario,
            set,
            all,
            output,
        } => commands::whatif(
            &model.model,
            &scenario,
            &set,
            all,
            output.format.into(),
            output.file(),
        ),
        Command::Sensitivity {
            model,
            points,
            range,
            output,
        } => commands::sensitivity(
            &model.model,
            points as usize,
            range.into(),
            output.format.into(),
            output.file(),
        ),
        Command::Simulate {
            model,
            samples,
            seed,
            output,
        } => commands::simulate(
            &model.model,
            samples,
            seed,
            output.format.into(),
            output.file(),
        ),
        Command::Ach { model, output } => {
            commands::ach(&model.model, output.format.into(), output.file())
        }
        Command::Collect { model, output } => {
            commands::collect(&model.model, output.format.into(), output.file())
        }
        Command::Compare { models, output } => {
            commands::compare(&models, output.format.into(), output.file())
        }
        Command::Explain {
            model,
            item,
            output,
        } => commands::explain(
            &model.model,
            item.as_deref(),
            output.format.into(),
            output.file(),
        ),
        Command::Graph { model, output } => {
            let format = match output.format {
                GraphFormatArg::Dot => credence::report::graph::GraphFormat::Dot,
                GraphFormatArg::Mermaid => credence::report::graph::GraphFormat::Mermaid,
            };
            commands::graph(&model.model, format, output.file())
        }
        Command::Export { model, output } => {
            let format = match output.format {
                ExportFormatArg::Bif => credence::report::export::ExportFormat::Bif,
                ExportFormatArg::Json => credence::report::export::ExportFormat::Json,
                ExportFormatArg::AchCsv => credence::report::export::ExportFormat::AchCsv,
                ExportFormatArg::Xmlbif => credence::report::export::ExportFormat::Xmlbif,
                ExportFormatArg::Xdsl => credence::report::export::ExportFormat::Xdsl,
            };
            commands::export(&model.model, format, output.file())
        }
        Command::Import {
            what:
                ImportCommand::Ach {
                    matrix,
                    title,
                    output,
                },
        } => commands::import_ach(&matrix, title.as_deref(), output.as_deref()),
        Command::Query {
            network,
            target,
            all,
            evidence_file,
            evidence,
            ignore_file_evidence,
            file_evidence: _,
            memory,
            output,
        } => commands::query(&commands::QueryArgs {
            network: &network,
            target: if all { None } else { target.as_deref() },
            evidence_file: evidence_file.as_deref(),
            evidence: &evidence,
            file_evidence: !ignore_file_evidence,
            budget_bytes: memory.unwrap_or(credence::network::ve::DEFAULT_BUDGET_BYTES),
            json: matches!(output.format, QueryFormat::Json),
            output: output.file(),
        }),
        Command::Serve {
            model,
            port,
            no_open,
        } => commands::serve(&model, port, no_open),
        Command::GenerateCompletions { shell } => {
            commands::completions(shell, <Cli as clap::CommandFactory>::command())
        }
        Command::GenerateMan { dir } => {
            commands::man(<Cli as clap::CommandFactory>::command(), dir.as_deref())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every command, visible or hidden, says what it is.
    #[test]
    fn every_argument_has_help() {
        let mut cli = super::Cli::command();
        cli.build();
        for command in cli.get_subcommands() {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "`credence {}`: argument `{id}` has no help",
                    command.get_name()
                );
            }
        }
    }
}
