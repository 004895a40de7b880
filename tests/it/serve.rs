//! `credence serve`: the JSON API of the workbench, every endpoint and every
//! refusal, over real HTTP to a server started in-process on a free port,
//! each test on its own copy of a model in a temporary folder.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use credence::serve::{self, Server};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// A model copied into a temporary folder (with the seed records beside it,
/// as in the repository), so the test can edit it.
pub struct Scratch {
    _dir: tempfile::TempDir,
    pub model: PathBuf,
}

pub fn scratch(name: &str) -> Scratch {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let models = dir.path().join("models");
    let seeds = dir.path().join("seeds");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::create_dir_all(&seeds).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(root.join("seeds")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, seeds.join(p.file_name().unwrap())).unwrap();
    }
    let model = models.join(format!("{name}.toml"));
    std::fs::copy(root.join("models").join(format!("{name}.toml")), &model).unwrap();
    Scratch { _dir: dir, model }
}

pub fn start(model: &Path) -> Server {
    serve::start(&serve::Options {
        model: model.to_path_buf(),
        port: 0,
        default_seeds: crate::cli::default_seeds(model),
    })
    .expect("the server starts")
}

/// A plain HTTP/1 client on its own runtime.
pub struct Http {
    runtime: tokio::runtime::Runtime,
    client: HyperClient<HttpConnector, Full<Bytes>>,
}

pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Http {
    pub fn new() -> Http {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = HyperClient::builder(TokioExecutor::new()).build_http();
        Http { runtime, client }
    }

    /// One request; `headers` may set Host, Origin and the token.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        self.send_text(method, url, headers, body.map(Value::to_string))
    }

    /// As `send`, with the body as written (a JSON object's members in
    /// their order: `json!` would sort them).
    pub fn send_text(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Reply {
        let content_type = body.as_ref().map(|_| "application/json");
        self.send_typed(method, url, headers, content_type, body.unwrap_or_default())
    }

    /// As `send_text`, with the body's Content-Type as given (none when
    /// `None`).
    pub fn send_typed(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        content_type: Option<&str>,
        body: String,
    ) -> Reply {
        let mut request = hyper::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let body = Full::new(Bytes::from(body));
        let request = request.body(body).unwrap();
        self.runtime.block_on(async {
            let response = self.client.request(request).await.expect("a response");
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            Reply {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }
        })
    }

    /// GET with the server's own Host.
    pub fn get(&self, server: &Server, path: &str) -> Reply {
        self.send("GET", &format!("{}{path}", server.url()), &[], None)
    }

    /// POST as the page does: own Origin, the token, a JSON body.
    pub fn post(&self, server: &Server, path: &str, body: Option<&Value>) -> Reply {
        let origin = format!("http://{}", server.addr());
        self.send(
            "POST",
            &format!("{}{path}", server.url()),
            &[
                ("origin", origin.as_str()),
                ("x-credence-token", server.token()),
            ],
            body,
        )
    }
}

pub fn posteriors(report: &Value) -> Vec<(String, f64)> {
    report["hypotheses"]
        .as_array()
        .expect("hypotheses")
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_string(),
                h["posterior"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// What `credence whatif MODEL --set ARG --format json` says of the `--set`
/// scenario: each hypothesis' posterior.
pub fn whatif_set(model: &Path, arg: &str) -> Vec<(String, f64)> {
    whatif_json(model, &["--set", arg])
}

/// Each hypothesis' posterior under the first scenario `credence whatif
/// MODEL ARGS --format json` runs.
fn whatif_json(model: &Path, args: &[&str]) -> Vec<(String, f64)> {
    let out = crate::cli::credence()
        .arg("whatif")
        .arg(model)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["scenarios"][0]["hypotheses"]
        .as_array()
        .expect("the scenario's posteriors")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["posterior"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn assert_close(a: &[(String, f64)], b: &[(String, f64)]) {
    assert_eq!(a.len(), b.len());
    for ((ida, pa), (idb, pb)) in a.iter().zip(b) {
        assert_eq!(ida, idb);
        assert!((pa - pb).abs() < 1e-12, "{ida}: {pa} vs {pb}");
    }
}

/// Poll until `f` holds or `limit` passes; the time it took.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn page_and_assets_carry_the_token_and_a_strict_csp() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let page = http.get(&server, "");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!(
            "<meta name=\"credence-token\" content=\"{}\">",
            server.token()
        )),
        "the page carries the token"
    );
    assert_eq!(server.token().len(), 32);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
    for external in ["src=\"http", "href=\"http", "//cdn", "https://"] {
        assert!(
            !page.body.contains(external),
            "the page loads nothing external"
        );
    }
    for (path, kind) in [("app.js", "javascript"), ("app.css", "css")] {
        let r = http.get(&server, path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.headers["content-type"].to_str().unwrap().contains(kind));
        assert!(
            !r.body.contains("https://"),
            "{path} fetches nothing external"
        );
    }
    // Nothing but the embedded assets and the API.
    for path in [
        "models/cab.toml",
        "../cab.toml",
        "api/nothing",
        "favicon.ico",
    ] {
        assert_eq!(http.get(&server, path).status, 404, "{path}");
    }
    // Another run, another token.
    let other = start(&s.model);
    assert_ne!(other.token(), server.token());
    server.stop().unwrap();
}

