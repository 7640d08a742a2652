"""An administrator disables a nurse, or takes her nurse role away, while she is signed in at
the chair: from that change she can no longer enter values, notes, tick the checklist or move
the phase (roles.py: "A disabled account may do nothing"; the README: entry needs an account
with the nurse role). The station locks and says why in the identity layer's words; acknowledge
and pause audio still work (logged as the locked actor), monitor readings are still taken and
never read the staff list, and another nurse signs in and takes over. Real engine, real SQLite
log, real Argon2id at its smallest cost, a clock moved by hand."""

from __future__ import annotations

from console.session.entry import Rejected
from console.session.lock import LOCKED_MESSAGE, locked_actor
from devices.reading import Reading
from devices.transport import DeviceEvent, EventKind
from tests.ui.test_lock_screen import ADMIN, ANA, BEN, BEN_PIN, chair  # noqa: F401 (fixture)

DISABLED = f"{ANA}'s account is disabled: ask an administrator. {LOCKED_MESSAGE}."
NOT_A_NURSE = (f"{ANA} (reviewer) may not run a session: it needs the nurse role. "
               f"{LOCKED_MESSAGE}.")


def disable_ana(chair) -> None:  # noqa: F811
    staff = chair.staff
    staff.disable(staff.find(ANA).id, staff.find(ADMIN), "left the clinic: badge lost",
                  chair.clock.now().wall)
    assert not staff.get(staff.find(ANA).id).active


def test_a_nurse_disabled_while_signed_in_cannot_enter_values_or_notes(chair):  # noqa: F811
    controller = chair.controller
    # Step 1: Ana at work; an administrator disables her account 30 s later.
    chair.t(30)
    disable_ana(chair)
    chair.t(30)
    assert not controller.locked   # nothing read yet: the next act of hers reads it
    # Step 2: her next value is refused, in the identity layer's words, and the station locks.
    verdict = controller.enter_manual("heart_rate", 82)
    assert isinstance(verdict, Rejected) and verdict.message == DISABLED
    assert controller.locked
    # Step 3: nothing else of hers is recorded either.
    assert not controller.note(text="patient comfortable").done
    assert not controller.tick_item(controller.view.phase.checklist[0].id).done
    assert not controller.advance_phase().done
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'heart_rate'") == []
    assert chair.rows("SELECT actor FROM events WHERE kind = 'note'") == []
    assert chair.rows("SELECT actor FROM events WHERE kind = 'checked'") == []


def test_a_nurse_whose_nurse_role_is_taken_away_cannot_enter_values(chair):  # noqa: F811
    staff = chair.staff
    chair.t(30)
    staff.change_roles(staff.find(ANA).id, "reviewer", staff.find(ADMIN), "moved to QA",
                       chair.clock.now().wall)
    chair.t(30)
    verdict = chair.controller.enter_manual("heart_rate", 82)
    assert isinstance(verdict, Rejected) and verdict.message == NOT_A_NURSE
    assert chair.controller.locked
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'heart_rate'") == []


def test_acknowledge_and_pause_still_work_after_the_account_is_disabled(chair):  # noqa: F811
    controller = chair.controller
    # Step 1: a high heart rate alarm while Ana is at the chair; then she is disabled.
    assert not isinstance(controller.enter_manual("heart_rate", 140), Rejected)
    disable_ana(chair)
    # Step 2: her next act locks the station.
    assert isinstance(controller.enter_manual("heart_rate", 141), Rejected)
    assert controller.locked
    # Step 3: F2 and F3 still work, logged as the locked actor (nobody allowed is signed in).
    assert controller.acknowledge_all().done
    assert controller.pause_audio().done
    acks = chair.rows("SELECT actor FROM alarm_events WHERE transition = 'acknowledged'")
    assert acks and all(actor == locked_actor(ANA) for (actor,) in acks)
    assert chair.rows("SELECT actor FROM events WHERE kind = 'audio_paused'") == [
        (locked_actor(ANA),)]


def test_monitor_readings_are_kept_and_never_read_the_staff_list(chair, monkeypatch):  # noqa: F811
    controller = chair.controller
    disable_ana(chair)
    reads = []
    real_get = chair.staff.get
    monkeypatch.setattr(chair.staff, "get", lambda ref: reads.append(ref) or real_get(ref))
    # A monitor reading is not a nurse's act: taken, and no account is read for it.
    now = chair.clock.now()
    controller._on_device_event(DeviceEvent(
        EventKind.DATA, "/dev/pts/9", now.wall, now.mono, frames=1,
        readings=(Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM"),)))
    assert chair.rows("SELECT value FROM observations WHERE metric = 'spo2'") == [(97,)]
    assert reads == [] and not controller.locked
    # A typed value reads it once, and is refused.
    assert isinstance(controller.enter_manual("heart_rate", 82), Rejected)
    assert len(reads) == 1


def test_another_nurse_signs_in_and_takes_over_after_the_account_is_disabled(chair):  # noqa: F811
    controller = chair.controller
    disable_ana(chair)
    assert isinstance(controller.enter_manual("heart_rate", 82), Rejected)
    answer = controller.sign_in(BEN, BEN_PIN)
    assert answer.ok and answer.hand_over_from == ANA and not controller.locked
    assert not isinstance(controller.enter_manual("heart_rate", 82), Rejected)
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'heart_rate'") == [
        (BEN,)]


def test_a_staff_list_that_cannot_be_read_does_not_stop_the_nurse(chair, monkeypatch):  # noqa: F811
    """Decision: the staff list unreadable (locked, permission, I/O) is not a reason to refuse
    the nurse in charge: the account as it signed in stands (`ChairIdentity.current_account`),
    her value is taken, the log's own fault is the technical alarm's business."""
    from console.store.errors import LogError

    def unreadable(ref: object) -> object:
        raise LogError(chair.log.path, "permission", "permission denied")

    monkeypatch.setattr(chair.staff, "get", unreadable)
    assert not isinstance(chair.controller.enter_manual("heart_rate", 82), Rejected)
    assert not chair.controller.locked
