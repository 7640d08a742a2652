"""Fixtures: the scenario log of tests/review/scenarios.py (built once per run), with the account
the command-line export signs in as (tests/identity/accounts.py: an export needs a sign-in)."""

import pytest

from tests.identity.accounts import ensure_account
from tests.review.scenarios import ScenarioLog, build


@pytest.fixture(scope="session")
def scenario_log(tmp_path_factory: pytest.TempPathFactory) -> ScenarioLog:
    """The sessions of the module docstring of tests/review/scenarios.py, one log per run, plus
    the exporting account (QA Administrator)."""
    path = tmp_path_factory.mktemp("review") / "sessions.sqlite3"
    scenario = ScenarioLog(path, build(path))
    ensure_account(path)
    return scenario
