//! The commands behind the CLI: load, run a library stage, print, and map
//! the outcome to an exit code.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use credence::analysis::whatif::BadArgument;
use credence::diag::{self, Diagnostic, Severity, SourceFile};
use credence::model::{self, ItemId, Model, Override, overrides};
use credence::{analysis, report};

use crate::output::OutputError;
use crate::progress::TerminalProgress;

pub const OK: u8 = 0;
pub const INVALID: u8 = 1;
pub const USAGE: u8 = 2;

/// Notes printed by `check` before the rest are only counted.
const MAX_NOTES: usize = 20;

fn color_choice() -> ColorChoice {
    if io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

fn emit(file: &SourceFile, diagnostics: &[Diagnostic]) {
    let mut stderr = StandardStream::stderr(color_choice());
    // Failing to print a diagnostic to stderr leaves nothing better to do.
    let _ = diag::render(&mut stderr, file, diagnostics);
}

/// An error's words as printed on standard error: any model text they
/// quote with control and bidirectional characters escaped.
fn shown(e: &impl std::fmt::Display) -> String {
    credence::escape::for_terminal(&e.to_string()).into_owned()
}

/// Where a model's `document` references are looked up when it has no
/// `[model] seeds` setting: `../seeds` beside the model's folder, as in this
/// repository's layout (beside the working folder for standard input).
fn default_seeds(model: &Path) -> PathBuf {
    let dir = if credence::input::is_stdin(model) {
        PathBuf::from(".")
    } else {
        model.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    dir.join("..").join("seeds")
}

/// Read and validate a model file; `Err(USAGE)` when it cannot be read.
fn read(path: &Path) -> Result<(SourceFile, model::Checked), u8> {
    model::check_path(path, &default_seeds(path)).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })
}

/// Print the diagnostics of at least `min` severity to standard error.
fn show(file: &SourceFile, diagnostics: &[Diagnostic], min: Severity) {
    // Notes are for reading: past a screenful, count the rest.
    let mut notes = 0;
    let (kept, skipped): (Vec<&Diagnostic>, Vec<&Diagnostic>) = diagnostics
        .iter()
        .filter(|d| d.severity >= min)
        .partition(|d| {
            d.severity > Severity::Note || {
                notes += 1;
                notes <= MAX_NOTES
            }
        });
    let kept: Vec<Diagnostic> = kept.into_iter().cloned().collect();
    emit(file, &kept);
    if !skipped.is_empty() {
        eprintln!(
            "note: {} more notes not shown (--format json lists every diagnostic)",
            skipped.len()
        );
    }
}

/// Load and validate; print diagnostics of at least `min` severity.
fn load(path: &Path, min: Severity) -> Result<Model, u8> {
    load_with_file(path, min).map(|(_, m)| m)
}

/// As [`load`], keeping the file's text to point later diagnostics into.
fn load_with_file(path: &Path, min: Severity) -> Result<(SourceFile, Model), u8> {
    let (file, checked) = read(path)?;
    show(&file, &checked.diagnostics, min);
    match checked.model {
        Some(m) => Ok((file, m)),
        None => {
            let view = report::check::build(&file, None, &checked.diagnostics);
            eprintln!("{}", view.verdict());
            Err(INVALID)
        }
    }
}

