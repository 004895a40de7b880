//! `--format markdown` and `--format html` of every report command (report,
//! whatif, sensitivity, ach, explain, simulate) on every model: exit 0,
//! content, no network fetch in the HTML, no raw HTML in the Markdown;
//! snapshots of the cab report; and a hostile model with markup in every
//! text field, which must come out as text.

use crate::cli;
use cli::{credence, models};

const COMMANDS: [&str; 6] = [
    "report",
    "whatif",
    "sensitivity",
    "ach",
    "explain",
    "simulate",
];

/// Markup in every text field of a model, ids included.
const HOSTILE: &str = r#"
[model]
title = "T <script>alert(1)</script> | `x` *y* _z_ [l](javascript:alert(1)) & \"q\" 'a' $m$ #"
question = "Q <script>alert(1)</script>\nsecond | line"
notes = "N <script>alert(1)</script>"

[[hypotheses]]
id = "h<script>alert(1)</script>"
title = "H1 <script>alert(1)</script> |pipe|"
prior = 0.4
rationale = "R <script>alert(1)</script>"

[[hypotheses]]
id = "h2\"><img src=x onerror=alert(1)>"
title = "H2 <img src=x onerror=alert(1)>"
prior = 0.6

[[sources]]
id = "s<script>alert(1)</script>"
title = "S <script>alert(1)</script>"
reliability = [0.3, 0.9]
notes = "SN <script>alert(1)</script>"

[[sources]]
id = "relay<b>x</b>"
title = "Relay <b>bold</b>"
reliability = 0.7

[[evidence]]
id = "e<script>alert(1)</script>"
claim = "C <script>alert(1)</script> | `tick` \n newline"
likelihood = { "h<script>alert(1)</script>" = 0.8, "h2\"><img src=x onerror=alert(1)>" = 0.3 }
rationale = "RA <script>alert(1)</script>"
notes = "EN <script>alert(1)</script>"
reports = [
  { id = "r<script>alert(1)</script>", source = "s<script>alert(1)</script>", quote = "QU <script>alert(1)</script>", notes = "RN <script>alert(1)</script>" },
  { id = "v<script>alert(1)</script>", source = "relay<b>x</b>", via = "r<script>alert(1)</script>", strength = 0.6 },
]

[[evidence]]
id = "given<script>"
claim = "G <script>alert(1)</script>"
likelihood = { "h<script>alert(1)</script>" = "likely", "h2\"><img src=x onerror=alert(1)>" = "N" }

[[scenarios]]
id = "sc<script>alert(1)</script>"
title = "SC <script>alert(1)</script>"
why = "W <script>alert(1)</script>"
sources."s<script>alert(1)</script>".bias = 0.8
"#;

/// Run `credence COMMAND MODEL --format FORMAT` (simulate with few
/// samples) and return standard output; the run must succeed.
fn run(command: &str, model: &std::path::Path, format: &str) -> String {
    let mut cmd = credence();
    cmd.arg(command).arg(model).args(["--format", format]);
    if command == "simulate" {
        cmd.args(["--samples", "500"]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{command} {} --format {format}: {}",
        model.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "footer",
    "section",
    "div",
    "p",
    "span",
    "h1",
    "h2",
    "h3",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "strong",
    "em",
    "ul",
    "li",
    "pre",
    "wbr",
    "figure",
    "figcaption",
    "svg",
    "defs",
    "marker",
    "path",
    "rect",
    "line",
    "circle",
    "text",
    "g",
];

const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "class",
    "style",
    "viewbox",
    "width",
    "height",
    "role",
    "aria-label",
    "aria-hidden",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "d",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "opacity",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "letter-spacing",
    "marker-end",
    "id",
    "refx",
    "refy",
    "markerwidth",
    "markerheight",
    "orient",
];

/// Every tag of the page and its attribute names. Model text is escaped, so
/// every `<` opens a tag we wrote.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(k) = rest.find('<') {
        let after = &rest[k + 1..];
        let end = after.find('>').expect("an unclosed tag");
        let inner = &after[..end];
        rest = &after[end + 1..];
        if inner.starts_with('!') || inner.starts_with('/') {
            continue;
        }
        let inner = inner.trim_end_matches('/');
        let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut a = inner[name_end..].trim_start();
        while !a.is_empty() {
            let eq = a.find('=').expect("an attribute without a value");
            let key = a[..eq].trim().to_ascii_lowercase();
            let v = &a[eq + 1..];
            assert!(v.starts_with('"'), "unquoted attribute `{key}` in <{name}>");
            let close = v[1..].find('"').expect("an unterminated attribute") + 1;
            attrs.push((key, v[1..close].to_string()));
            a = v[close + 1..].trim_start();
        }
        out.push((name, attrs));
    }
    out
}

