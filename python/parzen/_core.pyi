"""Type stubs of parzen._core, the C++ extension (pybind11). Use the ``parzen`` package; this is
the contract it wraps. Calls that sample, touch a storage or wait release the GIL. C++ errors are
raised as ``parzen.exceptions`` classes."""

import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from parzen._state import TrialState

__version__: str

ParamValue = Union[str, int, float, bool, None]
JSON = Any

class FloatDistribution:
    """Floats in [low, high]; log: sampled in log space (low > 0); step: the grid spacing.
    Raises ValueError (InvalidArgumentError) for an invalid range. As Optuna's."""
    low: float
    high: float
    log: bool
    step: Optional[float]
    def __init__(self, low: float, high: float, log: bool = ..., step: Optional[float] = ...) -> None: ...
    def single(self) -> bool: ...
    def _contains(self, param_value_in_internal_repr: float) -> bool: ...
    def to_internal_repr(self, param_value_in_external_repr: Any) -> float: ...
    def to_external_repr(self, param_value_in_internal_repr: float) -> float: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class IntDistribution:
    """Integers low, low + step, ..., high; log: log space (low >= 1, step 1). As Optuna's."""
    low: int
    high: int
    log: bool
    step: int
    def __init__(self, low: int, high: int, log: bool = ..., step: int = ...) -> None: ...
    def single(self) -> bool: ...
    def _contains(self, param_value_in_internal_repr: float) -> bool: ...
    def to_internal_repr(self, param_value_in_external_repr: Any) -> float: ...
    def to_external_repr(self, param_value_in_internal_repr: float) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class CategoricalDistribution:
    """One of ``choices`` (str, int, float, bool or None); internal repr: the index. As Optuna's."""
    choices: Tuple[ParamValue, ...]
    def __init__(self, choices: Sequence[ParamValue]) -> None: ...
    def single(self) -> bool: ...
    def _contains(self, param_value_in_internal_repr: float) -> bool: ...
    def to_internal_repr(self, param_value_in_external_repr: ParamValue) -> float: ...
    def to_external_repr(self, param_value_in_internal_repr: float) -> ParamValue: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

Distribution = Union[FloatDistribution, IntDistribution, CategoricalDistribution]

class Sampler:
    """A C++ sampler built by make_sampler (bound to the one study it serves)."""
    name: str
    options: Dict[str, JSON]
    samples_from_history: bool

class Pruner:
    """A C++ pruner built by make_pruner."""
    name: str
    options: Dict[str, JSON]

class Storage:
    """An open storage (open_storage)."""
    url: str

def make_sampler(name: str, options: Optional[Dict[str, JSON]] = ...,
                 grid: Optional[List[Tuple[str, List[ParamValue]]]] = ...,
                 pruner: Optional[Pruner] = ...) -> Sampler:
    """Builds registry sampler ``name``. Raises OptionError (ValueError, .key) for a bad option,
    InvalidArgumentError for an unknown name or a missing grid/Hyperband pruner."""
def make_pruner(name: str, options: Optional[Dict[str, JSON]] = ...) -> Pruner:
    """Builds registry pruner ``name``. Raises OptionError / InvalidArgumentError."""
def registry() -> Dict[str, JSON]:
    """The registry as JSON: {"samplers": [...], "pruners": [...], "version": str}; each entry has
    name, aliases, summary, options (name, type, default, min, max, choices, help, ...) and
    capabilities."""
def open_storage(url: str) -> Storage:
    """"memory:" or "" (a new private in-memory storage), "sqlite:///rel.db",
    "sqlite:////abs.db", "postgresql://...". Raises InvalidArgumentError, StorageInternalError."""

class Trial:
    """The live trial handed to objectives (as Optuna's Trial)."""
    number: int
    _trial_id: int
    params: Dict[str, ParamValue]
    distributions: Dict[str, Distribution]
    user_attrs: Dict[str, JSON]
    system_attrs: Dict[str, JSON]
    datetime_start: Optional[datetime.datetime]
    def suggest_float(self, name: str, low: float, high: float, *, step: Optional[float] = ...,
                      log: bool = ...) -> float: ...
    def suggest_int(self, name: str, low: int, high: int, *, step: int = ..., log: bool = ...) -> int: ...
    def suggest_categorical(self, name: str, choices: Sequence[ParamValue]) -> Any: ...
    def _suggest(self, name: str, distribution: Distribution) -> Any: ...
    # Optuna's deprecated forms (added by parzen.trial; FutureWarning).
    def suggest_uniform(self, name: str, low: float, high: float) -> float: ...
    def suggest_loguniform(self, name: str, low: float, high: float) -> float: ...
    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float: ...
    def report(self, value: float, step: int | float) -> None: ...
    def should_prune(self) -> bool: ...
    def set_user_attr(self, key: str, value: JSON) -> None: ...
    def set_constraints(self, constraints: Sequence[float]) -> None: ...

