"""Logging (``parzen.logging``), as Optuna's ``optuna.logging``.

Parzen logs through Python's :mod:`logging`, on the ``"parzen"`` logger (children:
``"parzen.study"`` ...). The C++ core's messages (failed trials, retries, stale trials, why an
optimize loop ended) are fed to it through ``_core``'s log callback; ``Study.optimize`` adds
Optuna's per-trial INFO lines ("Trial 3 finished with value: 0.1 and parameters: {...}. Best is
trial 1 with value: 0.05."). The default verbosity is INFO, printed to standard error by a default
handler, as Optuna; ``parzen.logging.set_verbosity(parzen.logging.WARNING)`` silences the
per-trial lines (and saves their cost).
"""

import logging as _logging
import threading
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING  # noqa: F401
from typing import Optional

__all__ = [
    "CRITICAL", "DEBUG", "ERROR", "FATAL", "INFO", "WARN", "WARNING",
    "get_logger", "get_verbosity", "set_verbosity", "disable_default_handler",
    "enable_default_handler", "disable_propagation", "enable_propagation",
]

_lock = threading.Lock()
_default_handler: Optional[_logging.Handler] = None
_ROOT = "parzen"


def create_default_formatter() -> _logging.Formatter:
    """The default handler's formatter: ``[I 2026-11-30 12:00:00,000] message`` (as Optuna's)."""
    return _logging.Formatter("[%(levelname)1.1s %(asctime)s] %(message)s")


def _get_library_root_logger() -> _logging.Logger:
    return _logging.getLogger(_ROOT)


def _configure_library_root_logger() -> None:
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        _default_handler = _logging.StreamHandler()  # standard error
        _default_handler.setFormatter(create_default_formatter())
        root = _get_library_root_logger()
        root.addHandler(_default_handler)
        root.setLevel(_logging.INFO)
        root.propagate = False


def get_logger(name: str) -> _logging.Logger:
    """The logger ``name`` (a child of ``"parzen"`` for names starting with ``parzen.``), with the
    library's default handler installed. ``"optuna"`` (and ``"optuna.x"``) name ``"parzen"``
    (``"parzen.x"``), so that Optuna's ``optuna.logging.get_logger("optuna").addHandler(...)``
    receives Parzen's lines under ``import parzen as optuna``."""
    _configure_library_root_logger()
    if name == "optuna" or name.startswith("optuna."):
        name = _ROOT + name[len("optuna"):]
    return _logging.getLogger(name)


def get_verbosity() -> int:
    """The ``"parzen"`` logger's level, e.g. ``parzen.logging.INFO`` (20)."""
    _configure_library_root_logger()
    return _get_library_root_logger().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the ``"parzen"`` logger's level: ``parzen.logging.DEBUG``, ``INFO`` (default),
    ``WARNING``, ``ERROR`` or ``CRITICAL`` (as Optuna's)."""
    _configure_library_root_logger()
    _get_library_root_logger().setLevel(verbosity)


def disable_default_handler() -> None:
    """Remove the default standard-error handler from the ``"parzen"`` logger."""
    _configure_library_root_logger()
    assert _default_handler is not None
    _get_library_root_logger().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Put the default standard-error handler back on the ``"parzen"`` logger."""
    _configure_library_root_logger()
    assert _default_handler is not None
    _get_library_root_logger().addHandler(_default_handler)


def disable_propagation() -> None:
    """Stop the ``"parzen"`` logger's records from reaching the root logger (default)."""
    _configure_library_root_logger()
    _get_library_root_logger().propagate = False


def enable_propagation() -> None:
    """Let the ``"parzen"`` logger's records reach the root logger's handlers too."""
    _configure_library_root_logger()
    _get_library_root_logger().propagate = True


_LEVELS = {"debug": DEBUG, "info": INFO, "warning": WARNING, "error": ERROR}
_core_logger = _logging.getLogger("parzen.core")


def _core_log(level: str, message: str) -> None:
    """The log callback handed to ``_core`` (called with the GIL held, from any thread)."""
    lvl = _LEVELS.get(level, WARNING)
    # The core's per-trial INFO lines are replaced by Study.optimize's Optuna-style ones.
    if lvl == INFO and message.startswith("Trial ") and " with value" in message:
        return
    if _core_logger.isEnabledFor(lvl):
        _core_logger.log(lvl, message)
