#!/usr/bin/python3
"""The chaos run of issue 14 (docs/reliability.md): `parzen run` plus N-1 `parzen worker`s on one
PostgreSQL study while a random one of them is SIGKILLed (and restarted) every few seconds, the
server is restarted every few minutes and one worker's clock is off (libfaketime); then the
audit, beside the same run without faults.

Usage: chaos.py [--workers 8] [--duration 600] [--kill-every 5] [--restart-every 120]
                [--skew -120] [--trial-seconds 1] [--baseline-duration 120] [--max-retries 3]
                [--heartbeat-interval 2] [--grace-period 10] [--parzen build/parzen] [--json FILE]

The study's budget is what the fault-free workers would finish in --duration seconds
(workers x duration / trial-seconds); the chaos run goes on until it is complete and every
process has exited. Its trial is a shell script that records each start (runs.log) and, just
before printing its value, writes it to results/NUMBER, so a result the database lost can be
found. Printed table:

  trials complete          complete trials (the budget, when nothing is lost)
  results lost             trials that printed a result the database does not hold as complete,
                           whose parzen process was not SIGKILLed (the system lost it)
  in flight at a SIGKILL   the same, but its parzen process was SIGKILLed between the trial's
                           exit and the storing transaction (the documented loss window)
                           with that value
  zombies                  trials running or waiting after every process exited
  retries over the limit   parameter sets that ran more than 1 + max_retries times (trial
                           starts in runs.log, and trials in the database)
  numbers gapless          trial numbers 0..N-1
  throughput               complete trials per second of wall time, and vs the fault-free run

Needs Debian's postgresql and faketime (./scripts/bench.sh chaos installs them) and a built
parzen. Starts its own PostgreSQL cluster (scripts/pg-server.sh; PARZEN_PG_DURABLE=1 for fsync
on) on 127.0.0.1 and removes it at the end.
"""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_SERVER = os.path.join(ROOT, "scripts", "pg-server.sh")

# results/NUMBER holds the value and the pid of the parzen process that ran the trial (the
# parent of the trial's supervisor), so that a result lost because that process was SIGKILLed
# between the trial's exit and the storing transaction is told apart from one the system lost.
TRIAL_SCRIPT = """x=$1
echo "$x" >> runs.log
sleep {seconds}
runner=$(awk '{{print $4}}' /proc/$PPID/stat)
echo "$x $runner" > results/$PARZEN_TRIAL_NUMBER
echo "$x"
"""


def libfaketime():
    found = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    return found[0] if found else None


def write_experiment(work, name, url, args, n_trials):
    with open(os.path.join(work, "trial.sh"), "w") as f:
        f.write(TRIAL_SCRIPT.format(seconds=args.trial_seconds))
    os.makedirs(os.path.join(work, "results"), exist_ok=True)
    path = os.path.join(work, name + ".toml")
    liveness = ("" if args.no_liveness_keys else
                f"heartbeat_interval = {float(args.heartbeat_interval)}\n"
                f"grace_period = {float(args.grace_period)}\n")
    with open(path, "w") as f:
        f.write(f"""name = {json.dumps(name)}
storage = {json.dumps(url)}
n_trials = {n_trials}
max_retries = {args.max_retries}
{liveness}command = ["/bin/sh", {json.dumps(os.path.join(work, "trial.sh"))}, "{{x}}"]
[search_space]
x = {{type = "float", low = 0.0, high = 1.0}}
[sampler]
type = "random"
""")
    return path


