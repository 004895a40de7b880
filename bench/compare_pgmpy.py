#!/usr/bin/env python3
"""Side by side: credence's exact inference and pgmpy's VariableElimination
on the same networks, in one run.

Each network is a generated analyst model (examples/generate.rs: three
hypotheses, 20 sources, one report per item), exported by
`credence export --format bif` and read by pgmpy's BIFReader with
include_properties=True, so every observed report's `property evidence`
becomes pgmpy evidence. Only inference is timed on both sides, not file
loading or compiling:

- credence: `examples/profile infer-file MODEL REPS`, the mean of REPS calls
  of `Compiled::infer` on the compiled model (median of 3 such runs);
- pgmpy: one `VariableElimination.query` of `hypothesis` with every report
  observed (median of up to 5 queries; fewer on large models, see
  pgmpy_runs), in a separate process with a per-size timeout.

pgmpy's posterior is checked (finite, non-negative, sums to 1) and, where
valid, compared with `credence report --format json`: the largest absolute
difference over the hypotheses. pgmpy multiplies probabilities in linear
float64, so once P(evidence) falls below float64's range (~1e-308; ln about
-745 with subnormals) its posterior comes out NaN; credence works in logs.

Usage (from anywhere, after `cargo build --release --examples`):
    bench/compare_pgmpy.py [--sizes 100,300,1000,1500,2000] [--timeout 300]
                           [--python PYTHON_WITH_PGMPY] [--markdown]
The python defaults to $CREDENCE_PGMPY, else target/pgmpy-venv/bin/python
(tests/pgmpy/README.md), else the python running this script.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
CREDENCE = os.path.join(RELEASE, "credence")
GENERATE = os.path.join(RELEASE, "examples", "generate")
PROFILE = os.path.join(RELEASE, "examples", "profile")
VENV_PYTHON = os.path.join(ROOT, "target", "pgmpy-venv", "bin", "python")

# A pgmpy posterior counts as valid when it is finite, non-negative and sums
# to 1 within this.
SUM_TOLERANCE = 1e-6


# ---------------------------------------------------------------- pgmpy side
#
# The same file is the pgmpy worker: `compare_pgmpy.py --worker BIF BUDGET`,
# run by the python that has pgmpy. It prints one JSON line per event and
# flushes, so the parent keeps the runs finished before a timeout.


def pgmpy_runs(first_seconds):
    """How many queries to time in all, given how long the first took: 5 when
    fast, 3 up to 10 s, else that one."""
    if first_seconds < 0.1:
        return 5
    if first_seconds < 10:
        return 3
    return 1


def worker(bif, budget):
    """Loads BIF (untimed), then times queries of `hypothesis` until
    pgmpy_runs of them are done or the budget (seconds) would be overrun."""
    started = time.perf_counter()
    sys.path.insert(0, os.path.join(ROOT, "tests", "pgmpy"))
    import common  # noqa: F401  (quiets warnings; memoises BIFReader's grammars)
    import numpy
    import pgmpy
    from pgmpy.inference import VariableElimination
    from pgmpy.readwrite import BIFReader

    def emit(**event):
        print(json.dumps(event), flush=True)

    emit(pgmpy=pgmpy.__version__, numpy=numpy.__version__)
    reader = BIFReader(path=bif, include_properties=True)
    model = reader.get_model()
    # pgmpy 1.x puts BIF properties on the nodes: `property evidence = true ;`
    # becomes model.nodes[name]["evidence"] == "true".
    evidence = {n: d["evidence"] for n, d in model.nodes(data=True) if "evidence" in d}
    inference = VariableElimination(model)
    emit(load=time.perf_counter() - started, evidence=len(evidence))

    runs, wanted = 0, 1
    while runs < wanted:
        start = time.perf_counter()
        factor = inference.query(["hypothesis"], evidence=evidence, show_progress=False)
        seconds = time.perf_counter() - start
        runs += 1
        if runs == 1:
            wanted = pgmpy_runs(seconds)
            # The posterior is the same every time: report it once.
            emit(
                seconds=seconds,
                states=list(factor.state_names["hypothesis"]),
                posterior=[float(x) for x in factor.values],
            )
        else:
            emit(seconds=seconds)
        # Stop repeating when another query would likely overrun the budget.
        if time.perf_counter() - started + 1.5 * seconds > budget:
            break


def worker_events(cmd, timeout):
    """Runs a worker that prints one JSON object a line. Returns (events,
    problem): problem is None, "timeout", "out of memory" (a MemoryError)
    or "error"; on a timeout the events printed before it are kept.
    compare_peers.py uses it too."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        out, problem = proc.stdout, None
        if proc.returncode != 0:
            problem = "out of memory" if "MemoryError" in proc.stderr else "error"
            print(proc.stderr[-2000:], file=sys.stderr)
    except subprocess.TimeoutExpired as e:
        out, problem = e.stdout or "", "timeout"
        if isinstance(out, bytes):
            out = out.decode()
    events = []
    for line in out.splitlines():
        try:
            events.append(json.loads(line))  # json reads NaN and Infinity
        except ValueError:
            continue  # a line cut short by the timeout's kill
    return events, problem


