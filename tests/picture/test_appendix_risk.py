"""Appendiceal NET risk features (O-05) read from record text: stated negatives are negatives, an unstated or
uncertain feature stays MISSING (never absent), and the O-05 card follows them."""
from datetime import date

import pytest

from service.picture.model import FactState
from service.rules.other_gi import appendix_risk
from tests.picture.factories import CPT, condition, observation, procedure, qty, record

WHEN = "2025-04-01"
AS_OF = date(2025, 6, 1)


def _appendix(text: str | None = "Appendiceal NET", note: str | None = None, outcome: str = "",
              size: float = 1.5) -> tuple:
    proc = procedure("44970", system=CPT, date=WHEN, text="Laparoscopic appendectomy", note=outcome or None)
    return (condition("C7A.020", onset=WHEN, clinical="resolved", text=text, note=note), proc,
            observation("29593-1", date=WHEN, valueQuantity=qty(1, "%")),
            observation("21889-1", date=WHEN, valueQuantity=qty(size, "cm")))


def _risk(picture_of, **kw):
    return picture_of(record(*_appendix(**kw)), as_of=AS_OF)


def test_stated_negatives_are_negatives(picture_of):
    p = _risk(picture_of, text="Appendiceal NET 1.5 cm, tip", outcome="Margins clear; no mesoappendiceal invasion; "
                                                                       "no lymphovascular invasion")
    assert p.appendix_lvi.is_(False) and p.appendix_meso_deep.is_(False) and p.appendix_base.is_(False)
    assert p.r0_resection.is_(True)


def test_unstated_features_are_missing_not_absent(picture_of):
    p = _risk(picture_of, outcome="R0")
    for f in (p.appendix_lvi, p.appendix_meso_deep, p.appendix_base):
        assert f.state is FactState.MISSING and f.value is None
    present, missing, _ = appendix_risk(p)
    assert present == () and len(missing) == 3


@pytest.mark.parametrize("outcome, lvi", [
    ("R0. Lymphovascular invasion: present", True),
    ("R0. LVI: absent", False),
    ("R0. Angioinvasion identified", True),
    ("R0. Lymphovascular invasion not identified", False),
    ("R0. Possible lymphovascular invasion", None),       # uncertain: unknown, never a negative
])
def test_lvi_polarity(picture_of, outcome, lvi):
    p = _risk(picture_of, outcome=outcome)
    assert p.appendix_lvi.value is lvi
    if lvi is None:
        assert p.appendix_lvi.state is FactState.MISSING


@pytest.mark.parametrize("outcome, deep, state", [
    ("R0. Mesoappendiceal invasion 4 mm", True, FactState.PRESENT),
    ("R0. Mesoappendiceal invasion: 2 mm", False, FactState.PRESENT),
    ("R0. Mesoappendiceal invasion present", None, FactState.MISSING),   # depth not written: unknown
])
def test_mesoappendix_depth_decides(picture_of, outcome, deep, state):
    p = _risk(picture_of, outcome=outcome)
    assert p.appendix_meso_deep.value is deep and p.appendix_meso_deep.state is state
    if deep is None:
        assert "depth" in p.appendix_meso_deep.note


def test_base_and_tip_on_record_disagree(picture_of):
    p = _risk(picture_of, text="Appendiceal NET at the base of the appendix", outcome="R0. Tumour at the tip")
    assert p.appendix_base.state is FactState.CONTRADICTORY
