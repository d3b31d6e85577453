"""Options the table gives that were missing (review 2026-12 B-M1, B-M2): cabozantinib for a WD G3 pNET after a
non-SSA line (P-06; CABINET enrolled WD G1-G3) and FDG PET before PRRT in WD G3 (dual imaging; NR-03)."""
from __future__ import annotations

import pytest

from service.rules import Status
from tests.rules.test_choice import _outcomes

FDG = "FDG PET/CT (WD G3"


@pytest.mark.parametrize("pid", ["net-104", "net-248"])
def test_wd_g3_pnet_after_captem_gets_cabozantinib(pid):
    fired = {(o.rule_id, o.card) for o in _outcomes(pid) if o.status is Status.APPLICABLE}
    assert ("P-06", None) in fired, sorted(fired)


@pytest.mark.parametrize("pid", ["net-104", "net-183", "net-248"])
def test_prrt_in_wd_g3_asks_for_fdg_pet_when_none_is_on_record(pid):
    (prrt,) = [o for o in _outcomes(pid) if o.rule_id == "G3-01" and o.status is Status.APPLICABLE
               and (o.card or "").startswith("g3-prrt")]
    assert any(m.startswith(FDG) for m in prrt.missing)


def test_fdg_pet_on_record_is_not_asked_again():
    for o in _outcomes("net-22"):  # FDG-avid on record
        assert not any(m.startswith(FDG) for m in o.missing)
