//! `credence serve`: the workbench, a local web application over one model
//! file. The page (embedded assets, no CDN) shows the report of the model
//! and a control for every number and switch in it; moving one applies the
//! change as a what-if override through the incremental engine and redraws.
//! The server watches the file and its seeds folder and tells the page when
//! it changed; it can save the overrides into the file as a scenario.
//!
//! * [`workbench`]: the state (model, overrides, reports), no HTTP;
//! * `http`: the routes, the JSON API (docs/SERVE.md) and the guards
//!   (loopback Host, same Origin, per-run token, CSP);
//! * `watch`: the file watcher;
//! * [`save`]: the `[[scenarios]]` write-back.
//!
//! [`start`] runs a server on a thread of its own (tests and benches start
//! one in-process); [`run`] is the command: start, print the URL, open a
//! browser, stop on Ctrl-C or SIGTERM.

mod http;
pub mod save;
mod watch;
pub mod workbench;

use std::future::IntoFuture as _;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{broadcast, watch as signal_watch};

pub use workbench::Workbench;

/// How to start the server.
#[derive(Clone, Debug)]
pub struct Options {
    /// The model file.
    pub model: PathBuf,
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The folder of seed-document records when the model has no `[model]
    /// seeds` setting (the command line passes `../seeds` beside the
    /// model's folder; see [`crate::model::seeds_folder`]).
    pub default_seeds: PathBuf,
}

/// What the handlers share.
pub(crate) struct Shared {
    workbench: Mutex<Workbench>,
    /// The per-run token state-changing requests must carry.
    token: String,
    /// Another random id of this run, not secret: the event stream's
    /// `hello` gives it, so a page left open across a restart of the
    /// server knows it belongs to the old run.
    run: String,
    port: u16,
    /// Sends the version after every reload (server-sent events).
    reloads: broadcast::Sender<u64>,
    /// Flips to true when the server stops (ends the event streams).
    stopping: signal_watch::Receiver<bool>,
}

impl Shared {
    /// The workbench, even if a handler panicked while holding it (its
    /// state is replaced whole by every change, so it stays coherent).
    fn workbench(&self) -> std::sync::MutexGuard<'_, Workbench> {
        self.workbench
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    token: String,
    stop: signal_watch::Sender<bool>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// A fresh random token (128 bits from the operating system's generator,
/// as hex).
fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bind 127.0.0.1:`port`, read the model, and serve on a thread of its own.
/// Errors: the port cannot be bound, or the model file cannot be read (an
/// invalid model is served: the page shows its diagnostics).
pub fn start(options: &Options) -> io::Result<Server> {
    let workbench = Workbench::open(&options.model, &options.default_seeds).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot read {}: {e}", options.model.display()),
        )
    })?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let token = new_token();
    let (stop, stopping) = signal_watch::channel(false);
    let (reloads, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        workbench: Mutex::new(workbench),
        token: token.clone(),
        run: new_token(),
        port: addr.port(),
        reloads,
        stopping: stopping.clone(),
    });
    let thread = std::thread::Builder::new()
        .name("credence-serve".to_string())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(serve(listener, shared, stopping))
        })?;
    Ok(Server {
        addr,
        token,
        stop,
        thread: Some(thread),
    })
}

/// After a stop, requests in flight get this long to finish; then every
/// connection still open is dropped (a client that sends its request a
/// byte a minute, or never reads its response, cannot hold the process
/// up).
const GRACE: Duration = Duration::from_secs(2);

async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    stopping: signal_watch::Receiver<bool>,
) -> io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let _watcher = watch::spawn(shared.clone())?;
    let app = http::router(shared);
    let mut signal = stopping.clone();
    let graceful = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = signal.wait_for(|&s| s).await;
    });
    let mut deadline = stopping;
    tokio::select! {
        served = graceful.into_future() => served,
        // The connections are tasks of this thread's runtime: they go
        // when it is dropped, right after this returns.
        _ = async {
            let _ = deadline.wait_for(|&s| s).await;
            tokio::time::sleep(GRACE).await;
        } => Ok(()),
    }
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The per-run token (the page has it in its `credence-token` meta).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stop: refuse new connections, end the event streams, let requests in
    /// flight finish, and wait for the server thread.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        let _ = self.stop.send(true);
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Serve until Ctrl-C or SIGTERM: the handlers are installed before the
/// URL is printed, so a signal sent as soon as the URL is seen stops the
/// server cleanly instead of killing the process.
pub fn run(options: &Options, no_open: bool, out: &mut dyn io::Write) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        let (mut interrupt, mut terminate) = {
            use tokio::signal::unix::{SignalKind, signal};
            (
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            )
        };
        let server = start(options)?;
        let url = server.url();
        writeln!(out, "{url}")?;
        out.flush()?;
        if !no_open && let Err(e) = open::that_detached(&url) {
            eprintln!("note: could not open a browser ({e}); open {url} yourself");
        }
        eprintln!(
            "credence serve: {} at {url} (Ctrl-C to stop)",
            display(&options.model)
        );
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await?;
        eprintln!("credence serve: stopping");
        server.stop()
    })
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