/// `check`: validation and inference, then the one view both formats
/// print. Exit 0 exactly when the view says valid.
pub fn check(path: &Path, json: bool) -> u8 {
    let (file, checked) = match read(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut diagnostics = checked.diagnostics;
    // Valid but inconsistent (evidence of probability 0, or a network over
    // the inference budget) is invalid too; inference alone tells.
    if let Some(m) = &checked.model {
        diagnostics.extend(analysis::check::consistency(m));
    }
    let view = report::check::build(&file, checked.model.as_ref(), &diagnostics);
    let written = if json {
        print_to(None, advice::CHECK, |out| report::write_json(&view, out))
    } else {
        show(&file, &diagnostics, Severity::Note);
        if view.valid {
            print_to(None, advice::CHECK, |out| {
                writeln!(out, "{}", view.verdict())
            })
        } else {
            eprintln!("{}", view.verdict());
            Ok(())
        }
    };
    match finish(written) {
        OK if !view.valid => INVALID,
        code => code,
    }
}

/// Why a report command stops before writing.
enum Stop {
    /// The analysis refused the model (impossible evidence, a network over
    /// the budget): exit 1.
    Analysis(analysis::AnalysisError),
    /// A command-line value names nothing in the model: its diagnostics,
    /// exit 2.
    Argument(BadArgument),
}

impl From<analysis::AnalysisError> for Stop {
    fn from(e: analysis::AnalysisError) -> Self {
        Stop::Analysis(e)
    }
}

impl From<BadArgument> for Stop {
    fn from(bad: BadArgument) -> Self {
        Stop::Argument(bad)
    }
}

/// What each command's over-budget refusal advises (see
/// `output::write`): how to ask that command for less output.
mod advice {
    pub const CHECK: &str = "fix the model's first errors and check again";
    pub const REPORT: &str = "split the model into fewer items or hypotheses";
    pub const WHATIF: &str = "name fewer scenarios instead of --all";
    pub const SENSITIVITY: &str = "use fewer --points";
    pub const SIMULATE: &str = "split the model into fewer hypotheses";
    pub const ACH: &str = "split the model: the matrix is items x hypotheses";
    pub const COLLECT: &str = "mark fewer items pending";
    pub const COMPARE: &str = "compare fewer models at once";
    pub const EXPLAIN: &str = "explain one item with --item ID";
    pub const GRAPH: &str = "draw a smaller model: split it into fewer items or hypotheses";
    pub const EXPORT: &str = "split the model into fewer items or hypotheses";
    pub const IMPORT: &str = "split the spreadsheet";
    pub const QUERY: &str = "ask for one --target instead of --all, or split the evidence file";
    pub const HELP: &str = "write the pages one at a time";
}

/// The one path of every report command (report, whatif, sensitivity,
/// simulate, ach, explain): load the model, analyse it and build the
/// command's view (`build`), write the view in `format` (refused over the
/// output budget with `advice`).
fn run_report<V: report::View>(
    path: &Path,
    format: report::Format,
    output: Option<&Path>,
    advice: &'static str,
    build: impl FnOnce(&Model) -> Result<V, Stop>,
) -> u8 {
    run_report_in(path, format, output, advice, |_, m| build(m))
}

/// As [`run_report`], for a command that also points diagnostics into the
/// model file (`build` gets it).
fn run_report_in<V: report::View>(
    path: &Path,
    format: report::Format,
    output: Option<&Path>,
    advice: &'static str,
    build: impl FnOnce(&SourceFile, &Model) -> Result<V, Stop>,
) -> u8 {
    let (file, m) = match load_with_file(path, Severity::Warning) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match build(&file, &m) {
        Ok(view) => finish(print_report(output, format, advice, &view)),
        // Impossible evidence and a network over budget are drawn at the
        // lines that cause them, as `check` draws them.
        Err(Stop::Analysis(analysis::AnalysisError::Infer(
            e @ (credence::network::InferError::ImpossibleEvidence
            | credence::network::InferError::TooLarge { .. }),
        ))) => {
            emit(&file, &analysis::check::refusal(&m, &e));
            INVALID
        }
        Err(Stop::Analysis(e)) => {
            eprintln!("error: {}: {}", path.display(), shown(&e));
            INVALID
        }
        Err(Stop::Argument(bad)) => {
            emit(&bad.file, &bad.diagnostics);
            USAGE
        }
    }
}

pub fn report(path: &Path, format: report::Format, output: Option<&Path>) -> u8 {
    run_report(path, format, output, advice::REPORT, |m| {
        let analysed = analysis::analyse(m)?;
        let view = report::build(m, &analysed);
        let (view, line) = match analysis::judgement::bottom_line(m, &analysed) {
            Ok(line) => (view.with_bottom_line(m, &line), Some(line)),
            Err(e) => {
                eprintln!(
                    "warning: {}: no bottom line (the robustness checks failed: {})",
                    path.display(),
                    shown(&e)
                );
                (view, None)
            }
        };
        if m.pending.iter().all(|i| !i.enabled) {
            return Ok(view);
        }
        let statement = line.as_ref().map(|l| &l.judgement.statement);
        Ok(match analysis::collect::plan(m, statement) {
            Ok(plan) => view.with_indicators(m, &plan),
            Err(e) => {
                eprintln!(
                    "warning: {}: no indicators to watch (valuing the pending items failed: {e})",
                    path.display()
                );
                view
            }
        })
    })
}

/// `--set PATH=VALUE` arguments as typed overrides, resolved against the
/// model by the model layer (errors point into the argument).
fn parse_sets(model: &Model, sets: &[String]) -> Result<Vec<(String, Override)>, BadArgument> {
    sets.iter()
        .map(|arg| {
            overrides::parse_assignment(model, arg)
                .map_err(|(file, diagnostics)| BadArgument { file, diagnostics })
        })
        .collect()
}

pub fn whatif(
    path: &Path,
    scenarios: &[String],
    sets: &[String],
    all: bool,
    format: report::Format,
    output: Option<&Path>,
) -> u8 {
    run_report_in(path, format, output, advice::WHATIF, |file, m| {
        let sets = parse_sets(m, sets)?;
        let runs = analysis::whatif::select(m, scenarios, &sets, all)?;
        let w = analysis::whatif::run(m, runs)?;
        // A scenario that makes the evidence impossible: a warning at the
        // items' lines (the view says so too).
        emit(file, &analysis::whatif::impossible_diagnostics(m, &w));
        Ok(report::whatif::build(m, &w))
    })
}

pub fn sensitivity(
    path: &Path,
    points: usize,
    range: analysis::ranges::RangeMode,
    format: report::Format,
    output: Option<&Path>,
) -> u8 {
    run_report(path, format, output, advice::SENSITIVITY, |m| {
        let result = analysis::sensitivity::analyse_over(m, points, range)?;
        Ok(report::sensitivity::build(m, &result))
    })
}

pub fn simulate(
    path: &Path,
    samples: u64,
    seed: u64,
    format: report::Format,
    output: Option<&Path>,
) -> u8 {
    run_report(path, format, output, advice::SIMULATE, |m| {
        let options = analysis::simulate::Options { samples, seed };
        let progress = TerminalProgress::new(samples);
        let result = analysis::simulate::simulate(m, options, &progress);
        progress.finish();
        Ok(report::simulate::build(m, &result?))
    })
}

pub fn ach(path: &Path, format: report::Format, output: Option<&Path>) -> u8 {
    run_report(path, format, output, advice::ACH, |m| {
        let ach = analysis::ach::ach(m, &analysis::analyse(m)?)?;
        Ok(report::ach::build(m, &ach))
    })
}

/// `collect`: the pending items valued against the bottom line's judgement
/// (the leader's lead when the bottom line cannot be computed).
pub fn collect(path: &Path, format: report::Format, output: Option<&Path>) -> u8 {
    run_report(path, format, output, advice::COLLECT, |m| {
        // Refuse over budget before the bottom line's work.
        analysis::collect::check_budget(m).map_err(analysis::AnalysisError::from)?;
        let analysed = analysis::analyse(m)?;
        let line = match analysis::judgement::bottom_line(m, &analysed) {
            Ok(line) => Some(line),
            Err(e) => {
                eprintln!(
                    "warning: {}: no bottom line (the robustness checks failed: {e}); measuring the leader",
                    path.display()
                );
                None
            }
        };
        let statement = line.as_ref().map(|l| &l.judgement.statement);
        let plan = analysis::collect::plan(m, statement)?;
        Ok(report::collect::build(m, &plan, line.is_some()))
    })
}

/// `compare`: every model loaded and validated on its own (each invalid
/// one reported with its file, line and column: exit 1), then compared.
pub fn compare(paths: &[std::path::PathBuf], format: report::Format, output: Option<&Path>) -> u8 {
    use analysis::compare::CompareError;
    let mut models = Vec::with_capacity(paths.len());
    let mut code = OK;
    for path in paths {
        match load(path, Severity::Warning) {
            Ok(m) => models.push(m),
            Err(c) => code = code.max(c),
        }
    }
    if code != OK {
        return code;
    }
    let stems: Vec<String> = paths
        .iter()
        .zip(&models)
        .map(|(p, m)| {
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| m.meta.title.clone())
        })
        .collect();
    let names = analysis::compare::unique_names(&stems);
    let refs: Vec<&Model> = models.iter().collect();
    match analysis::compare::compare(&names, &refs) {
        Ok(c) => finish(print_report(
            output,
            format,
            advice::COMPARE,
            &report::compare::build(&refs, &c),
        )),
        Err(CompareError::NoSharedHypothesis) => {
            eprintln!("error: {}", CompareError::NoSharedHypothesis);
            eprintln!(
                "  hint: compare models of one question; hypotheses align by id (rename them to match)"
            );
            USAGE
        }
        Err(e) => {
            eprintln!("error: {e}");
            INVALID
        }
    }
}

