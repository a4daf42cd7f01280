#!/usr/bin/python3
"""Reference numbers for tests/samplers/cmaes_test.cpp from Debian's python3-cmaes 0.9.1.

For each case, runs the `cmaes` optimizer (CMA, SepCMA, CMAwM) with a fixed seed for a few
generations on a fixed function and prints, per generation, the solutions told (x, value) and
the distribution after the update (mean, sigma, covariance; A for CMAwM), plus a warm start
(get_warm_start_mgd) on fixed source solutions. The C++ test tells the same solutions to its
optimizer and compares. Regenerate the stored copy with:
    /usr/bin/python3 tests/samplers/cmaes_reference.py > tests/samplers/data/cmaes_reference.json
"""
import json
import sys

import numpy as np
from cmaes import CMA, CMAwM, SepCMA, get_warm_start_mgd


def ellipsoid(x):
    n = len(x)
    return float(sum((1000 ** (i / (n - 1)) * (x[i] - 0.3)) ** 2 for i in range(n)))


def rosen(x):
    return float(sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1)))


def run(kind, seed, dim, generations, f, **kw):
    rng = np.random.RandomState(seed)
    mean = rng.uniform(0.2, 0.8, dim)
    sigma = 0.2
    bounds = np.tile([0.0, 1.0], (dim, 1))
    config = {"kind": kind, "mean": mean.tolist(), "sigma": sigma, "bounds": bounds.tolist()}
    if kind == "cma":
        opt = CMA(mean=mean, sigma=sigma, bounds=bounds, seed=seed, **kw)
    elif kind == "sep":
        opt = SepCMA(mean=mean, sigma=sigma, bounds=bounds, seed=seed, **kw)
    else:
        steps = np.array([0.0] * (dim - 2) + [0.25, 0.1])
        config["steps"] = steps.tolist()
        opt = CMAwM(mean=mean, sigma=sigma, bounds=bounds, steps=steps, seed=seed, **kw)
    config.update({k: v for k, v in kw.items()})
    config["popsize"] = opt.population_size
    gens = []
    for _ in range(generations):
        sols = []
        for _ in range(opt.population_size):
            if kind == "margin":
                x_eval, x_tell = opt.ask()
                sols.append((x_tell, f(x_eval)))
            else:
                x = opt.ask()
                sols.append((x, f(x)))
        told = [(s[0].tolist(), s[1]) for s in sols]
        opt.tell(sols)
        base = opt._cma if kind == "margin" else opt
        C = base._C if kind != "sep" else np.diag(base._C)
        g = {"told": told, "mean": base._mean.tolist(), "sigma": float(base._sigma),
             "C": np.asarray(C).tolist(), "should_stop": bool(opt.should_stop())}
        if kind == "margin":
            g["A"] = opt._A.tolist()
        gens.append(g)
    return {"config": config, "generations": gens}


def warm(seed, dim, n):
    rng = np.random.RandomState(seed)
    sols = [(rng.uniform(0, 1, dim), float(rng.uniform())) for _ in range(n)]
    mean, sigma, cov = get_warm_start_mgd(sols, gamma=0.1, alpha=0.1)
    return {"source": [(x.tolist(), v) for x, v in sols], "mean": mean.tolist(),
            "sigma": sigma, "cov": cov.tolist()}


out = {
    "cases": [
        run("cma", 1, 5, 8, ellipsoid),
        run("cma", 2, 10, 6, rosen),
        run("cma", 3, 4, 6, ellipsoid, population_size=12),
        run("sep", 4, 6, 8, ellipsoid),
        run("margin", 5, 5, 8, ellipsoid),
    ],
    "warm_start": [warm(7, 4, 40), warm(8, 10, 200)],
}
json.dump(out, sys.stdout)