#[test]
fn report_state_overrides_undo_and_reset() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let baseline = http.get(&server, "api/report");
    assert_eq!(baseline.status, 200);
    let baseline = baseline.json();
    assert_eq!(baseline["kind"], "credence.report");
    let report_cli = crate::cli::credence()
        .arg("report")
        .arg(&s.model)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&report_cli.stdout).unwrap();
    assert_eq!(
        baseline, cli,
        "GET /api/report is `credence report --format json`"
    );

    let state = http.get(&server, "api/state").json();
    assert_eq!(state["kind"], "credence.workbench");
    assert_eq!(state["stale"], false);
    let paths: Vec<&str> = state["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    for p in [
        "hypotheses.blue.prior",
        "sources.witness.reliability",
        "sources.witness.bias",
        "evidence.cab_blue.enabled",
        "evidence.cab_blue.likelihood.blue",
    ] {
        assert!(paths.contains(&p), "control {p} in {paths:?}");
    }
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("evidence.") && p.ends_with(".observed")),
        "a toggle for every report"
    );

    let moved = http.post(
        &server,
        "api/overrides",
        Some(&json!({"set": {"sources.witness.reliability": 0.3}})),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert!(moved.headers.contains_key("server-timing"));
    assert_close(
        &posteriors(&moved.json()),
        &whatif_set(&s.model, "sources.witness.reliability=0.3"),
    );
    // The same path again (a slider dragged) and a second path on top.
    let again = http.post(
        &server,
        "api/overrides",
        Some(&json!({"set": {"sources.witness.reliability": 0.6}})),
    );
    assert_close(
        &posteriors(&again.json()),
        &whatif_set(&s.model, "sources.witness.reliability=0.6"),
    );
    let both = http.post(
        &server,
        "api/overrides",
        Some(&json!({"set": {"hypotheses.blue.prior": "0.5"}})),
    );
    assert_eq!(both.status, 200, "{}", both.body);
    let state = http.get(&server, "api/state").json();
    assert_eq!(
        state["overrides"],
        json!([
            {"path": "sources.witness.reliability", "value": "0.6"},
            {"path": "hypotheses.blue.prior", "value": "0.5"},
        ])
    );
    assert_eq!(state["can_undo"], true);
    assert_eq!(http.get(&server, "api/report").json(), both.json());

    let undone = http.post(&server, "api/undo", None);
    assert_eq!(undone.status, 200);
    assert_close(&posteriors(&undone.json()), &posteriors(&again.json()));
    let reset = http.post(&server, "api/reset", None);
    assert_eq!(reset.status, 200);
    assert_eq!(reset.json(), baseline);
    assert_eq!(
        http.get(&server, "api/state").json()["overrides"],
        json!([])
    );
    // Undo the reset.
    let back = http.post(&server, "api/undo", None).json();
    assert_close(&posteriors(&back), &posteriors(&again.json()));
}