/// The item `--item` names, as an argument error when it names none.
fn find_item(model: &Model, id: &str) -> Result<ItemId, BadArgument> {
    model.item(id).ok_or_else(|| {
        let ids: Vec<&str> = model.items.iter().map(|i| i.id.as_str()).collect();
        let mut d =
            Diagnostic::error(format!("no evidence item `{id}` in the model")).at(0..id.len());
        d = match diag::did_you_mean(id, ids.iter().copied()) {
            Some(s) => d.label(credence::look_alike::did_you_mean_label(id, s)),
            None => d
                .label("not an evidence item of this model")
                .hint(format!("the items are: {}", ids.join(", "))),
        };
        BadArgument {
            file: SourceFile::new("--item", id),
            diagnostics: vec![d],
        }
    })
}

pub fn explain(
    path: &Path,
    item: Option<&str>,
    format: report::Format,
    output: Option<&Path>,
) -> u8 {
    run_report(path, format, output, advice::EXPLAIN, |m| {
        let only = item.map(|id| find_item(m, id)).transpose()?;
        let explained = analysis::explain::explain(m, &analysis::analyse(m)?, only)?;
        Ok(report::explain::build(m, &explained))
    })
}

pub fn graph(path: &Path, format: report::graph::GraphFormat, output: Option<&Path>) -> u8 {
    let m = match load(path, Severity::Warning) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let compiled = credence::network::compile(&m);
    let view = report::graph::build(&m, &compiled);
    finish(print_to(output, advice::GRAPH, |out| {
        report::graph::write(&view, format, out)
    }))
}

