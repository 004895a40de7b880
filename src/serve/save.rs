//! Save as scenario: the workbench's overrides written into the model file
//! as a new `[[scenarios]]` block. The block is formatted by toml_edit and
//! appended, so every byte already in the file stays as it was; the result
//! is checked as a model before it replaces the file, atomically (a
//! temporary file in the same folder, then a rename), and never when the
//! file on disk is not the one the workbench last read.

use std::io::Write as _;
use std::path::Path;

use toml_edit::{DocumentMut, Item, Key, Table, Value};

use super::workbench::SettingView;
use crate::model;

/// Why a save was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SaveError {
    /// The file on disk changed since it was read: reload first.
    Changed,
    /// Bad id, title or overrides; or the file with the block would not be
    /// a valid model (the message says why).
    Bad(String),
    /// Reading or writing the file failed.
    Io(String),
}

/// A scenario id as the model format allows ids: letters, digits, `_`, `-`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The `[[scenarios]]` block for these overrides, as TOML text starting
/// with a blank line: one dotted `PATH = VALUE` line per override, in the
/// order they apply, keys and values formatted (quoted, escaped) by
/// toml_edit.
pub fn scenario_block(
    id: &str,
    title: &str,
    why: Option<&str>,
    settings: &[SettingView],
) -> Result<String, SaveError> {
    let mut head = Table::new();
    head.insert("id", toml_edit::value(id));
    head.insert("title", toml_edit::value(title));
    if let Some(why) = why.filter(|w| !w.trim().is_empty()) {
        head.insert("why", toml_edit::value(why));
    }
    let mut doc = DocumentMut::new();
    let mut array = toml_edit::ArrayOfTables::new();
    array.push(head);
    doc.insert("scenarios", Item::ArrayOfTables(array));
    let mut block = format!("\n{doc}");
    for s in settings {
        let value: Value = match s.value.parse::<Value>() {
            Ok(v) => v,
            // A bare word (`likely`, `B`), as `--set` reads it.
            Err(_) => Value::from(s.value.as_str()),
        };
        if s.path.split('.').any(str::is_empty) {
            return Err(SaveError::Bad(format!("bad override path `{}`", s.path)));
        }
        let key: Vec<String> = s
            .path
            .split('.')
            .map(|k| Key::new(k).display_repr().into_owned())
            .collect();
        block.push_str(&format!(
            "{} = {}\n",
            key.join("."),
            value.decorated("", "")
        ));
    }
    Ok(block)
}

/// Append the block to `read` (the file as last read), check the result as
/// a model holding the new scenario, and write it over `path` atomically,
/// unless the file on disk differs from `read`. Returns the new bytes.
/// `default_seeds`: the seed-document folder when the model has no
/// `[model] seeds` setting.
pub fn save_scenario(
    path: &Path,
    default_seeds: &Path,
    read: &[u8],
    id: &str,
    title: &str,
    why: Option<&str>,
    settings: &[SettingView],
) -> Result<Vec<u8>, SaveError> {
    if !valid_id(id) {
        return Err(SaveError::Bad(format!(
            "scenario id `{id}`: use letters, digits, `_` and `-` (at most 64)"
        )));
    }
    if title.trim().is_empty() {
        return Err(SaveError::Bad("a scenario needs a title".to_string()));
    }
    if settings.is_empty() {
        return Err(SaveError::Bad(
            "no overrides to save: move a control first".to_string(),
        ));
    }
    let io = |e: std::io::Error| SaveError::Io(format!("{}: {e}", path.display()));
    let on_disk = std::fs::read(path).map_err(io)?;
    if on_disk != read {
        return Err(SaveError::Changed);
    }
    let Ok(text) = std::str::from_utf8(read) else {
        return Err(SaveError::Bad("the file is not UTF-8".to_string()));
    };
    let mut new = String::with_capacity(text.len() + 256);
    new.push_str(text);
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&scenario_block(id, title, why, settings)?);
    // The file with the block must be a valid model with the scenario in it
    // (a duplicate id, a `scenarios` that is not an array of tables, an
    // override that no longer resolves all fail here, before any write).
    let checked = model::check_text(&path.display().to_string(), &new, |setting| {
        model::documents_in(&model::seeds_folder(path, setting, default_seeds))
    });
    match &checked.model {
        Some(m) if m.scenarios.iter().any(|s| s.id == id) => {}
        _ => {
            let file = crate::diag::SourceFile::new(path.display().to_string(), new.as_str());
            let errors: Vec<_> = checked.errors().cloned().collect();
            return Err(SaveError::Bad(crate::diag::render_plain(&file, &errors)));
        }
    }
    let permissions = std::fs::metadata(path).map_err(io)?.permissions();
    // A model that is a symbolic link is written where the link points
    // (renaming over the link would replace it with a plain file, and the
    // file it pointed to would keep the old text).
    let target = std::fs::canonicalize(path).map_err(io)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".credence-save-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(new.as_bytes()).map_err(io)?;
    tmp.as_file().set_permissions(permissions).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    // Between the check above and this rename an editor could still write;
    // the window is a few milliseconds.
    if std::fs::read(path).map_err(io)? != read {
        return Err(SaveError::Changed);
    }
    tmp.persist(&target).map_err(|e| io(e.error))?;
    Ok(new.into_bytes())
}
