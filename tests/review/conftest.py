"""Fixtures: the scenario log of tests/review/scenarios.py (built once per run); a patient's
course (tests/review/course_sessions.py, once per module) and the installed protocols; no thread
of a course trend's reader outliving the test that started it."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocols.loader import default_protocol_dirs, load_protocols
from tests.review.course_sessions import build_course
from tests.review.scenarios import scenario_log  # noqa: F401 - a fixture


@pytest.fixture(scope="module")
def course_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A log of one patient's course and the session ids by name (course_sessions.py)."""
    path = tmp_path_factory.mktemp("course") / "log.sqlite3"
    return path, build_course(path)


@pytest.fixture(scope="module")
def installed():
    """The protocol files the console installs, by id."""
    return load_protocols(default_protocol_dirs()).protocols


def _course_trend_readers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "review-course-trend"}


@pytest.fixture(autouse=True)
def _no_course_trend_reader_left_running() -> Iterator[None]:
    # A review window closed (by the test, or by qtbot before fixtures are torn down) ends its
    # course trend's reader (console/review/course_trend_reader.py).
    before = _course_trend_readers()
    yield
    running = [t.name for t in _course_trend_readers() - before]
    assert not running, f"course trend readers still running after the test: {running}"
