//! The commands behind the CLI: load, run a library stage, print, and map
//! the outcome to an exit code.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use credence::diag::{self, Diagnostic, Severity, SourceFile};
use credence::model::{self, Model};
use credence::{analysis, report};

pub const OK: u8 = 0;
pub const INVALID: u8 = 1;
pub const USAGE: u8 = 2;

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

/// Load and validate; print diagnostics of at least `min` severity.
fn load(path: &Path, min: Severity) -> Result<(SourceFile, Model, Vec<Diagnostic>), u8> {
    let (file, checked) = match model::check_path(path) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return Err(USAGE);
        }
    };
    let shown: Vec<Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity >= min)
        .cloned()
        .collect();
    emit(&file, &shown);
    match checked.model {
        Some(m) => Ok((file, m, checked.diagnostics)),
        None => {
            let n = checked.errors().count();
            eprintln!(
                "error: {} is invalid: {n} error{}",
                file.name,
                if n == 1 { "" } else { "s" }
            );
            Err(INVALID)
        }
    }
}

pub fn check(path: &Path, json: bool) -> u8 {
    if json {
        return check_json(path);
    }
    match load(path, Severity::Note) {
        Ok((file, m, diags)) => {
            // Valid but inconsistent (evidence of probability 0) is invalid too.
            if let Err(e) = analysis::analyse(&m) {
                eprintln!("error: {}: {e}", file.name);
                return INVALID;
            }
            let warnings = diags
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count();
            let reports: usize = m.items.iter().map(|i| i.reports.len()).sum();
            let line = format!(
                "ok: {} is valid: {} hypotheses, {} evidence items, {} reports, {} sources, {} scenarios; {} warning{}",
                file.name,
                m.hypotheses.len(),
                m.items.len(),
                reports,
                m.sources.len(),
                m.scenarios.len(),
                warnings,
                if warnings == 1 { "" } else { "s" }
            );
            finish(print_to(None, |out| writeln!(out, "{line}")))
        }
        Err(code) => code,
    }
}

fn check_json(path: &Path) -> u8 {
    let (file, checked) = match model::check_path(path) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return USAGE;
        }
    };
    let diagnostics: Vec<serde_json::Value> = checked
        .diagnostics
        .iter()
        .map(|d| {
            let (line, column) = d.span.as_ref().map_or((None, None), |s| {
                let (l, c) = file.line_col(s.start);
                (Some(l), Some(c))
            });
            serde_json::json!({
                "severity": d.severity,
                "message": d.message,
                "line": line,
                "column": column,
                "label": d.label,
                "hints": d.hints,
            })
        })
        .collect();
    let value = serde_json::json!({
        "schema": 1,
        "kind": "credence.check",
        "file": file.name,
        "valid": checked.model.is_some(),
        "diagnostics": diagnostics,
    });
    let code = if checked.model.is_some() { OK } else { INVALID };
    match print_to(None, |out| {
        serde_json::to_writer_pretty(&mut *out, &value).map_err(io::Error::other)?;
        writeln!(out)
    }) {
        Ok(()) => code,
        Err(e) => finish(Err(e)),
    }
}

pub fn report(path: &Path, format: report::Format, output: Option<&Path>) -> u8 {
    let (_, m, _) = match load(path, Severity::Warning) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let analysis = match analysis::analyse(&m) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return INVALID;
        }
    };
    let view = report::build(&m, &analysis);
    finish(print_to(output, |out| report::write(&view, format, out)))
}

/// Write to `output` atomically (a temporary file renamed into place, so a
/// failed run never leaves a truncated file), or to standard output.
fn print_to(
    output: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match output {
        None => {
            let stdout = io::stdout();
            let mut lock = io::BufWriter::new(stdout.lock());
            body(&mut lock)?;
            lock.flush()
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
            let tmp = dir.join(format!(".{name}.credence-{}.tmp", std::process::id()));
            let result = (|| {
                let mut file = io::BufWriter::new(std::fs::File::create(&tmp)?);
                body(&mut file)?;
                file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                std::fs::rename(&tmp, path)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result
        }
    }
}

/// A closed pipe (`credence report m.toml | head`) is not an error.
fn finish(result: io::Result<()>) -> u8 {
    match result {
        Ok(()) => OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => OK,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            USAGE
        }
    }
}