pub fn export(path: &Path, format: report::export::ExportFormat, output: Option<&Path>) -> u8 {
    let m = match load(path, Severity::Warning) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match format {
        report::export::ExportFormat::Bif => {
            let compiled = credence::network::compile(&m);
            let text = report::export::bif(&m, &compiled);
            finish(print_to(output, advice::EXPORT, |out| {
                out.write_all(text.as_bytes())
            }))
        }
        report::export::ExportFormat::Json => {
            let view = report::export::build(&m);
            finish(print_to(output, advice::EXPORT, |out| {
                report::write_json(&view, out)
            }))
        }
        report::export::ExportFormat::Xmlbif | report::export::ExportFormat::Xdsl => {
            let compiled = credence::network::compile(&m);
            let text = report::export::xml(&m, &compiled, format);
            finish(print_to(output, advice::EXPORT, |out| {
                out.write_all(text.as_bytes())
            }))
        }
        report::export::ExportFormat::AchCsv => {
            let text = report::export::ach_csv(&m);
            finish(print_to(output, advice::EXPORT, |out| {
                out.write_all(text.as_bytes())
            }))
        }
    }
}

/// `import ach`: an ACH spreadsheet (CSV) as a model TOML. Reads through
/// the model's size cap; every bad cell is reported (exit 1).
pub fn import_ach(path: &Path, title: Option<&str>, output: Option<&Path>) -> u8 {
    let name = credence::input::display_name(path);
    let bytes = match credence::input::read_capped(path, model::MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let title = title.map_or_else(
        || {
            let stem = path
                .file_stem()
                .filter(|_| !credence::input::is_stdin(path))
                .map(|s| s.to_string_lossy().replace(['_', '-'], " "));
            match stem {
                Some(s) if !s.trim().is_empty() => format!("ACH matrix: {}", s.trim()),
                _ => "ACH matrix".to_string(),
            }
        },
        str::to_string,
    );
    match model::ach_csv::import(&name, &bytes, &title) {
        Ok(imported) => {
            let code = finish(print_to(output, advice::IMPORT, |out| {
                out.write_all(imported.toml.as_bytes())
            }));
            if code == OK {
                eprintln!(
                    "imported {} evidence rows x {} hypotheses ({} sources) from {name}",
                    imported.items, imported.hypotheses, imported.sources
                );
            }
            code
        }
        Err(failed) => {
            emit(&failed.file, &failed.diagnostics);
            let count = failed.diagnostics.len();
            eprintln!(
                "error: {name} is not an ACH matrix credence can read ({count} error{})",
                if count == 1 { "" } else { "s" }
            );
            INVALID
        }
    }
}

/// The largest BIF file `query` reads (bnlearn's largest networks are a few
/// megabytes).
const MAX_BIF_BYTES: usize = 256 * 1024 * 1024;

/// The largest evidence file `query --evidence-file` reads.
const MAX_EVIDENCE_FILE_BYTES: usize = 64 * 1024 * 1024;

/// What `credence query` was asked.
pub struct QueryArgs<'a> {
    /// The BIF file.
    pub network: &'a Path,
    /// The target node; `None` for `--all`.
    pub target: Option<&'a str>,
    /// `--evidence-file`: one evidence set per line.
    pub evidence_file: Option<&'a Path>,
    /// `--evidence NODE=STATE`, as given.
    pub evidence: &'a [String],
    /// Enter the file's `property evidence`.
    pub file_evidence: bool,
    /// `--memory`: the bytes inference may hold in tables at once.
    pub budget_bytes: usize,
    /// JSON rather than text.
    pub json: bool,
    /// `-o`.
    pub output: Option<&'a Path>,
}

