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
