"""TrialState, with Optuna's names and values (``parzen.TrialState``)."""

import enum

__all__ = ["TrialState"]


class TrialState(enum.IntEnum):
    """The state of a trial, as Optuna's ``TrialState`` (same names and values).

    RUNNING=0, COMPLETE=1, PRUNED=2, FAIL=3, WAITING=4 (an enqueued or retried trial).
    """

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"TrialState.{self.name}"

    def is_finished(self) -> bool:
        """``True`` for COMPLETE, PRUNED and FAIL (as Optuna's)."""
        return self != TrialState.RUNNING and self != TrialState.WAITING
