"""Hyperopt's ``fmin`` on a Parzen study (ask and tell)."""

import collections
import datetime
import logging
import math
import numbers
import os
import pickle
import sys
import time
from typing import Any, Callable, Deque, Dict, List, Optional

import parzen
from parzen.hyperopt import _space
from parzen.hyperopt._algo import resolve, tpe_suggest
from parzen.hyperopt._base import (JOB_STATE_DONE, JOB_STATE_ERROR, STATUS_OK, STATUS_STRINGS,
                                   InvalidLoss, InvalidResultStatus, Trials)

logger = logging.getLogger("parzen.hyperopt")


def space_eval(space: Any, hp_assignment: Dict[str, Any]) -> Any:
    """The space with each active hp node replaced by its value in ``hp_assignment`` (label →
    value, choice indices, as ``fmin`` returns; lists as in ``misc['vals']`` are accepted)."""
    return _space.evaluate(space, hp_assignment)


def _now() -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def _result(rval: Any) -> Dict[str, Any]:
    """Hyperopt's Domain.evaluate: a number → {'loss', 'status': 'ok'}; a dict is checked."""
    if isinstance(rval, numbers.Real) or type(rval).__module__ == "numpy":
        return {"loss": float(rval), "status": STATUS_OK}
    result = dict(rval)
    status = result.get("status")
    if status not in STATUS_STRINGS:
        raise InvalidResultStatus(result)
    if status == STATUS_OK:
        try:
            result["loss"] = float(result["loss"])
        except (TypeError, KeyError):
            raise InvalidLoss(result) from None
    return result


def _seed(rstate: Any) -> Optional[int]:
    if rstate is None:
        env = os.environ.get("HYPEROPT_FMIN_SEED", "")
        return int(env) if env else None
    integers = getattr(rstate, "integers", None)
    if integers is None:
        raise TypeError(f"parzen.hyperopt: rstate must be a numpy.random.Generator (as Hyperopt "
                        f"0.2.7), got {type(rstate).__name__}")
    return int(integers(2 ** 31 - 1))


def _study(trials: Trials, suggest: Any, options: Dict[str, Any], seed: Optional[int]) -> Any:
    """The Trials' Parzen study, rebuilt from its records when the algorithm changed or the
    Trials were unpickled."""
    key = (suggest, tuple(sorted(options.items())))
    if trials._study is not None and trials._study_key == key:
        return trials._study
    # Hyperopt prints no "A new study created" line: neither does fmin.
    study = parzen.create_study(sampler=suggest.sampler(seed, options), _announce=False)
    for doc, (params, dists) in zip(trials._trials, trials._parzen):
        result = doc["result"]
        loss = result.get("loss")
        ok = (doc["state"] == JOB_STATE_DONE and result.get("status") == STATUS_OK
              and loss is not None and not math.isnan(float(loss)))
        study.add_trial(parzen.trial.create_trial(
            state=parzen.TrialState.COMPLETE if ok else parzen.TrialState.FAIL,
            value=float(loss) if ok else None, params=params, distributions=dists))
    trials._study, trials._study_key = study, key
    return study


