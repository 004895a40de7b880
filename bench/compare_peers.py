#!/usr/bin/env python3
"""Side by side: `credence query` and its peers, pyAgrum's LazyPropagation
and pgmpy's VariableElimination, on the bnlearn networks pgmpy's wheel ships,
in one run.

Every network (pgmpy/utils/example_models/*.bif.gz, written out uncompressed
so all three read the same file) is asked one query per target under two
evidence sets, both drawn from one seeded forward sample of the network (so
the evidence is possible):

- `20%`: a seeded fifth of the nodes observed at their sampled states;
  targets: seeded unobserved nodes;
- `leaves`: every leaf (a node without children) observed; targets: seeded
  non-leaf nodes.

Timed (median of the repetitions, then the median over the targets):

- credence: the whole `credence query FILE --target X --evidence N=S ...
  --format json` process, wall clock (startup, reading and parsing the file,
  inference, output); its peak memory (max RSS) is noted; beside it the
  file floor, the same process asked a root's marginal with nothing
  observed (the least any query of that file costs);
- pyAgrum: in-process `LazyPropagation(bn)`, `setEvidence`, `addTarget`,
  `makeInference`, `posterior` (the file loaded once beforehand, untimed);
- pgmpy: in-process `VariableElimination(model).query([X], evidence)`
  (loaded once beforehand, untimed).

Every peer posterior is compared with credence's: agreement is the largest
absolute difference, which must be at most 1e-12. Besides, `query --all` on
munin (whole process) against pyAgrum's every marginal (LazyPropagation,
makeInference, posterior of every node), both evidence sets.

Usage (after `cargo build --release`):
    bench/compare_peers.py [--networks asia,alarm,...] [--quick] [--runs 5]
                           [--targets 3] [--seed 1] [--timeout 120]
                           [--peer-timeout 300] [--no-pgmpy] [--markdown]
                           [--json FILE]
The peers run in target/peers-venv (pinned pyAgrum and pgmpy, see
bench/peers-requirements.txt), which the script creates when missing.
`--quick` is a self-check of a few seconds: asia and alarm, 3 runs.
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from compare_pgmpy import render, worker_events  # beside this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CREDENCE = os.path.join(ROOT, "target", "release", "credence")
VENV = os.path.join(ROOT, "target", "peers-venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
REQUIREMENTS = os.path.join(ROOT, "bench", "peers-requirements.txt")
# What the venv must hold; bench/peers-requirements.txt pins the same.
PYAGRUM_VERSION = "3.3.1"
PGMPY_VERSION = "1.1.2"

# Every bnlearn network pgmpy 1.1.2 ships as BIF, smallest first.
NETWORKS = [
    "asia", "cancer", "earthquake", "survey", "sachs", "child", "insurance",
    "alarm", "win95pts", "hailfinder", "water", "hepar2", "mildew", "barley",
    "andes", "pigs", "pathfinder", "diabetes", "link", "munin1", "munin2",
    "munin3", "munin4", "munin",
]  # fmt: skip
QUICK = ["asia", "alarm"]
# Where query --all is compared with pyAgrum's every marginal.
ALL_NETWORK = "munin"
AGREEMENT = 1e-12
# Lines of the evidence file that times one more query inside one process.
SETS = 21


def repetitions(first_seconds, most):
    """How many times to time a query in all, given the first: `most` when
    fast, 3 up to 10 s, else that one."""
    if first_seconds < 0.2:
        return most
    if first_seconds < 10:
        return min(most, 3)
    return 1


# ---------------------------------------------------------------- the workers
#
# This file is also the peers' worker: `compare_peers.py --worker KIND JOB`,
# run by the venv's python. It prints one JSON line per event and flushes, so
# the parent keeps what finished before a timeout.


def emit(**event):
    print(json.dumps(event), flush=True)


def read_bif(path):
    """The variables ({name: [states]}, in file order) and tables ({child:
    (parents, {parent states: [numbers]})}) of a bnlearn BIF file, the
    numbers as float64. A reader for the shapes bnlearn writes (one
    `type discrete` per variable, rows or a root's `table`), nothing more."""
    import re

    with open(path) as f:
        text = f.read()
    variables = {}
    for name, states in re.findall(r"variable\s+(\S+)\s*\{[^{}]*?type\s+discrete\s*\[\s*\d+\s*\]\s*\{([^}]*)\}", text):
        variables[name] = [x.strip() for x in states.split(",")]
    tables = {}
    block = re.compile(r"probability\s*\(\s*([^|)\s]+)\s*(?:\|([^)]*))?\)\s*\{([^}]*)\}")
    row = re.compile(r"(?:\(([^)]*)\)|(table))\s*([^;]*);")
    for child, given, body in block.findall(text):
        parents = [p.strip() for p in (given or "").split(",") if p.strip()]
        rows = {}
        for states, table, numbers in row.findall(body):
            if table and parents:
                raise ValueError(f"{path}: {child}: a table with parents")
            key = tuple(x.strip() for x in states.split(",")) if not table else ()
            rows[key] = [float(x) for x in re.split(r"[\s,]+", numbers.strip()) if x]
        tables[child] = (parents, rows)
    if set(tables) != set(variables):
        raise ValueError(f"{path}: variables and tables do not match")
    return variables, tables


def pyagrum_network(path):
    """pyAgrum's network of the BIF file at `path`, built through pyAgrum's
    API from `read_bif`, not by pyAgrum's BIF reader, which stores numbers
    as float32 (0.9 reads as 0.89999998: posteriors 1e-9 from the exact
    ones) and refuses state names such as child's `Asy/Patch`."""
    import numpy
    import pyagrum as gum

    variables, tables = read_bif(path)
    bn = gum.BayesNet(os.path.basename(path))
    for name, states in variables.items():
        bn.add(gum.LabelizedVariable(name, name, states))
    for child, (parents, _) in tables.items():
        for parent in parents:
            bn.addArc(parent, child)
    for child, (parents, rows) in tables.items():
        cpt = bn.cpt(child)
        # Axes: the file's parents, then the child.
        values = numpy.full([len(variables[p]) for p in parents] + [len(variables[child])], numpy.nan)
        for key, numbers in rows.items():
            values[tuple(variables[p].index(s) for p, s in zip(parents, key))] = numbers
        if numpy.isnan(values).any():
            raise ValueError(f"{path}: {child}: rows missing")
        # pyAgrum's toarray() has the axes of its variables reversed; the
        # child is its first variable.
        wanted = list(reversed(cpt.names))
        exact = numpy.transpose(values, [(parents + [child]).index(n) for n in wanted])
        cpt.fillWith(exact.flatten().tolist())
        if not numpy.array_equal(exact, cpt.toarray()):
            raise ValueError(f"{path}: {child}: the table did not go in as read")
    return bn


def pyagrum_plan(job):
    """The evidence sets and targets of one network, from one forward sample
    drawn with Python's own seeded generator over pyAgrum's tables."""
    import pyagrum as gum

    bn = pyagrum_network(job["bif"])
    rng = random.Random(job["seed"])
    names = {i: bn.variable(i).name() for i in bn.nodes()}
    sample = {}
    for node in bn.topologicalOrder():
        cpt = bn.cpt(node)
        at = gum.Instantiation(cpt)
        for parent in bn.parents(node):
            at.chgVal(names[parent], sample[parent])
        weights = []
        for state in range(bn.variable(node).domainSize()):
            at.chgVal(names[node], state)
            weights.append(cpt.get(at))
        # Only states of nonzero probability can be drawn.
        draw, total = rng.random() * sum(weights), 0.0
        chosen = max(s for s, w in enumerate(weights) if w > 0)
        for state, weight in enumerate(weights):
            total += weight
            if weight > 0 and draw < total:
                chosen = state
                break
        sample[node] = chosen
    label = {names[n]: bn.variable(n).label(s) for n, s in sample.items()}
    everything = sorted(names.values())
    observed = sorted(rng.sample(everything, max(1, round(len(everything) * 0.2))))
    free = [n for n in everything if n not in set(observed)]
    leaves = sorted(names[n] for n in bn.nodes() if not bn.children(n))
    roots = sorted(names[n] for n in bn.nodes() if not bn.parents(n))
    inner = [n for n in everything if n not in set(leaves)]
    count = job["targets"]
    emit(
        nodes=len(everything),
        root=roots[0],
        sets={
            "20%": {
                "evidence": {n: label[n] for n in observed},
                "targets": sorted(rng.sample(free, min(count, len(free)))),
            },
            "leaves": {
                "evidence": {n: label[n] for n in leaves},
                "targets": sorted(rng.sample(inner, min(count, len(inner)))),
            },
        },
    )


def timed_queries(job, load, one_query):
    """Times every query of `job` with `one_query(evidence, target)` (which
    returns {target: (states, posterior)}), emitting each query's times and
    first answer; stops before the budget would be overrun."""
    started = time.perf_counter()
    model = load()
    emit(load=time.perf_counter() - started)
    for query in job["queries"]:
        times, cpu, answer = [], [], None
        wanted = 1
        while len(times) < wanted:
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = one_query(model, query["evidence"], query["target"])
            seconds = time.perf_counter() - start
            times.append(seconds)
            cpu.append(time.process_time() - start_cpu)
            if len(times) == 1:
                wanted = repetitions(seconds, job["runs"])
            if time.perf_counter() - started + 1.5 * seconds > job["budget"]:
                break
        emit(id=query["id"], times=times, cpu=cpu, answer=answer)


def pyagrum_worker(job):
    import pyagrum as gum

    emit(version=gum.__version__)

    def one_query(bn, evidence, target):
        engine = gum.LazyPropagation(bn)
        engine.setEvidence(evidence)
        if target is not None:
            engine.addTarget(target)
        engine.makeInference()
        if target is not None:
            names = [target]
        else:
            names = [bn.variable(n).name() for n in bn.nodes()]
        answer = {}
        for name in names:
            posterior = engine.posterior(name)
            labels = list(bn.variable(name).labels())
            answer[name] = (labels, [float(posterior[i]) for i in range(len(labels))])
        return answer

    timed_queries(job, lambda: pyagrum_network(job["bif"]), one_query)


def pgmpy_worker(job):
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, os.path.join(ROOT, "tests", "pgmpy"))
    import common  # noqa: F401  (memoises BIFReader's grammars)
    import pgmpy
    from pgmpy.inference import VariableElimination
    from pgmpy.readwrite import BIFReader

    emit(version=pgmpy.__version__)

    def one_query(model, evidence, target):
        factor = VariableElimination(model).query([target], evidence=evidence, show_progress=False)
        states = [str(s) for s in factor.state_names[target]]
        return {target: (states, [float(x) for x in factor.values])}

    timed_queries(job, lambda: BIFReader(path=job["bif"]).get_model(), one_query)


