#!/usr/bin/python3
"""One trial of the NAS example: trains the architecture parzen chose and prints its accuracy.

Reads the parameters from $PARZEN_PARAMS (the nested form of experiment.toml's space:
{"depth": {"_name": "2", "width_1": 32, "width_2": 8}, "activation": "tanh",
"learning_rate_init": 0.03}), trains scikit-learn's MLPClassifier on the bundled digits data
exactly as make_table.py does for one seed (3-fold stratified CV, 10 epochs), and prints

    parzen:result <mean CV accuracy>

Run by `parzen run examples/nas/experiment.toml`; by hand:

    PARZEN_PARAMS='{"depth": {"_name": "1", "width_1": 32}, "activation": "relu",
    "learning_rate_init": 0.03}' /usr/bin/python3 examples/nas/train.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from make_table import evaluate  # noqa: E402  (the table's own training code)

params = json.loads(os.environ["PARZEN_PARAMS"])
branch = params["depth"]
depth = int(branch["_name"])
widths = tuple(int(branch[f"width_{k}"]) for k in range(1, depth + 1))
seed = int(os.environ.get("NAS_SEED", "0"))
row = evaluate((depth, widths, params["activation"], float(params["learning_rate_init"]), seed))
accuracy, seconds = float(row[-2]), float(row[-1])
print(f"architecture {'x'.join(map(str, widths))} {params['activation']} "
      f"lr={params['learning_rate_init']}: {seconds:.2f} s")
print(f"parzen:result {accuracy}")