class _Progress:
    def __init__(self, enabled: Any, total: int, initial: int) -> None:
        self.bar = None
        if enabled and total < sys.maxsize:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, initial=initial, dynamic_ncols=True, unit="trial",
                            postfix="best loss: ?", file=sys.stderr)

    def update(self, best: float) -> None:
        if self.bar is not None:
            self.bar.postfix = f"best loss: {best:.6g}"
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def fmin(fn: Callable[[Any], Any], space: Any, algo: Any = None,
         max_evals: Optional[int] = None, timeout: Optional[float] = None,
         loss_threshold: Optional[float] = None, trials: Optional[Trials] = None,
         rstate: Any = None, allow_trials_fmin: bool = True, pass_expr_memo_ctrl: Any = None,
         catch_eval_exceptions: bool = False, verbose: bool = True, return_argmin: bool = True,
         points_to_evaluate: Optional[List[Dict[str, Any]]] = None, max_queue_len: int = 1,
         show_progressbar: Any = True, early_stop_fn: Optional[Callable[..., Any]] = None,
         trials_save_file: str = "") -> Any:
    """Minimise ``fn`` over ``space`` (Hyperopt 0.2.7's ``fmin``, run by a Parzen sampler).

    Args:
        fn: called with the space's value for each trial; returns a loss (float) or a dict with
            ``status`` (STATUS_OK / STATUS_FAIL) and, for STATUS_OK, ``loss``; other keys are
            kept in the trial's ``result`` (``attachments`` go to ``trials.attachments``).
        space: dicts, lists, tuples of ``hp.*`` nodes and constants.
        algo: ``tpe.suggest`` (default, with a warning as Hyperopt's), ``rand.suggest``,
            ``anneal.suggest``, or ``functools.partial`` of them with their options.
        max_evals: stop when ``trials`` holds that many trials (None: no limit).
        timeout: seconds; no new evaluation starts after it.
        loss_threshold: stop once the best loss is ≤ it.
        trials: a :class:`Trials` to record into (and continue from).
        rstate: a ``numpy.random.Generator``; fmin draws the sampler's seed from it (None:
            ``HYPEROPT_FMIN_SEED`` from the environment, else unseeded).
        catch_eval_exceptions: an exception in ``fn`` marks the trial JOB_STATE_ERROR and the
            search goes on; False: the trial is recorded, then the exception is raised.
        return_argmin: return ``trials.argmin`` (label → value, choice indices); False: return
            ``space_eval(space, trials.argmin)``.
        points_to_evaluate: label → value dicts evaluated first (when ``trials`` is None or
            empty).
        show_progressbar: a tqdm bar (when tqdm is installed and ``max_evals`` is set).
        early_stop_fn: ``fn(trials, *args) -> (stop, args)`` after each evaluation.
        trials_save_file: pickle ``trials`` there after each evaluation; an existing file is
            loaded first (resume).

    Raises:
        TypeError: a Hyperopt feature Parzen does not support, named (custom ``algo``
            functions, ``pass_expr_memo_ctrl``, ``max_queue_len`` > 1, Trials other than
            ``parzen.hyperopt.Trials`` such as MongoTrials/SparkTrials).
    """
    if algo is None:
        algo = tpe_suggest
        logger.warning("TPE is being used as the default algorithm.")
    suggest, options = resolve(algo)
    if pass_expr_memo_ctrl:
        raise TypeError("parzen.hyperopt: pass_expr_memo_ctrl is not supported (Parzen has no "
                        "pyll expressions or ctrl object)")
    if max_queue_len != 1:
        raise TypeError("parzen.hyperopt: max_queue_len other than 1 is not supported (fmin "
                        "evaluates one trial at a time; run parallel workers with "
                        "parzen.create_study(storage=...) instead)")
    if max_evals is None:
        max_evals = sys.maxsize
    if trials_save_file and os.path.exists(trials_save_file):
        with open(trials_save_file, "rb") as f:
            trials = pickle.load(f)
    if trials is None:
        trials = Trials()
    elif not isinstance(trials, Trials):
        raise TypeError(f"parzen.hyperopt: trials of type {type(trials).__name__} are not "
                        "supported (MongoTrials, SparkTrials...); use parzen.hyperopt.Trials, "
                        "or a Parzen storage through parzen.create_study for several workers")
    nodes = _space.labels(space)
    label_list = list(nodes)
    study = _study(trials, suggest, options, _seed(rstate))

    pending: Deque[Dict[str, Any]] = collections.deque()
    if points_to_evaluate and len(trials) == 0:
        if not isinstance(points_to_evaluate, list):
            raise TypeError("parzen.hyperopt: points_to_evaluate must be a list of dicts")
        for point in points_to_evaluate:
            unknown = [k for k in point if k not in nodes]
            if unknown:
                raise ValueError(f"parzen.hyperopt: points_to_evaluate: unknown labels {unknown}")
            study.enqueue_trial({k: nodes[k].internal(v) for k, v in point.items()})
            pending.append(dict(point))

    ok_losses = [float(r["loss"]) for r in trials.results if r.get("status") == STATUS_OK]
    best = min((x for x in ok_losses if not math.isnan(x)), default=math.inf)
    early_args: List[Any] = []
    progress = _Progress(show_progressbar, max_evals, len(trials))
    start = time.monotonic()
    docs = trials._trials
    try:
        while len(docs) < max_evals:
            if timeout is not None and time.monotonic() - start >= timeout:
                break
            trial = study.ask()
            fixed = pending.popleft() if pending else None
            vals: Dict[str, Any] = {}
            try:
                value = _space.sample(space, trial, vals, fixed, {})
            except BaseException:
                study.tell(trial, state=parzen.TrialState.FAIL)
                raise
            tid = len(docs)
            doc = trials._new_doc(tid, label_list, vals)
            docs.append(doc)
            try:
                result = _result(fn(value))
            except BaseException as e:
                doc["state"] = JOB_STATE_ERROR
                doc["misc"]["error"] = (str(type(e)), str(e))
                doc["refresh_time"] = _now()
                frozen = study.tell(trial, state=parzen.TrialState.FAIL)
                trials._parzen.append((frozen.params, frozen.distributions))
                if not isinstance(e, Exception) or not catch_eval_exceptions:
                    if trials_save_file:
                        _save(trials, trials_save_file)
                    raise
                logger.error("job exception: %s", e)
            else:
                attachments = result.pop("attachments", None)
                if attachments:
                    trials.trial_attachments(doc).update(attachments)
                doc["result"] = result
                doc["state"] = JOB_STATE_DONE
                doc["refresh_time"] = _now()
                loss = result.get("loss")
                if (result["status"] == STATUS_OK and loss is not None
                        and not math.isnan(loss)):
                    frozen = study.tell(trial, loss, state=parzen.TrialState.COMPLETE)
                    if loss < best:
                        best = loss
                else:
                    frozen = study.tell(trial, state=parzen.TrialState.FAIL)
                trials._parzen.append((frozen.params, frozen.distributions))
            progress.update(best)
            if trials_save_file:
                _save(trials, trials_save_file)
            if loss_threshold is not None and best <= loss_threshold:
                break
            if early_stop_fn is not None:
                stop, early_args = early_stop_fn(trials, *early_args)
                if stop:
                    logger.info("Early stop triggered")
                    break
    finally:
        progress.close()

    if return_argmin:
        if len(trials.trials) == 0:
            raise Exception("There are no evaluation tasks, cannot return argmin of task "
                            "losses.")
        return trials.argmin
    if len(trials) > 0:
        return space_eval(space, trials.argmin)
    return None


def _save(trials: Trials, path: str) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        pickle.dump(trials, f)
    os.replace(tmp, path)
