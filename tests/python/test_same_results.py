"""Same results: a seeded study from Python gives exactly the trials (parameters and values) that
the same study gives from C++ (tests/python/same_results.cpp, built by CMake; its path comes in
PARZEN_SAME_RESULTS)."""
import json
import math
import os
import subprocess

import pytest

import parzen

BINARY = os.environ.get("PARZEN_SAME_RESULTS")

pytestmark = pytest.mark.skipif(not BINARY or not os.path.exists(BINARY),
                                reason="PARZEN_SAME_RESULTS is not set (run through CTest)")


def objective(trial, multi):
    # Keep in step with objective() in same_results.cpp.
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_int("y", 0, 10)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    v = (x - 1.0) * (x - 1.0) + 0.5 * float((y - 3) * (y - 3)) + (0.0 if c == "b" else 1.0) \
        + math.log10(lr) * math.log10(lr)
    if multi:
        return v, float(y) - x
    return v


def from_cpp(sampler, seed, n_trials, multi=False):
    args = [BINARY, sampler, str(seed), str(n_trials)] + (["multi"] if multi else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def from_python(sampler_class, seed, n_trials, multi=False):
    sampler = getattr(parzen.samplers, sampler_class)(seed=seed)
    directions = ["minimize", "maximize"] if multi else ["minimize"]
    study = parzen.create_study(directions=directions, sampler=sampler)
    study.optimize(lambda t: objective(t, multi), n_trials=n_trials)
    return [{"number": t.number, "params": dict(t.params), "values": list(t.values)}
            for t in study.trials]


@pytest.mark.parametrize("name,cls,n_trials", [
    ("random", "RandomSampler", 50),
    ("tpe", "TPESampler", 60),
    ("gp", "GPSampler", 32),  # 20 random start-up trials, then 12 from the GP
    ("qmc", "QMCSampler", 32),
])
@pytest.mark.parametrize("seed", [0, 42])
def test_same_trials_as_cpp(name, cls, n_trials, seed):
    cpp = from_cpp(name, seed, n_trials)
    py = from_python(cls, seed, n_trials)
    assert len(cpp) == len(py) == n_trials
    for a, b in zip(cpp, py):
        assert a == b  # exactly: the same doubles, not approximately


def test_same_trials_multi_objective():
    cpp = from_cpp("random", 7, 30, multi=True)
    py = from_python("RandomSampler", 7, 30, multi=True)
    assert cpp == py


def test_seeds_differ():
    assert from_python("TPESampler", 1, 5) != from_python("TPESampler", 2, 5)
