//! The routes of the workbench, its JSON API (docs/SERVE.md), and the
//! guards every request passes: the Host must be this server's loopback
//! address (a page on another site that rebinds its DNS name to 127.0.0.1
//! gets nothing), a state-changing request must come from the page's own
//! Origin and carry the per-run token from the page's
//! `<meta name="credence-token">`, and every response forbids the page to
//! fetch anything from elsewhere (Content-Security-Policy).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::Shared;
use super::save::{SaveError, save_scenario};
use super::workbench::Refusal;

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Nothing but this server: no script, style, image or connection
/// elsewhere, no frames, no forms, no plugins.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The requests body cap: overrides and a scenario's title fit easily.
const MAX_BODY: usize = 1 << 20;

/// The media type of every request body the API reads.
const JSON_TYPE: &str = "application/json";

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route(
            "/app.js",
            get(|| asset(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route(
            "/app.css",
            get(|| asset(APP_CSS, "text/css; charset=utf-8")),
        )
        .route("/api/report", get(report))
        .route("/api/state", get(state))
        .route("/api/scenarios/{id}", get(scenario))
        .route("/api/overrides", post(overrides))
        .route("/api/reset", post(reset))
        .route("/api/undo", post(undo))
        .route("/api/scenario", post(save))
        .route("/api/events", get(events))
        .fallback(|| async { refuse(StatusCode::NOT_FOUND, "no such page") })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// A JSON error body `{"error": message}`.
fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "error": message }).to_string(),
    )
        .into_response()
}

/// The guards, and the headers every response carries.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let mut response = match check(&shared, request.method(), request.uri(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err((status, message)) => refuse(status, message),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Older browsers that ignore CSP's frame-ancestors.
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        // A page elsewhere cannot even embed a response (a `<script
        // src>` or `<img src>` of the API), nor keep a handle on this
        // page's window.
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Whether `authority` (`host[:port]`, from a Host header, an Origin or an
/// absolute request target) names this server: 127.0.0.1 or localhost
/// with its own port. A browser leaves the port out only when it is 80.
fn own_host(shared: &Shared, authority: &str) -> bool {
    let (name, port) = match authority.rsplit_once(':') {
        Some((name, port)) => (name, port.parse::<u16>().ok()),
        None => (authority, Some(80)),
    };
    port == Some(shared.port) && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
}

fn check(
    shared: &Shared,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<(), (StatusCode, &'static str)> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Exactly one Host, naming this server; an absolute request target
    // (`GET http://evil.example/ HTTP/1.1`) must name it too, since HTTP
    // says the target's authority wins over the Host header.
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(h), None) => h.to_str().ok(),
        _ => None,
    };
    let target_ok = uri.authority().is_none_or(|a| own_host(shared, a.as_str()));
    if !(target_ok && host.is_some_and(|h| own_host(shared, h))) {
        return Err((
            StatusCode::FORBIDDEN,
            "refused: the Host header is not this server's loopback address and port",
        ));
    }
    if method == Method::GET || method == Method::HEAD {
        return Ok(());
    }
    // A browser always sends Origin with a POST; a client outside a browser
    // (curl, the tests) may leave it out, and still needs the token.
    let mut origins = headers.get_all(header::ORIGIN).iter();
    match (origins.next(), origins.next()) {
        (None, _) => {}
        (Some(origin), None)
            if origin
                .to_str()
                .ok()
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(|host| own_host(shared, host)) => {}
        _ => {
            return Err((
                StatusCode::FORBIDDEN,
                "refused: the request comes from another origin than the page's",
            ));
        }
    }
    // A body declared over the cap is refused before a byte of it is read
    // (one sent without a length is cut at the cap as it comes).
    if header("content-length")
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "refused: the body is over the limit of 1 MiB",
        ));
    }
    match header("x-credence-token") {
        Some(t) if same(t.as_bytes(), shared.token.as_bytes()) => Ok(()),
        Some(_) => Err((StatusCode::FORBIDDEN, "refused: wrong X-Credence-Token")),
        None => Err((
            StatusCode::FORBIDDEN,
            "refused: a state-changing request needs the page's X-Credence-Token",
        )),
    }
}

/// Compare without stopping at the first difference (the time taken says
/// nothing about how much of a guess was right).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn asset(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn index(State(shared): State<Arc<Shared>>) -> Response {
    // The token is hex, so it needs no escaping.
    let page = INDEX.replace("{{TOKEN}}", &shared.token);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// A JSON body already serialized, with the time the server took to make
/// it (`Server-Timing`, which the page reads).
fn json(status: StatusCode, body: String, started: Instant) -> Response {
    let micros = started.elapsed().as_secs_f64() * 1000.0;
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::HeaderName::from_static("server-timing"),
                format!("compute;dur={micros:.3}"),
            ),
        ],
        body,
    )
        .into_response()
}

fn report_response(result: Result<&RawValue, Refusal>, started: Instant) -> Response {
    match result {
        Ok(r) => json(StatusCode::OK, r.get().to_string(), started),
        Err(refusal) => refusal_response(refusal),
    }
}

