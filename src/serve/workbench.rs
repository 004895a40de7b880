//! The workbench's state, with no HTTP in it: the model file as last read,
//! its baseline (model, incremental engine, report), the what-if overrides
//! set on top of it and the report they give, the undo history, and the
//! diagnostics when the file on disk is invalid (the last valid result is
//! then kept and marked stale). The server (`super::http`) and the file
//! watcher call into this; the tests can drive it directly.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::analysis;
use crate::diag::{Diagnostic, Severity, SourceFile};
use crate::input::InputError;
use crate::model::{self, Model, Override, Reliability, overrides};
use crate::network::Incremental;
use crate::report;

/// One what-if setting as the page (or `--set`) wrote it, and what it
/// resolved to in the current model.
#[derive(Clone, Debug)]
struct Setting {
    path: String,
    /// The value as `--set` text: `0.3`, `[0.2, 0.4]`, `likely`, `true`.
    value: String,
    resolved: Override,
}

/// A setting as the page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingView {
    /// The override path, e.g. `sources.wsj.reliability`.
    pub path: String,
    /// The value as `--set` text.
    pub value: String,
}

/// The valid model last read from the file, and its report.
struct Baseline {
    model: Model,
    engine: Incremental,
    report: Box<RawValue>,
}

/// The diagnostics of a file, in the shape `credence check --format json`
/// gives them: line and column 1-based.
#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticsView {
    /// `"credence.diagnostics"`.
    pub kind: &'static str,
    /// The file they are about (`--set` for an override's value).
    pub file: String,
    /// Errors first as found, then warnings and notes.
    pub diagnostics: Vec<DiagnosticView>,
}

/// One diagnostic with its position.
#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticView {
    /// `error`, `warning` or `note`.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// 1-based line, when the diagnostic points somewhere.
    pub line: Option<usize>,
    /// 1-based column (characters), when it points somewhere.
    pub column: Option<usize>,
    /// The label under the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub hints: Vec<String>,
    /// The diagnostic as the command line prints it (with the source line
    /// and a caret), for the page to show as is.
    pub rendered: String,
}

impl DiagnosticsView {
    /// Every diagnostic of `file`.
    pub fn new(file: &SourceFile, diagnostics: &[Diagnostic]) -> DiagnosticsView {
        DiagnosticsView {
            kind: "credence.diagnostics",
            file: file.name.clone(),
            diagnostics: diagnostics
                .iter()
                .map(|d| {
                    let (line, column) = d.span.as_ref().map_or((None, None), |s| {
                        let (l, c) = file.line_col(s.start);
                        (Some(l), Some(c))
                    });
                    DiagnosticView {
                        severity: d.severity,
                        message: d.message.clone(),
                        line,
                        column,
                        label: d.label.clone(),
                        hints: d.hints.clone(),
                        rendered: crate::diag::render_plain(file, std::slice::from_ref(d)),
                    }
                })
                .collect(),
        }
    }

    /// One diagnostic about no place in particular.
    fn message(file: &str, d: Diagnostic) -> DiagnosticsView {
        DiagnosticsView::new(&SourceFile::new(file, ""), &[d])
    }
}

/// Why a change was refused.
#[derive(Debug)]
pub enum Refusal {
    /// The file on disk is invalid (or was never valid): HTTP 422.
    Invalid(DiagnosticsView),
    /// A bad override path or value, or a change that makes the evidence
    /// impossible: HTTP 400.
    Bad(DiagnosticsView),
    /// No such scenario: HTTP 404.
    NotFound(String),
}

/// A control of the page: one override path with its baseline and current
/// value.
#[derive(Clone, Debug, Serialize)]
pub struct Control {
    /// The override path the control sets.
    pub path: String,
    /// `slider` (a probability in [0, 1]) or `toggle` (true/false).
    pub kind: &'static str,
    /// `prior`, `source`, `dependency` or `evidence`.
    pub group: &'static str,
    /// The id of the hypothesis, source, dependency or item it belongs to.
    pub owner: String,
    /// What it sets, in words, within its owner (`reliability`, `prior`).
    pub label: String,
    /// The owner's title (the hypothesis, source or claim).
    pub title: String,
    /// The value in the file (a number for a slider, a boolean for a toggle).
    pub baseline: serde_json::Value,
    /// The value with the current overrides.
    pub value: serde_json::Value,
    /// The value as written in the file, when it is not a plain number
    /// (an interval, a verbal term, a letter).
    pub written: Option<String>,
}