class Fleet:
    """Process 0 is `parzen run` (it creates the study), the others `parzen worker`; process 1
    runs with its clock off when asked."""

    def __init__(self, args, work, name, url, experiment, skew):
        self.args, self.work, self.name, self.url = args, work, name, url
        self.experiment, self.skew = experiment, skew
        self.procs = [None] * args.workers
        self.done = [False] * args.workers
        self.statuses = []  # exit statuses of processes that ended by themselves
        self.killed = set()  # pids SIGKILLed

    def start(self, i):
        env = dict(os.environ)
        if i == 0:
            argv = [self.args.parzen, "run", self.experiment, "--progress", "lines"]
        else:
            argv = [self.args.parzen, "worker", "--storage", self.url, "--study", self.name]
        if i == 1 and self.skew:
            env.update({"LD_PRELOAD": libfaketime(), "FAKETIME": f"{self.skew:+d}s",
                        "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
        log = open(os.path.join(self.work, f"proc{i}.log"), "a")
        self.procs[i] = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         env=env, cwd=self.work)
        log.close()

    def poll(self):
        for i, p in enumerate(self.procs):
            if p is not None and not self.done[i] and p.poll() is not None:
                self.done[i] = True
                self.statuses.append(p.returncode)

    def all_done(self):
        self.poll()
        return all(self.done)

    def kill(self, i):
        p = self.procs[i]
        if p is None or self.done[i] or p.poll() is not None:
            return False
        p.send_signal(signal.SIGKILL)
        self.killed.add(p.pid)
        p.wait()
        return True

    def kill_all(self):
        for p in self.procs:
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()


def audit(args, work, name, url, killed=frozenset()):
    out = subprocess.run([args.parzen, "trials", name, "--storage", url, "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    trials = json.loads(out)["trials"]
    by_number = {t["number"]: t for t in trials}
    numbers = sorted(by_number)
    complete = sum(t["state"] == "complete" for t in trials)
    zombies = sum(t["state"] in ("running", "waiting") for t in trials)
    lost = in_flight = 0
    for path in glob.glob(os.path.join(work, "results", "*")):
        number = int(os.path.basename(path))
        with open(path) as f:
            fields = f.read().split()
        value = float(fields[0])
        runner = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
        t = by_number.get(number)
        if t is None or t["state"] != "complete" or t["values"] != [value]:
            if runner in killed:
                in_flight += 1  # its parzen process was SIGKILLed before it stored the result
            else:
                lost += 1
    limit = 1 + args.max_retries
    runs = {}
    with open(os.path.join(work, "runs.log")) as f:
        for line in f:
            runs[line.strip()] = runs.get(line.strip(), 0) + 1
    in_db = {}
    for t in trials:
        key = json.dumps(t["params"], sort_keys=True)
        in_db[key] = in_db.get(key, 0) + 1
    over = len({x for x, n in runs.items() if n > limit}) + sum(n > limit for n in in_db.values())
    return {"trials": len(trials), "complete": complete, "failed":
            sum(t["state"] == "failed" for t in trials), "results_lost": lost,
            "results_in_flight_at_sigkill": in_flight,
            "zombies": zombies, "retries_over_limit": over,
            "gapless": numbers == list(range(len(numbers)))}


def run_phase(args, url, pg_dir, label, duration, faults):
    work = tempfile.mkdtemp(prefix=f"parzen-chaos-{label}-")
    name = f"chaos-{label}-{os.getpid()}"
    budget = max(1, int(args.workers * duration / args.trial_seconds))
    experiment = write_experiment(work, name, url, args, budget)
    fleet = Fleet(args, work, name, url, experiment, args.skew if faults else 0)
    rng = random.Random(14)
    kills = restarts = 0
    start = time.monotonic()
    fleet.start(0)
    while not os.path.exists(os.path.join(work, "runs.log")) and not fleet.all_done():
        time.sleep(0.05)
    for i in range(1, args.workers):
        fleet.start(i)
    next_kill = start + args.kill_every
    next_restart = start + args.restart_every
    deadline = start + max(3 * duration, duration + 300)
    try:
        while not fleet.all_done():
            now = time.monotonic()
            # Faults for `duration` seconds; then the fleet finishes the study unharmed (a server
            # restarting more often than the grace period would keep every judge from failing
            # dead workers' trials: docs/reliability.md).
            faulting = faults and now - start < duration
            if now > deadline:
                print(f"chaos: {label}: still running after {now - start:.0f} s; stopping it",
                      file=sys.stderr)
                break
            if faulting and now >= next_kill:
                next_kill += args.kill_every
                i = rng.randrange(args.workers)
                if fleet.kill(i):
                    kills += 1
                    fleet.start(i)
            if faulting and now >= next_restart:
                next_restart += args.restart_every
                subprocess.run([PG_SERVER, "restart", pg_dir], check=True,
                               stdout=subprocess.DEVNULL)
                restarts += 1
            time.sleep(0.05)
    finally:
        fleet.kill_all()
    wall = time.monotonic() - start
    time.sleep(args.grace_period)  # the end plus the grace period: nobody is left to clean up
    result = audit(args, work, name, url, fleet.killed)
    bad_exits = sum(s not in (0, 3) for s in fleet.statuses)
    result.update({"label": label, "wall_seconds": wall, "budget": budget,
                   "throughput": result["complete"] / wall, "sigkills": kills,
                   "server_restarts": restarts, "abnormal_exits": bad_exits, "work": work})
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--kill-every", type=float, default=5)
    ap.add_argument("--restart-every", type=float, default=120)
    ap.add_argument("--skew", type=int, default=-120, help="seconds; 0: no skewed worker")
    ap.add_argument("--trial-seconds", type=float, default=1.0)
    ap.add_argument("--baseline-duration", type=float, default=None,
                    help="fault-free run's length (default: min(duration, 120)); 0: none")
    ap.add_argument("--max-retries", type=int, default=3)
    ap.add_argument("--heartbeat-interval", type=float, default=2)
    ap.add_argument("--grace-period", type=float, default=10)
    ap.add_argument("--no-liveness-keys", action="store_true",
                    help="leave heartbeat_interval and grace_period out of the experiment (for "
                    "builds before issue 14, which refuse them; their 5 s / 30 s apply)")
    ap.add_argument("--parzen", default=os.path.join(ROOT, "build", "parzen"))
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directories")
    args = ap.parse_args()
    args.parzen = os.path.abspath(args.parzen)
    if args.skew and not libfaketime():
        sys.exit("chaos: libfaketime is not installed (apt-get install faketime), or use --skew 0")
    baseline_duration = (min(args.duration, 120) if args.baseline_duration is None
                         else args.baseline_duration)

    pg_dir = tempfile.mkdtemp(prefix="parzen-chaos-pg-")
    os.rmdir(pg_dir)  # pg-server.sh makes it
    env = dict(os.environ, PARZEN_PG_PORT=str(57000 + os.getpid() % 2000))
    url = subprocess.run([PG_SERVER, "start", pg_dir], check=True, capture_output=True,
                         text=True, env=env).stdout.strip()
    try:
        rows = []
        if baseline_duration > 0:
            rows.append(run_phase(args, url, pg_dir, "fault-free", baseline_duration, False))
        rows.append(run_phase(args, url, pg_dir, "chaos", args.duration, True))
    finally:
        subprocess.run([PG_SERVER, "stop", pg_dir], stdout=subprocess.DEVNULL)

    base = rows[0]["throughput"] if len(rows) == 2 else None
    durable = os.environ.get("PARZEN_PG_DURABLE") == "1"
    print(f"\nchaos run: {args.workers} processes on PostgreSQL ({'durable' if durable else 'fsync off'}),"
          f" {args.trial_seconds:g} s trials, SIGKILL every {args.kill_every:g} s,"
          f" server restart every {args.restart_every:g} s, one clock {args.skew:+d} s,"
          f" max_retries {args.max_retries}, " +
          ("heartbeat and grace period left at their defaults\n" if args.no_liveness_keys else
           f"heartbeat {args.heartbeat_interval:g} s, grace {args.grace_period:g} s\n"))
    print("| run | wall s | budget | complete | results lost | in flight at a SIGKILL | zombies "
          "| retries over the limit "
          "| gapless | failed trials | SIGKILLs | server restarts | abnormal exits "
          "| trials/s | vs fault-free |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = f"{100 * r['throughput'] / base:.0f} %" if base else "-"
        print(f"| {r['label']} | {r['wall_seconds']:.0f} | {r['budget']} | {r['complete']} "
              f"| {r['results_lost']} | {r['results_in_flight_at_sigkill']} | {r['zombies']} "
              f"| {r['retries_over_limit']} "
              f"| {'yes' if r['gapless'] else 'NO'} | {r['failed']} | {r['sigkills']} "
              f"| {r['server_restarts']} | {r['abnormal_exits']} | {r['throughput']:.2f} "
              f"| {ratio} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    chaos = rows[-1]
    ok = (chaos["results_lost"] == 0 and chaos["zombies"] == 0 and
          chaos["retries_over_limit"] == 0 and chaos["gapless"] and
          chaos["complete"] == chaos["budget"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