fn refusal_response(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Invalid(d) => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            to_json(&d),
            Instant::now(),
        ),
        Refusal::Bad(d) => json(StatusCode::BAD_REQUEST, to_json(&d), Instant::now()),
        Refusal::NotFound(m) => refuse(StatusCode::NOT_FOUND, &m),
    }
}

/// A view as JSON (views are plain data, so this does not fail).
fn to_json<T: serde::Serialize>(view: &T) -> String {
    serde_json::to_string(view).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

async fn report(State(shared): State<Arc<Shared>>) -> Response {
    let started = Instant::now();
    let w = shared.workbench();
    report_response(w.report(), started)
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let started = Instant::now();
    let w = shared.workbench();
    let body = to_json(&w.state());
    json(StatusCode::OK, body, started)
}

async fn scenario(State(shared): State<Arc<Shared>>, UrlPath(id): UrlPath<String>) -> Response {
    let started = Instant::now();
    let w = shared.workbench();
    match w.scenario(&id) {
        Ok(r) => json(StatusCode::OK, r.get().to_string(), started),
        Err(refusal) => refusal_response(refusal),
    }
}

/// The body of `POST /api/overrides`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    /// Override path to value, as `--set PATH=VALUE`.
    set: InOrder,
}

/// A JSON object's members in the order written (overrides apply in
/// order; serde_json's map would sort them).
struct InOrder(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for InOrder {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = InOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of override paths and values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<InOrder, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(InOrder(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A request body as the handlers take it: its bytes, or why it could not
/// be read (over [`MAX_BODY`], or the client stopped sending).
type Body = Result<Bytes, BytesRejection>;

/// Parse a JSON body, or the JSON refusal to send: 413 over the cap, 415
/// for a body that does not say it is JSON (a `text/plain` form post), 400
/// for one that is not the JSON expected.
#[allow(clippy::result_large_err)]
fn parse_body<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, Response> {
    let body = body.map_err(|e| refuse(e.status(), &e.body_text()))?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|t| t.eq_ignore_ascii_case(JSON_TYPE)) {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "refused: the body must be JSON, sent as Content-Type: application/json",
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, &format!("bad JSON body: {e}")))
}

async fn overrides(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let request: SetBody = match parse_body(&headers, body) {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let mut w = shared.workbench();
    report_response(w.set(&request.set.0), started)
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    let started = Instant::now();
    let mut w = shared.workbench();
    report_response(w.reset(), started)
}

async fn undo(State(shared): State<Arc<Shared>>) -> Response {
    let started = Instant::now();
    let mut w = shared.workbench();
    report_response(w.undo(), started)
}

/// The body of `POST /api/scenario`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveBody {
    id: String,
    title: String,
    why: Option<String>,
}

async fn save(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let request: SaveBody = match parse_body(&headers, body) {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let version = {
        let mut w = shared.workbench();
        if let Err(refusal) = w.report() {
            return refusal_response(refusal);
        }
        let saved = save_scenario(
            w.path(),
            w.default_seeds(),
            w.read_bytes(),
            &request.id,
            &request.title,
            request.why.as_deref(),
            &w.overrides(),
        );
        match saved {
            Ok(_) => {}
            Err(SaveError::Changed) => {
                return refuse(
                    StatusCode::CONFLICT,
                    "refused: the file on disk changed since it was read; \
                     the page reloads it, then save again",
                );
            }
            Err(SaveError::Bad(m)) => return refuse(StatusCode::BAD_REQUEST, &m),
            Err(SaveError::Io(m)) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, &m),
        }
        // Read back what was written: the new scenario is in the model now
        // (a file that cannot be read back makes the page say so).
        w.reload();
        w.version()
    };
    let _ = shared.reloads.send(version);
    json(
        StatusCode::OK,
        serde_json::json!({ "saved": request.id, "version": version }).to_string(),
        started,
    )
}

/// `hello VERSION RUN` first, then `reload` events, each with the new
/// version, until the server stops.
async fn events(State(shared): State<Arc<Shared>>) -> Response {
    let receiver = shared.reloads.subscribe();
    let stopping = shared.stopping.clone();
    let version = shared.workbench().version();
    let hello = Event::default()
        .event("hello")
        .data(format!("{version} {}", shared.run));
    let first = futures_util::stream::once(async move { Ok::<_, Infallible>(hello) });
    let rest = futures_util::stream::unfold(
        (receiver, stopping),
        |(mut receiver, mut stopping)| async move {
            loop {
                let got = tokio::select! {
                    got = receiver.recv() => got,
                    _ = stopping.wait_for(|&s| s) => return None,
                };
                match got {
                    Ok(v) => {
                        let e = Event::default().event("reload").data(v.to_string());
                        return Some((Ok::<_, Infallible>(e), (receiver, stopping)));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    use futures_util::StreamExt as _;
    Sse::new(first.chain(rest))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
