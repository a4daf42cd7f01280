"""``parzen.hyperopt.early_stop``: Hyperopt's ready-made ``early_stop_fn``."""

from typing import Any, Callable, List, Optional, Tuple

__all__ = ["no_progress_loss"]


def no_progress_loss(iteration_stop_count: int = 20,
                     percent_increase: float = 0.0) -> Callable[..., Tuple[bool, List[Any]]]:
    """Stop after ``iteration_stop_count`` evaluations without the loss improving by more than
    ``percent_increase`` percent of the best (Hyperopt's)."""

    def stop_fn(trials: Any, best_loss: Optional[float] = None,
                iteration_no_progress: int = 0) -> Tuple[bool, List[Any]]:
        new_loss = trials.trials[len(trials.trials) - 1]["result"].get("loss")
        if best_loss is None:
            return False, [new_loss, iteration_no_progress + 1]
        threshold = best_loss - abs(best_loss * (percent_increase / 100.0))
        if new_loss is not None and new_loss < threshold:
            best_loss = new_loss
            iteration_no_progress = 0
        else:
            iteration_no_progress += 1
        return iteration_no_progress >= iteration_stop_count, [best_loss, iteration_no_progress]

    return stop_fn
