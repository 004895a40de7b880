//! Inputs and outputs that are not plain files (issue 16): inputs read with
//! a hard cap whatever they are (`-` for standard input; FIFOs and devices
//! refused without blocking), `-o` refusing inputs and non-regular targets,
//! keeping permissions, following symlinks, naming the path in every error;
//! and a closed pipe counted as success for every command and format.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cli::credence;
use crate::robustness::TempDir;

const CAB: &str = "models/cab.toml";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("credence")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A scratch folder holding a copy of the cab model as `m.toml`.
fn scratch(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    fs::copy(repo(CAB), dir.path("m.toml")).expect("copy model");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_for(dir, args, Duration::from_secs(60))
}

/// Starts credence in `dir`, no standard input, its outputs piped.
fn spawn(dir: &Path, args: &[impl AsRef<std::ffi::OsStr>]) -> std::process::Child {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn credence")
}

/// Runs credence, killing it (and failing) if it is still going after
/// `limit`: a blocked open shows as a failure, not a stuck suite.
fn run_for(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = spawn(dir, args);
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("credence {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

// ---------------------------------------------------------------------------
// Inputs.

#[test]
fn a_fifo_or_a_device_as_input_is_refused_without_blocking() {
    let dir = TempDir::new("fifo-in");
    mkfifo(&dir.path("pipe.toml"));
    for input in ["pipe.toml", "/dev/zero", "/dev/null"] {
        for command in ["check", "report"] {
            let o = run_for(&dir.0, &[command, input], Duration::from_secs(20));
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{command} {input}: {err}");
            assert!(err.contains(input), "{err}");
            assert!(err.contains("not a regular file"), "{err}");
            assert!(err.contains("give `-`"), "{err}");
        }
    }
    // A BIF network likewise.
    let o = run_for(
        &dir.0,
        &["query", "/dev/zero", "--target", "x"],
        Duration::from_secs(20),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

#[test]
fn standard_input_is_read_with_the_cap() {
    let model = fs::read(repo(CAB)).expect("model");
    let o = credence()
        .args(["report", "-"])
        .write_stdin(model)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("0.4138"));

    // 20 MB of zeros: refused at the cap, not read to the end.
    let big = vec![b'#'; credence::model::MAX_FILE_BYTES + 4096];
    let o = credence()
        .args(["check", "-"])
        .write_stdin(big)
        .output()
        .expect("run");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("<stdin> is more than 16777216 bytes, over the limit of 16777216 bytes"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// Output files.

#[test]
fn output_onto_an_input_is_refused_by_any_path() {
    let dir = scratch("self");
    let model = dir.path("m.toml");
    let before = fs::read(&model).expect("model");
    std::os::unix::fs::symlink("m.toml", dir.path("link.toml")).expect("symlink");
    fs::hard_link(&model, dir.path("hard.toml")).expect("hard link");
    fs::create_dir(dir.path("sub")).expect("sub");
    for target in [
        "m.toml",
        "./m.toml",
        "sub/../m.toml",
        "link.toml",
        "hard.toml",
    ] {
        for command in ["report", "export", "graph"] {
            let o = run(&dir.0, &[command, "m.toml", "-o", target]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{command} -o {target}: {err}");
            assert!(
                err.contains(&format!("-o {target} is the input m.toml")),
                "{err}"
            );
        }
    }
    assert_eq!(
        fs::read(&model).expect("model"),
        before,
        "the model changed"
    );
    assert_eq!(
        dir.entries(),
        ["hard.toml", "link.toml", "m.toml", "sub"],
        "files left behind"
    );
}

#[test]
fn non_regular_targets_are_refused_naming_the_path() {
    let dir = scratch("special");
    mkfifo(&dir.path("out.fifo"));
    for target in ["/dev/full", "/dev/null", "out.fifo"] {
        let o = run_for(
            &dir.0,
            &["report", "m.toml", "-o", target],
            Duration::from_secs(20),
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "-o {target}: {err}");
        assert!(err.contains(&format!("cannot write {target}")), "{err}");
        assert!(err.contains("not a regular file"), "{err}");
    }
    // The devices and the FIFO are still what they were.
    use std::os::unix::fs::FileTypeExt;
    assert!(
        fs::metadata("/dev/full")
            .expect("/dev/full")
            .file_type()
            .is_char_device()
    );
    assert!(
        fs::symlink_metadata(dir.path("out.fifo"))
            .expect("fifo")
            .file_type()
            .is_fifo()
    );
    // A folder as target, and a folder that does not exist: named.
    fs::create_dir(dir.path("folder")).expect("folder");
    for target in ["folder", "no/such/out.txt"] {
        let o = run(&dir.0, &["report", "m.toml", "-o", target]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains(&format!("cannot write {target}")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn an_existing_output_keeps_its_permissions_and_a_new_one_gets_the_default() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("mode");
    let private = dir.path("private.txt");
    fs::write(&private, "old\n").expect("write");
    fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).expect("chmod");
    let o = run(&dir.0, &["report", "m.toml", "-o", "private.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta = fs::metadata(&private).expect("meta");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(
        fs::read_to_string(&private)
            .expect("read")
            .contains("0.4138")
    );

    let shared = dir.path("shared.txt");
    fs::write(&shared, "old\n").expect("write");
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o664)).expect("chmod");
    let o = run(&dir.0, &["report", "m.toml", "-o", "shared.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::metadata(&shared).expect("meta").permissions().mode() & 0o777,
        0o664
    );

    // A new file: 0666 less the umask, as the shell's `>` would make it.
    let o = Command::new("sh")
        .current_dir(&dir.0)
        .arg("-c")
        .arg(format!(
            "umask 027; exec '{}' report m.toml -o new.txt",
            bin().display()
        ))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::metadata(dir.path("new.txt"))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
}

#[test]
fn a_symlinked_output_writes_through_to_its_target() {
    let dir = scratch("symlink");
    fs::create_dir(dir.path("real")).expect("folder");
    fs::write(dir.path("real/out.txt"), "old\n").expect("write");
    std::os::unix::fs::symlink("real/out.txt", dir.path("out.txt")).expect("symlink");
    // A dangling link: the file it names is created.
    std::os::unix::fs::symlink("real/new.txt", dir.path("new.txt")).expect("symlink");
    for target in ["out.txt", "new.txt"] {
        let o = run(&dir.0, &["report", "m.toml", "-o", target]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let link = fs::symlink_metadata(dir.path(target)).expect("link");
        assert!(
            link.file_type().is_symlink(),
            "{target} is no longer a link"
        );
        let written = fs::read_to_string(dir.path(&format!("real/{target}"))).expect("target");
        assert!(written.contains("0.4138"), "{written}");
    }
    // No temporary file left in either folder.
    assert_eq!(dir.entries(), ["m.toml", "new.txt", "out.txt", "real"]);
    let real = fs::read_dir(dir.path("real")).expect("real").count();
    assert_eq!(real, 2, "a temporary file left beside the link's target");
}

#[test]
fn the_temporary_name_is_unpredictable_and_a_planted_link_is_not_followed() {
    // The old scheme wrote `.NAME.credence-PID.tmp`: plant a symlink at
    // every such name a run could pick and check none is written through.
    let dir = scratch("planted");
    let victim = dir.path("victim.txt");
    fs::write(&victim, "precious\n").expect("victim");
    // The child's PID is not known before it starts; on a quiet machine it
    // is one of the next few hundred.
    let me = std::process::id();
    for pid in me..me + 400 {
        let _ =
            std::os::unix::fs::symlink(&victim, dir.path(&format!(".out.txt.credence-{pid}.tmp")));
    }
    let o = run(&dir.0, &["report", "m.toml", "-o", "out.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
    assert!(
        fs::read_to_string(dir.path("out.txt"))
            .expect("out")
            .contains("0.4138")
    );
}

#[test]
fn a_write_error_names_the_path() {
    let dir = scratch("write-error");
    let o = run(&dir.0, &["report", "m.toml", "-o", "missing/out.txt"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write missing/out.txt: "), "{err}");
}

// ---------------------------------------------------------------------------
// Closed pipes.

/// Runs credence with its standard output a pipe whose reading end is
/// closed before it writes anything.
fn into_closed_pipe(args: &[String]) -> Output {
    let mut child = spawn(Path::new(env!("CARGO_MANIFEST_DIR")), args);
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn a_closed_pipe_is_success_for_every_command_and_format() {
    let dir = TempDir::new("pipe");
    let bif = dir.path("cab.bif");
    let o = run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["export", CAB, "-o", bif.to_str().expect("utf-8 path")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let model = "models/curveball.toml".to_string();
    let cases: Vec<(Vec<String>, &[&str])> = vec![
        (vec!["check".into(), model.clone()], &["text", "json"]),
        (
            vec!["report".into(), model.clone()],
            &["text", "markdown", "json", "html"],
        ),
        (
            vec!["whatif".into(), model.clone()],
            &["text", "markdown", "json", "html"],
        ),
        (
            vec!["sensitivity".into(), model.clone()],
            &["text", "markdown", "json", "html"],
        ),
        (
            vec![
                "simulate".into(),
                model.clone(),
                "--samples".into(),
                "200".into(),
            ],
            &["text", "markdown", "json", "html"],
        ),
        (
            vec!["ach".into(), model.clone()],
            &["text", "markdown", "json", "html"],
        ),
        (
            vec!["explain".into(), model.clone()],
            &["text", "markdown", "json", "html"],
        ),
        (vec!["graph".into(), model.clone()], &["dot", "mermaid"]),
        (vec!["export".into(), model.clone()], &["bif", "json"]),
        (
            vec![
                "query".into(),
                bif.to_string_lossy().into_owned(),
                "--target".into(),
                "hypothesis".into(),
            ],
            &["text", "json"],
        ),
    ];
    for (args, formats) in cases {
        for format in formats {
            let mut args = args.clone();
            args.extend(["--format".to_string(), (*format).to_string()]);
            let o = into_closed_pipe(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
            assert!(err.is_empty() || !err.contains("error"), "{args:?}: {err}");
        }
    }
}