def run_pgmpy(python, bif, timeout):
    """Times pgmpy on one file. Returns (times, states, posterior, problem,
    versions): problem is None, "timeout" or "error"; on a timeout the runs
    that finished are kept."""
    cmd = [python, os.path.abspath(__file__), "--worker", bif, str(timeout)]
    events, problem = worker_events(cmd, timeout)
    times, states, posterior, meta = [], None, None, {}
    for event in events:
        if "seconds" in event:
            times.append(event["seconds"])
        if "posterior" in event:
            states, posterior = event["states"], event["posterior"]
        if "pgmpy" in event:
            meta.update(event)
    return times, states, posterior, problem, meta


def posterior_status(posterior):
    if any(math.isnan(p) for p in posterior):
        return "NaN"
    if any(math.isinf(p) or p < 0 for p in posterior) or abs(sum(posterior) - 1) > SUM_TOLERANCE:
        return "invalid"
    return "ok"


# ------------------------------------------------------------- credence side


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout


def credence_seconds(model, items):
    """Mean seconds per inference: median over 3 runs of profile, each a
    mean over enough repetitions to last about a tenth of a second."""
    reps = max(100, 2_000_000 // items)
    # profile prints "MEAN_SECONDS CHECKSUM".
    means = [float(run([PROFILE, "infer-file", model, str(reps)]).split()[0]) for _ in range(3)]
    return statistics.median(means), reps


def credence_posterior(model):
    """Hypothesis ids, their posteriors and ln P(evidence), from the report."""
    report = json.loads(run([CREDENCE, "report", model, "--format", "json"]))
    hypotheses = report["hypotheses"]
    return [h["id"] for h in hypotheses], [h["posterior"] for h in hypotheses], report["log_evidence"]


# ------------------------------------------------------------------- output


def duration(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def measure(n, python, timeout, tmp):
    model = os.path.join(tmp, f"m{n}.toml")
    bif = os.path.join(tmp, f"m{n}.bif")
    with open(model, "w") as f:
        f.write(run([GENERATE, "--items", str(n)]))
    run([CREDENCE, "export", model, "--format", "bif", "-o", bif])

    c_seconds, c_reps = credence_seconds(model, n)
    ids, c_post, log_evidence = credence_posterior(model)
    times, states, p_post, problem, meta = run_pgmpy(python, bif, timeout)

    row = {
        "items": n,
        "credence": duration(c_seconds),
        "pgmpy": "-",
        "ratio": "-",
        "status": problem or "no result",
        "diff": "-",
        # Not in the table; printed as notes.
        "credence_reps": c_reps,
        "pgmpy_runs": len(times),
        "log_evidence": log_evidence,
        "meta": meta,
    }
    if times:
        p_seconds = statistics.median(times)
        row["pgmpy"] = duration(p_seconds)
        row["ratio"] = f"{p_seconds / c_seconds:,.0f}x"
    if p_post is not None:
        # The BIF states of `hypothesis` are the hypothesis ids in model order
        # (generated ids are identifiers already, so no renaming).
        if states != ids:
            sys.exit(f"{n} items: pgmpy's states {states} are not credence's hypotheses {ids}")
        status = posterior_status(p_post)
        row["status"] = status if problem is None else f"{status}, {problem}"
        if status == "ok":
            row["diff"] = f"{max(abs(a - b) for a, b in zip(p_post, c_post)):.1e}"
    return row


COLUMNS = [
    ("items", "items"),
    ("credence", "credence"),
    ("pgmpy", "pgmpy"),
    ("ratio", "pgmpy/credence"),
    ("status", "pgmpy posterior"),
    ("diff", "max abs diff"),
]


def render(heads, cells, markdown, left=0):
    """A table of text `cells` under `heads`, aligned in columns or in
    Markdown; the first `left` columns left-aligned, the rest right-aligned
    (numbers read best that way). compare_peers.py uses it too."""
    if markdown:
        rule = [" --- " if i < left else " ---: " for i in range(len(heads))]
        lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(rule) + "|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    widths = [max(len(x) for x in col) for col in zip(heads, *cells)]
    return "\n".join(
        "  ".join(x.ljust(w) if i < left else x.rjust(w) for i, (x, w) in enumerate(zip(line, widths)))
        for line in [heads] + cells
    )


def table(rows, markdown):
    return render([h for _, h in COLUMNS], [[str(r[k]) for k, _ in COLUMNS] for r in rows], markdown)


def default_python():
    if os.environ.get("CREDENCE_PGMPY"):
        return os.environ["CREDENCE_PGMPY"]
    return VENV_PYTHON if os.path.exists(VENV_PYTHON) else sys.executable


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], float(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,300,1000,1500,2000", help="comma-separated item counts")
    ap.add_argument("--timeout", type=float, default=300, help="seconds allowed to pgmpy per size (default 300)")
    ap.add_argument("--python", default=default_python(), help="a python with pgmpy")
    ap.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    missing = [p for p in (CREDENCE, GENERATE, PROFILE) if not os.path.exists(p)]
    if missing:
        sys.exit(f"missing {', '.join(missing)}: run `cargo build --release --examples` first")

    load_before = os.getloadavg()
    started = time.time()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            rows.append(measure(n, args.python, args.timeout, tmp))
            rows[-1]["load"] = os.getloadavg()[0]
            print(f"  measured {n} items", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    meta = next((r["meta"] for r in rows if r["meta"]), {})
    print(
        f"credence exact inference vs pgmpy {meta.get('pgmpy', '?')} VariableElimination"
        f" (numpy {meta.get('numpy', '?')}, float64)"
    )
    print(
        f"{datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores,"
        f" load average {load_before[0]:.2f} before / {load_after[0]:.2f} after,"
        f" {time.time() - started:.0f} s in all"
    )
    print("Generated models: 3 hypotheses, 20 sources, one report per item (examples/generate.rs).")
    print("Only inference is timed on both sides, not loading, parsing or compiling.")
    print()
    print(table(rows, args.markdown))
    print()
    print("credence: mean of N inferences, median of 3 runs. pgmpy: median of k queries,")
    print(f"timeout {args.timeout:.0f} s per size (loading included). max abs diff: pgmpy's posterior")
    print("vs `credence report`, where pgmpy's is valid (finite, non-negative, sums to 1).")
    for r in rows:
        print(
            f"  {r['items']:>5} items: N = {r['credence_reps']}, k = {r['pgmpy_runs']},"
            f" ln P(evidence) = {r['log_evidence']:.1f}, load average after {r['load']:.2f}"
        )

if __name__ == "__main__":
    main()
