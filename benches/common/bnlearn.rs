//! The bnlearn networks shipped in pgmpy's wheel, for the benches that
//! query them: found in the venv `CREDENCE_PGMPY` points into (else
//! target/pgmpy-venv, as the tests find it) and unpacked with `gzip -dc`.

/// The BIF text of the bnlearn network `name`; `None`, with a note, when
/// the wheel or the network is missing.
pub fn network_text(name: &str) -> Option<String> {
    let venv = match std::env::var_os("CREDENCE_PGMPY") {
        Some(python) => std::path::PathBuf::from(python)
            .parent()?
            .parent()?
            .to_path_buf(),
        None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pgmpy-venv"),
    };
    let lib = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("python3"))
        });
    let gz = lib?.join(format!(
        "site-packages/pgmpy/utils/example_models/{name}.bif.gz"
    ));
    let unpacked = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(&gz)
        .output();
    match unpacked {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).ok(),
        _ => {
            eprintln!("skipped {name}: no {} (set CREDENCE_PGMPY)", gz.display());
            None
        }
    }
}
