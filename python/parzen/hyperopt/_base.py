"""Hyperopt's ``Trials`` and constants over a Parzen study."""

import datetime
import math
from typing import Any, Dict, Iterator, List, Optional, Tuple

STATUS_NEW = "new"
STATUS_RUNNING = "running"
STATUS_SUSPENDED = "suspended"
STATUS_OK = "ok"
STATUS_FAIL = "fail"
STATUS_STRINGS = ("new", "running", "suspended", "ok", "fail")

JOB_STATE_NEW = 0
JOB_STATE_RUNNING = 1
JOB_STATE_DONE = 2
JOB_STATE_ERROR = 3
JOB_STATE_CANCEL = 4
JOB_STATES = [JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE, JOB_STATE_ERROR,
              JOB_STATE_CANCEL]
JOB_VALID_STATES = {JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE}


class AllTrialsFailed(Exception):
    """``best_trial``/``argmin`` with no trial of status ``ok`` (Hyperopt's)."""


class InvalidResultStatus(ValueError):
    """The objective returned a dict whose ``status`` is not one of STATUS_STRINGS."""


class InvalidLoss(ValueError):
    """The objective returned status ``ok`` without a float ``loss``."""


class Trials:
    """Hyperopt's in-memory ``Trials``: the record of fmin's evaluations.

    ``trials`` is the list of trial documents with Hyperopt's keys (``state``, ``tid``,
    ``spec``, ``result``, ``misc`` with ``tid``, ``cmd``, ``workdir``, ``idxs``, ``vals`` — one
    list per label, empty for inactive labels, choice indices —, ``exp_key``, ``owner``,
    ``version``, ``book_time``, ``refresh_time``). A Trials object passed to several fmin calls
    continues its search (``max_evals`` counts all its trials) and pickles (``trials_save_file``).
    """

    asynchronous = False

    def __init__(self, exp_key: Optional[str] = None, refresh: bool = True) -> None:
        self._exp_key = exp_key
        self._trials: List[Dict[str, Any]] = []
        self.attachments: Dict[str, Any] = {}
        # per tid: the Parzen study's parameters and distributions of the trial
        self._parzen: List[Tuple[Dict[str, Any], Dict[str, Any]]] = []
        self._study: Any = None
        self._study_key: Any = None

    # --- pickling: the Parzen study is rebuilt from the records ---------------------------------
    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_study"] = None
        state["_study_key"] = None
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)

    # --- Hyperopt's API ---------------------------------------------------------------------
    @property
    def trials(self) -> List[Dict[str, Any]]:
        return self._trials

    @property
    def dynamic_trials(self) -> List[Dict[str, Any]]:
        return self._trials

    def __len__(self) -> int:
        return len(self._trials)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return iter(self._trials)

    def __getitem__(self, item: Any) -> Any:
        return self._trials[item]

    def refresh(self) -> None:
        """Nothing to do (in memory, always current)."""

    def delete_all(self) -> None:
        self.__init__(self._exp_key)  # type: ignore[misc]

    @property
    def tids(self) -> List[int]:
        return [t["tid"] for t in self._trials]

    @property
    def specs(self) -> List[Any]:
        return [t["spec"] for t in self._trials]

    @property
    def results(self) -> List[Dict[str, Any]]:
        return [t["result"] for t in self._trials]

    @property
    def miscs(self) -> List[Dict[str, Any]]:
        return [t["misc"] for t in self._trials]

    @property
    def idxs_vals(self) -> Tuple[Dict[str, List[int]], Dict[str, List[Any]]]:
        idxs: Dict[str, List[int]] = {}
        vals: Dict[str, List[Any]] = {}
        for misc in self.miscs:
            for k, v in misc["idxs"].items():
                idxs.setdefault(k, []).extend(v)
            for k, v in misc["vals"].items():
                vals.setdefault(k, []).extend(v)
        return idxs, vals

    @property
    def idxs(self) -> Dict[str, List[int]]:
        return self.idxs_vals[0]

    @property
    def vals(self) -> Dict[str, List[Any]]:
        return self.idxs_vals[1]

    def new_trial_ids(self, n: int) -> List[int]:
        start = len(self._trials)
        return list(range(start, start + n))

    def count_by_state_unsynced(self, arg: Any) -> int:
        states = set(arg) if isinstance(arg, (list, tuple, set)) else {arg}
        return sum(1 for t in self._trials if t["state"] in states)

    def count_by_state_synced(self, arg: Any, trials: Any = None) -> int:
        return self.count_by_state_unsynced(arg)

    def losses(self, bandit: Any = None) -> List[Optional[float]]:
        """Each trial's ``result['loss']`` (None where it has none: failed trials)."""
        return [r.get("loss") for r in self.results]

    def statuses(self, bandit: Any = None) -> List[Optional[str]]:
        return [r.get("status") for r in self.results]

    def trial_attachments(self, trial: Dict[str, Any]) -> Dict[str, Any]:
        """The ``attachments`` the objective returned for ``trial`` (a dict)."""
        return self.attachments.setdefault(f"ATTACH::{trial['tid']}", {})

    @property
    def best_trial(self) -> Dict[str, Any]:
        """The trial of status ``ok`` with the lowest loss (NaN losses skipped); raises
        AllTrialsFailed when there is none."""
        candidates = [t for t in self._trials if t["result"].get("status") == STATUS_OK]
        if not candidates:
            raise AllTrialsFailed
        best, best_loss = None, math.inf
        for t in candidates:
            loss = float(t["result"]["loss"])
            # NaN compares false both ways: skipped, as Hyperopt's np.nanargmin does.
            if not math.isnan(loss) and (best is None or loss < best_loss):
                best, best_loss = t, loss
        if best is None:  # every ok trial's loss is NaN
            raise AllTrialsFailed
        return best

    @property
    def argmin(self) -> Dict[str, Any]:
        """The best trial's values: label → value (choice index) for its active labels."""
        return {k: v[0] for k, v in self.best_trial["misc"]["vals"].items() if v}

    def average_best_error(self, bandit: Any = None) -> float:
        ok = [float(r["loss"]) for r in self.results if r.get("status") == STATUS_OK]
        ok = [x for x in ok if not math.isnan(x)]
        if not ok:
            raise AllTrialsFailed
        return min(ok)

    def fmin(self, fn: Any, space: Any, algo: Any = None, max_evals: Optional[int] = None,
             **kwargs: Any) -> Any:
        """``fmin(fn, space, algo, max_evals, trials=self, ...)``."""
        from parzen.hyperopt._fmin import fmin

        kwargs.pop("allow_trials_fmin", None)
        return fmin(fn, space, algo=algo, max_evals=max_evals, trials=self,
                    allow_trials_fmin=False, **kwargs)

    # --- recording ------------------------------------------------------------------------
    def _new_doc(self, tid: int, labels: List[str], vals: Dict[str, Any]) -> Dict[str, Any]:
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        now = now.replace(microsecond=(now.microsecond // 1000) * 1000)  # Hyperopt's coarse time
        idxs_d = {k: ([tid] if k in vals else []) for k in labels}
        vals_d = {k: ([vals[k]] if k in vals else []) for k in labels}
        return {"state": JOB_STATE_RUNNING, "tid": tid, "spec": None,
                "result": {"status": STATUS_NEW},
                "misc": {"tid": tid, "cmd": ("domain_attachment", "FMinIter_Domain"),
                         "workdir": None, "idxs": idxs_d, "vals": vals_d},
                "exp_key": self._exp_key, "owner": None, "version": 0, "book_time": now,
                "refresh_time": now}