/// A query's error on standard error, and its exit code; `place` says
/// where (the file, or the evidence file's line and column).
fn query_failed(place: &str, e: &credence::network::query::QueryError) -> u8 {
    eprintln!("error: {place}: {}", shown(e));
    if let Some(hint) = e.hint() {
        eprintln!("  hint: {}", shown(&hint));
    }
    if e.is_usage() { USAGE } else { INVALID }
}

/// The text of `path`, at most `limit` bytes; on failure the error is
/// printed and the exit code returned (`not_utf8` when it is not UTF-8,
/// `why` saying what the file should be).
fn read_text(path: &Path, limit: usize, why: &str, not_utf8: u8) -> Result<String, u8> {
    let name = credence::input::display_name(path);
    match credence::input::read_capped(path, limit) {
        Ok(bytes) => credence::input::utf8_text(bytes).map_err(|e| {
            eprintln!("error: {name}:{e} ({why})");
            eprintln!("  hint: {}", e.hint);
            not_utf8
        }),
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("  hint: {}", e.hint());
            Err(USAGE)
        }
    }
}

pub fn query(args: &QueryArgs<'_>) -> u8 {
    use credence::network::{bif, query, xml};
    let name = credence::input::display_name(args.network);
    let text = match read_text(
        args.network,
        MAX_BIF_BYTES,
        "BIF, XMLBIF and XDSL are text formats",
        INVALID,
    ) {
        Ok(t) => t,
        Err(code) => return code,
    };
    // XMLBIF and XDSL by their content (XML, then its root element), BIF
    // otherwise; `.xml`, `.xmlbif` and `.xdsl` names only word the error.
    let extension = args
        .network
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let (format, result) = if xml::is_xml(&text) {
        match xml::parse(&text) {
            Ok((format, parsed)) => (format.name(), Ok(parsed)),
            Err(e) => {
                let format = match extension.as_deref() {
                    Some("xdsl") => "an XDSL",
                    _ => "an XMLBIF or XDSL",
                };
                (format, Err(e))
            }
        }
    } else {
        ("a BIF", bif::parse(&text))
    };
    // Never freed: the process ends right after the command (`main` exits
    // without teardown), and freeing a network's tables, names and graph
    // one allocation at a time would be work for nothing.
    let parsed = std::mem::ManuallyDrop::new(match result {
        Ok(b) => b,
        Err(e) => {
            let mut d = Diagnostic::error(format!("{name}:{}:{}: {}", e.line, e.column, e.message))
                .at(e.offset..(e.offset + 1).min(text.len()));
            if let Some(h) = &e.hint {
                d = d.hint(h.clone());
            }
            emit(&SourceFile::new(name.clone(), text), &[d]);
            eprintln!("error: {name} is not {format} network credence can read");
            return INVALID;
        }
    });
    // The network owns everything it needs: the file's text goes now, so
    // inference can reuse its memory (a BIF file is mostly numbers,
    // already in the tables).
    drop(text);
    let mut observed: Vec<(&str, &str)> = Vec::with_capacity(args.evidence.len());
    for arg in args.evidence {
        let Some((node, state)) = arg.split_once('=') else {
            eprintln!("error: --evidence `{arg}` is not NODE=STATE");
            eprintln!("  hint: for example --evidence smoke=yes");
            return USAGE;
        };
        observed.push((node.trim(), state.trim()));
    }
    if let Some(sets_path) = args.evidence_file {
        return query_sets(args, &name, &parsed, &observed, sets_path);
    }
    let format = if args.json {
        report::Format::Json
    } else {
        report::Format::Text
    };
    let Some(target) = args.target else {
        let answer = match query::run_all_within(
            &parsed,
            &observed,
            args.file_evidence,
            args.budget_bytes,
        ) {
            Ok(a) => a,
            Err(e) => return query_failed(&name, &e),
        };
        let view = report::query::build_all(&name, &parsed, &answer);
        return finish(print_report(args.output, format, advice::QUERY, &view));
    };
    let asked = query::Query {
        target,
        evidence: &observed,
        file_evidence: args.file_evidence,
    };
    let answer = match query::run_within(&parsed, &asked, args.budget_bytes) {
        Ok(a) => a,
        Err(e) => return query_failed(&name, &e),
    };
    let view = report::query::build(&name, &parsed, &answer);
    finish(print_to(args.output, advice::QUERY, |out| {
        if args.json {
            report::write_json(&view, out)
        } else {
            report::query::write_text(&view, out)
        }
    }))
}

