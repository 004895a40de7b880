"""pgmpy's side of tests/interop.rs, part (a): credence-exported BIF, XMLBIF
and XDSL files.

usage: posteriors.py OUT.json TARGET FILE.{bif,xmlbif,xdsl}...

Reads each file with pgmpy's reader for its extension: BIFReader
(include_properties=True) entering the `property evidence = STATE ;` of its
variable blocks; XMLBIFReader entering its `<PROPERTY>evidence = STATE`
(pgmpy reads those into the node's data as BIFReader does); XDSLReader, whose
model holds no evidence, entering the `<property id="evidence">` of each
`cpt` read here with ElementTree. It computes the
posterior of TARGET by pgmpy's VariableElimination, twice: with pgmpy's
default float64 arrays, and with extended precision (numpy.longdouble via
pgmpy's config.set_dtype). pgmpy multiplies probabilities in linear space,
so once P(evidence) falls below ~1e-308 (a few hundred items) float64
underflows and its posterior drifts; extended precision reaches ~1e-4932.
Writes {"pgmpy": VERSION, "results": {FILE: {"states": [...],
"posterior": [...] (extended), "posterior_float64": [...] (BIF files only),
"evidence": N, "seconds": S}}}.
"""

import json
import sys
import time
import xml.etree.ElementTree as etree

import common  # noqa: F401  (first: quiets warnings, speeds BIFReader)

import numpy as np  # noqa: E402
import pgmpy  # noqa: E402
from pgmpy import config  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.readwrite import BIFReader, XDSLReader, XMLBIFReader  # noqa: E402


def xdsl_evidence(path):
    root = etree.parse(path).getroot()
    evidence = {}
    for cpt in root.find("nodes").findall("cpt"):
        for prop in cpt.findall("property"):
            if prop.attrib.get("id") == "evidence":
                evidence[cpt.attrib["id"]] = prop.text.strip()
    return evidence


def read(path):
    """The reader for the file and the evidence pgmpy's model does not hold."""
    if path.endswith(".xdsl"):
        return XDSLReader(path=path), xdsl_evidence(path)
    if path.endswith(".xmlbif"):
        return XMLBIFReader(path=path), {}
    return BIFReader(path=path, include_properties=True), {}


def posterior(reader, extra, target, dtype):
    # The dtype must hold through the query: pgmpy casts the unnormalised
    # result to it before normalising.
    config.set_dtype(dtype)
    try:
        model = reader.get_model()
        evidence = {node: data["evidence"] for node, data in model.nodes(data=True) if "evidence" in data}
        evidence.update(extra)
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
        reader, extra = read(path)
        states, extended, count = posterior(reader, extra, target, np.longdouble)
        results[path] = {
            "states": states,
            "posterior": extended,
            "evidence": count,
        }
        if path.endswith(".bif"):
            _, plain, _ = posterior(reader, extra, target, "float64")
            results[path]["posterior_float64"] = plain
        results[path]["seconds"] = time.time() - start
    with open(out, "w") as f:
        json.dump({"pgmpy": pgmpy.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
