"""Run by test_tryout_fixes.py in a subprocess: a Trial used from other threads (breakit F15)."""
import sys, threading
import parzen
parzen.logging.set_verbosity(parzen.logging.ERROR)
ths = []
def obj(t):
    def late():
        for i in range(300):
            try:
                t.suggest_float(f"p{i}", 0, 1); t.report(float(i), i); t.set_user_attr(f"u{i}", i)
                t.params; t.number
            except parzen.exceptions.InvalidStateError:
                return
    th = threading.Thread(target=late); th.start(); ths.append(th)
    return 1.0
s = parzen.create_study()
s.optimize(obj, n_trials=200, n_jobs=int(sys.argv[1]))
for th in ths: th.join()
# two threads suggesting on one asked trial
for k in range(20):
    t = s.ask()
    def both(off):
        for i in range(200):
            t.suggest_float(f"q{i}", 0, 1); t.set_user_attr(f"v{off}{i}", i); t.params
    a = [threading.Thread(target=both, args=(j,)) for j in range(2)]
    for x in a: x.start()
    for x in a: x.join()
    assert len(t.params) == 200
    s.tell(t, 1.0)
print("ok", len(s.trials))
