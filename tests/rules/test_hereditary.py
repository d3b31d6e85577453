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


# H-01 also gives every MEN1 patient the MEN1-programme card; these tests are about its surveillance part.
MEN1_PROGRAMME = {"men1-syndrome-care", "men1-hyperparathyroidism-first"}


def surveillance_outcomes(rule_id, **overrides):
    return tuple(o for o in run(rule_id, **overrides) if o.card not in MEN1_PROGRAMME)


def surveillance_cards(rule_id, **overrides):
    return fired_cards(rule_id, **overrides) - MEN1_PROGRAMME


def test_belzutifan_never_for_sporadic_pnet():
    assert fired_cards("H-04", **dict(LOCAL_PNET, tumor_size_cm=2.0, progression=True)) == set()


def test_men1_functioning_pnet_is_not_surveillance():
    assert surveillance_cards("H-01", **dict(MEN1, tumor_size_cm=1.0, syndromes=frozenset({Syndrome.INSULINOMA}))) == set()


def test_size_unknown_is_insufficient():
    assert {o.status for o in surveillance_outcomes("H-01", **dict(MEN1, tumor_size_cm=MISSING))} == {Status.INSUFFICIENT}
    assert {o.status for o in run("H-04", **dict(VHL, tumor_size_cm=MISSING))} == {Status.INSUFFICIENT}


def test_men1_stability_unknown_still_surveils_but_says_what_is_missing():
    (o,) = surveillance_outcomes("H-01", **dict(MEN1, tumor_size_cm=1.0, progression=MISSING))
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
    (o,) = surveillance_outcomes(rule_id, **dict(base, tumor_size_cm=MISSING))
    assert o.status is Status.INSUFFICIENT and o.card == "pnet-size-needs-data"


def test_men1_small_pnet_without_staging_still_gets_surveillance_and_asks_for_staging():
    """net-18: extent not coded. Surveillance imaging stages it; silence would be worse."""
    unstaged = dict(MEN1, tumor_size_cm=1.2, extent=MISSING, progression=False)
    (o,) = surveillance_outcomes("H-01", **unstaged)
    assert o.status is Status.APPLICABLE and any("staging" in m for m in o.missing)
    assert surveillance_cards("H-01", **dict(unstaged, metastatic_sites=frozenset({"liver"}), liver_metastases=True)) == set()


# --------------------------------------------------------------------------- growth from serial sizes (2026-11)

from datetime import date  # noqa: E402

from service.picture.model import Agent, Fact, FactState, Source  # noqa: E402
from tests.rules.factories import fact  # noqa: E402


def _growth(d1: float, d2: float, *, days: int = 335, cm_per_year: float | None = None, doubling: float | None = None,
            state: FactState = FactState.PRESENT) -> dict:
    """The picture's growth facts for two diameters ``days`` apart (values as service.picture.tempo computes them)."""
    import math
    sizes = (Source("Observation/size-1", date(2025, 11, 22), f"tumour size {d1:g} cm"),
             Source("Observation/size-2", date(2025, 11, 22).fromordinal(date(2025, 11, 22).toordinal() + days),
                    f"tumour size {d2:g} cm"))
    per_year = cm_per_year if cm_per_year is not None else (d2 - d1) / (days / 365.25)
    out = {"tumor_size_cm": fact(d2), "tumor_growth_cm_per_year": Fact(state, per_year, sizes, f"{d1:g} cm -> {d2:g} cm")}
    if d2 > d1:
        vdt = doubling if doubling is not None else days * math.log(2) / (3 * math.log(d2 / d1))
        out["tumor_doubling_time_days"] = Fact(state, vdt, sizes, "volume doubling time")
    else:
        out["tumor_doubling_time_days"] = Fact.missing("not growing")
    return out


def test_vhl_doubling_time_below_500_days_offers_surgery_and_belzutifan():
    """net-19: 2.1 -> 2.7 cm in 335 days = volume doubling ~308 days: a VHL surgical criterion (H-05, consider,
    MDT) even below 3 cm; belzutifan (H-04) stays the non-surgical option for the same MDT decision."""
    rapid = dict(VHL, grade=Grade.G2, progression=True, **_growth(2.1, 2.7))
    assert fired_cards("H-05", **rapid) == {"vhl-pnet-surgery"}
    assert fired_cards("H-04", **rapid) == {"belzutifan-vhl"}
    (o,) = run("H-05", **rapid)
    assert {f.name for f in o.facts} >= {"Tumour growth", "Volume doubling time"}
    assert all(f.date is not None for f in o.facts if f.name in ("Tumour growth", "Volume doubling time"))


def test_vhl_slow_growth_is_not_surgical():
    slow = dict(VHL, progression=False, **_growth(2.0, 2.1))  # doubling ~2000 days
    assert fired_cards("H-05", **slow) == set()
    assert fired_cards("H-04", **slow) == {"vhl-pnet-surveillance"}


