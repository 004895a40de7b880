"""pgmpy's side of tests/interop.rs, part (b): the bnlearn networks that
ship inside the pgmpy wheel.

usage: bnlearn.py OUTDIR SEED NAME... [--xml NAME...]

For each NAME: writes the network, uncompressed, to OUTDIR/NAME.bif (so
credence reads the very file pgmpy read); draws one forward sample (seeded)
and takes a seeded random subset of its values as evidence; computes every
other node's posterior by pgmpy's VariableElimination; writes
OUTDIR/NAME.json = {"pgmpy": VERSION, "evidence": {NODE: STATE},
"posteriors": {NODE: {"states": [...], "posterior": [...]}}}.

For each NAME after --xml (one of the above), also writes the network with
pgmpy's own XMLBIFWriter and XDSLWriter (OUTDIR/NAME.xmlbif, NAME.xdsl),
reads each back with pgmpy's reader, and writes OUTDIR/NAME.xmlbif.json and
NAME.xdsl.json the same way, the evidence being the same states by position
(pgmpy's XMLBIF writer may rename states to identifiers).
"""

import gzip
import json
import os
import sys
import time
import common  # noqa: F401  (first: quiets warnings, speeds BIFReader)

import numpy as np  # noqa: E402
import pgmpy  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.readwrite import (  # noqa: E402
    BIFReader,
    XDSLReader,
    XDSLWriter,
    XMLBIFReader,
    XMLBIFWriter,
)
from pgmpy.sampling import BayesianModelSampling  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(pgmpy.__file__), "utils", "example_models")


def posteriors_of(model, evidence):
    infer = VariableElimination(model)
    posteriors = {}
    for node in sorted(model.nodes()):
        if node in evidence:
            continue
        factor = infer.query([node], evidence=evidence, show_progress=False)
        posteriors[node] = {
            "states": [str(s) for s in factor.state_names[node]],
            "posterior": [float(x) for x in factor.values],
        }
    return posteriors


def write_json(path, evidence, posteriors, start):
    with open(path, "w") as f:
        json.dump(
            {
                "pgmpy": pgmpy.__version__,
                "evidence": evidence,
                "posteriors": posteriors,
                "seconds": time.time() - start,
            },
            f,
        )


def xml_formats(outdir, name, model, evidence):
    """pgmpy's XMLBIF and XDSL of `model`, read back by pgmpy, queried with
    `evidence` (by state position)."""
    for ext, writer, reader in (
        ("xmlbif", XMLBIFWriter, XMLBIFReader),
        ("xdsl", XDSLWriter, XDSLReader),
    ):
        start = time.time()
        path = os.path.join(outdir, f"{name}.{ext}")
        writer(model).write(path)
        read = reader(path=path).get_model()
        mapped = {}
        for node, state in evidence.items():
            index = model.get_cpds(node).state_names[node].index(state)
            mapped[node] = str(read.get_cpds(node).state_names[node][index])
        write_json(
            os.path.join(outdir, f"{name}.{ext}.json"),
            mapped,
            posteriors_of(read, mapped),
            start,
        )


def main():
    outdir, seed, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    xml_names = []
    if "--xml" in names:
        at = names.index("--xml")
        names, xml_names = names[:at], names[at + 1 :]
    for k, name in enumerate(names):
        start = time.time()
        source = os.path.join(EXAMPLES, name + ".bif.gz")
        if not os.path.exists(source):
            sys.exit(f"pgmpy {pgmpy.__version__} ships no {source}")
        with gzip.open(source, "rt") as f:
            text = f.read()
        path = os.path.join(outdir, name + ".bif")
        with open(path, "w") as f:
            f.write(text)
        model = BIFReader(path=path).get_model()
        sample = BayesianModelSampling(model).forward_sample(
            size=1, seed=seed + k, show_progress=False, n_jobs=1
        )
        rng = np.random.default_rng(seed + k)
        nodes = sorted(model.nodes())
        # A quarter of the nodes observed (at least one), as a sample would
        # have them, so the evidence is possible.
        count = max(1, len(nodes) // 4)
        chosen = sorted(rng.choice(nodes, size=count, replace=False).tolist())
        evidence = {node: str(sample[node].iloc[0]) for node in chosen}
        write_json(
            os.path.join(outdir, name + ".json"),
            evidence,
            posteriors_of(model, evidence),
            start,
        )
        if name in xml_names:
            xml_formats(outdir, name, model, evidence)


if __name__ == "__main__":
    main()
