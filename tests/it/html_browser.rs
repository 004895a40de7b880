//! The HTML report in a real browser: headless Chromium renders the page of
//! models/iran_oct7.toml and models/cab.toml, takes a screenshot (a PNG of
//! the window size, far larger than a blank page's) and dumps the rendered
//! DOM, which must hold each hypothesis' posterior as printed (4 decimals)
//! and no script element even when the model is full of markup.
//!
//! A missing chromium is a failure (`scripts/test` installs Debian's
//! chromium), unless CREDENCE_SKIP_BROWSER=1 asks, by name, to skip it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2000;
static RUNS: AtomicUsize = AtomicUsize::new(0);

/// The browser gets this long per run before it is killed.
const TIMEOUT: Duration = Duration::from_secs(120);

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The browser, or None when CREDENCE_SKIP_BROWSER=1 and it is missing.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = find_chromium() {
        return Some(p);
    }
    let skip = std::env::var("CREDENCE_SKIP_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        skip,
        "chromium is not installed: scripts/test installs it (apt-get install chromium), \
         or set CREDENCE_SKIP_BROWSER=1 to skip the browser test"
    );
    eprintln!(
        "notice: CREDENCE_SKIP_BROWSER=1 and chromium not found: the browser test is skipped"
    );
    None
}

fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("html_browser")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run the browser headless on `page` with a fresh profile; `mode` is
/// `--screenshot=FILE` or `--dump-dom`. Returns standard output.
fn browse(chromium: &Path, dir: &Path, page: &Path, mode: &str) -> String {
    // A fresh profile per run: nothing cached or remembered between runs.
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let profile = dir.join(format!("profile-{run}"));
    let _ = std::fs::remove_dir_all(&profile);
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(mode)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read stdout on a thread so a large DOM cannot fill the pipe while we
    // wait with a deadline.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {mode} of {url} within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "chromium {mode} failed: {status}\n{err}");
    out
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "not a PNG: {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "the first chunk is not IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

fn screenshot(chromium: &Path, dir: &Path, page: &Path, name: &str) -> Vec<u8> {
    let png = dir.join(name);
    let _ = std::fs::remove_file(&png);
    browse(
        chromium,
        dir,
        page,
        &format!("--screenshot={}", png.display()),
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert_eq!(png_size(&bytes), (WIDTH, HEIGHT), "{name}: screenshot size");
    bytes
}

fn credence_html(model: &Path, out: &Path) {
    let status = assert_cmd::Command::cargo_bin("credence")
        .unwrap()
        .arg("report")
        .arg(model)
        .args(["--format", "html", "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Each hypothesis' posterior in `credence report --format json`, to the
/// four places the pages print (the workbench test uses it too).
pub fn posteriors(model: &Path) -> Vec<(String, String)> {
    let out = assert_cmd::Command::cargo_bin("credence")
        .unwrap()
        .arg("report")
        .arg(model)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    view["hypotheses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_string(),
                format!("{:.4}", h["posterior"].as_f64().unwrap()),
            )
        })
        .collect()
}

fn check_model(name: &str) {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = work_dir(name);
    let model = PathBuf::from(format!("models/{name}.toml"));
    let page = dir.join(format!("{name}.html"));
    credence_html(&model, &page);

    let blank_page = dir.join("blank.html");
    std::fs::write(
        &blank_page,
        "<!DOCTYPE html><html><head><title>blank</title></head><body></body></html>",
    )
    .unwrap();
    let blank = screenshot(&chromium, &dir, &blank_page, "blank.png");
    let shot = screenshot(&chromium, &dir, &page, &format!("{name}.png"));
    // A blank page compresses to a few kilobytes; the report (text, tables,
    // charts) is many times that.
    assert!(
        shot.len() > 10 * blank.len() && shot.len() > 50_000,
        "{name}: the screenshot looks blank ({} bytes; a blank page is {})",
        shot.len(),
        blank.len()
    );

    let dom = browse(&chromium, &dir, &page, "--dump-dom");
    assert!(dom.contains("<svg"), "{name}: no chart in the rendered DOM");
    assert!(
        !dom.to_ascii_lowercase().contains("<script"),
        "{name}: a script element"
    );
    for (id, p) in posteriors(&model) {
        assert!(
            dom.contains(&p),
            "{name}: the posterior of {id}, {p}, is not in the rendered page"
        );
    }
    eprintln!(
        "{name}: screenshot {WIDTH}x{HEIGHT}, {} bytes (blank page {} bytes); DOM {} bytes",
        shot.len(),
        blank.len(),
        dom.len()
    );
}

#[test]
fn iran_report_renders_in_chromium() {
    check_model("iran_oct7");
}

#[test]
fn cab_report_renders_in_chromium() {
    check_model("cab");
}

#[test]
fn markup_in_the_model_stays_text_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = work_dir("hostile");
    let model = dir.join("hostile.toml");
    std::fs::write(
        &model,
        r#"
[model]
title = "T <script>document.title='pwned'</script>"
question = "Q <img src=x onerror=alert(1)>"

[[hypotheses]]
id = "a<script>alert(1)</script>"
title = "A <b>bold</b>"

[[hypotheses]]
id = "b"
title = "B"

[[sources]]
id = "s<script>"
title = "S <script>alert(1)</script>"
reliability = 0.7

[[evidence]]
id = "e<script>alert(1)</script>"
claim = "C <script>alert(1)</script>"
likelihood = { "a<script>alert(1)</script>" = 0.8, b = 0.3 }
reports = [{ source = "s<script>" }]
"#,
    )
    .unwrap();
    let page = dir.join("hostile.html");
    credence_html(&model, &page);
    let dom = browse(&chromium, &dir, &page, "--dump-dom");
    let lower = dom.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script element was created");
    assert!(!lower.contains("<img"), "an img element was created");
    assert!(!lower.contains("<b>"), "a b element was created");
    assert!(
        dom.contains("C &lt;script&gt;alert(1)&lt;/script&gt;"),
        "the claim is not shown as text"
    );
    assert!(
        dom.contains("<title>T &lt;script&gt;document.title="),
        "the title is not the model's text: a script ran"
    );
}
