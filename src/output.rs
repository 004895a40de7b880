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
//! Every command's output is budgeted the same way, before anything is
//! written: the output is first rendered into a [`Spool`] that keeps the
//! first [`SPOOL_BYTES`] in memory and spills the rest, while within the
//! budget ([`MAX_OUTPUT_BYTES`], or `CREDENCE_MAX_OUTPUT`), to an anonymous
//! temporary file, counting all of it. Output within the budget is then
//! copied from the spool to its destination, so it is rendered once; output
//! over the budget is refused with its size and the command's advice, and
//! nothing is written. Where no temporary file can be made, larger output
//! is counted only and rendered a second time straight into its
//! destination: rendering is pure, so both passes write the same bytes.
//! Counting stops at four times the budget (the refusal then says "more
//! than").
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
    /// The output would be over the output budget: nothing was written.
    OverBudget(OverBudget),
}

/// The output budget: what a command may write by default (256 MiB), far
/// above any report an analyst reads, and above the largest output the
/// work budgets let through (a sensitivity grid of 2^23 numbers is under
/// 200 MB of JSON).
pub const MAX_OUTPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The environment variable that sets another output budget, in bytes with
/// an optional K, M or G (binary) suffix: `CREDENCE_MAX_OUTPUT=1G`.
pub const MAX_OUTPUT_VAR: &str = "CREDENCE_MAX_OUTPUT";

/// Output kept in memory by the first pass; larger output spills to a
/// temporary file (or, without one, is rendered twice).
pub const SPOOL_BYTES: usize = 8 * 1024 * 1024;

/// An output refused before anything was written: its size, the budget,
/// and what the command's user can do.
#[derive(Debug)]
pub struct OverBudget {
    /// Bytes the output would have (at least, when `at_least`).
    pub bytes: u64,
    /// Counting stopped before the end: the output is larger still.
    pub at_least: bool,
    /// The budget in bytes.
    pub budget: u64,
    /// The command's advice: how to ask for less.
    pub advice: String,
}

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the output would be {}{} bytes ({}), over the output budget of {} bytes ({}); nothing was written: {}, or raise the budget with {MAX_OUTPUT_VAR}=SIZE (for example {MAX_OUTPUT_VAR}=1G)",
            if self.at_least { "more than " } else { "" },
            self.bytes,
            human_bytes(self.bytes),
            self.budget,
            human_bytes(self.budget),
            self.advice
        )
    }
}

/// A size in the largest binary unit that keeps it at 1 or more.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

/// The output budget in force: [`MAX_OUTPUT_VAR`] when it is set, else
/// [`MAX_OUTPUT_BYTES`]. A value that is not a size is a usage error.
pub fn output_budget() -> Result<u64, OutputError> {
    match std::env::var(MAX_OUTPUT_VAR) {
        Err(std::env::VarError::NotPresent) => Ok(MAX_OUTPUT_BYTES),
        Ok(value) => parse_size(&value).ok_or_else(|| {
            OutputError::Failed(format!(
                "{MAX_OUTPUT_VAR}={value:?} is not a size: give bytes, optionally with K, M or G (for example {MAX_OUTPUT_VAR}=512M)"
            ))
        }),
        Err(std::env::VarError::NotUnicode(value)) => Err(OutputError::Failed(format!(
            "{MAX_OUTPUT_VAR}={value:?} is not a size: give bytes, optionally with K, M or G"
        ))),
    }
}

/// `123`, `64K`, `512M`, `1G` (binary multiples, case-insensitive, an
/// optional trailing `B` or `iB`).
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let lower = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (digits, shift) = match lower.char_indices().last()? {
        (at, 'k') => (&lower[..at], 10),
        (at, 'm') => (&lower[..at], 20),
        (at, 'g') => (&lower[..at], 30),
        _ => (lower, 0),
    };
    let count: u64 = digits.trim().parse().ok()?;
    count.checked_mul(1u64 << shift)
}

/// The first pass's sink: keeps the output in memory while it fits
/// [`SPOOL_BYTES`], then in an anonymous temporary file while it fits the
/// budget, counts all of it, and stops the rendering once past `ceiling`.
struct Spool {
    kept: Vec<u8>,
    /// The output outgrew `kept`: the rest is in `spill`, if any.
    overflowed: bool,
    /// The output past the memory spool (with what `kept` held); dropped
    /// once the output is over the budget (it will be refused) or when the
    /// file cannot be written (the output is then rendered again).
    spill: Option<io::BufWriter<std::fs::File>>,
    counted: u64,
    budget: u64,
    ceiling: u64,
}

