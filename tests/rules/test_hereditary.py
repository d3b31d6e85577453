"""Hereditary rows H-01..H-06 (decision table 4.10): each fires, each has a near miss."""
from __future__ import annotations

import pytest

from service.picture.model import Extent, Grade, Hereditary, Ki67, PrimarySite, Syndrome
from service.rules import Status
from tests.rules.factories import MISSING, fired_cards, run

LOCAL_PNET = {"primary_site": PrimarySite.PANCREAS, "site_detail": "pancreas", "extent": Extent.LOCALIZED,
              "metastatic_sites": frozenset(), "liver_metastases": False, "grade": Grade.G1, "ki67": Ki67(2)}
MEN1 = dict(LOCAL_PNET, hereditary=frozenset({Hereditary.MEN1}))
VHL = dict(LOCAL_PNET, hereditary=frozenset({Hereditary.VHL}))


@pytest.mark.parametrize(
    ("rule_id", "card", "fires", "near_miss"),
    [
        ("H-01", "men1-pnet-surveillance", dict(MEN1, tumor_size_cm=1.2), dict(MEN1, tumor_size_cm=2.4)),
        ("H-01", "men1-pnet-surveillance", dict(MEN1, tumor_size_cm=1.2), dict(LOCAL_PNET, tumor_size_cm=1.2)),
        ("H-02", "men1-pnet-resection", dict(MEN1, tumor_size_cm=2.4), dict(MEN1, tumor_size_cm=1.2)),
        ("H-03", "men1-advanced-pnet", dict(MEN1, extent=Extent.METASTATIC, metastatic_sites=frozenset({"liver"})), MEN1),
        ("H-04", "belzutifan-vhl", dict(VHL, tumor_size_cm=2.0, progression=True), dict(VHL, tumor_size_cm=2.0)),
        ("H-04", "belzutifan-vhl", dict(VHL, tumor_size_cm=2.0, progression=True),
         dict(VHL, tumor_size_cm=2.0, progression=True, pregnant=True)),
        ("H-04", "vhl-pnet-surveillance", dict(VHL, tumor_size_cm=1.0), dict(VHL, tumor_size_cm=3.5)),
        ("H-05", "vhl-pnet-surgery", dict(VHL, tumor_size_cm=3.5), dict(VHL, tumor_size_cm=1.0)),
        ("H-06", "hereditary-as-sporadic", {"hereditary": frozenset({Hereditary.NF1})}, {}),
    ],
)
def test_row_fires_and_near_miss_does_not(rule_id, card, fires, near_miss):
    assert card in fired_cards(rule_id, **fires)
    assert card not in fired_cards(rule_id, **near_miss)


def test_belzutifan_never_for_sporadic_pnet():
    assert fired_cards("H-04", **dict(LOCAL_PNET, tumor_size_cm=2.0, progression=True)) == set()


def test_men1_functioning_pnet_is_not_surveillance():
    assert fired_cards("H-01", **dict(MEN1, tumor_size_cm=1.0, syndromes=frozenset({Syndrome.INSULINOMA}))) == set()


def test_size_unknown_is_insufficient():
    assert {o.status for o in run("H-01", **dict(MEN1, tumor_size_cm=MISSING))} == {Status.INSUFFICIENT}
    assert {o.status for o in run("H-04", **dict(VHL, tumor_size_cm=MISSING))} == {Status.INSUFFICIENT}


def test_men1_stability_unknown_still_surveils_but_says_what_is_missing():
    (o,) = run("H-01", **dict(MEN1, tumor_size_cm=1.0, progression=MISSING))
    assert o.status is Status.APPLICABLE and o.missing


# --------------------------------------------------------------------------- clinical review 2026-11


def test_vhl_pnet_growing_below_3_cm_gets_belzutifan_not_surgery():
    """net-19: VHL pNET growing 2.1 -> 2.7 cm: therapy without immediate surgery (H-04), not H-05."""
    growing = dict(VHL, grade=Grade.G2, ki67=Ki67(4), tumor_size_cm=2.7, progression=True)
    assert fired_cards("H-04", **growing) == {"belzutifan-vhl"}
    assert fired_cards("H-05", **growing) == set()
    assert fired_cards("H-05", **dict(growing, tumor_size_cm=3.4)) == {"vhl-pnet-surgery"}
    assert fired_cards("H-05", **dict(growing, abdominal_pain=True)) == {"vhl-pnet-surgery"}


@pytest.mark.parametrize("rule_id, base", [("H-01", MEN1), ("H-04", VHL)])
def test_hereditary_pnet_without_size_asks_for_it(rule_id, base):
    (o,) = run(rule_id, **dict(base, tumor_size_cm=MISSING))
    assert o.status is Status.INSUFFICIENT and o.card == "pnet-size-needs-data"


def test_men1_small_pnet_without_staging_still_gets_surveillance_and_asks_for_staging():
    """net-18: extent not coded. Surveillance imaging stages it; silence would be worse."""
    unstaged = dict(MEN1, tumor_size_cm=1.2, extent=MISSING, progression=False)
    (o,) = run("H-01", **unstaged)
    assert o.status is Status.APPLICABLE and any("staging" in m for m in o.missing)
    assert fired_cards("H-01", **dict(unstaged, metastatic_sites=frozenset({"liver"}), liver_metastases=True)) == set()
