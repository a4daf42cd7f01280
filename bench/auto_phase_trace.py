#!/usr/bin/python3
"""Which phase of the auto sampler decides a Levy-10 run (a diagnostic, no peer): for each seed,
auto (defaults, budget 1000) on Levy-10 over [-10, 10]^10 (bench/optuna_quality.py's definition),
the best value after the GP phase (trial 99), after 500 trials (CMA-ES from the GP's best, before
the trust-region turns of the final half) and at the end, the delegate that found the final best
(its `auto:sampler`) and its parameters rounded (1.0 everywhere: the global minimum; a coordinate
near -0.09 or 3.66 sits in a neighbouring well of Levy's).

    PYTHONPATH=build/python /usr/bin/python3 bench/auto_phase_trace.py 0 1 2 ... 9
"""
import math
import sys

import parzen


def levy10(t):
    w = [1 + (t.suggest_float(f"x{i}", -10, 10) - 1) / 4 for i in range(10)]
    s = math.sin(math.pi * w[0]) ** 2
    s += sum((w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2) for i in range(9))
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def main():
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    for seed in map(int, sys.argv[1:] or range(10)):
        study = parzen.create_study(sampler=parzen.samplers.AutoSampler(seed=seed))
        study.optimize(levy10, n_trials=1000)
        trials = study.trials
        best = min(trials, key=lambda t: t.value)
        first = [min(t.value for t in trials[:n]) for n in (100, 500, 1000)]
        print(seed, "best after 100 %.3g, 500 %.3g, 1000 %.3g;" % tuple(first), "found by",
              best.system_attrs["auto:sampler"], "at trial", best.number,
              [round(best.params[f"x{i}"], 2) for i in range(10)], flush=True)


if __name__ == "__main__":
    sys.exit(main())