/// A scenario of the model, as the compare menu lists it.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioView {
    /// Its id (`credence whatif --scenario ID`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Why it is worth considering.
    pub why: Option<String>,
    /// The paths it sets, in order.
    pub paths: Vec<String>,
}

/// Everything the page needs after a load or reload (`GET /api/state`).
#[derive(Serialize)]
pub struct StateView<'a> {
    /// `"credence.workbench"`.
    pub kind: &'static str,
    /// Bumped on every reload of the file.
    pub version: u64,
    /// The model file.
    pub file: String,
    /// True when the file on disk is invalid and what is shown is the last
    /// valid result.
    pub stale: bool,
    /// The file's diagnostics when it is invalid.
    pub diagnostics: Option<&'a DiagnosticsView>,
    /// The overrides in force, in the order they apply.
    pub overrides: Vec<SettingView>,
    /// Overrides dropped at the last reload (their path or value no longer
    /// fits the model), with why.
    pub dropped: &'a [Dropped],
    /// Whether `POST /api/undo` has something to undo.
    pub can_undo: bool,
    /// The model's scenarios.
    pub scenarios: Vec<ScenarioView>,
    /// Every control, with its baseline and current value.
    pub controls: Vec<Control>,
    /// The `credence.report` JSON of the file (no overrides); null when the
    /// file has never been valid.
    pub baseline: Option<&'a RawValue>,
    /// The `credence.report` JSON with the overrides; null as above.
    pub current: Option<&'a RawValue>,
}

/// An override that no longer applied after a reload.
#[derive(Clone, Debug, Serialize)]
pub struct Dropped {
    /// The override path.
    pub path: String,
    /// Its value.
    pub value: String,
    /// Why it no longer applies.
    pub reason: String,
}

/// The workbench over one model file.
pub struct Workbench {
    path: PathBuf,
    /// The file's bytes as last read: saving is refused when the disk differs.
    read: Vec<u8>,
    version: u64,
    /// The folder of seed-document records the model was checked against.
    seeds: PathBuf,
    /// The folder used when the model has no `[model] seeds` setting.
    default_seeds: PathBuf,
    baseline: Option<Baseline>,
    /// The file's diagnostics while it is invalid.
    invalid: Option<DiagnosticsView>,
    settings: Vec<Setting>,
    /// The engine with `settings` applied, and its report; `None` with no
    /// settings (the baseline is the current state then).
    current: Option<(Incremental, Box<RawValue>)>,
    /// Earlier lists of settings, newest last.
    history: Vec<Vec<SettingView>>,
    dropped: Vec<Dropped>,
    /// Why the file could not be read at the last try (`None` when it
    /// was).
    missing: Option<String>,
}

/// The model file's bytes, read as every command reads a model: at most
/// [`model::MAX_FILE_BYTES`], and never from a pipe or a device (a FIFO put
/// in the model's place would block the server's one thread for good).
fn read_model(path: &Path) -> Result<Vec<u8>, InputError> {
    crate::input::read_capped(path, model::MAX_FILE_BYTES)
}

/// Why the model file cannot be read, for the page.
fn unreadable_message(e: &InputError) -> String {
    match e {
        InputError::Io { name, source } if source.kind() == std::io::ErrorKind::NotFound => {
            format!("{name} is gone: deleted, or moved away")
        }
        InputError::NotAFile { name, kind } => {
            format!("{name} is now {kind}, not a regular file")
        }
        other => other.to_string(),
    }
}

/// Undo keeps at most this many steps (a slider drag makes many).
const MAX_HISTORY: usize = 500;