/// `query --evidence-file`: every line's set answered on the one parsed
/// network; `observed` (--evidence) is entered in every set, each line's
/// own pairs after it.
fn query_sets(
    args: &QueryArgs<'_>,
    name: &str,
    parsed: &credence::network::bif::Bif,
    observed: &[(&str, &str)],
    sets_path: &Path,
) -> u8 {
    use credence::network::query;
    let sets_name = credence::input::display_name(sets_path);
    let text = match read_text(
        sets_path,
        MAX_EVIDENCE_FILE_BYTES,
        "an evidence file is JSON Lines",
        USAGE,
    ) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let sets = match query::parse_evidence_sets(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: {sets_name}:{}:{}: {}",
                e.line,
                e.column,
                shown(&e.message)
            );
            eprintln!("  hint: {}", e.hint);
            return USAGE;
        }
    };
    // Estimated before any set is answered: every line is a full query
    // (with --all, every node's posterior), so a long file multiplies both
    // the numbers printed and the elimination work. The numbers come
    // first (no ordering needed); then each distinct set is ordered once,
    // with its evidence entered and its irrelevant nodes left out, its
    // work added up, and its plan kept (up to a bound) to answer it: the
    // estimate costs no ordering the answers would not need anyway (the
    // network's order without evidence, once the bound tried first,
    // overstates a well-observed set's work a thousandfold: munin1's
    // touches 1.6e8 entries, with a fifth of its nodes observed 4e4).
    let cards = parsed.net.cards();
    let per_set = match args.target {
        Some(_) => cards.iter().copied().max().unwrap_or(0),
        None => cards.iter().sum(),
    } as f64;
    let failed_at = |set: &query::EvidenceSet, e: &query::QueryError| {
        let column = match e {
            query::QueryError::UnknownNode { unknown, .. }
            | query::QueryError::UnknownState { unknown, .. } => set.column_of(&unknown.name),
            _ => None,
        };
        let place = match column {
            Some(c) => format!("{sets_name}:{}:{c}", set.line),
            None => format!("{sets_name}:{} (network {name})", set.line),
        };
        query_failed(&place, e)
    };
    // The view and its document hold each set's heading, its evidence and
    // its posteriors: a few hundred bytes a cell, whatever the numbers
    // (300,000 one-pair lines of a 3-node network took 1.3 GB with --all),
    // so the cells are counted before any set is answered.
    let per_set_cells = 1.0
        + per_set
        + (observed.len() + parsed.evidence.len()) as f64
        + if args.target.is_none() {
            parsed.net.len() as f64
        } else {
            0.0
        };
    let cells: f64 = sets
        .iter()
        .map(|set| per_set_cells + set.pairs.len() as f64)
        .sum();
    if let Err(e) = analysis::budget::check_view_cells(
        "query",
        cells,
        || {
            format!(
                "show this many evidence, heading and posterior cells for {} evidence sets",
                sets.len()
            )
        },
        || "split the evidence file, or ask for one --target instead of every node".to_string(),
    ) {
        eprintln!("error: {sets_name}: {}", shown(&e));
        return INVALID;
    }
    // Each set also passes over the whole network a few times (resolving
    // names, pruning, the elimination's bookkeeping) whatever its tables
    // hold: counted as this many entries per node (2,000 sets on 200,000
    // unconnected nodes took 8 s with tables of 2 entries).
    const SET_PASSES_PER_NODE: f64 = 8.0;
    let per_set_passes = SET_PASSES_PER_NODE * parsed.net.len() as f64;
    let mut estimate = analysis::budget::Estimate {
        results: sets.len() as f64 * per_set,
        results_budget: analysis::budget::MAX_PRINTED_RESULTS,
        work: 0.0,
    };
    let over = |estimate: &analysis::budget::Estimate| {
        estimate.check(
            "query",
            || "split the evidence file, or ask for one --target instead of every node".to_string(),
            || "split the evidence file: each line is a full inference on this network".to_string(),
        )
    };
    let passes = sets.len() as f64 * per_set_passes;
    let mut work = query::SetWork::new(parsed, args.budget_bytes);
    if estimate.results <= estimate.results_budget {
        for set in &sets {
            // Past the budget the rest need not be ordered: the refusal
            // below states the work counted so far, already over.
            if work.total + passes > analysis::budget::MAX_WORK {
                break;
            }
            if let Err(e) = work.add(args.target, observed, set, args.file_evidence) {
                return failed_at(set, &e);
            }
        }
        estimate.work = work.total + passes;
    }
    if let Err(e) = over(&estimate) {
        eprintln!("error: {sets_name}: {}", shown(&e));
        return INVALID;
    }
    let mut answers = Vec::with_capacity(sets.len());
    for set in &sets {
        match work.answer(args.target, observed, set, args.file_evidence) {
            Ok(r) => answers.push((set.line, r)),
            Err(e) => return failed_at(set, &e),
        }
    }
    let view = report::query::build_sets(
        name,
        &sets_name,
        parsed,
        args.target,
        args.file_evidence,
        &answers,
    );
    let format = if args.json {
        report::Format::Json
    } else {
        report::Format::Text
    };
    finish(print_report(args.output, format, advice::QUERY, &view))
}