WORKERS = {"plan": pyagrum_plan, "pyagrum": pyagrum_worker, "pgmpy": pgmpy_worker}


def run_worker(python, kind, job, timeout):
    """Runs a worker on `job`. Returns (events, problem): problem is None,
    "timeout" or "error"; on a timeout the events that came are kept."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(job, f)
        path = f.name
    # Not niced on its own: run the whole bench niced, so all sides share
    # one priority.
    try:
        return worker_events([python, os.path.abspath(__file__), "--worker", kind, path], timeout)
    finally:
        os.unlink(path)


# ------------------------------------------------------------- credence side


def spawn(cmd, timeout, stdout):
    """Runs `cmd` with stdout to the open file `stdout`. Returns (seconds,
    CPU seconds (user + system), exit code or None on a timeout, max RSS in
    bytes, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    # stderr is small (a refusal's message); read it before reaping.
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    timed_out = not timer.is_alive()
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, None if timed_out else proc.returncode, usage.ru_maxrss * 1024, err


def credence_query(credence, bif, evidence, target, runs, timeout, tmp):
    """Times the whole `credence query` process. Returns a dict: times,
    rss, answer {node: (states, posterior)} or problem ("refused: ...",
    "timeout", "error: ...")."""
    cmd = [credence, "query", bif, "--ignore-file-evidence", "--format", "json"]
    cmd += ["--target", target] if target is not None else ["--all"]
    for node, state in evidence.items():
        cmd += ["--evidence", f"{node}={state}"]
    out_path = os.path.join(tmp, "out.json")
    times, cpu, rss, answer, wanted = [], [], 0, None, 1
    while len(times) < wanted:
        with open(out_path, "wb") as out:
            seconds, cpu_seconds, code, peak, err = spawn(cmd, timeout, out)
        rss = max(rss, peak)
        if code is None:
            return {"problem": "timeout", "rss": rss, "seconds": seconds}
        if code != 0:
            first = err.strip().splitlines()[0] if err.strip() else f"exit {code}"
            kind = "refused" if code == 1 else "error"
            return {"problem": f"{kind}: {first}", "rss": rss, "seconds": seconds}
        times.append(seconds)
        cpu.append(cpu_seconds)
        if len(times) == 1:
            wanted = repetitions(seconds, runs)
            with open(out_path) as f:
                view = json.load(f)
            marginals = view["marginals"] if target is None else [{"node": target, "posterior": view["posterior"]}]
            answer = {
                m["node"]: ([p["state"] for p in m["posterior"]], [p["probability"] for p in m["posterior"]])
                for m in marginals
            }
    return {"times": times, "cpu": cpu, "rss": rss, "answer": answer}


def credence_per_set(credence, bif, evidence, target, runs, timeout, tmp):
    """The time one more query costs inside one credence process: `query
    --evidence-file` with the evidence set repeated SETS times against the
    same with one line, (T(SETS) - T(1)) / (SETS - 1), wall and CPU medians.
    None when either run fails."""
    cmd = [credence, "query", bif, "--ignore-file-evidence", "--format", "json", "--target", target]
    found = {}
    for count in (1, SETS):
        sets = os.path.join(tmp, f"sets{count}.jsonl")
        with open(sets, "w") as f:
            f.write((json.dumps(evidence) + "\n") * count)
        walls, cpus = [], []
        for _ in range(max(runs, 3)):
            with open(os.path.join(tmp, "sets.out"), "wb") as out:
                seconds, cpu, code, _, _ = spawn(cmd + ["--evidence-file", sets], timeout, out)
            if code != 0:
                return None
            walls.append(seconds)
            cpus.append(cpu)
        found[count] = (statistics.median(walls), statistics.median(cpus))
    return tuple(max(0.0, (found[SETS][k] - found[1][k]) / (SETS - 1)) for k in (0, 1))


def spawn_floor(cmd, runs, tmp):
    """The wall and CPU time of spawning `cmd` from here (medians): with
    /bin/true, the floor under every process; with `credence --version`,
    under every credence process."""
    with open(os.path.join(tmp, "floor.out"), "wb") as out:
        runs = [spawn(cmd, 10, out) for _ in range(max(runs, 5))]
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def file_floor(credence, bif, root, runs, timeout, tmp):
    """The least any `credence query` of this file costs, wall and CPU
    medians: a root node's marginal with nothing observed, which is its own
    table (start, reading and parsing the file, checking it, one table
    out). None when it fails."""
    found = credence_query(credence, bif, {}, root, max(runs, 5), timeout, tmp)
    if "times" not in found:
        return None
    return statistics.median(found["times"]), statistics.median(found["cpu"])


# ------------------------------------------------------------------ comparing


def difference(ours, theirs):
    """Largest absolute difference between two answers over their shared
    nodes, matching states by name; None when a node's states differ."""
    worst = 0.0
    for node, (states, values) in ours.items():
        if node not in theirs:
            continue
        other = dict(zip(*theirs[node]))
        if set(other) != set(states):
            return None
        worst = max([worst] + [abs(v - other[s]) for s, v in zip(states, values)])
    return worst


def duration(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def ratio(peer, ours):
    if peer is None or ours is None:
        return "-"
    return f"{peer / ours:.2f}x"


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# --------------------------------------------------------------------- driver


def ensure_peers(python):
    """The venv's python when it holds the pinned pyAgrum and pgmpy; else
    creates or completes target/peers-venv from bench/peers-requirements.txt
    (only when `python` is that venv's)."""
    probe = "import pyagrum, pgmpy; print(pyagrum.__version__, pgmpy.__version__)"

    def versions():
        if not os.path.exists(python):
            return None
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True)
        return done.stdout.split() if done.returncode == 0 else None

    if versions() == [PYAGRUM_VERSION, PGMPY_VERSION]:
        return
    if os.path.abspath(python) != VENV_PYTHON:
        sys.exit(f"{python} lacks pyagrum {PYAGRUM_VERSION} and pgmpy {PGMPY_VERSION}")
    print(f"installing pyagrum {PYAGRUM_VERSION} and pgmpy {PGMPY_VERSION} into {VENV}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        # Is PyPI reachable? One small download says so before a venv is made.
        reach = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, f"pyagrum=={PYAGRUM_VERSION}"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    if reach.returncode != 0:
        sys.exit(f"cannot reach PyPI for pyagrum {PYAGRUM_VERSION}:\n{reach.stderr.strip()[-1000:]}")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS], check=True)
    found = versions()
    if found != [PYAGRUM_VERSION, PGMPY_VERSION]:
        sys.exit(f"{VENV} holds {found}, not pyagrum {PYAGRUM_VERSION} and pgmpy {PGMPY_VERSION}")


