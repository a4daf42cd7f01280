"""Type stubs of parzen.samplers (its classes are generated from _core.registry() at
import; these stubs list the same signatures for IDEs and type checkers)."""

from typing import Any, Dict, List, Optional, Sequence


class BaseSampler:
    def __repr__(self) -> str: ...


class AutoSampler(BaseSampler):
    def __init__(self, *, seed: Optional[int] = ..., n_trials: Optional[int] = ..., gp_trials: int = ..., gp_budget: int = ..., local_share: float = ..., local_period: int = ..., local_stall: float = ...) -> None: ...


class GridSampler(BaseSampler):
    def __init__(self, search_space: Optional[Dict[str, List[Any]]], seed: Optional[int] = ..., *, shuffle: bool = ...) -> None: ...


class RandomSampler(BaseSampler):
    def __init__(self, seed: Optional[int] = ...) -> None: ...


class QMCSampler(BaseSampler):
    def __init__(self, *, seed: Optional[int] = ..., scramble: bool = ..., qmc_type: Any = ..., independent_sampler: Any = ..., warn_asynchronous_seeding: Any = ..., warn_independent_sampling: Any = ...) -> None: ...


class TPESampler(BaseSampler):
    def __init__(self, consider_prior: Any = ..., prior_weight: float = ..., consider_magic_clip: bool = ..., consider_endpoints: bool = ..., n_startup_trials: int = ..., n_ei_candidates: int = ..., gamma: Any = ..., weights: Any = ..., seed: Optional[int] = ..., *, weight_by_bandwidth: bool = ..., multivariate: bool = ..., group: bool = ..., constant_liar: bool = ..., constraints_method: str = ..., per_bracket: bool = ..., warn_independent_sampling: Any = ..., constraints_func: Any = ...) -> None: ...


class GPSampler(BaseSampler):
    def __init__(self, *, seed: Optional[int] = ..., n_startup_trials: int = ..., acquisition: str = ..., ucb_beta: float = ..., noisy_objective: bool = ..., warp_outputs: bool = ..., additive_kernel: bool = ..., n_candidates: int = ..., n_polish: int = ...) -> None: ...


class BohbSampler(BaseSampler):
    def __init__(self, *, seed: Optional[int] = ..., n_startup_trials: int = ..., n_ei_candidates: int = ..., prior_weight: float = ..., consider_magic_clip: bool = ..., consider_endpoints: bool = ..., weight_by_bandwidth: bool = ..., multivariate: bool = ..., group: bool = ..., constant_liar: bool = ..., constraints_method: str = ..., min_points: int = ...) -> None: ...


class NSGAIISampler(BaseSampler):
    def __init__(self, *, population_size: int = ..., mutation_prob: Optional[float] = ..., crossover: str = ..., crossover_prob: float = ..., swapping_prob: float = ..., seed: Optional[int] = ..., constraints_func: Any = ...) -> None: ...


class NSGAIIISampler(BaseSampler):
    def __init__(self, *, population_size: int = ..., mutation_prob: Optional[float] = ..., crossover: str = ..., crossover_prob: float = ..., swapping_prob: float = ..., seed: Optional[int] = ..., dividing_parameter: int = ..., reference_points: Optional[Sequence[Sequence[float]]] = ..., constraints_func: Any = ...) -> None: ...


class CmaEsSampler(BaseSampler):
    def __init__(self, x0: Any = ..., sigma0: Optional[float] = ..., n_startup_trials: int = ..., independent_sampler: Any = ..., warn_independent_sampling: bool = ..., seed: Optional[int] = ..., *, consider_pruned_trials: bool = ..., restart_strategy: str = ..., popsize: Optional[int] = ..., inc_popsize: int = ..., use_separable_cma: bool = ..., with_margin: bool = ..., source_trials: Any = ...) -> None: ...


def from_registry(name: str, **options: Any) -> BaseSampler: ...
