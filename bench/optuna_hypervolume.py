"""Optuna 3.1's exact hypervolume (optuna._hypervolume.WFG) on the point sets bench_hypervolume
writes, timed the way the C++ side is timed (best of repeated runs).

    /usr/bin/python3 bench/optuna_hypervolume.py CASES.json

CASES.json: {"cases": [{"name": ..., "reference": [...], "points": [[...], ...]}, ...]}, all
objectives minimised. Prints one JSON line per case: {"name", "ms", "hypervolume"}.
"""

import json
import sys
import time

import numpy as np
from optuna._hypervolume import WFG


def main() -> None:
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    for case in cases:
        points = np.asarray(case["points"], dtype=np.float64)
        reference = np.asarray(case["reference"], dtype=np.float64)
        best = float("inf")
        value = None
        spent = 0.0
        runs = 0
        # At least 3 runs, at most 1 s of them (and one run when a single run takes longer).
        while runs < 3 or spent < 1.0:
            start = time.perf_counter()
            value = WFG().compute(points, reference)
            elapsed = time.perf_counter() - start
            best = min(best, elapsed)
            spent += elapsed
            runs += 1
            if spent > 1.0 and runs >= 1 and elapsed > 0.3:
                break
            if runs >= 1000:
                break
        print(json.dumps({"name": case["name"], "ms": best * 1e3, "hypervolume": value}), flush=True)


if __name__ == "__main__":
    main()
