"""Storages (``parzen.storages``), as Optuna's ``optuna.storages``.

Everywhere a ``storage`` argument is taken, a URL string works as in the ``parzen`` CLI:

* ``None`` or ``"memory:"``: a new private in-memory storage (each call its own, as Optuna's
  ``storage=None``);
* ``"sqlite:///relative.db"``, ``"sqlite:////absolute/path.db"``;
* ``"postgresql://user:password@host:port/db"``.

A URL is opened once per process and the open storage is shared by every Study of that process
(one SQLite connection set per file). ``RDBStorage(url, heartbeat_interval=..., grace_period=...,
failed_trial_callback=RetryFailedTrialCallback(max_retry=...))`` adds Optuna's failure recovery:
each trial of ``Study.optimize`` beats every ``heartbeat_interval`` seconds and a trial whose
last beat is older than ``grace_period`` is failed by the next worker that asks (and retried
``max_retry`` times when the callback is given). ``InMemoryStorage()`` is an explicit private
in-memory storage whose studies can be shared by several Study objects of the process.
"""

import os
import threading
from typing import Any, Callable, Dict, Optional, Tuple, Union

from parzen import _core

__all__ = ["BaseStorage", "InMemoryStorage", "RDBStorage", "RetryFailedTrialCallback",
           "get_storage"]

_lock = threading.Lock()
_open: Dict[Tuple[str, int], Any] = {}
_inherited: list = []


def _plain_path_url(url: str) -> str:
    """A plain path ending in .db, .sqlite or .sqlite3 as its ``sqlite:///`` URL (as the parzen
    CLI reads it: relative to the working directory); anything else unchanged."""
    if "://" not in url and url != "memory:" and url.lower().endswith((".db", ".sqlite",
                                                                       ".sqlite3")):
        return "sqlite:///" + url
    return url


def _open_url(url: str) -> Any:
    """The process's one open ``_core.Storage`` for ``url`` (opened on first use)."""
    if url in ("", "memory:"):
        return _core.open_storage("memory:")
    url = _plain_path_url(url)
    with _lock:
        # A forked child (multiprocessing) opens its own: a SQLite or PostgreSQL connection must
        # not be shared across fork.
        pid = os.getpid()
        # The parent's are kept alive, unused: closing them here could disturb the parent's.
        if _open and next(iter(_open))[1] != pid:
            _inherited.extend(_open.values())
            _open.clear()
        storage = _open.get((url, pid))
        if storage is None:
            storage = _core.open_storage(url)
            _open[(url, pid)] = storage
        return storage