def example_models(python):
    """pgmpy's folder of bnlearn networks, as the venv's pgmpy has it."""
    probe = "import os, pgmpy; print(os.path.join(os.path.dirname(pgmpy.__file__), 'utils', 'example_models'))"
    return subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()


def peer_times(python, kind, bif, queries, runs, budget):
    """{query id: (median seconds, median CPU seconds, answer)}, the
    version, the load time, the problem (None, "timeout", "out of memory" or
    "error") and the ids asked of one peer on one network."""
    job = {"bif": bif, "queries": queries, "runs": runs, "budget": budget}
    events, problem = run_worker(python, kind, job, budget + 30)
    version, load, results = None, None, {}
    for event in events:
        version = event.get("version", version)
        load = event.get("load", load)
        if "id" in event:
            results[event["id"]] = (statistics.median(event["times"]), statistics.median(event["cpu"]), event["answer"])
    return results, version, load, problem, {q["id"] for q in queries}


def measure(name, args, folder, tmp):
    bif = os.path.join(tmp, name + ".bif")
    with gzip.open(os.path.join(folder, name + ".bif.gz"), "rt") as f:
        text = f.read()
    with open(bif, "w") as f:
        f.write(text)
    events, problem = run_worker(args.python, "plan", {"bif": bif, "seed": args.seed, "targets": args.targets}, 600)
    if problem or not events:
        sys.exit(f"{name}: no evidence plan ({problem})")
    plan = events[-1]
    queries = []
    for scenario, chosen in plan["sets"].items():
        for target in chosen["targets"]:
            queries.append({"id": len(queries), "scenario": scenario, "target": target, "evidence": chosen["evidence"]})
    if name == ALL_NETWORK and args.all:
        for scenario, chosen in plan["sets"].items():
            queries.append({"id": len(queries), "scenario": "all " + scenario, "target": None, "evidence": chosen["evidence"]})
    ours = {}
    # The binary's pages into the page cache (the file is there already):
    # the first timed run is then not a cold start.
    with open(os.path.join(tmp, "version.out"), "wb") as out:
        spawn([args.credence, "--version"], args.timeout, out)
    floor = file_floor(args.credence, bif, plan["root"], args.runs, args.timeout, tmp)
    for query in queries:
        ours[query["id"]] = credence_query(args.credence, bif, query["evidence"], query["target"], args.runs, args.timeout, tmp)
        if query["target"] is not None and "times" in ours[query["id"]]:
            ours[query["id"]]["per set"] = credence_per_set(
                args.credence, bif, query["evidence"], query["target"], args.runs, args.timeout, tmp
            )
    peers = {}
    peers["pyAgrum"] = peer_times(args.python, "pyagrum", bif, queries, args.runs, args.peer_timeout)
    if not args.no_pgmpy:
        single = [q for q in queries if q["target"] is not None]
        peers["pgmpy"] = peer_times(args.python, "pgmpy", bif, single, args.runs, args.peer_timeout)
    rows = []
    for scenario in dict.fromkeys(q["scenario"] for q in queries):
        asked = [q for q in queries if q["scenario"] == scenario]
        mine = [ours[q["id"]] for q in asked]
        answered = [m for m in mine if "times" in m]
        row = {
            "network": name,
            "nodes": plan["nodes"],
            "scenario": scenario,
            "observed": len(asked[0]["evidence"]),
            "queries": len(asked),
            "credence": median_or_none(statistics.median(m["times"]) for m in answered),
            "credence cpu": median_or_none(statistics.median(m["cpu"]) for m in answered),
            "per set": median_or_none(m["per set"][0] for m in answered if m.get("per set")),
            "per set cpu": median_or_none(m["per set"][1] for m in answered if m.get("per set")),
            "file floor": floor[0] if floor else None,
            "rss": max(m["rss"] for m in mine),
            "problems": [m["problem"] for m in mine if "problem" in m],
            "worst": None,
            "disagree": [],
        }
        for peer, (results, version, load, problem, ids) in peers.items():
            if not any(q["id"] in ids for q in asked):
                continue  # pgmpy is not asked for every marginal
            got = [results.get(q["id"]) for q in asked]
            row[peer] = median_or_none(g[0] for g in got if g)
            row[peer + " cpu"] = median_or_none(g[1] for g in got if g)
            row[peer + " version"], row[peer + " load"] = version, load
            missing = sum(1 for g in got if g is None)
            row[peer + " missing"] = f"{missing} {problem or 'no answer'}" if missing else None
            for query, g, m in zip(asked, got, mine):
                if g is None or "answer" not in m:
                    continue
                diff = difference(m["answer"], g[2])
                if diff is None or diff > AGREEMENT:
                    row["disagree"].append(f"{peer} on {query['target']}: {diff}")
                if diff is not None:
                    row["worst"] = diff if row["worst"] is None else max(row["worst"], diff)
        rows.append(row)
    return rows


