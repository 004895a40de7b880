//! Where a command's output goes: standard output, or a file given with
//! `-o`, written safely.
//!
//! A file is written to a temporary file created exclusively, with an
//! unpredictable name, beside the target (so a planted file or symlink is
//! never followed), then renamed over the target: a failed run leaves the
//! old file as it was. The target must be a regular file or not exist yet; it
//! must not be one of the command's inputs (compared by device and inode, so
//! another path to the same file is caught). A target that is a symlink is
//! followed: the file it points to is replaced and the link stays. An
//! existing file keeps its permissions; as with any replace-by-rename, other
//! hard links to it keep the old content. Every error names the path.
//!
//! On standard output, a reader that goes away (`credence report | head`)
//! ends the command successfully, whatever the format: the error that
//! reports it may come back wrapped (serde_json wraps I/O errors), so the
//! writer itself remembers that the pipe was closed.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// The reader of standard output went away: not a failure.
    ClosedPipe,
    /// A refusal or an I/O error, in words that name the path.
    Failed(String),
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::ClosedPipe => f.write_str("the reader of standard output went away"),
            OutputError::Failed(message) => f.write_str(message),
        }
    }
}

/// Refuse an output file that is one of the inputs (`-` is standard input
/// and never a file). Checked before any work is done.
pub fn refuse_input_as_output(inputs: &[&Path], output: &Path) -> Result<(), OutputError> {
    let Some(target) = identity(output) else {
        return Ok(());
    };
    for input in inputs {
        if credence::input::is_stdin(input) {
            continue;
        }
        if identity(input) == Some(target) {
            return Err(OutputError::Failed(format!(
                "-o {} is the input {}: writing there would replace it; choose another output file",
                output.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// Device and inode of the file a path leads to, symlinks followed.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<(u64, u64)> {
    // No inode: the canonical path stands in for it.
    use std::hash::{Hash, Hasher};
    let canonical = std::fs::canonicalize(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    canonical.hash(&mut h);
    Some((0, h.finish()))
}

/// Write `body` to `output`, or to standard output when there is none.
pub fn write(
    output: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    match output {
        None => write_stdout(body),
        Some(path) => write_file(path, body),
    }
}

/// Standard output, through a writer that notices a closed pipe.
fn write_stdout(body: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), OutputError> {
    let stdout = io::stdout();
    let mut watched = PipeWatch {
        inner: stdout.lock(),
        closed: false,
    };
    let result = {
        let mut buffered = io::BufWriter::new(&mut watched);
        body(&mut buffered).and_then(|()| buffered.flush())
    };
    match result {
        Ok(()) => Ok(()),
        Err(_) if watched.closed => Err(OutputError::ClosedPipe),
        Err(e) if is_closed_pipe(&e) => Err(OutputError::ClosedPipe),
        Err(e) => Err(OutputError::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// A writer that remembers whether its reader went away.
struct PipeWatch<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| {
            self.closed |= is_closed_pipe(e);
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().inspect_err(|e| {
            self.closed |= is_closed_pipe(e);
        })
    }
}

/// The file a target path stands for: a symlink (or a chain of them) is
/// followed to the file it names, which need not exist yet.
fn resolve_target(path: &Path) -> Result<PathBuf, OutputError> {
    // Linux follows at most 40 links in one lookup; so does this.
    const MAX_LINKS: usize = 40;
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&at).map_err(|e| failed(&at, "read the link", &e))?;
                at = match at.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(OutputError::Failed(format!(
        "cannot write {}: more than {MAX_LINKS} symbolic links to follow",
        path.display()
    )))
}

fn failed(path: &Path, what: &str, e: &io::Error) -> OutputError {
    OutputError::Failed(format!("cannot {what} {}: {e}", path.display()))
}

fn write_file(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    let target = resolve_target(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(failed(path, "write", &e)),
    };
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(OutputError::Failed(format!(
                "cannot write {}: it is a folder; give a file name",
                path.display()
            )));
        }
        if let Some(kind) = credence::input::special_kind(meta) {
            return Err(OutputError::Failed(format!(
                "cannot write {}: it is {kind}, not a regular file; -o writes a file by replacing it, so write to standard output instead (`> {}`)",
                path.display(),
                path.display()
            )));
        }
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Created with the existing file's permissions, or those `File::create`
    // would give a new file (0666 less the umask, which the kernel applies).
    let mut builder = tempfile::Builder::new();
    builder.prefix(".credence-").suffix(".tmp");
    if let Some(permissions) = existing
        .as_ref()
        .map(std::fs::Metadata::permissions)
        .or_else(new_file_permissions)
    {
        builder.permissions(permissions);
    }
    let temporary = builder
        .tempfile_in(dir)
        .map_err(|e| failed(path, "write", &e))?;
    let mut buffered = io::BufWriter::new(temporary.as_file());
    let written = body(&mut buffered).and_then(|()| buffered.flush());
    drop(buffered);
    written.map_err(|e| failed(path, "write", &e))?;
    // The umask may have narrowed the existing file's mode at creation.
    if let Some(meta) = &existing {
        temporary
            .as_file()
            .set_permissions(meta.permissions())
            .map_err(|e| failed(path, "write", &e))?;
    }
    temporary
        .as_file()
        .sync_all()
        .map_err(|e| failed(path, "write", &e))?;
    // Dropping the temporary file on any error above removes it.
    temporary
        .persist(&target)
        .map_err(|e| failed(path, "replace", &e.error))?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o666))
}

/// Elsewhere the temporary file's own permissions stand.
#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}
