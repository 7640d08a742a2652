"""Fixtures: the scenario log of tests/review/scenarios.py (built once per run)."""

from tests.review.scenarios import scenario_log  # noqa: F401 - a fixture