#[test]
fn every_kind_of_value_reads_as_set_reads_it() {
    let s = scratch("iran_oct7");
    let server = start(&s.model);
    let http = Http::new();
    for (path, value, arg) in [
        (
            "sources.us_intelligence.reliability",
            json!([0.2, 0.4]),
            "sources.us_intelligence.reliability=[0.2, 0.4]",
        ),
        (
            "sources.wsj.reliability",
            json!("C"),
            "sources.wsj.reliability=C",
        ),
        (
            "evidence.training_sept_iran.enabled",
            json!(false),
            "evidence.training_sept_iran.enabled=false",
        ),
    ] {
        http.post(&server, "api/reset", None);
        let r = http.post(
            &server,
            "api/overrides",
            Some(&json!({"set": {path: value}})),
        );
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_close(&posteriors(&r.json()), &whatif_set(&s.model, arg));
    }
}

#[test]
fn scenarios_compare_side_by_side() {
    let s = scratch("iran_oct7");
    let server = start(&s.model);
    let http = Http::new();
    let state = http.get(&server, "api/state").json();
    let id = state["scenarios"][0]["id"].as_str().unwrap().to_string();
    let r = http.get(&server, &format!("api/scenarios/{id}"));
    assert_eq!(r.status, 200);
    assert_close(
        &posteriors(&r.json()),
        &whatif_json(&s.model, &["--scenario", &id]),
    );
    let missing = http.get(&server, "api/scenarios/no_such_thing");
    assert_eq!(missing.status, 404);
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap()
            .contains("no_such_thing")
    );
}

#[test]
fn foreign_hosts_origins_and_missing_tokens_are_refused() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let url = format!("{}api/report", server.url());
    let port = server.addr().port();
    let evil_host = format!("evil.example:{port}");
    let other_port = format!("127.0.0.1:{}", port.wrapping_add(1));
    // DNS rebinding: the right address, another name or port.
    for host in [
        evil_host.as_str(),
        other_port.as_str(),
        "127.0.0.1",
        "localhost",
    ] {
        let r = http.send("GET", &url, &[("host", host)], None);
        assert_eq!(r.status, 403, "Host {host}");
        assert!(r.json()["error"].as_str().unwrap().contains("Host"));
    }
    let localhost = format!("localhost:{port}");
    assert_eq!(
        http.send("GET", &url, &[("host", localhost.as_str())], None)
            .status,
        200
    );
    let body = json!({"set": {"sources.witness.reliability": 0.3}});
    let post = |headers: &[(&str, &str)]| {
        http.send(
            "POST",
            &format!("{}api/overrides", server.url()),
            headers,
            Some(&body),
        )
    };
    let token = server.token().to_string();
    let own = format!("http://127.0.0.1:{port}");
    let r = post(&[
        ("origin", "http://evil.example"),
        ("x-credence-token", &token),
    ]);
    assert_eq!(r.status, 403, "foreign Origin");
    assert!(r.json()["error"].as_str().unwrap().contains("origin"));
    let r = post(&[("origin", "null"), ("x-credence-token", &token)]);
    assert_eq!(r.status, 403, "opaque Origin");
    let r = post(&[("origin", &own)]);
    assert_eq!(r.status, 403, "no token");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("X-Credence-Token")
    );
    let wrong = "0".repeat(32);
    let r = post(&[("origin", &own), ("x-credence-token", &wrong)]);
    assert_eq!(r.status, 403, "wrong token");
    for path in ["api/reset", "api/undo", "api/scenario"] {
        let r = http.send(
            "POST",
            &format!("{}{path}", server.url()),
            &[("origin", &own)],
            None,
        );
        assert_eq!(r.status, 403, "{path} without a token");
    }
    // Nothing changed through all that.
    assert_eq!(
        http.get(&server, "api/state").json()["overrides"],
        json!([])
    );
    // With everything right it works; a client outside a browser may leave
    // Origin out, but not the token.
    assert_eq!(post(&[("x-credence-token", &token)]).status, 200);
}