COLUMNS = [
    ("network", "network"),
    ("nodes", "nodes"),
    ("scenario", "evidence"),
    ("observed", "observed"),
    ("credence", "credence"),
    ("credence cpu", "cpu"),
    ("rss", "max RSS"),
    ("per set", "1 more query"),
    ("file floor", "file floor"),
    ("pyAgrum", "pyAgrum"),
    ("pyAgrum cpu", "cpu"),
    ("pyAgrum ratio", "pyAgrum/credence"),
    ("pyAgrum cpu ratio", "(cpu)"),
    ("pgmpy", "pgmpy"),
    ("pgmpy ratio", "pgmpy/credence"),
    ("agreement", "max abs diff"),
]


def cells(row):
    shown = dict(row)
    shown["credence"] = duration(row["credence"])
    shown["credence cpu"] = duration(row["credence cpu"])
    if row["problems"]:
        refused = sum(1 for p in row["problems"] if p.startswith("refused"))
        left = len(row["problems"]) - refused
        parts = ([f"refused {refused}/{row['queries']}"] if refused else []) + (
            [f"failed {left}/{row['queries']}"] if left else []
        )
        shown["credence"] = ", ".join(parts) + ("; " + duration(row["credence"]) if row["credence"] else "")
    shown["rss"] = f"{row['rss'] / 2**20:.0f} MB"
    shown["per set"] = duration(row.get("per set")) if row.get("per set") is not None else "-"
    shown["file floor"] = duration(row.get("file floor"))
    for peer in ("pyAgrum", "pgmpy"):
        shown[peer + " ratio"] = ratio(row.get(peer), row["credence"])
        shown[peer + " cpu ratio"] = ratio(row.get(peer + " cpu"), row["credence cpu"])
        shown[peer + " cpu"] = duration(row.get(peer + " cpu"))
        shown[peer] = duration(row.get(peer))
        if row.get(peer + " missing"):
            shown[peer] += f" ({row[peer + ' missing']})"
    shown["agreement"] = "-" if row["worst"] is None else f"{row['worst']:.1e}"
    if row["disagree"]:
        shown["agreement"] += " DISAGREE"
    return [str(shown.get(k, "-")) for k, _ in COLUMNS]