def test_vhl_growth_without_documented_progression_still_needs_therapy():
    """Rapid growth on serial sizes, no disease-status entry: belzutifan (and surgery), not plain surveillance."""
    rapid = dict(VHL, progression=MISSING, **_growth(1.5, 2.2, days=300))
    assert fired_cards("H-04", **rapid) == {"belzutifan-vhl"}
    assert fired_cards("H-05", **rapid) == {"vhl-pnet-surgery"}


def test_vhl_stale_or_missing_doubling_time_is_never_a_negative_finding():
    stale = dict(VHL, progression=MISSING, **_growth(2.1, 2.7, state=FactState.STALE))
    (o,) = run("H-05", **stale)
    assert o.status is Status.INSUFFICIENT and any("two scans" in m for m in o.missing)
    (o,) = run("H-04", **dict(VHL, tumor_size_cm=2.0, progression=MISSING))
    assert o.card == "vhl-pnet-surveillance" and any("two scans" in m for m in o.missing)


def test_vhl_shrinking_pnet_is_not_rapid_growth():
    shrinking = dict(VHL, progression=False, **_growth(2.7, 2.4))
    assert fired_cards("H-05", **shrinking) == set()


def test_vhl_declined_belzutifan_growing_gets_the_mdt_plan_not_if_it_grows():
    """Growth on record and belzutifan declined: the MDT plans imaging and surgery criteria (review A W2), never
    the surveillance card's "belzutifan if it grows"."""
    growing = dict(VHL, tumor_size_cm=2.0, progression=True, declined_therapies=frozenset({Agent.BELZUTIFAN}))
    assert fired_cards("H-04", **growing) == {"vhl-pnet-growing-no-belzutifan"}


def test_men1_growth_of_half_a_centimetre_a_year_is_rapid():
    """MEN1 pNET 1.2 -> 1.8 cm in a year (< 2 cm): rapid growth -> consider resection (H-02), not surveillance."""
    rapid = dict(MEN1, progression=MISSING, **_growth(1.2, 1.8, days=365))
    assert fired_cards("H-02", **rapid) == {"men1-pnet-resection"}
    assert surveillance_cards("H-01", **rapid) == set()
    slow = dict(MEN1, progression=MISSING, **_growth(1.1, 1.2))  # net-18: 0.11 cm/year
    assert fired_cards("H-02", **slow) == set()
    (o,) = surveillance_outcomes("H-01", **slow)
    assert o.card is None or o.card == "men1-pnet-surveillance"
    assert o.status is Status.APPLICABLE and not any("stability" in m for m in o.missing)


def test_men1_small_pnet_with_unknown_growth_is_insufficient_for_resection():
    (o,) = run("H-02", **dict(MEN1, tumor_size_cm=1.2, progression=MISSING))
    assert o.status is Status.INSUFFICIENT and o.missing


# --------------------------------------------------------------------------- MEN1 programme (review 2026-12)

from service.picture.model import Procedure  # noqa: E402


def test_men1_programme_for_every_men1_net_hyperparathyroidism_first():
    """Review Missing (net-53): MEN1 with a duodenal gastrinoma: parathyroidectomy first, thymus, pituitary,
    relatives -- not only the PPI card."""
    gastrinoma = dict(hereditary=frozenset({Hereditary.MEN1}), primary_site=PrimarySite.OTHER_GI,
                      site_detail="duodenum", syndromes=frozenset({Syndrome.GASTRINOMA}), hyperparathyroidism=True)
    assert "men1-hyperparathyroidism-first" in fired_cards("H-01", **gastrinoma)
    done = dict(gastrinoma, procedures=(Procedure("parathyroidectomy", date(2024, 1, 1), "Procedure/ptx", "PTX"),))
    assert fired_cards("H-01", **done) == {"men1-syndrome-care"}
    (o,) = [o for o in run("H-01", **dict(gastrinoma, hyperparathyroidism=MISSING)) if o.card == "men1-syndrome-care"]
    assert any("PTH" in m for m in o.missing)
    assert fired_cards("H-01", **dict(gastrinoma, hereditary=frozenset())) == set()


def test_vhl_pnet_in_the_head_is_considered_for_surgery_from_2_cm():
    """Review Missing: the (recalled) 2 cm threshold for VHL pNETs in the pancreatic head."""
    from tests.rules.factories import fact
    head = fact("pancreas", display="Malignant neoplasm of head of pancreas")
    in_head = dict(VHL, tumor_size_cm=2.4, site_detail=head, progression=False)
    assert fired_cards("H-05", **in_head) == {"vhl-pnet-head-surgery"}
    assert fired_cards("H-04", **in_head) == {"vhl-pnet-surveillance"}  # the MDT weighs both (threshold recalled)
    tail = dict(in_head, site_detail=fact("pancreas", display="Malignant neoplasm of tail of pancreas"))
    assert fired_cards("H-05", **tail) == set()
    (o,) = run("H-04", **dict(in_head, site_detail="pancreas"))
    assert any("location" in m for m in o.missing)
