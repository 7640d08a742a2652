"""SCHEMA.md names what `sign_ins.typed` holds for an unknown name (review 49): since review 45
nothing typed as an unknown name is kept, the row holds `NOT_KEPT`; the doc still said that only
digits were held back, under a marker the code no longer writes: a query on it found nothing."""

from __future__ import annotations

from console.identity import Account, Staff
from console.identity.staff import NOT_KEPT
from console.store import identity_store as store

from .conftest import t
from .test_schema_doc import SCHEMA_MD, section


def test_schema_md_names_the_marker_an_unknown_name_is_logged_with(staff: Staff,
                                                                  admin: Account) -> None:
    staff.sign_in("Someone Unknown", "47116032", t(5))
    assert store.sign_in_rows(staff.log.conn)[-1].typed == NOT_KEPT
    typed = next(line for line in section(SCHEMA_MD.read_text(encoding="utf-8"), "sign_ins")
                 .splitlines() if line.startswith("| `typed` |"))
    assert f"`{NOT_KEPT}`" in typed