impl Spool {
    fn spill_write(&mut self, buf: &[u8]) {
        if let Some(file) = &mut self.spill
            && file.write_all(buf).is_err()
        {
            self.spill = None;
        }
    }
}

/// The error a [`Spool`] stops a rendering with once past its ceiling.
#[derive(Debug)]
struct StopCounting;

impl std::fmt::Display for StopCounting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("output over the budget: counting stopped")
    }
}

impl std::error::Error for StopCounting {}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.counted += buf.len() as u64;
        if !self.overflowed {
            if self.kept.len() + buf.len() <= SPOOL_BYTES {
                self.kept.extend_from_slice(buf);
            } else {
                self.overflowed = true;
                self.spill = tempfile::tempfile()
                    .ok()
                    .map(|file| io::BufWriter::with_capacity(1 << 20, file));
                let kept = std::mem::take(&mut self.kept);
                self.spill_write(&kept);
                self.spill_write(buf);
            }
        } else {
            self.spill_write(buf);
        }
        if self.counted > self.budget {
            // Refused in the end: no need to keep it on disk.
            self.spill = None;
        }
        if self.counted > self.ceiling {
            return Err(io::Error::other(StopCounting));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the first pass kept of an output within the budget.
enum Spooled {
    /// All of it, in memory.
    Memory(Vec<u8>),
    /// All of it, in an anonymous temporary file, rewound.
    File(std::fs::File),
    /// Only its size: render it again.
    Nothing,
}

/// The first pass: the output's size, and the output itself where the
/// spool could keep it; refused over `budget`.
fn measure(
    budget: u64,
    advice: &str,
    body: &dyn Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<Spooled, OutputError> {
    let mut spool = Spool {
        kept: Vec::new(),
        overflowed: false,
        spill: None,
        counted: 0,
        budget,
        ceiling: budget.saturating_mul(4).max(SPOOL_BYTES as u64),
    };
    // Renderers write a few bytes at a time: the spool sees whole blocks.
    let rendered = {
        let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut spool);
        body(&mut buffered).and_then(|()| buffered.flush())
    };
    let stopped = spool.counted > spool.ceiling;
    if let Err(e) = rendered
        && !stopped
    {
        return Err(OutputError::Failed(format!(
            "cannot render the output: {e}"
        )));
    }
    if spool.counted > budget {
        return Err(OutputError::OverBudget(OverBudget {
            bytes: spool.counted,
            at_least: stopped,
            budget,
            advice: advice.to_string(),
        }));
    }
    if !spool.overflowed {
        return Ok(Spooled::Memory(spool.kept));
    }
    let rewound = spool.spill.and_then(|buffered| {
        use std::io::Seek;
        let mut file = buffered.into_inner().ok()?;
        file.rewind().ok()?;
        Some(file)
    });
    Ok(rewound.map_or(Spooled::Nothing, Spooled::File))
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::ClosedPipe => f.write_str("the reader of standard output went away"),
            OutputError::Failed(message) => f.write_str(message),
            OutputError::OverBudget(over) => over.fmt(f),
        }
    }
}

/// Refuse an output file that is one of the inputs, and one in a folder
/// that does not exist, before any work is done. `-` is standard input,
/// which may be redirected from a file (`credence report - -o m.toml <
/// m.toml`): that file is compared too.
pub fn refuse_input_as_output(inputs: &[&Path], output: &Path) -> Result<(), OutputError> {
    refuse_missing_folder(output)?;
    let Some(target) = identity(output) else {
        return Ok(());
    };
    for input in inputs {
        let (input_identity, named) = if credence::input::is_stdin(input) {
            (
                stdin_identity(),
                "the file standard input reads".to_string(),
            )
        } else {
            (identity(input), format!("the input {}", input.display()))
        };
        if input_identity == Some(target) {
            return Err(OutputError::Failed(format!(
                "-o {} is {named}: writing there would replace it; choose another output file",
                output.display(),
            )));
        }
    }
    Ok(())
}