#[test]
fn bad_paths_and_values_are_400_with_a_diagnostic() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let before = http.get(&server, "api/report").body;
    for (set, words) in [
        (
            json!({"sources.witnes.reliability": 0.3}),
            "unknown source `witnes`",
        ),
        (json!({"sources.witness.reliability": 1.5}), "reliability"),
        (
            json!({"sources.witness.colour": 0.5}),
            "cannot be overridden",
        ),
        (json!({"evidence.cab_blue.enabled": "perhaps"}), "enabled"),
        (json!({"sources.witness.bias": null}), "no value"),
    ] {
        let r = http.post(&server, "api/overrides", Some(&json!({ "set": set })));
        assert_eq!(r.status, 400, "{set}: {}", r.body);
        let d = r.json();
        assert_eq!(d["kind"], "credence.diagnostics");
        let first = &d["diagnostics"][0];
        assert!(
            first["message"].as_str().unwrap().contains(words)
                || first["rendered"].as_str().unwrap().contains(words),
            "{set}: {d}"
        );
    }
    let first = http
        .post(
            &server,
            "api/overrides",
            Some(&json!({"set": {"sources.witnes.reliability": 0.3}})),
        )
        .json();
    let d = &first["diagnostics"][0];
    assert_eq!(d["line"], 1, "{d}");
    assert_eq!(d["column"], 9, "points at the source id in the path: {d}");
    assert!(d["label"].as_str().unwrap().contains("witness"), "{d}");
    // What a slider can be sent by hand: not a number, infinite, below 0,
    // an interval upside down or out of range, a table, a deep array.
    for value in [
        json!("NaN"),
        json!("nan"),
        json!("inf"),
        json!("-Infinity"),
        json!(-0.1),
        json!(1.0000001),
        json!([0.9, 0.1]),
        json!([0.2, 1.5]),
        json!([0.2]),
        json!({"hit": 0.9}),
        json!([[[0.5]]]),
        json!(""),
        json!("0.3; rm -rf /"),
    ] {
        let r = http.post(
            &server,
            "api/overrides",
            Some(&json!({"set": {"sources.witness.reliability": value}})),
        );
        assert_eq!(r.status, 400, "{value}: {}", r.body);
        assert_eq!(r.json()["kind"], "credence.diagnostics", "{value}");
    }
    // A number JSON cannot hold, and bodies of the wrong shape.
    let huge = http.send_text(
        "POST",
        &format!("{}api/overrides", server.url()),
        &[("x-credence-token", server.token())],
        Some(r#"{"set": {"sources.witness.reliability": 1e999}}"#.to_string()),
    );
    assert_eq!(huge.status, 400, "{}", huge.body);
    // Scenario ids that look like paths or worse are just unknown ids.
    for id in ["..%2F..%2Fetc%2Fpasswd", "%00", "a%20b", &"x".repeat(4000)] {
        let r = http.get(&server, &format!("api/scenarios/{id}"));
        assert_eq!(r.status, 404, "{id}");
        assert!(r.json()["error"].is_string());
    }
    for body in [json!({"sets": {}}), json!([1, 2]), json!({"set": 3})] {
        let r = http.post(&server, "api/overrides", Some(&body));
        assert_eq!(r.status, 400, "{body}");
    }
    assert_eq!(
        http.get(&server, "api/report").body,
        before,
        "nothing changed"
    );
}

#[test]
fn invalid_file_is_422_and_the_last_result_stays_stale() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let good = std::fs::read_to_string(&s.model).unwrap();
    let before = http.get(&server, "api/report").json();
    let broken = good.replacen("prior = 0.15", "prior = 1.15", 1);
    assert_ne!(broken, good);
    std::fs::write(&s.model, &broken).unwrap();
    let took = wait_until(Duration::from_secs(5), || {
        http.get(&server, "api/report").status == 422
    });
    assert!(took.is_some(), "the page never saw the invalid file");
    let r = http.get(&server, "api/report");
    let d = r.json();
    assert_eq!(d["kind"], "credence.diagnostics");
    let line = broken
        .lines()
        .position(|l| l.contains("prior = 1.15"))
        .unwrap()
        + 1;
    assert_eq!(d["diagnostics"][0]["line"], line, "{d}");
    assert_eq!(d["diagnostics"][0]["column"], 9, "{d}");
    let state = http.get(&server, "api/state").json();
    assert_eq!(state["stale"], true);
    assert_eq!(state["current"], before, "the last valid result is kept");
    assert_eq!(state["diagnostics"]["diagnostics"][0]["line"], line);
    let r = http.post(
        &server,
        "api/overrides",
        Some(&json!({"set": {"sources.witness.reliability": 0.3}})),
    );
    assert_eq!(r.status, 422, "no what-if on an invalid file");
    // Fixed again: live.
    std::fs::write(&s.model, &good).unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || {
            http.get(&server, "api/report").status == 200
        })
        .is_some()
    );
    assert_eq!(http.get(&server, "api/state").json()["stale"], false);
}

