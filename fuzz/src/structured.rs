//! Structured-but-wrong models: a model-shaped value that `arbitrary` builds
//! from the fuzzer's bytes and that renders to well-formed TOML with the
//! keys an analyst would write, but with ids that collide or dangle, numbers
//! out of range, NaN or huge, wrong types, relay chains that may cycle,
//! scenarios with bad paths, and scales that redefine words.

use std::fmt::Write as _;

use arbitrary::Arbitrary;

/// Few names, shared by every kind of id, so that ids collide and references
/// dangle often (a source called like a hypothesis, a `via` naming a source).
const NAMES: &[&str] = &["a", "b", "c", "d", "wsj", "é", "a b", "A"];
const ICD: &[&str] = &[
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
    "Very Likely",
    "probable",
];
const ACH: &[&str] = &["CC", "C", "N", "I", "II", "cc", "NA", "X"];
const LETTERS: &[&str] = &["A", "B", "C", "D", "E", "F", "b", "G", ""];
/// Keys an analyst might write, valid somewhere or misspelt.
const KEYS: &[&str] = &[
    "id",
    "title",
    "prior",
    "reliability",
    "relability",
    "bias",
    "claim",
    "likelihood",
    "reports",
    "via",
    "strength",
    "observed",
    "asserts",
    "enabled",
    "notes",
    "seeds",
    "reliability_levels",
    "hit",
    "false_alarm",
];

#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    Pool(u8),
    Empty,
    Blank,
    Long(u8),
    Quote,
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Pool(i) => NAMES[*i as usize % NAMES.len()].to_string(),
            Name::Empty => String::new(),
            Name::Blank => "  ".to_string(),
            Name::Long(n) => "x".repeat(*n as usize * 4),
            Name::Quote => "q\"\\\u{7f}\n\t".to_string(),
        }
    }
}

/// A number or value where a probability is expected.
#[derive(Arbitrary, Debug, Clone)]
pub enum Num {
    Frac(u8),
    Raw(f64),
    Int(i64),
    Percent(u8),
    Nan,
    Inf,
    NegInf,
    NegZero,
    Huge,
    Tiny,
    OneEps,
    Icd(u8),
    Ach(u8),
    Letter(u8),
    Interval(Box<Num>, Box<Num>),
    Triple,
    Empty,
    Credibility(Option<Box<Num>>, Option<Box<Num>>),
    Bool(bool),
    Date,
    Text(Name),
}

fn float(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        // Rust's Debug form (`0.5`, `1e-7`, `-0.0`) is valid TOML.
        format!("{v:?}")
    }
}

