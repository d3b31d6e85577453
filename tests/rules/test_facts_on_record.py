"""Facts on record are read, cited with their date and never listed as missing (clinical reviews 2026-12:
A W1/W2, B U3/M5); a value beyond a critical limit of the knowledge makes the card critical."""
from __future__ import annotations

from datetime import date, timedelta

from service.picture.model import Agent, DiseaseStatus, Hereditary, PrimarySite, Syndrome
from service.render import render
from tests.rules.factories import AS_OF, MISSING, fact, knowledge, make_labs, make_picture, run, therapy

VIPOMA = dict(primary_site=PrimarySite.PANCREAS, site_detail="pancreas", syndromes=frozenset({Syndrome.VIPOMA}),
              therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),), newly_diagnosed=False,
              bowel_movements_per_day=9.0)


def _f09(**labs):
    """The treatment outcome of F-09; a second outcome, the lab-request card, comes only with something missing."""
    out, *lab_card = run("F-09", **VIPOMA, labs=make_labs(**labs))
    critical = any(f.critical and f.name in ("Potassium", "Magnesium") for f in out.facts)
    assert [o.card for o in lab_card] == (["vipoma-electrolytes-critical"] if critical else
                                          ["vipoma-electrolytes-needed"] if out.missing else [])
    if lab_card:
        assert lab_card[0].missing == out.missing
        # the needs-data card is not escalated by the values it cites; the replacement card is (review D)
        assert any(f.critical for f in lab_card[0].facts) == critical
    return out


def test_potassium_on_record_is_cited_and_critical_not_missing():
    out = _f09(potassium=fact(2.8, on=AS_OF - timedelta(days=3)), magnesium=fact(0.8, on=AS_OF),
               creatinine=fact(1.0, on=AS_OF))
    k = [f for f in out.facts if f.name == "Potassium"]
    assert k and k[0].critical and k[0].date == AS_OF - timedelta(days=3) and "2.8 mmol/L" in k[0].display
    # review D: a recent critical value is repeated (not skipped as recent), never listed as not on record
    assert [m for m in out.missing if "potassium" in m] == [
        f"potassium: repeat today and after replacement (critical value of {(AS_OF - timedelta(days=3)).isoformat()})"]
    # review E: with one critical value, magnesium and creatinine are repeated with it, not cited as recent
    assert [m for m in out.missing if "magnesium" in m] == [
        f"magnesium: repeat today with the critical value (last {AS_OF.isoformat()})"]
    assert not [f for f in out.facts if f.name == "Magnesium" and f.critical]


def test_only_electrolytes_not_on_record_are_missing():
    out = _f09(potassium=fact(3.9, on=AS_OF))
    assert not any(f.critical for f in out.facts)
    assert "magnesium (today)" in out.missing and not any(m.startswith("potassium") for m in out.missing)


def test_an_old_critical_value_is_shown_but_does_not_escalate_and_is_asked_again():
    out = _f09(potassium=fact(2.8, on=AS_OF - timedelta(days=60)))
    (k,) = [f for f in out.facts if f.name == "Potassium"]
    assert not k.critical and "low" in k.display
    assert any(m.startswith("potassium more recent than") for m in out.missing)


def _indicator(picture, rule_id):
    outs = [o for o in run(rule_id, picture) if o.fires]
    cards = render(outs, picture, knowledge=knowledge(), uuid_factory=lambda: "u")
    return [c["indicator"] for c in cards]


def test_critical_fact_makes_the_card_critical():
    pic = make_picture(**VIPOMA, labs=make_labs(potassium=fact(2.8, on=AS_OF)))
    assert _indicator(pic, "F-09") == ["critical", "critical"], "treatment card and replace-and-repeat card"
    pic = make_picture(**VIPOMA, labs=make_labs(potassium=fact(4.0, on=AS_OF)))
    assert _indicator(pic, "F-09") == ["warning"]


def test_insulinoma_glucose_cited_and_critical():
    pic = make_picture(primary_site=PrimarySite.PANCREAS, site_detail="pancreas",
                       syndromes=frozenset({Syndrome.INSULINOMA}), therapies=(therapy(Agent.DIAZOXIDE),),
                       labs=make_labs(glucose=fact(41.0, on=AS_OF - timedelta(days=2))))
    (diazoxide,) = [o for o in run("F-07", pic) if o.card == "diazoxide-insulinoma-optimise"]
    (g,) = [f for f in diazoxide.facts if f.name == "Glucose"]
    assert g.critical and "41 mg/dL" in g.display and "glucose 41 mg/dL" in diazoxide.reason


def test_stable_imaging_on_record_is_cited_not_asked_for():
    rising = make_labs(chromogranin_a_rising=fact(True, on=AS_OF))
    (out,) = run("NR-21", labs=rising, disease_status=fact(DiseaseStatus.STABLE, on=AS_OF - timedelta(days=20)))
    assert out.card == "cga-alone-imaging-stable" and not out.missing
    (out,) = run("NR-21", labs=rising, disease_status=MISSING)
    assert out.card is None and out.missing == ("cross-sectional imaging (RECIST 1.1)",)


def test_growth_on_record_is_never_if_it_grows():
    vhl = dict(primary_site=PrimarySite.PANCREAS, site_detail="pancreas", hereditary=frozenset({Hereditary.VHL}),
               extent=MISSING, metastatic_sites=frozenset(), liver_metastases=MISSING,
               tumor_size_cm=2.2, progression=True, pregnant=True)
    (out,) = run("H-04", **vhl)
    assert out.card == "vhl-pnet-growing-no-belzutifan"
    assert not any("growth rate" in m for m in out.missing)