#[test]
fn a_save_reloads_within_a_second_and_sends_an_event() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let url = format!("{}api/events", server.url());
    let request = hyper::Request::get(&url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let text = std::fs::read_to_string(&s.model).unwrap();
    let changed = text.replacen("prior = 0.15", "prior = 0.25", 1).replacen(
        "prior = 0.85",
        "prior = 0.75",
        1,
    );
    let model = s.model.clone();
    let (events, took) = http.runtime.block_on(async {
        let response = http.client.request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let mut body = response.into_body();
        let mut seen = String::new();
        let mut written: Option<Instant> = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let frame = tokio::time::timeout(Duration::from_secs(5), body.frame()).await;
            let Ok(Some(Ok(frame))) = frame else { break };
            if let Some(data) = frame.data_ref() {
                seen.push_str(&String::from_utf8_lossy(data));
            }
            if seen.contains("event: hello") && written.is_none() {
                // Save as an editor does: a new file renamed over the old.
                let tmp = model.with_extension("toml.swp");
                std::fs::write(&tmp, &changed).unwrap();
                std::fs::rename(&tmp, &model).unwrap();
                written = Some(Instant::now());
            }
            if seen.contains("event: reload") {
                return (seen, written.map(|w| w.elapsed()));
            }
        }
        (seen, None)
    });
    let took = took.unwrap_or_else(|| panic!("no reload event; got {events:?}"));
    // `hello VERSION RUN`: the run id (32 hex digits, not the token) tells a
    // page that reconnects whether the server was restarted.
    let hello = events
        .lines()
        .skip_while(|l| *l != "event: hello")
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or_else(|| panic!("no hello data in {events:?}"));
    let (version, run) = hello.split_once(' ').expect("VERSION RUN");
    assert!(version.parse::<u64>().is_ok(), "{hello}");
    assert!(
        run.len() == 32 && run.chars().all(|c| c.is_ascii_hexdigit()) && run != server.token(),
        "{hello}"
    );
    assert!(took < Duration::from_secs(1), "reload took {took:?}");
    let report = http.get(&server, "api/report").json();
    assert_eq!(report["hypotheses"][0]["prior"], 0.25);
}

