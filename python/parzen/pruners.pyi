"""Type stubs of parzen.pruners (its classes are generated from _core.registry() at
import; these stubs list the same signatures for IDEs and type checkers)."""

from typing import Any, Optional, Union


class BasePruner:
    def __repr__(self) -> str: ...


class NopPruner(BasePruner):
    def __init__(self) -> None: ...


class MedianPruner(BasePruner):
    def __init__(self, n_startup_trials: int = ..., n_warmup_steps: int = ..., interval_steps: int = ..., *, n_min_trials: int = ...) -> None: ...


class PercentilePruner(BasePruner):
    def __init__(self, percentile: float, n_startup_trials: int = ..., n_warmup_steps: int = ..., interval_steps: int = ..., *, n_min_trials: int = ...) -> None: ...


class ThresholdPruner(BasePruner):
    def __init__(self, lower: Optional[float] = ..., upper: Optional[float] = ..., n_warmup_steps: int = ..., interval_steps: int = ...) -> None: ...


class PatientPruner(BasePruner):
    def __init__(self, wrapped_pruner: Optional[BasePruner], patience: int, min_delta: float = ...) -> None: ...


class SuccessiveHalvingPruner(BasePruner):
    def __init__(self, min_resource: Union[int, str] = ..., reduction_factor: int = ..., min_early_stopping_rate: int = ..., bootstrap_count: int = ...) -> None: ...


class HyperbandPruner(BasePruner):
    def __init__(self, min_resource: int = ..., max_resource: Union[int, str] = ..., reduction_factor: int = ..., bootstrap_count: int = ...) -> None: ...


def from_registry(name: str, **options: Any) -> BasePruner: ...