/// The analysis of `model` as `credence report --format json` gives it.
fn report_json(model: &Model) -> Result<Box<RawValue>, analysis::AnalysisError> {
    let analysis = analysis::analyse(model)?;
    let view = report::build(model, &analysis);
    // The bottom line as `credence report` gives it; where its robustness
    // checks cannot run, the report goes without one, as on the command line.
    let view = match analysis::judgement::bottom_line(model, &analysis) {
        Ok(line) => view.with_bottom_line(model, &line),
        Err(_) => view,
    };
    // A view of numbers and strings always serializes.
    let text = serde_json::to_string(&view).unwrap_or_else(|_| "null".to_string());
    Ok(RawValue::from_string(text).unwrap_or_else(|_| RawValue::NULL.to_owned()))
}

/// The `--set` text of a JSON value: numbers and booleans as TOML writes
/// them, an array as a TOML array, an object as an inline table, and a
/// string as it is (so `"likely"`, `"0.3"` and `"[0.2, 0.4]"` read as
/// `--set` reads them).
pub fn value_text(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(toml_text).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Object(fields) => {
            let parts: Option<Vec<String>> = fields
                .iter()
                .map(|(k, v)| Some(format!("{} = {}", toml_edit::Key::new(k), toml_text(v)?)))
                .collect();
            format!("{{ {} }}", parts?.join(", "))
        }
    })
}

/// A JSON value inside an array or table, as TOML (strings quoted).
fn toml_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(toml_edit::Value::from(s.as_str()).to_string()),
        other => value_text(other),
    }
}

fn describe_estimate(e: &model::Estimate) -> Option<String> {
    match (&e.label, &e.range) {
        (Some(label), _) => Some(label.clone()),
        (None, Some(r)) => Some(format!("[{}, {}]", r.low().get(), r.high().get())),
        (None, None) => None,
    }
}

/// The point value of a reliability for its slider, and how it is written
/// when that is not a plain number.
fn reliability_point(r: &Reliability) -> (f64, Option<String>) {
    match r {
        Reliability::Accuracy(e) => (e.point.get(), describe_estimate(e)),
        Reliability::Credibility { hit, false_alarm } => (
            // h - f is the accuracy r of the (r, b) reading of the pair.
            (hit.point.get() - false_alarm.point.get()).clamp(0.0, 1.0),
            Some(format!(
                "hit {}, false alarm {}",
                hit.point.get(),
                false_alarm.point.get()
            )),
        ),
    }
}

/// The controls of a model: `baseline` gives the file's values, `current`
/// the values with the overrides.
fn controls(baseline: &Model, current: &Model) -> Vec<Control> {
    let mut out = Vec::new();
    let num = |x: f64| serde_json::json!(x);
    for (b, c) in baseline.hypotheses.iter().zip(&current.hypotheses) {
        out.push(Control {
            path: format!("hypotheses.{}.prior", b.id),
            kind: "slider",
            group: "prior",
            owner: b.id.clone(),
            label: "prior".to_string(),
            title: b.title.clone(),
            baseline: num(b.prior.get()),
            value: num(c.prior.get()),
            written: b.prior_written.as_ref().and_then(describe_estimate),
        });
    }
    for (b, c) in baseline.sources.iter().zip(&current.sources) {
        let (base, written) = reliability_point(&b.reliability);
        out.push(Control {
            path: format!("sources.{}.reliability", b.id),
            kind: "slider",
            group: "source",
            owner: b.id.clone(),
            label: "reliability".to_string(),
            title: b.title.clone(),
            baseline: num(base),
            value: num(reliability_point(&c.reliability).0),
            written,
        });
        out.push(Control {
            path: format!("sources.{}.bias", b.id),
            kind: "slider",
            group: "source",
            owner: b.id.clone(),
            label: "bias".to_string(),
            title: b.title.clone(),
            baseline: num(b.bias_point().get()),
            value: num(c.bias_point().get()),
            written: b.bias.as_ref().and_then(describe_estimate),
        });
    }
    for (b, c) in baseline.dependencies.iter().zip(&current.dependencies) {
        if let Some(id) = &b.id {
            out.push(Control {
                path: format!("dependencies.{id}.strength"),
                kind: "slider",
                group: "dependency",
                owner: id.clone(),
                label: "strength".to_string(),
                title: b.why.clone().unwrap_or_default(),
                baseline: num(b.strength.get()),
                value: num(c.strength.get()),
                written: None,
            });
        }
    }
    for (b, c) in baseline.items.iter().zip(&current.items) {
        out.push(Control {
            path: format!("evidence.{}.enabled", b.id),
            kind: "toggle",
            group: "evidence",
            owner: b.id.clone(),
            label: "counted".to_string(),
            title: b.claim.clone(),
            baseline: b.enabled.into(),
            value: c.enabled.into(),
            written: None,
        });
        for (h, hyp) in baseline.hypotheses.iter().enumerate() {
            out.push(Control {
                path: format!("evidence.{}.likelihood.{}", b.id, hyp.id),
                kind: "slider",
                group: "evidence",
                owner: b.id.clone(),
                label: format!("P(claim | {})", hyp.id),
                title: b.claim.clone(),
                baseline: num(b.likelihood[h].point.get()),
                value: num(c.likelihood[h].point.get()),
                written: describe_estimate(&b.likelihood[h]),
            });
        }
        for (rb, rc) in b.reports.iter().zip(&c.reports) {
            let source = &baseline.sources[rb.source.0].id;
            out.push(Control {
                path: format!("evidence.{}.reports.{}.observed", b.id, rb.id),
                kind: "toggle",
                group: "evidence",
                owner: b.id.clone(),
                label: format!("report {} ({source}) observed", rb.id),
                title: b.claim.clone(),
                baseline: rb.observed.into(),
                value: rc.observed.into(),
                written: None,
            });
            if let (Some(lb), Some(lc)) = (&rb.via, &rc.via) {
                out.push(Control {
                    path: format!("evidence.{}.reports.{}.strength", b.id, rb.id),
                    kind: "slider",
                    group: "evidence",
                    owner: b.id.clone(),
                    label: format!("report {}: relay strength", rb.id),
                    title: b.claim.clone(),
                    baseline: num(lb.strength.get()),
                    value: num(lc.strength.get()),
                    written: None,
                });
            }
        }
    }
    out
}