#[test]
fn save_as_scenario_appends_one_block_and_whatif_runs_it() {
    let s = scratch("iran_oct7");
    let server = start(&s.model);
    let http = Http::new();
    let before = std::fs::read(&s.model).unwrap();
    let origin = format!("http://{}", server.addr());
    let moved = http.send_text(
        "POST",
        &format!("{}api/overrides", server.url()),
        &[("origin", &origin), ("x-credence-token", server.token())],
        Some(
            r#"{"set": {
                "sources.us_intelligence.reliability": 0.3,
                "evidence.training_sept_iran.likelihood.directed": "likely",
                "sources.wsj.reliability": [0.5, 0.7]
            }}"#
            .to_string(),
        ),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    // No token, no save.
    let refused = http.send(
        "POST",
        &format!("{}api/scenario", server.url()),
        &[],
        Some(&json!({"id": "x", "title": "x"})),
    );
    assert_eq!(refused.status, 403);
    for bad in [
        json!({"id": "has space", "title": "t"}),
        json!({"id": "ok", "title": " "}),
        json!({"id": "intercepts_disinformation", "title": "taken"}),
    ] {
        let r = http.post(&server, "api/scenario", Some(&bad));
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    assert_eq!(
        std::fs::read(&s.model).unwrap(),
        before,
        "refusals write nothing"
    );
    let saved = http.post(
        &server,
        "api/scenario",
        Some(&json!({"id": "us_ic_weak", "title": "The US IC could not see", "why": "A \"quoted\" reason"})),
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    let after = std::fs::read(&s.model).unwrap();
    assert!(
        after.starts_with(&before),
        "every byte before the block is kept"
    );
    let block = String::from_utf8(after[before.len()..].to_vec()).unwrap();
    assert_eq!(
        block,
        "\n[[scenarios]]\n\
         id = \"us_ic_weak\"\n\
         title = \"The US IC could not see\"\n\
         why = 'A \"quoted\" reason'\n\
         sources.us_intelligence.reliability = 0.3\n\
         evidence.training_sept_iran.likelihood.directed = \"likely\"\n\
         sources.wsj.reliability = [0.5, 0.7]\n",
        "one line per override, in the order they were set"
    );
    // The page's numbers are what `credence whatif --scenario` prints.
    assert_close(
        &posteriors(&moved.json()),
        &whatif_json(&s.model, &["--scenario", "us_ic_weak"]),
    );
    // The workbench read the file back: the scenario is there to compare.
    let state = http.get(&server, "api/state").json();
    assert!(
        state["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "us_ic_weak")
    );
    assert_eq!(http.get(&server, "api/scenarios/us_ic_weak").status, 200);
}

#[test]
fn save_is_refused_when_the_file_changed_on_disk() {
    let s = scratch("cab");
    let read = std::fs::read(&s.model).unwrap();
    let mut edited = read.clone();
    edited.extend_from_slice(b"# an edit in another editor\n");
    std::fs::write(&s.model, &edited).unwrap();
    let settings = [serve::workbench::SettingView {
        path: "sources.witness.reliability".to_string(),
        value: "0.3".to_string(),
    }];
    let r = serve::save::save_scenario(
        &s.model,
        &crate::cli::default_seeds(&s.model),
        &read,
        "x",
        "X",
        None,
        &settings,
    );
    assert_eq!(r, Err(serve::save::SaveError::Changed));
    assert_eq!(std::fs::read(&s.model).unwrap(), edited, "nothing written");
    // Against what is on disk now, it saves, keeping the file's mode.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&s.model, std::fs::Permissions::from_mode(0o640)).unwrap();
    serve::save::save_scenario(
        &s.model,
        &crate::cli::default_seeds(&s.model),
        &edited,
        "x",
        "X",
        None,
        &settings,
    )
    .unwrap();
    let after = std::fs::read(&s.model).unwrap();
    assert!(after.starts_with(&edited));
    let mode = std::fs::metadata(&s.model).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // No temporary file left beside it.
    let names: Vec<String> = std::fs::read_dir(s.model.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["cab.toml"]);
}

#[test]
fn the_command_prints_its_url_and_stops_on_sigterm() {
    let s = scratch("cab");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_credence"))
        .arg("serve")
        .arg(&s.model)
        .args(["--port", "0", "--no-open"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = line.trim();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    let http = Http::new();
    assert_eq!(
        http.send("GET", &format!("{url}api/report"), &[], None)
            .status,
        200
    );
    // A client that never finishes its request does not hold the stop up.
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(
        &mut slow,
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\n").as_bytes(),
    )
    .unwrap();
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exited = wait_until(Duration::from_secs(10), || {
        child.try_wait().unwrap().is_some()
    });
    assert!(exited.is_some(), "still running after SIGTERM");
    assert!(child.wait().unwrap().success(), "a clean exit");
    std::net::TcpListener::bind(&addr).expect("the port is free again");
    drop(slow);
}

#[test]
fn a_missing_model_is_a_usage_error() {
    crate::cli::credence()
        .args(["serve", "no/such/model.toml", "--no-open", "--port", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read"));
}

/// One request written byte for byte on a fresh connection (what no HTTP
/// client library would send), and the response's status line and headers.
fn raw(server: &Server, request: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

#[test]
fn hostile_requests_are_refused_with_json_and_nothing_changes() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let port = server.addr().port();
    let own = format!("127.0.0.1:{port}");
    // Two Host headers (the first this server's), no Host at all, an
    // absolute target naming another host, IPv6 loopback with the port.
    for request in [
        format!(
            "GET /api/state HTTP/1.1\r\nHost: {own}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
        ),
        "GET /api/state HTTP/1.0\r\n\r\n".to_string(),
        format!(
            "GET http://evil.example/api/state HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n"
        ),
        format!("GET /api/state HTTP/1.1\r\nHost: [::1]:{port}\r\nConnection: close\r\n\r\n"),
    ] {
        let (status, text) = raw(&server, &request);
        assert_eq!(status, 403, "{request:?}: {text}");
        assert!(text.contains("Host header"), "{text}");
    }
    // The same target in absolute form, naming this server: served.
    let (status, _) = raw(
        &server,
        &format!("GET http://{own}/api/state HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200);

    let url = format!("{}api/overrides", server.url());
    let token = server.token().to_string();
    let origin = format!("http://{own}");
    let body = r#"{"set": {"sources.witness.reliability": 0.3}}"#;
    let post = |content_type: &str, body: String| {
        http.send_typed(
            "POST",
            &url,
            &[("origin", &origin), ("x-credence-token", &token)],
            Some(content_type).filter(|t| !t.is_empty()),
            body,
        )
    };
    // A form post (text/plain is what a cross-site <form> can send), no
    // Content-Type, an oversized body, a body that is not JSON: each a JSON
    // refusal.
    for (content_type, body, status) in [
        ("text/plain", body.to_string(), 415),
        ("application/x-www-form-urlencoded", body.to_string(), 415),
        ("", body.to_string(), 415),
        ("application/json", "{\"set\": {".to_string(), 400),
        ("application/json", "[".repeat(100_000), 400),
        ("application/json", "\u{0}\u{ff}".to_string(), 400),
    ] {
        let r = post(content_type, body);
        assert_eq!(r.status, status, "{content_type}: {}", r.body);
        assert!(r.json()["error"].is_string(), "{}", r.body);
        assert_eq!(r.headers["content-type"], "application/json");
    }
    // A gigabyte announced: refused at once, before any of it is read.
    let (status, text) = raw(
        &server,
        &format!(
            "POST /api/overrides HTTP/1.1\r\nHost: {own}\r\nX-Credence-Token: {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n{{"
        ),
    );
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("application/json") && text.contains("1 MiB"),
        "{text}"
    );
    // A preflight from another site gets no CORS grant; nothing anywhere
    // says Access-Control-Allow-*.
    let preflight = http.send(
        "OPTIONS",
        &url,
        &[
            ("origin", "http://evil.example"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "x-credence-token"),
        ],
        None,
    );
    assert_eq!(preflight.status, 403);
    // Two Origin headers, one of them this page's: refused.
    let (status, _) = raw(
        &server,
        &format!(
            "POST /api/reset HTTP/1.1\r\nHost: {own}\r\nOrigin: {origin}\r\nOrigin: http://evil.example\r\n\
             X-Credence-Token: {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 403);
    for r in [
        &preflight,
        &http.get(&server, ""),
        &http.get(&server, "api/state"),
    ] {
        assert!(
            !r.headers
                .keys()
                .any(|k| k.as_str().starts_with("access-control-")),
            "{:?}",
            r.headers
        );
        for (name, value) in [
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-store"),
            ("cross-origin-resource-policy", "same-origin"),
            ("referrer-policy", "no-referrer"),
        ] {
            assert_eq!(r.headers[name], value, "{name}");
        }
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
    }
    assert_eq!(
        http.get(&server, "api/state").json()["overrides"],
        json!([]),
        "nothing changed"
    );
    assert_eq!(
        post("application/json; charset=utf-8", body.to_string()).status,
        200
    );
}

#[test]
fn a_path_repeated_in_one_request_counts_once_with_its_last_value() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let origin = format!("http://{}", server.addr());
    let mut members: Vec<String> = (0..20_000)
        .map(|k| {
            format!(
                "\"sources.witness.reliability\": {}",
                (k % 9 + 1) as f64 / 10.0
            )
        })
        .collect();
    members.push("\"hypotheses.blue.prior\": 0.4".to_string());
    members.push("\"sources.witness.reliability\": 0.35".to_string());
    let r = http.send_text(
        "POST",
        &format!("{}api/overrides", server.url()),
        &[("origin", &origin), ("x-credence-token", server.token())],
        Some(format!("{{\"set\": {{{}}}}}", members.join(", "))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let state = http.get(&server, "api/state").json();
    assert_eq!(
        state["overrides"],
        json!([
            {"path": "hypotheses.blue.prior", "value": "0.4"},
            {"path": "sources.witness.reliability", "value": "0.35"},
        ])
    );
    assert_close(
        &posteriors(&r.json()),
        &whatif_json(
            &s.model,
            &[
                "--set",
                "hypotheses.blue.prior=0.4",
                "--set",
                "sources.witness.reliability=0.35",
            ],
        ),
    );
}

/// The page's state once `f` holds of it.
fn state_when(http: &Http, server: &Server, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let seen = wait_until(Duration::from_secs(10), || {
        last = http.get(server, "api/state").json();
        f(&last)
    });
    assert!(seen.is_some(), "never {what}: {last}");
    last
}

fn first_message(state: &Value) -> String {
    state["diagnostics"]["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_model_deleted_made_a_folder_or_a_fifo_is_said_and_followed_back() {
    let s = scratch("cab");
    let server = start(&s.model);
    let http = Http::new();
    let good = std::fs::read(&s.model).unwrap();
    let before = http.get(&server, "api/report").json();
    let stale_with =
        |what: &'static str| move |v: &Value| v["stale"] == true && first_message(v).contains(what);
    std::fs::remove_file(&s.model).unwrap();
    let state = state_when(
        &http,
        &server,
        "told the file is gone",
        stale_with("is gone"),
    );
    assert_eq!(state["current"], before, "the last valid result is kept");
    assert_eq!(http.get(&server, "api/report").status, 422);
    // Back with the same bytes: live again.
    std::fs::write(&s.model, &good).unwrap();
    state_when(&http, &server, "live again", |v| v["stale"] == false);
    std::fs::remove_file(&s.model).unwrap();
    std::fs::create_dir(&s.model).unwrap();
    state_when(&http, &server, "told it is a folder", stale_with("folder"));
    std::fs::remove_dir(&s.model).unwrap();
    // A FIFO in the model's place must not block the server's thread.
    let made = std::process::Command::new("mkfifo")
        .arg(&s.model)
        .status()
        .unwrap();
    assert!(made.success());
    state_when(&http, &server, "told it is a FIFO", stale_with("FIFO"));
    std::fs::remove_file(&s.model).unwrap();
    std::fs::write(&s.model, &good).unwrap();
    let state = state_when(&http, &server, "live again", |v| v["stale"] == false);
    assert_eq!(state["current"], before);
}

#[test]
fn a_save_through_a_symbolic_link_writes_the_linked_file() {
    let s = scratch("cab");
    let folder = s.model.parent().unwrap();
    let link = folder.join("linked.toml");
    std::os::unix::fs::symlink(&s.model, &link).unwrap();
    let read = std::fs::read(&link).unwrap();
    let settings = [serve::workbench::SettingView {
        path: "sources.witness.reliability".to_string(),
        value: "0.3".to_string(),
    }];
    serve::save::save_scenario(
        &link,
        &crate::cli::default_seeds(&link),
        &read,
        "weak",
        "A weak witness",
        None,
        &settings,
    )
    .unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    let after = std::fs::read(&s.model).unwrap();
    assert!(after.starts_with(&read) && after.len() > read.len());
}

#[test]
fn a_stop_does_not_wait_for_a_slow_client_and_frees_the_port() {
    use std::io::Write as _;
    let s = scratch("cab");
    let server = start(&s.model);
    let addr = server.addr();
    // Slowloris: headers that never end, and a body that never comes.
    let mut slow_headers = std::net::TcpStream::connect(addr).unwrap();
    slow_headers
        .write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
        .unwrap();
    let mut slow_body = std::net::TcpStream::connect(addr).unwrap();
    slow_body
        .write_all(
            format!(
                "POST /api/overrides HTTP/1.1\r\nHost: {addr}\r\nX-Credence-Token: {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
                server.token()
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    server.stop().unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "stop took {took:?}");
    std::net::TcpListener::bind(addr).expect("the port is free again");
    drop((slow_headers, slow_body));
}

#[test]
fn a_second_serve_on_a_taken_port_is_a_usage_error_with_a_hint() {
    let s = scratch("cab");
    let server = start(&s.model);
    let port = server.addr().port().to_string();
    crate::cli::credence()
        .arg("serve")
        .arg(&s.model)
        .args(["--no-open", "--port", &port])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--port 0"));
    // The first one still serves.
    assert_eq!(Http::new().get(&server, "api/state").status, 200);
}
