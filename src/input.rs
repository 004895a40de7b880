//! Reading input files (models, BIF networks) with a hard cap on their size,
//! whatever kind of file they are.
//!
//! A file's size in its metadata is no bound: `/dev/zero`, a pipe or
//! `/dev/stdin` report 0 bytes and never end. So every input is read through
//! `take(limit + 1)`, and one byte past the limit is a refusal, not a larger
//! allocation. A path that names a FIFO, a device or a socket is refused
//! before anything is read: it is opened non-blocking (a FIFO with no writer
//! would otherwise block the open forever) and its type checked on the open
//! handle. Standard input, named `-`, is read with the same cap.
//!
//! Bytes that are not UTF-8 are refused by [`utf8_text`] at the line and
//! column of the first bad byte, with a hint that names what the file
//! probably is (UTF-16, compressed, binary) when its first bytes say so.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The name standard input is given in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Opening or reading failed.
    #[error("cannot read {name}: {source}")]
    Io {
        /// The path as given.
        name: String,
        /// What the system said.
        source: io::Error,
    },
    /// The path names something other than a regular file.
    #[error(
        "{name} is {kind}, not a regular file: credence reads files; to read from a pipe or another program, give `-` and send it to standard input"
    )]
    NotAFile {
        /// The path as given.
        name: String,
        /// "a FIFO (named pipe)", "a character device", ...
        kind: &'static str,
    },
    /// More bytes than the limit.
    #[error("{name} is {size}, over the limit of {limit} bytes")]
    TooLarge {
        /// The path as given.
        name: String,
        /// "N bytes", or "more than N bytes" where the size is not known.
        size: String,
        /// The cap.
        limit: usize,
    },
}

impl InputError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            InputError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                "check the path: it is relative to the folder credence runs in"
            }
            InputError::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied => {
                "the file's permissions do not let you read it"
            }
            InputError::Io { .. } => "give the path of a readable file",
            InputError::NotAFile { .. } => {
                "save the input to a regular file first, or send it to standard input with `-`"
            }
            InputError::TooLarge { .. } => {
                "credence reads files up to this size: is this the file you meant?"
            }
        }
    }
}

/// Bytes that are not UTF-8 text: where the first bad byte is, and what
/// the file probably is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotUtf8 {
    /// Byte offset of the first byte that is not UTF-8.
    pub offset: usize,
    /// Its 1-based line.
    pub line: usize,
    /// Its 1-based column, in characters.
    pub column: usize,
    /// The byte.
    pub byte: u8,
    /// How to make the file text, from what its first bytes look like.
    pub hint: &'static str,
}

impl std::fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: invalid byte 0x{:02X}: the file is not UTF-8 text",
            self.line, self.column, self.byte
        )
    }
}

/// `bytes` as text, or where they stop being UTF-8.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| not_utf8(e.as_bytes(), e.utf8_error()))
}

/// Where `error`, found in `bytes`, is: the first byte that is not UTF-8,
/// its line and column, and a hint from what the file looks like. Every
/// reader of text (networks, evidence files, models, ACH CSV) locates a bad
/// byte here; each words its own message.
pub fn not_utf8(bytes: &[u8], error: std::str::Utf8Error) -> NotUtf8 {
    let offset = error.valid_up_to();
    // The prefix is UTF-8 by construction.
    let prefix = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
    let (line, column) = crate::diag::line_col(prefix, offset);
    NotUtf8 {
        offset,
        line,
        column,
        byte: bytes[offset],
        hint: not_text_hint(bytes),
    }
}

/// What to do with bytes that are not UTF-8, by their first bytes.
fn not_text_hint(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        "the file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"
    } else if bytes.starts_with(&[0x1f, 0x8b]) {
        "the file is gzip-compressed: decompress it first (gunzip)"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "the file is a ZIP archive: extract the network file from it first"
    } else if bytes.iter().take(4096).filter(|&&b| b == 0).count() > 8 {
        "the file looks binary, not text: give the network or evidence file itself"
    } else {
        "save the file as UTF-8 text (it may be Latin-1 or Windows-1252)"
    }
}

/// The bytes of `path` (standard input for `-`), at most `limit` of them.
/// The name to show for the input is `display_name(path)`.
pub fn read_capped(path: &Path, limit: usize) -> Result<Vec<u8>, InputError> {
    let name = display_name(path);
    if is_stdin(path) {
        let stdin = io::stdin();
        return read_all(stdin.lock(), &name, limit, None);
    }
    let io_error = |source| InputError::Io {
        name: name.clone(),
        source,
    };
    let file = open_nonblocking(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if let Some(kind) = special_kind(&meta) {
        return Err(InputError::NotAFile { name, kind });
    }
    if meta.is_dir() {
        return Err(io_error(io::Error::other("it is a folder, not a file")));
    }
    // The metadata's size is a cheap early refusal for a regular file (it
    // may still grow while read: the cap below holds either way).
    if meta.len() > limit as u64 {
        return Err(InputError::TooLarge {
            name,
            size: format!("{} bytes", meta.len()),
            limit,
        });
    }
    read_all(file, &name, limit, Some(meta.len()))
}

/// Whether `path` means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How an input path is named in messages: `<stdin>` for `-`.
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

fn read_all(
    reader: impl Read,
    name: &str,
    limit: usize,
    expected: Option<u64>,
) -> Result<Vec<u8>, InputError> {
    let capacity = expected.map_or(8 * 1024, |n| n as usize).min(limit) + 1;
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            name: name.to_string(),
            source,
        })?;
    if bytes.len() > limit {
        return Err(InputError::TooLarge {
            name: name.to_string(),
            size: format!("more than {limit} bytes"),
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Only the open could block (a FIFO with no writer); reads of the
    // regular files kept are never affected by the flag.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// What a non-regular, non-folder file is, in words.
#[cfg(unix)]
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

/// What a non-regular, non-folder file is, in words.
#[cfg(not(unix))]
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    (!meta.is_file() && !meta.is_dir()).then_some("not a regular file")
}
