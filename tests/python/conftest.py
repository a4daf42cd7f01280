"""Shared fixtures for the Python package's tests.

Environment (set by tests/python/CMakeLists.txt when run through CTest):
  PYTHONPATH                 BUILD/python, where `import parzen` finds the package and `_core`
  PARZEN_CLI                 the `parzen` command-line program (tests needing it skip without it)
  PARZEN_SAME_RESULTS        tests/python/same_results.cpp built (the same-results test skips without it)
  PARZEN_SOURCE_DIR          the repository root (examples)
  PARZEN_TEST_POSTGRES_URL   a PostgreSQL database URL; PostgreSQL tests skip without it
"""
import os
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("PARZEN_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
# The sanitizer build (tests/python/CMakeLists.txt sets it): wall-time and RSS bounds are skipped.
SANITIZE = bool(os.environ.get("PARZEN_TEST_SANITIZE"))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def postgres_url():
    return os.environ.get("PARZEN_TEST_POSTGRES_URL") or None


def cli_path():
    path = os.environ.get("PARZEN_CLI")
    return path if path and os.path.exists(path) else None


def unique_name(prefix="s"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def child_env():
    """The environment for child Python processes: this process's sys.path first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.fixture(params=["memory", "sqlite"])
def storage_url(request, tmp_path):
    """None (an in-memory study) or a fresh SQLite file."""
    if request.param == "memory":
        return None
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.fixture
def pg_url():
    url = postgres_url()
    if not url:
        pytest.skip("PARZEN_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def cli():
    path = cli_path()
    if not path:
        pytest.skip("PARZEN_CLI is not set (run through CTest)")
    return path