/// An output whose folder does not exist cannot be written: said at once,
/// in words, rather than after the work as the temporary file's error.
fn refuse_missing_folder(output: &Path) -> Result<(), OutputError> {
    let target = resolve_target(output)?;
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match std::fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(OutputError::Failed(format!(
            "cannot write {}: {} is not a folder",
            output.display(),
            folder.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(OutputError::Failed(format!(
            "cannot write {}: the folder {} does not exist; create it first or choose another path",
            output.display(),
            folder.display()
        ))),
        // Anything else (no permission to look) is said when writing.
        Err(_) => Ok(()),
    }
}

/// Device and inode of the file standard input is read from, when it is one
/// (a redirection `< m.toml`); `None` for a pipe or a terminal, which no
/// output path can name... except through /dev/fd, which `-o` refuses as a
/// device or a FIFO anyway.
#[cfg(unix)]
fn stdin_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let duplicate = io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(duplicate).metadata().ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn stdin_identity() -> Option<(u64, u64)> {
    None
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

/// Write `body` to `output`, or to standard output when there is none,
/// once its size is known to be within the output budget (`advice` says
/// how to ask the command for less). `body` renders the output and may be
/// called twice; it must write the same bytes each time.
pub fn write(
    output: Option<&Path>,
    advice: &str,
    body: impl Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    let spooled = measure(output_budget()?, advice, &body)?;
    let replay = |out: &mut dyn Write| match spooled {
        Spooled::Memory(bytes) => out.write_all(&bytes),
        Spooled::File(mut file) => io::copy(&mut file, out).map(drop),
        Spooled::Nothing => body(out),
    };
    match output {
        None => write_stdout(replay),
        Some(path) => write_file(path, replay),
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
        // The error names the temporary file, which the user never asked
        // for: say what went wrong with the folder instead.
        .map_err(|e| failed(path, "write", &io::Error::from(e.kind())))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(count: usize) -> impl Fn(&mut dyn Write) -> io::Result<()> {
        move |out: &mut dyn Write| {
            for i in 0..count {
                writeln!(out, "line {i:08}")?;
            }
            Ok(())
        }
    }

    #[test]
    fn output_within_the_spool_is_kept_and_written_once() {
        let Spooled::Memory(kept) = measure(1 << 20, "ask for less", &lines(10)).expect("within")
        else {
            panic!("not kept in memory");
        };
        assert_eq!(kept.len(), 10 * 14);
    }

    #[test]
    fn output_over_the_memory_spool_is_kept_in_a_file_and_rendered_once() {
        // 14 bytes a line: a million lines are 14 MB, past the 8 MiB spool.
        let renders = std::cell::Cell::new(0);
        let body = |out: &mut dyn Write| {
            renders.set(renders.get() + 1);
            lines(1_000_000)(out)
        };
        let Spooled::File(mut file) = measure(1 << 30, "ask for less", &body).expect("within")
        else {
            panic!("not spilled to a file");
        };
        let mut spilled = Vec::new();
        io::Read::read_to_end(&mut file, &mut spilled).expect("read");
        let mut direct = Vec::new();
        lines(1_000_000)(&mut direct).expect("render");
        assert_eq!(spilled, direct);
        assert_eq!(renders.get(), 1);
    }

    #[test]
    fn output_over_the_budget_is_refused_with_its_size() {
        let Err(OutputError::OverBudget(over)) = measure(1000, "ask for less", &lines(100)) else {
            panic!("not refused");
        };
        assert_eq!(over.bytes, 1400);
        assert!(!over.at_least);
        let message = over.to_string();
        assert!(
            message.contains("would be 1400 bytes (1.4 KiB), over the output budget of 1000 bytes"),
            "{message}"
        );
        assert!(
            message.contains("ask for less, or raise the budget with CREDENCE_MAX_OUTPUT"),
            "{message}"
        );
    }

    #[test]
    fn counting_stops_far_past_the_budget() {
        // The ceiling is at least the spool: 8 MiB; 2 million lines are 28 MB.
        let Err(OutputError::OverBudget(over)) = measure(1000, "less", &lines(2_000_000)) else {
            panic!("not refused");
        };
        assert!(over.at_least);
        assert!(over.bytes > SPOOL_BYTES as u64 && over.bytes < 28_000_000);
        assert!(over.to_string().contains("would be more than"));
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("512m"), Some(512 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size(" 2 G "), Some(2 << 30));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999G"), None);
    }
}