impl Workbench {
    /// Read and check the model file. A file that cannot be read is an
    /// error; an invalid one is not (the page shows its diagnostics).
    /// `default_seeds`: the seed-document folder when the model has no
    /// `[model] seeds` setting.
    pub fn open(path: &Path, default_seeds: &Path) -> std::io::Result<Workbench> {
        let mut w = Workbench {
            path: path.to_path_buf(),
            read: Vec::new(),
            version: 0,
            seeds: default_seeds.to_path_buf(),
            default_seeds: default_seeds.to_path_buf(),
            baseline: None,
            invalid: None,
            settings: Vec::new(),
            current: None,
            history: Vec::new(),
            dropped: Vec::new(),
            missing: None,
        };
        if crate::input::is_stdin(path) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the workbench serves and watches a model file; standard input (`-`) cannot be",
            ));
        }
        match read_model(path) {
            Ok(bytes) => w.load(bytes),
            // Served, with the page saying why (as for an invalid model).
            Err(e @ InputError::TooLarge { .. }) => w.unreadable(&unreadable_message(&e)),
            Err(InputError::Io { source, .. }) => return Err(source),
            Err(e) => return Err(std::io::Error::other(unreadable_message(&e))),
        }
        Ok(w)
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder of seed-document records the model is checked against.
    pub fn seeds(&self) -> &Path {
        &self.seeds
    }

    /// The seed-document folder when the model has no `[model] seeds`
    /// setting.
    pub fn default_seeds(&self) -> &Path {
        &self.default_seeds
    }

    /// Bumped on every reload.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Read the file again; true when what the page shows changed (it must
    /// reload). A file that cannot be read (deleted, moved away, replaced
    /// by a folder or a pipe, over the size limit) makes the state invalid
    /// with a diagnostic saying so, the last valid result kept and marked
    /// stale, until the file is back.
    pub fn reload(&mut self) -> bool {
        match read_model(&self.path) {
            Ok(bytes) if bytes == self.read && self.missing.is_none() => false,
            Ok(bytes) => {
                self.missing = None;
                self.load(bytes);
                true
            }
            Err(e) => {
                let message = unreadable_message(&e);
                if self.missing.as_deref() == Some(message.as_str()) {
                    return false;
                }
                self.unreadable(&message);
                true
            }
        }
    }

    /// The file cannot be read: say so, keep the last valid result.
    fn unreadable(&mut self, message: &str) {
        self.version += 1;
        self.missing = Some(message.to_string());
        let name = self.path.display().to_string();
        self.invalid = Some(DiagnosticsView::message(
            &name,
            Diagnostic::error(message.to_string()).hint(
                "the workbench shows the last valid result until the file can be read again; \
                 the page follows when it is back",
            ),
        ));
    }

    /// Check `bytes` as the new content of the file and make it the
    /// baseline when valid; keep the overrides that still apply.
    fn load(&mut self, bytes: Vec<u8>) {
        self.version += 1;
        let name = self.path.display().to_string();
        let mut seeds = self.seeds.clone();
        let path = self.path.clone();
        let (file, checked) = model::check_bytes(&name, &bytes, |setting| {
            seeds = model::seeds_folder(&path, setting, &self.default_seeds);
            model::documents_in(&seeds)
        });
        self.read = bytes;
        self.seeds = seeds;
        let Some(m) = checked.model else {
            let errors: Vec<Diagnostic> = checked.errors().cloned().collect();
            self.invalid = Some(DiagnosticsView::new(&file, &errors));
            return;
        };
        let built = Incremental::new(&m)
            .map_err(analysis::AnalysisError::from)
            .and_then(|engine| Ok((engine, report_json(&m)?)));
        let (engine, report) = match built {
            Ok(x) => x,
            // Impossible evidence and a network over budget: the items and
            // sources that cause it, at their lines, as `check` shows them.
            Err(analysis::AnalysisError::Infer(
                e @ (crate::network::InferError::ImpossibleEvidence
                | crate::network::InferError::TooLarge { .. }),
            )) => {
                self.invalid = Some(DiagnosticsView::new(
                    &file,
                    &analysis::check::refusal(&m, &e),
                ));
                return;
            }
            Err(e) => {
                self.invalid = Some(DiagnosticsView::message(
                    &name,
                    Diagnostic::error(format!("{name}: {e}"))
                        .hint("the model is valid but its evidence cannot all hold at once"),
                ));
                return;
            }
        };
        self.invalid = None;
        self.baseline = Some(Baseline {
            model: m,
            engine,
            report,
        });
        // The overrides carry over where they still name something.
        let kept = self.views();
        self.history.clear();
        self.dropped.clear();
        let mut settings = Vec::new();
        for s in kept {
            match self.resolve(&s.path, &s.value) {
                Ok(x) => settings.push(x),
                Err(d) => self.dropped.push(Dropped {
                    reason: d
                        .diagnostics
                        .first()
                        .map_or_else(String::new, |d| d.message.clone()),
                    path: s.path,
                    value: s.value,
                }),
            }
        }
        if self.rebuild(settings).is_err() {
            // The overrides together make the new file's evidence
            // impossible: start again from the file.
            for s in std::mem::take(&mut self.settings) {
                self.dropped.push(Dropped {
                    path: s.path,
                    value: s.value,
                    reason: "with the changed file these overrides make the evidence impossible"
                        .to_string(),
                });
            }
            self.current = None;
        }
    }

    /// The settings as path and value.
    fn views(&self) -> Vec<SettingView> {
        self.settings
            .iter()
            .map(|s| SettingView {
                path: s.path.clone(),
                value: s.value.clone(),
            })
            .collect()
    }

    /// The valid baseline, or the refusal to use when there is none.
    fn valid(&self) -> Result<&Baseline, Refusal> {
        match (&self.invalid, &self.baseline) {
            (Some(d), _) => Err(Refusal::Invalid(d.clone())),
            (None, Some(b)) => Ok(b),
            (None, None) => Err(Refusal::Invalid(DiagnosticsView::message(
                &self.path.display().to_string(),
                Diagnostic::error("the model has not been read"),
            ))),
        }
    }

    /// Resolve `PATH=VALUE` against the baseline model, as `--set` does.
    fn resolve(&self, path: &str, value: &str) -> Result<Setting, DiagnosticsView> {
        let Some(b) = &self.baseline else {
            return Err(DiagnosticsView::message(
                "--set",
                Diagnostic::error("no valid model"),
            ));
        };
        match overrides::parse_assignment(&b.model, &format!("{path}={value}")) {
            Ok((_, resolved)) => Ok(Setting {
                path: path.to_string(),
                value: value.to_string(),
                resolved,
            }),
            Err((file, diagnostics)) => Err(DiagnosticsView::new(&file, &diagnostics)),
        }
    }

    /// Make `settings` the current state, applying them to a copy of the
    /// baseline engine; on an error nothing changes.
    fn rebuild(&mut self, settings: Vec<Setting>) -> Result<(), analysis::AnalysisError> {
        let Some(b) = &self.baseline else {
            return Ok(());
        };
        if settings.is_empty() {
            self.settings = settings;
            self.current = None;
            return Ok(());
        }
        let mut engine = b.engine.clone();
        let all: Vec<Override> = settings.iter().map(|s| s.resolved.clone()).collect();
        engine.apply(&all)?;
        let report = report_json(engine.model())?;
        self.settings = settings;
        self.current = Some((engine, report));
        Ok(())
    }

    /// The `credence.report` JSON of the current state (422 when the file is
    /// invalid).
    pub fn report(&self) -> Result<&RawValue, Refusal> {
        let b = self.valid()?;
        Ok(match &self.current {
            Some((_, r)) => r,
            None => &b.report,
        })
    }

    /// Apply `PATH = VALUE` changes on top of the current overrides (a path
    /// set again moves to the end, with its new value) and return the new
    /// report. Nothing changes when any of them is refused.
    pub fn set(&mut self, changes: &[(String, serde_json::Value)]) -> Result<&RawValue, Refusal> {
        self.valid()?;
        if changes.is_empty() {
            return self.report();
        }
        // A path given twice in one request counts once, with its last
        // value, where it was given last (as if the changes came one by
        // one); a body of one path repeated a hundred thousand times is one
        // change, not a hundred thousand overrides.
        let last: std::collections::HashMap<&str, usize> = changes
            .iter()
            .enumerate()
            .map(|(k, (path, _))| (path.as_str(), k))
            .collect();
        let changes = changes
            .iter()
            .enumerate()
            .filter(|(k, (path, _))| last.get(path.as_str()) == Some(k))
            .map(|(_, change)| change);
        let mut fresh = Vec::with_capacity(last.len());
        for (path, value) in changes {
            let Some(text) = value_text(value) else {
                return Err(Refusal::Bad(DiagnosticsView::message(
                    "--set",
                    Diagnostic::error(format!("no value for `{path}`"))
                        .hint("values are numbers, [low, high] intervals, words or true/false"),
                )));
            };
            fresh.push(self.resolve(path, &text).map_err(Refusal::Bad)?);
        }
        let before = self.views();
        // One change of the path set last (a slider being dragged), or of a
        // path not yet set, is applied on top of the current engine: only
        // the items it touches are recomputed. A prior is always rebuilt,
        // as rescaling the others is not undone by setting it again.
        let on_top = fresh.len() == 1
            && self.current.is_some()
            && !matches!(fresh[0].resolved, Override::Prior(..))
            && self
                .settings
                .iter()
                .position(|s| s.path == fresh[0].path)
                .is_none_or(|k| k + 1 == self.settings.len());
        let mut settings = self.settings.clone();
        for s in &fresh {
            settings.retain(|old| old.path != s.path);
        }
        settings.extend(fresh.iter().cloned());
        let outcome = if on_top {
            self.apply_on_top(&fresh[0], settings)
        } else {
            self.rebuild(settings)
        };
        if let Err(e) = outcome {
            let what: Vec<String> = fresh
                .iter()
                .map(|s| format!("{}={}", s.path, s.value))
                .collect();
            return Err(Refusal::Bad(DiagnosticsView::message(
                "--set",
                Diagnostic::error(format!("with {} {e}", what.join(", ")))
                    .hint("this change leaves the evidence impossible; the state is unchanged"),
            )));
        }
        self.push_history(before);
        self.report()
    }

    fn apply_on_top(
        &mut self,
        setting: &Setting,
        settings: Vec<Setting>,
    ) -> Result<(), analysis::AnalysisError> {
        let Some((engine, report)) = &mut self.current else {
            return self.rebuild(settings);
        };
        engine.apply(std::slice::from_ref(&setting.resolved))?;
        match report_json(engine.model()) {
            Ok(r) => *report = r,
            Err(e) => {
                // The engine has already changed: put it back from scratch.
                let old = std::mem::take(&mut self.settings);
                self.current = None;
                let _ = self.rebuild(old);
                return Err(e);
            }
        }
        self.settings = settings;
        Ok(())
    }

    fn push_history(&mut self, before: Vec<SettingView>) {
        self.history.push(before);
        if self.history.len() > MAX_HISTORY {
            self.history.remove(0);
        }
    }

    /// Drop every override.
    pub fn reset(&mut self) -> Result<&RawValue, Refusal> {
        self.valid()?;
        if !self.settings.is_empty() {
            let before = self.views();
            self.push_history(before);
            self.settings.clear();
            self.current = None;
        }
        self.report()
    }

    /// Go back to the overrides before the last change.
    pub fn undo(&mut self) -> Result<&RawValue, Refusal> {
        self.valid()?;
        if let Some(previous) = self.history.pop() {
            let settings: Vec<Setting> = previous
                .iter()
                .filter_map(|s| self.resolve(&s.path, &s.value).ok())
                .collect();
            if self.rebuild(settings).is_err() {
                self.settings.clear();
                self.current = None;
            }
        }
        self.report()
    }

    /// The report of the baseline with scenario `id`'s overrides (and no
    /// others).
    pub fn scenario(&self, id: &str) -> Result<Box<RawValue>, Refusal> {
        let b = self.valid()?;
        let Some(s) = b.model.scenarios.iter().find(|s| s.id == id) else {
            return Err(Refusal::NotFound(format!(
                "no scenario `{id}` in the model"
            )));
        };
        let all: Vec<Override> = s.overrides.iter().map(|(_, o)| o.clone()).collect();
        let mut engine = b.engine.clone();
        let failed = |e: analysis::AnalysisError| {
            Refusal::Bad(DiagnosticsView::message(
                "--scenario",
                Diagnostic::error(format!("under scenario `{id}`: {e}")),
            ))
        };
        engine
            .apply(&all)
            .map_err(|e| failed(analysis::AnalysisError::from(e)))?;
        report_json(engine.model()).map_err(failed)
    }

    /// The overrides in force.
    pub fn overrides(&self) -> Vec<SettingView> {
        self.views()
    }

    /// The bytes of the file as last read.
    pub fn read_bytes(&self) -> &[u8] {
        &self.read
    }

    /// The model ids of the scenarios.
    pub fn scenario_ids(&self) -> Vec<String> {
        self.baseline
            .as_ref()
            .map(|b| b.model.scenarios.iter().map(|s| s.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Whether the file is valid now.
    pub fn is_valid(&self) -> bool {
        self.invalid.is_none() && self.baseline.is_some()
    }

    /// Everything the page shows.
    pub fn state(&self) -> StateView<'_> {
        let (scenarios, controls) = match &self.baseline {
            Some(b) => {
                let current = self.current.as_ref().map_or(&b.model, |(e, _)| e.model());
                (
                    b.model
                        .scenarios
                        .iter()
                        .map(|s| ScenarioView {
                            id: s.id.clone(),
                            title: s.title.clone(),
                            why: s.why.clone(),
                            paths: s.overrides.iter().map(|(p, _)| p.clone()).collect(),
                        })
                        .collect(),
                    controls(&b.model, current),
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        StateView {
            kind: "credence.workbench",
            version: self.version,
            file: self.path.display().to_string(),
            stale: self.invalid.is_some() && self.baseline.is_some(),
            diagnostics: self.invalid.as_ref(),
            overrides: self.views(),
            dropped: &self.dropped,
            can_undo: !self.history.is_empty(),
            scenarios,
            controls,
            baseline: self.baseline.as_ref().map(|b| &*b.report),
            current: self
                .baseline
                .as_ref()
                .map(|b| self.current.as_ref().map_or(&*b.report, |(_, r)| &**r)),
        }
    }
}