class BaseStorage:
    """A storage and its failure-recovery settings (base of InMemoryStorage and RDBStorage)."""

    heartbeat_interval: Optional[float] = None
    grace_period: Optional[float] = None
    max_retries: int = 0

    _raw_url: Optional[str] = None  # the URL as given (unredacted), for pickling

    def __init__(self, core: Any) -> None:
        self._core = core

    def __getstate__(self) -> Dict[str, Any]:
        # Pickled (multiprocessing, joblib) as its URL and settings; reopened on unpickling.
        if self._raw_url is None:
            raise TypeError(f"{type(self).__name__} cannot be pickled: an in-memory storage lives "
                            "in one process (use a sqlite:// or postgresql:// URL)")
        state = self.__dict__.copy()
        state.pop("_core", None)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._core = _open_url(state["_raw_url"])

    @property
    def url(self) -> str:
        """The storage's URL (a password is redacted)."""
        return str(self._core.url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


class InMemoryStorage(BaseStorage):
    """A private in-memory storage (as Optuna's ``InMemoryStorage``): its studies live as long
    as the process, and every Study object given this same object sees the same studies."""

    def __init__(self) -> None:
        super().__init__(_core.open_storage("memory:"))


class RetryFailedTrialCallback:
    """Retry trials failed for a missing heartbeat (as Optuna's ``RetryFailedTrialCallback``).

    Args:
        max_retry: how many times one parameter set is run again (None: as Optuna, without
            limit — mapped to 1 000 000). Parzen also retries objectives that raise
            ``parzen.TrialFailed(reason, retryable=True)``.
        inherit_intermediate_values: only False (Parzen's retries start afresh); True raises
            TypeError.

    Only meaningful as ``RDBStorage(..., failed_trial_callback=RetryFailedTrialCallback(...))``;
    the retried trial's ``system_attrs["retried_from"]`` is the number of the trial it re-runs.
    """

    def __init__(self, max_retry: Optional[int] = None,
                 inherit_intermediate_values: bool = False) -> None:
        if inherit_intermediate_values:
            raise TypeError("RetryFailedTrialCallback(inherit_intermediate_values=True) is not "
                            "supported by Parzen: a retry starts without intermediate values")
        if max_retry is not None and (not isinstance(max_retry, int) or max_retry < 0):
            raise ValueError(f"max_retry must be a non-negative int or None, got {max_retry!r}")
        self._max_retry = max_retry

    @property
    def max_retries(self) -> int:
        """The core's max_retries: max_retry, or 1 000 000 for None (no limit)."""
        return 1_000_000 if self._max_retry is None else self._max_retry

    @staticmethod
    def retried_trial_number(trial: Any) -> Optional[int]:
        """The number of the trial ``trial`` re-runs, or None (as Optuna's)."""
        value = trial.system_attrs.get("retried_from")
        return None if value is None else int(value)

    def __repr__(self) -> str:
        return f"RetryFailedTrialCallback(max_retry={self._max_retry!r})"


class RDBStorage(BaseStorage):
    """A SQLite or PostgreSQL storage (as Optuna's ``RDBStorage``).

    Args:
        url: ``"sqlite:///file.db"``, ``"sqlite:////abs/file.db"`` or ``"postgresql://..."``.
        engine_kwargs: SQLAlchemy options in Optuna; Parzen has no SQLAlchemy: only None or {}
            (else TypeError).
        skip_compatibility_check, skip_table_creation: accepted for compatibility (Parzen
            checks and creates its schema itself).
        heartbeat_interval: seconds between a running trial's heartbeats (None: no heartbeats,
            trials of a crashed process stay RUNNING).
        grace_period: seconds without a beat after which another worker fails the trial
            (default 2 × heartbeat_interval; must exceed it).
        failed_trial_callback: None or a :class:`RetryFailedTrialCallback` (its ``max_retry`` is
            the core's ``max_retries``); other callables raise TypeError.

    Raises:
        ValueError: a malformed URL or bad settings; parzen.exceptions.StorageInternalError: the
            database cannot be opened.
    """

    def __init__(self, url: str, engine_kwargs: Optional[Dict[str, Any]] = None,
                 skip_compatibility_check: bool = False, *,
                 heartbeat_interval: Optional[float] = None,
                 grace_period: Optional[float] = None,
                 failed_trial_callback: Optional[Callable[..., None]] = None,
                 skip_table_creation: bool = False) -> None:
        if engine_kwargs:
            raise TypeError("RDBStorage(engine_kwargs=...) is not supported by Parzen (it has no "
                            "SQLAlchemy engine)")
        if heartbeat_interval is not None and heartbeat_interval <= 0:
            raise ValueError("The value of `heartbeat_interval` should be a positive integer.")
        if grace_period is not None and grace_period <= 0:
            raise ValueError("The value of `grace_period` should be a positive integer.")
        if failed_trial_callback is not None and \
                not isinstance(failed_trial_callback, RetryFailedTrialCallback):
            raise TypeError("RDBStorage(failed_trial_callback=...) takes only "
                            "parzen.storages.RetryFailedTrialCallback(max_retry=...) in Parzen")
        if not isinstance(url, str) or url in ("", "memory:"):
            raise ValueError(f"RDBStorage needs a sqlite:// or postgresql:// URL, got {url!r}")
        super().__init__(_open_url(url))
        self._raw_url = url
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.failed_trial_callback = failed_trial_callback
        self.max_retries = failed_trial_callback.max_retries if failed_trial_callback else 0


def get_storage(storage: Union[None, str, BaseStorage, Any]) -> BaseStorage:
    """A storage object for ``storage`` (as Optuna's ``get_storage``): None → a new
    InMemoryStorage, a URL → its process-wide open storage, a storage object → itself.

    Raises:
        TypeError: anything else.
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        if storage in ("", "memory:"):
            return InMemoryStorage()
        return _Url(storage)
    if isinstance(storage, _core.Storage):
        return BaseStorage(storage)
    raise TypeError(f"storage must be None, a URL string or a parzen storage, got "
                    f"{type(storage).__name__}")


class _Url(BaseStorage):
    def __init__(self, url: str) -> None:
        super().__init__(_open_url(url))
        self._raw_url = url
