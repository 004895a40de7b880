"""pgmpy's side of tests/interop.rs, part (a): credence-exported BIF files.

usage: posteriors.py OUT.json TARGET FILE.bif...

Reads each file with pgmpy's BIFReader (include_properties=True), enters the
`property evidence = STATE ;` of its variable blocks, and computes the
posterior of TARGET by pgmpy's VariableElimination, twice: with pgmpy's
default float64 arrays, and with extended precision (numpy.longdouble via
pgmpy's config.set_dtype). pgmpy multiplies probabilities in linear space,
so once P(evidence) falls below ~1e-308 (a few hundred items) float64
underflows and its posterior drifts; extended precision reaches ~1e-4932.
Writes {"pgmpy": VERSION, "results": {FILE: {"states": [...],
"posterior": [...] (extended), "posterior_float64": [...], "evidence": N,
"seconds": S}}}.
"""

import json
import sys
import time

import common  # noqa: F401  (first: quiets warnings, speeds BIFReader)

import numpy as np  # noqa: E402
import pgmpy  # noqa: E402
from pgmpy import config  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.readwrite import BIFReader  # noqa: E402


def posterior(reader, target, dtype):
    # The dtype must hold through the query: pgmpy casts the unnormalised
    # result to it before normalising.
    config.set_dtype(dtype)
    try:
        model = reader.get_model()
        evidence = {node: data["evidence"] for node, data in model.nodes(data=True) if "evidence" in data}
        factor = VariableElimination(model).query([target], evidence=evidence, show_progress=False)
    finally:
        config.set_dtype("float64")
    return list(factor.state_names[target]), [float(x) for x in factor.values], len(evidence)


def main():
    out, target, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not np.finfo(np.longdouble).tiny < np.finfo(np.float64).tiny:
        sys.exit("numpy.longdouble is no wider than float64 on this platform: (a) needs x86-64 or aarch64 Linux")
    results = {}
    for path in files:
        start = time.time()
        reader = BIFReader(path=path, include_properties=True)
        states, extended, count = posterior(reader, target, np.longdouble)
        _, plain, _ = posterior(reader, target, "float64")
        results[path] = {
            "states": states,
            "posterior": extended,
            "posterior_float64": plain,
            "evidence": count,
            "seconds": time.time() - start,
        }
    with open(out, "w") as f:
        json.dump({"pgmpy": pgmpy.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
