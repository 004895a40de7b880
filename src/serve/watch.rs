//! The file watcher: the model's folder (editors often save by writing a
//! new file and renaming it over the old one, so the file itself is not
//! what to watch) and its seeds folder. A change of the model file or of a
//! seed record reloads the workbench; when what was read differs, every
//! page gets a `reload` event.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::Shared;

/// Events arriving within this long of the first are taken as one save.
const SETTLE: Duration = Duration::from_millis(30);

/// How long a missing model file may take to come back before the page is
/// told it is gone.
const GONE: Duration = Duration::from_millis(250);

/// What is watched, canonical, to match the paths of events.
struct Watched {
    model: PathBuf,
    seeds: Option<PathBuf>,
}

impl Watched {
    fn concerns(&self, path: &Path) -> bool {
        path == self.model
            || self
                .seeds
                .as_deref()
                .is_some_and(|s| path.parent() == Some(s))
    }
}

/// Start watching; the returned watcher must be kept alive. The reloading
/// runs as a task on the current runtime.
pub(super) fn spawn(shared: Arc<Shared>) -> std::io::Result<notify::RecommendedWatcher> {
    let (model, seeds) = {
        let w = shared.workbench();
        (w.path().to_path_buf(), w.seeds().to_path_buf())
    };
    let to_io = |e: notify::Error| std::io::Error::other(format!("cannot watch the model: {e}"));
    let dir = model
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .canonicalize()?;
    let name = model.file_name().map(PathBuf::from).unwrap_or_default();
    let (tx, mut rx) = mpsc::unbounded_channel::<notify::Event>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            // The receiver is gone only when the server stopped.
            let _ = tx.send(event);
        }
    })
    .map_err(to_io)?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(to_io)?;
    let mut watched = Watched {
        model: dir.join(name),
        seeds: None,
    };
    if let Ok(s) = seeds.canonicalize()
        && s != dir
        && watcher.watch(&s, RecursiveMode::NonRecursive).is_ok()
    {
        watched.seeds = Some(s);
    }
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if !event.paths.iter().any(|p| watched.concerns(p)) {
                continue;
            }
            tokio::time::sleep(SETTLE).await;
            while rx.try_recv().is_ok() {}
            // An editor that saves by moving the old file away first leaves
            // no file for a moment: give it that moment before the page is
            // told the file is gone.
            if !watched.model.exists() {
                tokio::time::sleep(GONE).await;
                while rx.try_recv().is_ok() {}
            }
            let changed = {
                let mut w = shared.workbench();
                w.reload().then(|| w.version())
            };
            if let Some(version) = changed {
                let _ = shared.reloads.send(version);
            }
        }
    });
    Ok(watcher)
}