/// Shell completions for the CLI, written to standard output.
/// `credence serve`: the workbench until Ctrl-C or SIGTERM.
pub fn serve(path: &Path, port: u16, no_open: bool) -> u8 {
    let options = credence::serve::Options {
        model: path.to_path_buf(),
        port,
        default_seeds: default_seeds(path),
    };
    match credence::serve::run(&options, no_open, &mut io::stdout()) {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: credence serve: {e}");
            if e.kind() == io::ErrorKind::AddrInUse {
                eprintln!("hint: another program uses port {port}; try --port 0 for any free port");
            }
            USAGE
        }
    }
}

pub fn completions(shell: clap_complete::Shell, cli: clap::Command) -> u8 {
    let name = cli.get_name().to_string();
    finish(print_to(None, advice::HELP, |out| {
        clap_complete::generate(shell, &mut cli.clone(), name.clone(), out);
        Ok(())
    }))
}

/// The man pages (roff) for the CLI: the main page to standard output, or
/// with `dir` the main page and one per visible command (`credence.1`,
/// `credence-report.1`, ...: the names the main page refers to).
pub fn man(cli: clap::Command, dir: Option<&Path>) -> u8 {
    let Some(dir) = dir else {
        return finish(print_to(None, advice::HELP, |out| {
            clap_mangen::Man::new(cli.clone()).render(out)
        }));
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return USAGE;
    }
    // Built, a command's subcommands carry their full names
    // (`credence-report`), which become the pages' titles and file names.
    let mut cli = cli.disable_help_subcommand(true);
    cli.build();
    let commands = cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned();
    for command in std::iter::once(cli.clone()).chain(commands) {
        let page = clap_mangen::Man::new(command);
        let path = dir.join(page.get_filename());
        if let Err(e) = print_to(Some(&path), advice::HELP, |out| page.render(out)) {
            eprintln!("error: {e}");
            return USAGE;
        }
    }
    OK
}

/// Write to `output` safely (see `output`), or to standard output, within
/// the output budget (`advice` says how to ask for less).
fn print_to(
    output: Option<&Path>,
    advice: &str,
    body: impl Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    crate::output::write(output, advice, body)
}

/// Print a report command's output: as [`print_to`], with color when it is
/// text going to a terminal and NO_COLOR is not set.
fn print_report(
    output: Option<&Path>,
    format: report::Format,
    advice: &str,
    view: &impl report::View,
) -> Result<(), OutputError> {
    // Text is the smallest format: say so when another was asked for.
    let advice = if format == report::Format::Text {
        advice.to_string()
    } else {
        format!("{advice}, or use --format text (the smallest)")
    };
    let color = output.is_none()
        && format == report::Format::Text
        && io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    print_to(output, &advice, |out| {
        report::write(view, format, color, out)
    })
}

/// A closed pipe (`credence report m.toml | head`) is not an error.
fn finish(result: Result<(), OutputError>) -> u8 {
    match result {
        Ok(()) | Err(OutputError::ClosedPipe) => OK,
        // Too much output for the model: refused like an over-budget
        // analysis.
        Err(e @ OutputError::OverBudget(_)) => {
            eprintln!("error: {e}");
            INVALID
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}