/// The page fetches nothing and runs nothing: only known tags and
/// attributes, no url() but fragment references, no `javascript:`.
fn assert_self_contained(html: &str, what: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{what}: no doctype");
    assert!(html.trim_end().ends_with("</html>"), "{what}: not closed");
    for (name, attrs) in tags(html) {
        assert!(TAGS.contains(&name.as_str()), "{what}: tag <{name}>");
        for (key, value) in attrs {
            assert!(
                ATTRIBUTES.contains(&key.as_str()),
                "{what}: attribute {key} on <{name}>"
            );
            let v = value.to_ascii_lowercase();
            assert!(!v.contains("javascript:"), "{what}: javascript: in {key}");
            if let Some(k) = v.find("url(") {
                assert!(v[k..].starts_with("url(#"), "{what}: {key}={value}");
            }
        }
    }
    let css_start = html.find("<style>").expect("inline style");
    let css_end = html.find("</style>").expect("closed style");
    let css = &html[css_start..css_end];
    assert!(
        !css.contains("url(") && !css.contains("@import"),
        "{what}: css fetch"
    );
}

/// The models in models/ carry no address, so none may appear at all.
fn assert_no_address(html: &str, what: &str) {
    for bad in ["http://", "https://", "src=", "href="] {
        assert!(!html.contains(bad), "{what}: contains `{bad}`");
    }
}

/// Markdown with its code spans removed: code spans are literal, so markup
/// inside them is shown as written.
fn without_code_spans(md: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = md.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        if chars[k] == '\\' && k + 1 < chars.len() {
            out.push(chars[k]);
            out.push(chars[k + 1]);
            k += 2;
            continue;
        }
        if chars[k] == '`' {
            let mut n = 0;
            while k + n < chars.len() && chars[k + n] == '`' {
                n += 1;
            }
            // Find the closing run of exactly n backticks.
            let mut j = k + n;
            let mut closed = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let mut m = 0;
                    while j + m < chars.len() && chars[j + m] == '`' {
                        m += 1;
                    }
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            if let Some(end) = closed {
                out.push_str("CODE");
                k = end;
                continue;
            }
        }
        out.push(chars[k]);
        k += 1;
    }
    out
}

/// No raw HTML outside code spans and fenced blocks: every `<` is escaped.
fn assert_no_raw_html(md: &str, what: &str) {
    let mut in_fence = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let plain = without_code_spans(line);
        let chars: Vec<char> = plain.chars().collect();
        for (k, ch) in chars.iter().enumerate() {
            if *ch == '<' {
                assert!(
                    k > 0 && chars[k - 1] == '\\',
                    "{what}: raw `<` in line: {line}"
                );
            }
        }
    }
}

#[test]
fn every_command_on_every_model_in_markdown_and_html() {
    for model in models() {
        for command in COMMANDS {
            let what = format!("{command} {}", model.display());
            let md = run(command, &model, "markdown");
            assert!(md.starts_with("# "), "{what}: markdown has no title");
            assert!(md.contains("\n| "), "{what}: markdown has no table");
            assert_no_raw_html(&md, &what);
            let html = run(command, &model, "html");
            assert!(html.len() > 2000, "{what}: html too short");
            assert!(html.contains("<table>"), "{what}: html has no table");
            assert_self_contained(&html, &what);
            assert_no_address(&html, &what);
            if matches!(command, "report" | "whatif" | "sensitivity" | "simulate") {
                assert!(html.contains("<svg"), "{what}: html has no chart");
            }
        }
    }
}