impl Num {
    fn toml(&self) -> String {
        match self {
            Num::Frac(x) => float(*x as f64 / 255.0),
            Num::Raw(v) => float(*v),
            Num::Int(i) => i.to_string(),
            Num::Percent(p) => (*p % 101).to_string(),
            Num::Nan => "nan".into(),
            Num::Inf => "inf".into(),
            Num::NegInf => "-inf".into(),
            Num::NegZero => "-0.0".into(),
            Num::Huge => "1e308".into(),
            Num::Tiny => "5e-324".into(),
            Num::OneEps => "1.0000000000000002".into(),
            Num::Icd(i) => quote(ICD[*i as usize % ICD.len()]),
            Num::Ach(i) => quote(ACH[*i as usize % ACH.len()]),
            Num::Letter(i) => quote(LETTERS[*i as usize % LETTERS.len()]),
            Num::Interval(a, b) => format!("[{}, {}]", a.toml(), b.toml()),
            Num::Triple => "[0.1, 0.2, 0.3]".into(),
            Num::Empty => "[]".into(),
            Num::Credibility(h, f) => {
                let mut parts = Vec::new();
                if let Some(h) = h {
                    parts.push(format!("hit = {}", h.toml()));
                }
                if let Some(f) = f {
                    parts.push(format!("false_alarm = {}", f.toml()));
                }
                format!("{{ {} }}", parts.join(", "))
            }
            Num::Bool(b) => b.to_string(),
            Num::Date => "2024-01-25".into(),
            Num::Text(n) => quote(&n.text()),
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct Meta {
    title: Option<Name>,
    question: Option<Name>,
    as_of: Option<Num>,
    levels: Option<Num>,
    stray: Option<Stray>,
}

/// A key that may not belong where it is written.
#[derive(Arbitrary, Debug)]
pub struct Stray {
    key: u8,
    value: Num,
}

impl Stray {
    fn line(&self) -> String {
        format!(
            "{} = {}\n",
            KEYS[self.key as usize % KEYS.len()],
            self.value.toml()
        )
    }
}

#[derive(Arbitrary, Debug)]
pub struct Hyp {
    id: Option<Name>,
    title: Option<Name>,
    prior: Option<Num>,
    stray: Option<Stray>,
}

#[derive(Arbitrary, Debug)]
pub struct Src {
    id: Option<Name>,
    title: bool,
    reliability: Option<Num>,
    bias: Option<Num>,
    stray: Option<Stray>,
}

#[derive(Arbitrary, Debug)]
pub struct Rep {
    id: Option<Name>,
    source: Option<Name>,
    via: Option<Name>,
    strength: Option<Num>,
    observed: Option<Num>,
    asserts: Option<bool>,
    reliability: Option<Num>,
    bias: Option<Num>,
    document: Option<Name>,
    stray: Option<Stray>,
}

#[derive(Arbitrary, Debug)]
pub struct Item {
    id: Option<Name>,
    claim: bool,
    /// Likelihood entries: hypothesis name and value.
    likelihood: Option<Vec<(Name, Num)>>,
    /// Write `likelihood` for exactly the hypotheses, in order, with these
    /// values (the common, almost-valid case).
    complete: Option<Vec<Num>>,
    enabled: Option<Num>,
    reports: Option<Vec<Rep>>,
    stray: Option<Stray>,
}

#[derive(Arbitrary, Debug)]
pub struct Dep {
    id: Option<Name>,
    sources: Option<Vec<Name>>,
    strength: Option<Num>,
}

#[derive(Arbitrary, Debug)]
pub enum Path {
    SourceReliability(Name),
    SourceBias(Name),
    ItemEnabled(Name),
    Likelihood(Name, Name),
    Prior(Name),
    ReportField(Name, Name, u8),
    DependencyStrength(Name),
    Bogus(u8, Name),
}

impl Path {
    fn key(&self) -> String {
        const REPORT_FIELDS: &[&str] = &[
            "strength",
            "observed",
            "reliability",
            "bias",
            "asserts",
            "via",
        ];
        let k = |n: &Name| quote(&n.text());
        match self {
            Path::SourceReliability(s) => format!("sources.{}.reliability", k(s)),
            Path::SourceBias(s) => format!("sources.{}.bias", k(s)),
            Path::ItemEnabled(i) => format!("evidence.{}.enabled", k(i)),
            Path::Likelihood(i, h) => format!("evidence.{}.likelihood.{}", k(i), k(h)),
            Path::Prior(h) => format!("hypotheses.{}.prior", k(h)),
            Path::ReportField(i, r, f) => format!(
                "evidence.{}.reports.{}.{}",
                k(i),
                k(r),
                REPORT_FIELDS[*f as usize % REPORT_FIELDS.len()]
            ),
            Path::DependencyStrength(d) => format!("dependencies.{}.strength", k(d)),
            Path::Bogus(root, n) => {
                const ROOTS: &[&str] = &["sources", "evidence", "model", "scales", "x"];
                format!("{}.{}", ROOTS[*root as usize % ROOTS.len()], k(n))
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct Scen {
    id: Option<Name>,
    title: bool,
    overrides: Vec<(Path, Num)>,
}

#[derive(Arbitrary, Debug)]
pub struct ScalesSpec {
    icd203: Vec<(u8, Num)>,
    ach: Vec<(u8, Num)>,
    admiralty: Vec<(u8, Num)>,
}

#[derive(Arbitrary, Debug)]
pub struct Spec {
    meta: Option<Meta>,
    hypotheses: Vec<Hyp>,
    sources: Vec<Src>,
    items: Vec<Item>,
    dependencies: Vec<Dep>,
    scenarios: Vec<Scen>,
    scales: Option<ScalesSpec>,
    stray: Option<Stray>,
}

/// A TOML basic string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lists are capped so one input stays a small model (the fuzzer looks for
/// wrong structure, not for size).
const MAX_LIST: usize = 8;

impl Spec {
    pub fn render(&self) -> String {
        let mut t = String::new();
        if let Some(s) = &self.stray {
            t.push_str(&s.line());
        }
        if let Some(m) = &self.meta {
            t.push_str("[model]\n");
            if let Some(n) = &m.title {
                let _ = writeln!(t, "title = {}", quote(&n.text()));
            }
            if let Some(n) = &m.question {
                let _ = writeln!(t, "question = {}", quote(&n.text()));
            }
            if let Some(v) = &m.as_of {
                let _ = writeln!(t, "as_of = {}", v.toml());
            }
            if let Some(v) = &m.levels {
                let _ = writeln!(t, "reliability_levels = {}", v.toml());
            }
            if let Some(s) = &m.stray {
                t.push_str(&s.line());
            }
        }
        let mut hyp_names: Vec<String> = Vec::new();
        for h in self.hypotheses.iter().take(MAX_LIST) {
            // A repeated key in `likelihood` would be a TOML syntax error.
            if let Some(n) = h.id.as_ref().map(Name::text)
                && !hyp_names.contains(&n)
            {
                hyp_names.push(n);
            }
        }
        for h in self.hypotheses.iter().take(MAX_LIST) {
            t.push_str("\n[[hypotheses]]\n");
            if let Some(n) = &h.id {
                let _ = writeln!(t, "id = {}", quote(&n.text()));
            }
            if let Some(n) = &h.title {
                let _ = writeln!(t, "title = {}", quote(&n.text()));
            }
            if let Some(p) = &h.prior {
                let _ = writeln!(t, "prior = {}", p.toml());
            }
            if let Some(s) = &h.stray {
                t.push_str(&s.line());
            }
        }
        for s in self.sources.iter().take(MAX_LIST) {
            t.push_str("\n[[sources]]\n");
            if let Some(n) = &s.id {
                let _ = writeln!(t, "id = {}", quote(&n.text()));
            }
            if s.title {
                t.push_str("title = \"A source\"\n");
            }
            if let Some(r) = &s.reliability {
                let _ = writeln!(t, "reliability = {}", r.toml());
            }
            if let Some(b) = &s.bias {
                let _ = writeln!(t, "bias = {}", b.toml());
            }
            if let Some(x) = &s.stray {
                t.push_str(&x.line());
            }
        }
        for item in self.items.iter().take(MAX_LIST) {
            t.push_str("\n[[evidence]]\n");
            if let Some(n) = &item.id {
                let _ = writeln!(t, "id = {}", quote(&n.text()));
            }
            if item.claim {
                t.push_str("claim = \"Something happened\"\n");
            }
            if let Some(values) = &item.complete {
                let entries: Vec<String> = hyp_names
                    .iter()
                    .zip(values.iter().chain(std::iter::repeat(&Num::Frac(128))))
                    .map(|(h, v)| format!("{} = {}", quote(h), v.toml()))
                    .collect();
                let _ = writeln!(t, "likelihood = {{ {} }}", entries.join(", "));
            } else if let Some(l) = &item.likelihood {
                let entries: Vec<String> = l
                    .iter()
                    .take(MAX_LIST)
                    .map(|(h, v)| format!("{} = {}", quote(&h.text()), v.toml()))
                    .collect();
                let _ = writeln!(t, "likelihood = {{ {} }}", entries.join(", "));
            }
            if let Some(e) = &item.enabled {
                let _ = writeln!(t, "enabled = {}", e.toml());
            }
            if let Some(reports) = &item.reports {
                t.push_str("reports = [\n");
                for r in reports.iter().take(MAX_LIST) {
                    let _ = writeln!(t, "  {},", report(r));
                }
                t.push_str("]\n");
            }
            if let Some(x) = &item.stray {
                t.push_str(&x.line());
            }
        }
        for d in self.dependencies.iter().take(MAX_LIST) {
            t.push_str("\n[[dependencies]]\n");
            if let Some(n) = &d.id {
                let _ = writeln!(t, "id = {}", quote(&n.text()));
            }
            if let Some(list) = &d.sources {
                let names: Vec<String> = list
                    .iter()
                    .take(MAX_LIST)
                    .map(|n| quote(&n.text()))
                    .collect();
                let _ = writeln!(t, "sources = [{}]", names.join(", "));
            }
            if let Some(s) = &d.strength {
                let _ = writeln!(t, "strength = {}", s.toml());
            }
        }
        for s in self.scenarios.iter().take(MAX_LIST) {
            t.push_str("\n[[scenarios]]\n");
            if let Some(n) = &s.id {
                let _ = writeln!(t, "id = {}", quote(&n.text()));
            }
            if s.title {
                t.push_str("title = \"What if\"\n");
            }
            for (path, value) in s.overrides.iter().take(MAX_LIST) {
                let _ = writeln!(t, "{} = {}", path.key(), value.toml());
            }
        }
        if let Some(sc) = &self.scales {
            let words = |table: &str, entries: &[(u8, Num)], pool: &[&str]| -> String {
                let mut out = format!("\n[scales.{table}]\n");
                let mut seen: Vec<&str> = Vec::new();
                for (w, v) in entries.iter().take(MAX_LIST) {
                    let word = pool[*w as usize % pool.len()];
                    // A repeated key is a TOML syntax error, not a model error.
                    if seen.contains(&word) {
                        continue;
                    }
                    seen.push(word);
                    let _ = writeln!(out, "{} = {}", quote(word), v.toml());
                }
                out
            };
            t.push_str(&words("icd203", &sc.icd203, ICD));
            t.push_str(&words("ach", &sc.ach, ACH));
            t.push_str(&words("admiralty", &sc.admiralty, LETTERS));
        }
        t
    }
}

fn report(r: &Rep) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(n) = &r.id {
        parts.push(format!("id = {}", quote(&n.text())));
    }
    if let Some(n) = &r.source {
        parts.push(format!("source = {}", quote(&n.text())));
    }
    if let Some(n) = &r.via {
        parts.push(format!("via = {}", quote(&n.text())));
    }
    if let Some(v) = &r.strength {
        parts.push(format!("strength = {}", v.toml()));
    }
    if let Some(v) = &r.observed {
        parts.push(format!("observed = {}", v.toml()));
    }
    if let Some(b) = r.asserts {
        parts.push(format!("asserts = {b}"));
    }
    if let Some(v) = &r.reliability {
        parts.push(format!("reliability = {}", v.toml()));
    }
    if let Some(v) = &r.bias {
        parts.push(format!("bias = {}", v.toml()));
    }
    if let Some(n) = &r.document {
        parts.push(format!("document = {}", quote(&n.text())));
    }
    if let Some(s) = &r.stray {
        let line = s.line();
        parts.push(line.trim_end().to_string());
    }
    format!("{{ {} }}", parts.join(", "))
}
