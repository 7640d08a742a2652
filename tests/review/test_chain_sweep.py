"""The background check of the listed sessions against the log's hash chain, without Qt
(console/review/integrity.py): its order, that each session is checked once, what it finds, and
that it stops. The window that draws it is tested in test_damaged_and_edited_log.py."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from console.review import queries
from console.review.integrity import ChainSweep, RecordCheck, RecordState
from console.store import LogError
from tests.review.test_damaged_and_edited_log import (  # noqa: F401 - fixtures
    built,
    copy,
    edit_outside,
    overwrite_page,
    readable,
    surge_systolic_186,
)


def run_all(sweep: ChainSweep) -> list[int]:
    """Every waiting session checked here, in order; the ids in the order checked."""
    done = []
    while (checked := sweep.step()) is not None:
        done.append(checked)
    return done


def test_the_sessions_asked_for_last_are_checked_first_and_each_once(copy):
    path, facts = copy
    ids = facts.ids
    sweep = ChainSweep(path)
    listed = [ids["quiet-3"], ids["esketamine"], ids["surge"], ids["quiet-1"]]   # newest first
    sweep.want(listed)
    assert sweep.step() == ids["quiet-3"]
    # A course shown meanwhile: its sessions next, then the rest of the list.
    sweep.want([ids["quiet-1"], ids["surge"]])
    assert sweep.pending() == [ids["quiet-1"], ids["surge"], ids["esketamine"]]
    assert run_all(sweep) == [ids["quiet-1"], ids["surge"], ids["esketamine"]]
    # Asked again (the list refreshed): nothing is checked twice.
    sweep.want(listed)
    assert sweep.pending() == []
    assert {sweep.result(i).state for i in listed} == {RecordState.UNCHANGED}
    assert sweep.result(ids["demo"]).state is RecordState.UNCHECKED   # never asked for
    # A session still running is checked again when asked after `forget`.
    sweep.forget([ids["surge"]])
    sweep.want(listed)
    assert sweep.pending() == [ids["surge"]]
    sweep.stop()


def test_a_check_made_when_the_session_is_opened_replaces_the_sweep_s(copy):
    path, facts = copy
    surge = facts.ids["surge"]
    sweep = ChainSweep(path)
    sweep.want([surge, facts.ids["quiet-1"]])
    conn = queries.open_readonly(path)
    try:
        sweep.record(surge, RecordCheck.of(queries.check_session_chain(conn, surge)))
    finally:
        conn.close()
    assert sweep.pending() == [facts.ids["quiet-1"]]
    assert sweep.result(surge).state is RecordState.UNCHANGED
    sweep.stop()


def test_an_observation_edited_outside_is_named_in_verify_s_words(copy):
    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    sweep = ChainSweep(path)
    sweep.want(list(facts.ids.values()))
    run_all(sweep)
    found = sweep.result(surge)
    assert (found.state, found.first_bad, found.bad_rows) == (
        RecordState.CHANGED, ("observations", row), 1)
    assert found.message == (f"observations row {row}: its content does not match its row_hash: "
                             "it was edited outside the console, or the row before it was "
                             "replaced")
    others = {i: sweep.result(i).state for i in facts.ids.values() if i != surge}
    assert set(others.values()) == {RecordState.UNCHANGED}
    sweep.stop()


def test_a_session_in_a_damaged_part_is_unreadable_and_the_others_are_checked(copy):
    path, facts = copy
    overwrite_page(path, "observations", 0.6)
    bad = [i for i in facts.ids.values() if not readable(path, i)]
    assert bad
    sweep = ChainSweep(path)
    sweep.want(list(facts.ids.values()))
    assert sorted(run_all(sweep)) == sorted(facts.ids.values())
    for session_id in bad:
        found = sweep.result(session_id)
        assert found.state is RecordState.UNREADABLE
        assert found.message.startswith(f"The check of log session {session_id} against the "
                                        f"hash chain could not be read: the session log {path} "
                                        "is damaged")
    sweep.stop()


def test_a_log_the_sweep_cannot_open_stops_it_with_the_reason(copy):
    path, facts = copy

    def refused(_path: Path):
        raise LogError(path, "permission", "permission denied")

    sweep = ChainSweep(path, opener=refused)
    sweep.want(list(facts.ids.values()))
    assert sweep.step() is None
    assert sweep.stopped_because == str(LogError(path, "permission", "permission denied"))
    assert sweep.results() == {}
    sweep.stop()


def test_the_thread_checks_everything_asked_for_then_stops_with_the_log(copy):
    path, facts = copy
    sweep = ChainSweep(path)
    done = threading.Event()

    def wake() -> None:   # the window's wake; here: all checked?
        if not sweep.pending():
            done.set()

    sweep.want(list(facts.ids.values()))
    sweep.start(wake)
    assert done.wait(timeout=30)   # bounded wait for the thread, not a sleep
    assert {sweep.result(i).state for i in facts.ids.values()} == {RecordState.UNCHANGED}
    sweep.stop()
    assert sweep._thread is not None and not sweep._thread.is_alive()
    with pytest.raises(RuntimeError, match="called twice"):
        sweep.start(wake)


def test_a_check_under_way_gives_way_to_the_window_and_is_made_again_after(copy):
    """While the window works (opens a session, reads the list) no check runs: the one under
    way is interrupted and the session stays waiting. Here the window starts working in the
    middle of a check (SQLite's progress handler calls in mid-statement)."""
    path, facts = copy
    surge = facts.ids["surge"]
    holds = []

    def opener(log: Path):
        conn = queries.open_readonly(log)

        def window_starts_working() -> int:
            if not holds:   # once, in the middle of the first check
                hold = sweep.held()
                hold.__enter__()
                holds.append(hold)
            return 0

        conn.set_progress_handler(window_starts_working, 1000)
        return conn

    sweep = ChainSweep(path, opener=opener)
    sweep.want([surge])
    assert sweep.step() is None               # interrupted: the window works
    assert sweep.pending() == [surge] and sweep.results() == {}
    assert sweep.step() is None               # still held: nothing starts
    holds[0].__exit__(None, None, None)       # the window is done
    assert sweep.step() == surge
    assert sweep.result(surge).state is RecordState.UNCHANGED
    sweep.stop()


def test_a_short_piece_of_the_window_s_work_mid_check_is_given_way_to(copy):
    """The window reads something quick (held() entered and left) in the middle of a check: the
    statement is interrupted, and by the time the check sees SQLite's interrupt the hold is over.
    It gives way all the same and is made again; it had been taken for a bug, which ended the
    sweep's thread and left every session after it "not yet checked" while the review was open
    (a review)."""
    path, facts = copy
    surge = facts.ids["surge"]
    worked: list[bool] = []

    def opener(log: Path):
        conn = queries.open_readonly(log)

        def window_works_briefly() -> int:
            if not worked:   # once, in the middle of the first check
                worked.append(True)
                with sweep.held():
                    pass
            return 0

        conn.set_progress_handler(window_works_briefly, 1000)
        return conn

    sweep = ChainSweep(path, opener=opener)
    sweep.want([surge])
    assert sweep.step() is None               # interrupted: the session stays waiting
    assert worked and sweep.pending() == [surge]
    assert sweep.step() == surge              # made again, whole
    assert sweep.result(surge).state is RecordState.UNCHANGED
    sweep.stop()


def test_a_fault_in_a_check_stops_the_sweep_with_its_reason_said(copy):
    """A bug in a check ends the background checks with a reason the list shows ("not checked:
    the check stopped on a fault …"), never a thread dead in silence with every session left
    "not yet checked"."""
    path, facts = copy
    ids = list(facts.ids.values())

    def opener(log: Path):
        conn = queries.open_readonly(log)

        def fault() -> int:
            raise ZeroDivisionError("a bug")

        conn.set_progress_handler(fault, 1000)
        return conn

    sweep = ChainSweep(path, opener=opener)
    woken = threading.Event()
    sweep.want(ids)
    sweep.start(woken.set)
    assert woken.wait(timeout=30)   # bounded wait for the thread, not a sleep
    assert sweep._thread is not None
    sweep._thread.join(timeout=30)
    assert not sweep._thread.is_alive()
    assert sweep.stopped_because is not None
    assert sweep.stopped_because.startswith("the check stopped on a fault")
    sweep.stop()
