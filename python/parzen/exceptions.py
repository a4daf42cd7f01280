"""Parzen's exceptions (``parzen.exceptions``).

The C++ extension ``parzen._core`` imports this module when it loads and translates every C++
error into one of these classes, so ``except parzen.exceptions.ParzenError`` catches all of them.
Bad arguments are also ``ValueError`` (``InvalidArgumentError``) or ``TypeError`` (unknown
keyword arguments), and a missing study or trial is also ``KeyError`` (``NotFoundError``), so
code written for Optuna's ``ValueError``/``KeyError`` keeps working.

Mapping (C++ → Python):

=========================  =====================================================
``parzen::InvalidArgument`` ``InvalidArgumentError`` (``ParzenError``, ``ValueError``)
``parzen::OptionError``     ``OptionError`` (``InvalidArgumentError``), ``.key`` names the option
``parzen::NotFound``        ``NotFoundError`` (``ParzenError``, ``KeyError``)
``parzen::DuplicatedStudy`` ``DuplicatedStudyError`` (as Optuna's)
``parzen::InvalidState``    ``InvalidStateError`` (``ParzenError``, ``RuntimeError``)
``parzen::StorageError``    ``StorageInternalError`` (as Optuna's)
``parzen::StudyExhausted``  ``StudyExhaustedError``
``parzen::TrialPruned``     ``TrialPruned`` (both ways, as Optuna's)
``parzen::TrialFailed``     ``TrialFailed`` (both ways)
=========================  =====================================================
"""

from typing import Optional

__all__ = [
    "ParzenError",
    "InvalidArgumentError",
    "OptionError",
    "NotFoundError",
    "DuplicatedStudyError",
    "InvalidStateError",
    "StorageInternalError",
    "StudyExhaustedError",
    "TrialPruned",
    "TrialFailed",
]


class ParzenError(Exception):
    """Base class of every error Parzen raises (as Optuna's ``OptunaError``)."""


class InvalidArgumentError(ParzenError, ValueError):
    """An argument is invalid (a bad range, an unknown sampler name, a malformed URL...).

    Also a ``ValueError``, so ``except ValueError`` catches it as in Optuna.
    """


class OptionError(InvalidArgumentError):
    """A sampler or pruner option is unknown, of the wrong type or out of range.

    Attributes:
        key: the option's name (dotted inside a nested pruner, e.g. ``"wrapped.patience"``),
            or ``None`` when unknown.
    """

    def __init__(self, message: str = "", key: Optional[str] = None) -> None:
        super().__init__(message)
        self.key = key


class NotFoundError(ParzenError, KeyError):
    """A study or trial does not exist (also a ``KeyError``; ``str()`` is the message)."""

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class DuplicatedStudyError(ParzenError):
    """A study of that name already exists in the storage (as Optuna's; pass
    ``load_if_exists=True`` to continue it instead)."""


class InvalidStateError(ParzenError, RuntimeError):
    """The operation does not fit the current state (e.g. telling a finished trial, or
    ``best_trial`` of a multi-objective study)."""


class StorageInternalError(ParzenError):
    """The storage failed (a lost connection, a locked or full disk), as Optuna's."""


class StudyExhaustedError(ParzenError):
    """The sampler has nothing left to sample (e.g. every grid point was tried)."""


class TrialPruned(ParzenError):
    """Raise it in an objective to prune the trial (as Optuna's ``TrialPruned``).

    ``trial.should_prune()`` returns ``True`` when the pruner says so; the objective then raises
    ``parzen.TrialPruned()`` and the trial is recorded as ``TrialState.PRUNED`` with its last
    reported value.
    """


class TrialFailed(ParzenError):
    """Raise it in an objective to fail the trial with a reason.

    Args:
        reason: stored as the trial's ``fail_reason``.
        retryable: when ``True`` and the study has ``max_retries`` (see
            :class:`parzen.storages.RetryFailedTrialCallback`), the same parameters are run again.

    Study.optimize never re-raises it: the trial fails and the study goes on.
    """

    def __init__(self, reason: str = "", retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = bool(retryable)