def table(rows, markdown):
    # The network, its size and the evidence read left-aligned.
    return render([h for _, h in COLUMNS], [cells(r) for r in rows], markdown, left=3)


def git_head():
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return done.stdout.strip() or "?"


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        with open(sys.argv[3]) as f:
            WORKERS[sys.argv[2]](json.load(f))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--networks", help="comma-separated names (default: all 24)")
    ap.add_argument("--quick", action="store_true", help="self-check: asia and alarm, 3 runs, seconds")
    ap.add_argument("--runs", type=int, default=5, help="repetitions per query (default 5; 3 past 0.2 s, 1 past 10 s)")
    ap.add_argument("--targets", type=int, default=3, help="targets per evidence set (default 3)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sample and the choices (default 1)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds allowed to one credence process (default 120)")
    ap.add_argument("--peer-timeout", type=float, default=300, help="seconds allowed to each peer per network (default 300)")
    ap.add_argument("--no-pgmpy", action="store_true", help="leave pgmpy out (its loading is slow on the large networks)")
    ap.add_argument("--no-all", dest="all", action="store_false", help=f"leave out query --all on {ALL_NETWORK}")
    ap.add_argument("--python", default=VENV_PYTHON, help="a python with the pinned pyagrum and pgmpy (default target/peers-venv, made when missing)")
    ap.add_argument("--memory-cap", type=float, default=6, help="GiB of address space allowed to each process started (default 6)")
    ap.add_argument("--credence", default=CREDENCE, help="the credence binary (default target/release/credence)")
    ap.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    ap.add_argument("--json", metavar="FILE", help="also write every row as JSON to FILE")
    args = ap.parse_args()
    names = QUICK if args.quick else NETWORKS
    if args.networks:
        names = [n.strip() for n in args.networks.split(",") if n.strip()]
    if args.quick:
        args.runs = min(args.runs, 3)
    # The address space allowed to this process and so to every process it
    # starts: the machine is shared, and a peer building a huge table
    # should fail alone rather than take the machine's memory. (Set here,
    # not in each child: a `preexec_fn` makes Python fork instead of spawn,
    # which would add to every credence figure.)
    cap = int(args.memory_cap * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if not os.path.exists(args.credence):
        sys.exit(f"missing {args.credence}: run `cargo build --release` first")
    ensure_peers(args.python)
    folder = example_models(args.python)
    unknown = [n for n in names if not os.path.exists(os.path.join(folder, n + ".bif.gz"))]
    if unknown:
        sys.exit(f"pgmpy ships no {', '.join(unknown)} in {folder}")

    load_before = os.getloadavg()
    started = time.time()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        floor = spawn_floor(["/bin/true"], args.runs, tmp)
        own_floor = spawn_floor([args.credence, "--version"], args.runs, tmp)
        for name in names:
            rows += measure(name, args, folder, tmp)
            loads = os.getloadavg()
            for row in rows:
                row.setdefault("load", loads[0])
            print(f"  measured {name} ({time.time() - started:.0f} s, load {loads[0]:.2f})", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    versions = {k: next((r[k + " version"] for r in rows if r.get(k + " version")), "?") for k in ("pyAgrum", "pgmpy")}

    print(f"credence query vs pyAgrum {versions['pyAgrum']} LazyPropagation and pgmpy {versions['pgmpy']} VariableElimination")
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, credence {git_head() if args.credence == CREDENCE else args.credence}, {platform.machine()},"
        f" {os.cpu_count()} cores, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after,"
        f" {time.time() - started:.0f} s in all"
    )
    print(f"bnlearn networks from pgmpy's wheel; seed {args.seed}; {args.targets} targets per evidence set.")
    print("credence: the whole process, wall and CPU (user + system); spawning /bin/true from here"
          f" takes {duration(floor[0])} wall, {duration(floor[1])} CPU,")
    print(f"and `credence --version` {duration(own_floor[0])} wall, {duration(own_floor[1])} CPU.")
    print("file floor: the least a credence query of that file costs, wall: a root's marginal with nothing")
    print("observed (start, read, parse and check the file, one table out). Where a peer's in-process time")
    print("is below it, no faster inference can bring the whole process under the peer.")
    print(f"1 more query: what one more query costs inside one credence process (`query --evidence-file` with the")
    print(f"set on {SETS} lines against 1 line, the difference over {SETS - 1}), wall.")
    print("pyAgrum, pgmpy: in-process build + query, wall and process CPU; the file loaded beforehand.")
    print()
    print(table(rows, args.markdown))
    print()
    print(f"Times: median of up to {args.runs} runs per query (3 past 0.2 s, 1 past 10 s), then the median")
    print("over the targets. max RSS: credence's largest over the queries. max abs diff: every peer")
    print(f"posterior against credence's; at most {AGREEMENT:.0e} or DISAGREE is printed.")
    print(f"Timeouts: {args.timeout:.0f} s per credence process, {args.peer_timeout:.0f} s per peer and network.")
    for row in rows:
        notes = []
        for peer in ("pyAgrum", "pgmpy"):
            if peer == "pgmpy" and row.get(peer + " load") is not None and row["scenario"] == "20%":
                notes.append(f"{peer} loads the file in {duration(row[peer + ' load'])}")
        notes += row["problems"][:1] + row["disagree"]
        if notes or row is rows[-1]:
            print(f"  {row['network']} {row['scenario']}: " + "; ".join(notes + [f"load average after {row['load']:.2f}"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if any(r["disagree"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
