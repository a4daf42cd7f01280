"""The examples in examples/python run (quickly) and print what they promise."""
import os
import re
import subprocess
import time

import pytest

from conftest import PYTHON, SOURCE_DIR, child_env

EXAMPLES = os.path.join(SOURCE_DIR, "examples", "python")


def run_example(name, *args):
    pytest.importorskip("sklearn")
    start = time.monotonic()
    out = subprocess.run([PYTHON, os.path.join(EXAMPLES, name), *args], env=child_env(),
                         capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - start
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout, elapsed


def test_svm_iris():
    out, elapsed = run_example("svm_iris.py")
    assert "100 trials" in out
    accuracy = float(re.search(r"best accuracy ([0-9.]+)", out).group(1))
    assert accuracy >= 0.98  # the seed's best: 0.9867 (kernel=linear or rbf, C in [1, 10])


def test_svm_iris_sqlite_resumes(tmp_path):
    url = f"sqlite:///{tmp_path / 'svm.db'}"
    run_example("svm_iris.py", "--n-trials", "5", "--storage", url)
    out, _ = run_example("svm_iris.py", "--n-trials", "5", "--storage", url)
    assert "10 trials" in out


@pytest.mark.parametrize("pruner", ["median", "hyperband"])
def test_pruning(pruner):
    out, elapsed = run_example("pruning.py", "--pruner", pruner)
    m = re.search(r"(\d+) trials in .*: (\d+) complete, (\d+) pruned", out)
    assert m, out
    total, complete, pruned = map(int, m.groups())
    assert total == 60 and complete + pruned == 60
    assert pruned >= 10
    accuracy = float(re.search(r"best validation accuracy ([0-9.]+)", out).group(1))
    assert accuracy >= 0.9


def test_accuracy_vs_size_prints_a_real_trade_off_front():
    out, _ = run_example("accuracy_vs_size.py", "--n-trials", "30", "--max-size-kib", "200")
    m = re.search(r"30 trials \((\d+) over 200 KiB, infeasible\); Pareto front of (\d+) in (\d+)",
                  out)
    assert m, out
    rows = re.findall(r"^ *([0-9.]+) +([0-9.]+) +([0-9,]+) +\{", out, re.MULTILINE)
    assert len(rows) == int(m.group(3)) >= 3, out
    errors = [float(r[0]) for r in rows]
    sizes = [float(r[1]) for r in rows]
    # Sorted by size, a Pareto front of two minimised objectives has strictly falling errors:
    # every bigger model on it is more accurate; none is over the size limit.
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes), out
    assert all(a > b for a, b in zip(errors, errors[1:])), out
    assert max(sizes) <= 200, out
    assert "most accurate: error" in out


def test_accuracy_vs_size_says_when_no_model_is_under_the_limit():
    out = subprocess.run([PYTHON, os.path.join(EXAMPLES, "accuracy_vs_size.py"), "--n-trials", "5",
                          "--max-size-kib", "0.5"], env=child_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    assert re.search(r"5 trials, none feasible: every model is over 0.5 KiB \(the smallest was "
                     r"[0-9.]+ KiB\); raise --max-size-kib", out.stdout), out.stdout