class FrozenTrial:
    """A trial's read-only record (as Optuna's FrozenTrial)."""
    number: int
    _trial_id: int
    state: TrialState
    params: Dict[str, ParamValue]
    distributions: Dict[str, Distribution]
    values: Optional[List[float]]
    value: Optional[float]
    intermediate_values: Dict[int, float]
    user_attrs: Dict[str, JSON]
    system_attrs: Dict[str, JSON]
    constraints: List[float]
    datetime_start: Optional[datetime.datetime]
    datetime_complete: Optional[datetime.datetime]
    last_heartbeat: Optional[datetime.datetime]
    duration: Optional[datetime.timedelta]
    fail_reason: str
    worker: str
    last_step: Optional[int]

class StudyCore:
    """A parzen::Study."""
    study_name: str
    directions: List[str]
    _study_id: int
    storage: Storage
    def ask(self) -> Trial: ...
    def tell(self, number: int, values: Optional[Sequence[float]], state: TrialState,
             fail_reason: str = ..., record: bool = ...) -> Optional[FrozenTrial]: ...
    def _ask_suggest(self, n: int, space: Sequence[Tuple[str, Distribution]]
                     ) -> List[Tuple[int, Tuple[ParamValue, ...]]]: ...
    def _tell_many(self, results: Sequence[Tuple[int, Optional[float], str]]) -> None: ...
    def _tell_and_ask(self, results: Sequence[Tuple[int, Optional[float], str]], n: int,
                      space: Sequence[Tuple[str, Distribution]]
                      ) -> List[Tuple[int, Tuple[ParamValue, ...]]]: ...
    def optimize(self, objective: Callable[[Trial], Any], n_trials: Optional[int] = ...,
                 timeout: Optional[float] = ..., n_jobs: int = ..., catch: bool = ...,
                 callback: Optional[Callable[[FrozenTrial], None]] = ...,
                 study_budget: Optional[int] = ..., count_failed: bool = ...,
                 trial_timeout: Optional[float] = ...) -> None: ...
    def stop(self) -> None: ...
    def enqueue_trial(self, params: Dict[str, ParamValue],
                      user_attrs: Optional[Dict[str, JSON]] = ...) -> None: ...
    def add_trial(self, state: TrialState, params: Dict[str, ParamValue],
                  distributions: Dict[str, Distribution], values: Optional[Sequence[float]],
                  intermediate_values: Dict[int, float], user_attrs: Optional[Dict[str, JSON]] = ...,
                  system_attrs: Optional[Dict[str, JSON]] = ...) -> FrozenTrial: ...
    def trials(self, states: Optional[Sequence[TrialState]] = ...) -> List[FrozenTrial]: ...
    def trial(self, number: int) -> FrozenTrial: ...
    def best_trial(self) -> FrozenTrial: ...
    def best_trials(self) -> List[FrozenTrial]: ...
    def set_user_attr(self, key: str, value: JSON) -> None: ...
    def user_attrs(self) -> Dict[str, JSON]: ...
    def system_attrs(self) -> Dict[str, JSON]: ...
    def _set_system_attr(self, key: str, value: JSON) -> None: ...
    def trials_json(self) -> Dict[str, JSON]: ...
    def trials_csv(self) -> str: ...

LogFunction = Callable[[str, str], None]

def _create_and_ask(storage: Storage, directions: List[str], sampler: Optional[Sampler],
                    pruner: Optional[Pruner], heartbeat_interval: Optional[float],
                    grace_period: Optional[float], max_retries: int,
                    log: Optional[LogFunction], n: int, space: Sequence[Tuple[str, Distribution]]
                    ) -> Tuple[StudyCore, List[Tuple[int, Tuple[ParamValue, ...]]]]: ...
def create_study(storage: Storage, study_name: Optional[str] = ..., directions: List[str] = ...,
                 sampler: Optional[Sampler] = ..., pruner: Optional[Pruner] = ...,
                 load_if_exists: bool = ..., heartbeat_interval: Optional[float] = ...,
                 grace_period: Optional[float] = ..., max_retries: int = ...,
                 log: Optional[LogFunction] = ...) -> StudyCore: ...
def load_study(storage: Storage, study_name: Optional[str], sampler: Optional[Sampler] = ...,
               pruner: Optional[Pruner] = ..., heartbeat_interval: Optional[float] = ...,
               grace_period: Optional[float] = ..., max_retries: int = ...,
               log: Optional[LogFunction] = ...) -> StudyCore: ...
def delete_study(storage: Storage, study_name: str) -> None: ...
def study_summaries(storage: Storage) -> List[Dict[str, Any]]: ...
def param_importances(trials: List[FrozenTrial], directions: List[str], evaluator: str = ...,
                      params: List[str] = ..., target_values: Optional[List[float]] = ...,
                      baseline_quantile: float = ..., evaluate_on_local: bool = ...,
                      n_trees: int = ..., max_depth: int = ...,
                      seed: int = ...) -> List[Tuple[str, float]]: ...