#[test]
fn report_prints_each_posterior_in_markdown_and_html() {
    for model in models() {
        let out = credence()
            .arg("report")
            .arg(&model)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let md = run("report", &model, "markdown");
        let html = run("report", &model, "html");
        for h in view["hypotheses"].as_array().unwrap() {
            let p = format!("{:.4}", h["posterior"].as_f64().unwrap());
            assert!(md.contains(&p), "{}: {p} not in markdown", model.display());
            assert!(html.contains(&p), "{}: {p} not in html", model.display());
        }
    }
}

#[test]
fn output_file_holds_what_stdout_would() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_formats");
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("markdown", "cab.md"), ("html", "cab.html")] {
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        credence()
            .args(["report", "models/cab.toml", "--format", format, "-o"])
            .arg(&path)
            .assert()
            .success()
            .stdout("");
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(written, run("report", "models/cab.toml".as_ref(), format));
    }
}

#[test]
fn output_is_deterministic() {
    for format in ["markdown", "html"] {
        let a = run("report", "models/iran_oct7.toml".as_ref(), format);
        let b = run("report", "models/iran_oct7.toml".as_ref(), format);
        assert_eq!(a, b, "{format}");
    }
}

#[test]
fn cab_report_markdown_snapshot() {
    insta::assert_snapshot!(
        "cab_report_markdown",
        run("report", "models/cab.toml".as_ref(), "markdown")
    );
}

#[test]
fn cab_report_html_snapshot() {
    insta::assert_snapshot!(
        "cab_report_html",
        run("report", "models/cab.toml".as_ref(), "html")
    );
}

#[test]
fn markup_in_every_text_field_is_shown_as_text() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_formats");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("hostile.toml");
    std::fs::write(&model, HOSTILE).unwrap();
    credence().arg("check").arg(&model).assert().success();
    for command in COMMANDS {
        let what = format!("{command} hostile");
        let html = run(command, &model, "html");
        assert_self_contained(&html, &what);
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{what}: the script text is not shown"
        );
        assert!(!html.contains("<b>"), "{what}: raw <b>");
        let md = run(command, &model, "markdown");
        assert_no_raw_html(&md, &what);
        assert!(
            md.contains("\\<script\\>"),
            "{what}: markdown text not escaped"
        );
        // Newlines in model text never split a table row or a paragraph.
        for line in md.lines().filter(|l| l.starts_with('|')) {
            assert!(line.ends_with('|'), "{what}: broken table row: {line}");
        }
    }
    let md = run("report", &model, "markdown");
    assert!(
        md.contains("\\|pipe\\|"),
        "a pipe in a title must be escaped"
    );
    assert!(md.lines().next().unwrap().ends_with("\\#"));
}

/// A model's own ICD 203 ranges reach the JSON view and the HTML chart, so
/// the bands drawn are the ones the printed terms come from.
#[test]
fn the_models_icd203_scale_is_the_one_shown() {
    let custom = std::path::Path::new("tests/cases/scales_override.toml");
    let json: serde_json::Value = serde_json::from_str(&run("report", custom, "json")).unwrap();
    assert_eq!(json["icd203_standard"], false);
    let likely = json["icd203_scale"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["term"] == "likely")
        .expect("a likely band");
    assert_eq!(
        (likely["low"].as_f64(), likely["high"].as_f64()),
        (Some(0.6), Some(0.8))
    );
    let html = run("report", custom, "html");
    assert!(
        html.contains("ICD 203 band (this model&#39;s [scales])")
            || html.contains("ICD 203 band (this model's [scales])"),
        "legend"
    );
    assert!(html.contains("likely (0.6–0.8)"), "the band's own range");
    let standard: serde_json::Value = serde_json::from_str(&run(
        "report",
        std::path::Path::new("models/cab.toml"),
        "json",
    ))
    .unwrap();
    assert_eq!(standard["icd203_standard"], true);
    assert!(
        run("report", std::path::Path::new("models/cab.toml"), "html")
            .contains("ICD 203 band (standard ranges)")
    );
}
