"""NNI's trial API for trials that Parzen runs (``parzen run config.yml``).

Parzen puts the directory of this package first on each trial's PYTHONPATH, so NNI trial code
runs unchanged::

    import nni
    params = nni.get_next_parameter()
    ...
    nni.report_intermediate_result(accuracy)   # -> "parzen:report STEP VALUE"
    nni.report_final_result(accuracy)          # -> "parzen:result VALUE"

Plain Python, standard library only: a trial may run any Python 3 without Parzen installed. The
values come from the trial's environment (PARZEN_PARAMS, PARZEN_STUDY, PARZEN_TRIAL_NUMBER) and
the results go to standard output as the lines of Parzen's trial protocol
(docs/trial-protocol.md). docs/nni.md lists what maps to what.
"""

import json
import math
import os
import pkgutil
import sys

# Subpackages of a real NNI installed elsewhere on sys.path (nni.compression, ...) stay
# importable; the trial API below is Parzen's.
__path__ = pkgutil.extend_path(__path__, __name__)

__all__ = [
    "get_next_parameter",
    "get_current_parameter",
    "report_intermediate_result",
    "report_final_result",
    "get_experiment_id",
    "get_trial_id",
    "get_sequence_id",
]

_NOT_UNDER_PARZEN = (
    "nni.{func}(): this trial is not running under Parzen ({var} is not set). Run the experiment "
    "with `parzen run config.yml`; to try the trial by hand, give its parameters as JSON, e.g. "
    "PARZEN_PARAMS='{{\"lr\": 0.01}}' PARZEN_TRIAL_NUMBER=0 python3 trial.py"
)

_params = None
_step = 0


def _env(name, func):
    value = os.environ.get(name)
    if value is None:
        raise RuntimeError(_NOT_UNDER_PARZEN.format(func=func, var=name))
    return value


def _emit(line):
    # A line of the trial protocol, flushed at once: Parzen acts on reports while the trial runs.
    out = sys.stdout
    out.write(line + "\n")
    out.flush()


def _number(value, func, what):
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        raise TypeError(f"nni.{func}(): {what} must be a number, not {type(value).__name__} {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"nni.{func}(): {what} must be a number (or a dict with a numeric 'default'), not "
            f"{type(value).__name__} {value!r}"
        ) from None


def _metric(metric, func):
    """The number to optimise: the metric, or its 'default' entry when it is a dict."""
    if isinstance(metric, dict):
        if "default" not in metric:
            raise ValueError(
                f"nni.{func}(): a dict metric needs a 'default' key holding the number Parzen "
                f"optimises, e.g. {{'default': accuracy, 'loss': loss}}; got keys {sorted(map(str, metric))}"
            )
        return _number(metric["default"], func, "metric['default']")
    return _number(metric, func, "the metric")


def _text(value):
    # repr of a float reads back exactly; nan and inf are spelled as Parzen's reader accepts.
    return repr(float(value))


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    for convert in ("item", "tolist"):  # numpy scalars and arrays
        if hasattr(value, convert):
            try:
                return _jsonable(getattr(value, convert)())
            except Exception:  # noqa: BLE001 - fall through to the text form
                pass
    try:
        return _jsonable(float(value))
    except (TypeError, ValueError):
        return str(value)


def _attr_key(key):
    # Attribute keys are one word in the protocol line.
    text = "_".join(str(key).split())
    return text or "_"


def get_next_parameter():
    """This trial's parameters as NNI gives them: a dict of parameter name -> value, a nested
    choice as {"_name": ..., ...}, BatchTuner's chosen parameter set itself, and TRIAL_BUDGET
    under the Hyperband and BOHB tuners."""
    global _params
    params = json.loads(_env("PARZEN_PARAMS", "get_next_parameter"))
    if os.environ.get("PARZEN_NNI_TUNER") == "BatchTuner" and isinstance(params, dict):
        chosen = params.get("combine_params")
        if isinstance(chosen, str):
            params = json.loads(chosen)
    budget = os.environ.get("PARZEN_NNI_TRIAL_BUDGET")
    if budget is not None and isinstance(params, dict):
        params["TRIAL_BUDGET"] = int(budget)
    _params = params
    return params


def get_current_parameter(tag=None):
    """The parameters get_next_parameter() returned (one of them with `tag`)."""
    if _params is None:
        get_next_parameter()
    if tag is None:
        return _params
    return _params[tag]


def report_intermediate_result(metric):
    """Reports a value at the next step (1, 2, ...): a number, or a dict whose 'default' is the
    number. Parzen's pruner (NNI's assessor) may then stop the trial."""
    global _step
    value = _metric(metric, "report_intermediate_result")
    _env("PARZEN_TRIAL_NUMBER", "report_intermediate_result")
    _step += 1
    _emit(f"parzen:report {_step} {_text(value)}")


def report_final_result(metric):
    """Reports the trial's result: a number, or a dict whose 'default' is the number optimised;
    its other entries are kept as the trial's user attributes."""
    value = _metric(metric, "report_final_result")
    _env("PARZEN_TRIAL_NUMBER", "report_final_result")
    if isinstance(metric, dict):
        for key, extra in metric.items():
            if key == "default":
                continue
            _emit(f"parzen:attr {_attr_key(key)} {json.dumps(_jsonable(extra), allow_nan=False)}")
    _emit(f"parzen:result {_text(value)}")


def get_experiment_id():
    """The study's name (NNI: the experiment's id)."""
    return _env("PARZEN_STUDY", "get_experiment_id")


def get_trial_id():
    """The trial's number as a string (NNI: the trial job's id)."""
    return _env("PARZEN_TRIAL_NUMBER", "get_trial_id")


def get_sequence_id():
    """The trial's number: 0, 1, 2, ... in the order trials started."""
    return int(_env("PARZEN_TRIAL_NUMBER", "get_sequence_id"))


# NNI's environment variables, for trial code that reads them (NNI_OUTPUT_DIR for TensorBoard
# logs, ...): set once, without replacing any the trial was given.
if "PARZEN_TRIAL_NUMBER" in os.environ:
    _trial_dir = os.environ.get("PARZEN_TRIAL_DIR") or os.getcwd()
    for _name, _value in (
        ("NNI_PLATFORM", "local"),
        ("NNI_EXP_ID", os.environ.get("PARZEN_STUDY", "")),
        ("NNI_TRIAL_JOB_ID", os.environ["PARZEN_TRIAL_NUMBER"]),
        ("NNI_TRIAL_SEQ_ID", os.environ["PARZEN_TRIAL_NUMBER"]),
        ("NNI_OUTPUT_DIR", _trial_dir),
        ("NNI_SYS_DIR", _trial_dir),
    ):
        os.environ.setdefault(_name, _value)
