#!/usr/bin/env python3
"""Side-by-side: credence's exact inference and pgmpy's VariableElimination
on the same networks, in one run.

Each network is a generated analyst model (examples/generate.rs: three
hypotheses, one report per item), exported by `credence export --format bif`
and loaded by pgmpy's BIFReader. Only inference is timed on both sides (not
loading): credence through examples/profile.rs, pgmpy around one
VariableElimination query of the hypothesis node with every report observed.

Usage: bench/compare_pgmpy.py [--python PYTHON_WITH_PGMPY] [--sizes 100,1000]
Run from the repository root after `cargo build --release --examples`.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PGMPY_TIMER = r'''
import sys, time, math, warnings
warnings.filterwarnings("ignore")
from pgmpy.readwrite import BIFReader
from pgmpy.inference import VariableElimination
reader = BIFReader(sys.argv[1], include_properties=True)
model = reader.get_model()
evidence = {}
for node, props in reader.get_property().items():
    for p in props:
        if p.strip().startswith("evidence"):
            evidence[node] = p.split("=", 1)[1].strip().rstrip(";").strip()
target = [n for n in model.nodes() if n.startswith("hypothesis")][0]
ve = VariableElimination(model)
reps = int(sys.argv[2])
start = time.perf_counter()
for _ in range(reps):
    q = ve.query([target], evidence=evidence, show_progress=False)
elapsed = (time.perf_counter() - start) / reps
values = [float(v) for v in q.values]
ok = all(math.isfinite(v) for v in values) and abs(sum(values) - 1) < 1e-6
print(f"{elapsed:.9f} {'ok' if ok else 'nan'}")
'''


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=os.environ.get("CREDENCE_PGMPY", sys.executable))
    ap.add_argument("--sizes", default="100,500,1000")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    release = os.path.join(ROOT, "target", "release")
    print(f"{'items':>7}  {'credence':>12}  {'pgmpy':>12}  {'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in args.sizes.split(",")]:
            model = os.path.join(tmp, f"m{n}.toml")
            bif = os.path.join(tmp, f"m{n}.bif")
            with open(model, "w") as f:
                f.write(run([os.path.join(release, "examples", "generate"), "--items", str(n)]))
            run([os.path.join(release, "credence"), "export", model, "--format", "bif", "-o", bif])
            reps_c = max(3, 20000 // n)
            credence_s = float(run([os.path.join(release, "examples", "profile"), "infer-file", model, str(reps_c)]).split()[0])
            timer = os.path.join(tmp, "t.py")
            with open(timer, "w") as f:
                f.write(PGMPY_TIMER)
            try:
                out = subprocess.run([args.python, timer, bif, "1"], check=True, capture_output=True,
                                     text=True, timeout=args.timeout).stdout.split()
                pgmpy_s, status = float(out[0]), out[1]
                pg = f"{pgmpy_s * 1e3:10.2f}ms" + ("" if status == "ok" else " NaN")
                ratio = f"{pgmpy_s / credence_s:8.0f}x"
            except subprocess.TimeoutExpired:
                pg, ratio = "   timeout", "       -"
            except subprocess.CalledProcessError as e:
                pg, ratio = "    failed", "       -"
                print(e.stderr[-400:], file=sys.stderr)
            print(f"{n:>7}  {credence_s * 1e6:10.1f}us  {pg:>12}  {ratio:>8}", flush=True)


if __name__ == "__main__":
    main()
