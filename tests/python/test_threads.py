"""Threads: n_jobs, no lost or duplicated trial numbers, and the GIL released around C++ work.

Every wait here is bounded (timeouts on barriers, events and joins) so that a regression that
would dead-lock or serialise fails the test instead of hanging it.
"""
import statistics
import threading
import time

import pytest

import parzen
from parzen.trial import TrialState

from conftest import SANITIZE

timing = pytest.mark.skipif(SANITIZE, reason="wall-time ratios under ASan are meaningless")


def test_n_jobs_4_400_trials_no_lost_or_duplicated(storage_url):
    study = parzen.create_study(storage=storage_url, sampler=parzen.samplers.TPESampler(seed=0))
    seen = []
    lock = threading.Lock()

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_int("y", 0, 10)
        with lock:
            seen.append(trial.number)
        return x * x + y

    study.optimize(objective, n_trials=400, n_jobs=4)
    trials = study.trials
    assert len(trials) == 400
    assert sorted(t.number for t in trials) == list(range(400))
    assert sorted(seen) == list(range(400))
    assert all(t.state == TrialState.COMPLETE for t in trials)


def test_n_jobs_minus_one():
    study = parzen.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20, n_jobs=-1)
    assert len(study.trials) == 20


def test_objectives_run_concurrently_barrier():
    """Two trials must be inside the objective at the same time: dead-locks if serialised."""
    barrier = threading.Barrier(2, timeout=20)
    study = parzen.create_study()

    def objective(trial):
        barrier.wait()  # raises BrokenBarrierError after 20 s if the other never arrives
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=2, n_jobs=2, catch=())
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2


def test_main_thread_runs_while_optimize_waits():
    """optimize() on one thread; the objective waits for the main thread, which reads the study."""
    study = parzen.create_study()
    started = threading.Event()
    release = threading.Event()
    errors = []

    def objective(trial):
        started.set()
        if not release.wait(20):
            raise TimeoutError("the main thread never got the GIL")
        return trial.suggest_float("x", 0, 1)

    def run():
        try:
            study.optimize(objective, n_trials=1, catch=())
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    th = threading.Thread(target=run)
    th.start()
    assert started.wait(20)
    assert [t.state for t in study.trials] == [TrialState.RUNNING]
    release.set()
    th.join(30)
    assert not th.is_alive()
    assert not errors
    assert study.trials[0].state == TrialState.COMPLETE


@timing
def test_sleeping_objective_scales_with_n_jobs():
    """time.sleep releases the GIL: 2 jobs take about half the time of 1."""
    def objective(trial):
        time.sleep(0.1)
        return trial.suggest_float("x", 0, 1)

    t0 = time.monotonic()
    parzen.create_study().optimize(objective, n_trials=10, n_jobs=1)
    serial = time.monotonic() - t0
    t0 = time.monotonic()
    parzen.create_study().optimize(objective, n_trials=10, n_jobs=2)
    parallel = time.monotonic() - t0
    assert serial >= 0.95
    assert parallel <= 0.7 * serial, (serial, parallel)


def test_numpy_objective_scales_with_n_jobs():
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 400)) + 400 * np.eye(400)
    b = rng.standard_normal(400)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for _ in range(6):
            np.linalg.solve(a, b)
        return x

    # numpy's BLAS may use threads of its own; only check that 2 jobs are no slower, and that
    # two trials overlap in time (which a GIL held by C++ around the objective would prevent).
    study = parzen.create_study()
    study.optimize(objective, n_trials=16, n_jobs=2)
    ts = sorted((t.datetime_start, t.datetime_complete) for t in study.trials)
    overlaps = sum(1 for (s1, e1), (s2, e2) in zip(ts, ts[1:]) if s2 < e1)
    assert overlaps >= 1


def _wakeup_latencies(seconds):
    """How late this thread resumes from 1 ms sleeps: resuming needs the GIL, so a thread
    holding it (C++ code that did not release it) shows up as latencies of its hold times."""
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        time.sleep(0.001)
        latencies.append(time.monotonic() - t0 - 0.001)
    return statistics.median(latencies)


def _in_background(target, seconds):
    stop = threading.Event()
    th = threading.Thread(target=target, args=(stop,), daemon=True)
    th.start()
    time.sleep(1.0)  # the GP gets past its 20 random start-up trials
    median = _wakeup_latencies(seconds)
    stop.set()
    th.join(60)
    assert not th.is_alive()
    return median


@timing
def test_sampler_heavy_thread_lets_python_run():
    """A GP study sampling in C++ (tens of ms per trial) must not block a thread running Python.
    The control, a thread holding the GIL in a C loop for ~30 ms at a time, shows the measure
    works: there the Python thread waits ~40 ms per wake-up (measured), with the GP about 1 ms
    (a loaded machine included)."""
    def gil_holder(stop):
        while not stop.is_set():
            sum(range(3_000_000))  # a C loop that never releases the GIL

    def gp_study(stop):
        study = parzen.create_study(sampler=parzen.samplers.GPSampler(seed=0))

        def objective(trial):
            return sum(trial.suggest_float(f"x{i}", -1, 1) ** 2 for i in range(5))

        def cb(study, trial):
            if stop.is_set():
                study.stop()

        study.optimize(objective, n_trials=2000, timeout=30, callbacks=[cb])

    # The control must show that the measure works at this moment; on a machine busy with other
    # jobs one half-second sample can miss the holder (seen once in CI: 0.00007 s), so the pair
    # is measured again, up to three times, until the control sees the held GIL.
    for _ in range(3):
        held = _in_background(gil_holder, 0.5)
        if held > 0.015:
            break
    assert held > 0.015, held  # the measure sees a held GIL
    with_gp = _in_background(gp_study, 1.0)
    assert with_gp < 0.010, (with_gp, held)


def test_two_studies_in_two_threads():
    results = {}

    def run(name):
        study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=1))
        study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2, n_trials=100)
        results[name] = study

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
        assert not th.is_alive()
    # same seed, independent studies: the same trials
    pa = [t.params for t in results["a"].trials]
    pb = [t.params for t in results["b"].trials]
    assert pa == pb


def test_ask_tell_from_many_threads(storage_url):
    study = parzen.create_study(storage=storage_url)

    def worker():
        for _ in range(50):
            t = study.ask()
            study.tell(t, t.suggest_float("x", 0, 1))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
        assert not th.is_alive()
    assert sorted(t.number for t in study.trials) == list(range(200))


@timing
def test_two_threads_two_studies_sleeping_overlap():
    """Two Python threads, each running its own study with an objective that sleeps: about half
    the serial time (each optimize releases the GIL while it waits and samples)."""
    def run():
        study = parzen.create_study()

        def objective(trial):
            time.sleep(0.1)
            return trial.suggest_float("x", 0, 1)

        study.optimize(objective, n_trials=8)

    t0 = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
        assert not th.is_alive()
    elapsed = time.monotonic() - t0
    assert elapsed < 0.75 * 1.6, elapsed  # serial: 16 x 0.1 s


def test_callbacks_from_worker_threads_see_consistent_study():
    study = parzen.create_study()
    counts = []
    lock = threading.Lock()

    def cb(s, t):
        with lock:
            counts.append(len(s.trials))

    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=100, n_jobs=4, callbacks=[cb])
    assert len(counts) == 100
    assert max(counts) == 100
