"""What the data settle (review B U5, U6): the Child-Pugh class (or its lower bound) from bilirubin, albumin
and INR on record sets the everolimus dose, with the corrected order offered in place of a draft; a QTc at a
critical value with QT-prolonging drugs makes the QT card critical."""
from __future__ import annotations

from datetime import timedelta

import pytest

from service.picture.fitness import child_pugh
from service.picture.model import Agent, TherapyStatus
from service.picture.terminology import load_terminology
from tests.plugins.clinical import TERMINOLOGY_DIR
from tests.rules.factories import AS_OF, fact, make_labs, medication, run, therapy


@pytest.fixture(scope="module")
def term():
    return load_terminology(TERMINOLOGY_DIR)


@pytest.mark.parametrize("labs, low, high, klass", [
    ({"bilirubin": 3.1, "albumin": 2.6}, 9, 15, "B"),             # review B U5: 3 + 3 + at least 1 x 3
    ({"bilirubin": 1.0, "albumin": 4.0}, 5, 11, "A"),
    ({"bilirubin": 2.3, "albumin": 2.7, "inr": 1.4}, 8, 12, "B"),
    ({"bilirubin": 3.5, "albumin": 2.5, "inr": 2.5}, 11, 15, "C"),
])
def test_child_pugh_lower_bound(term, labs, low, high, klass):
    cp = child_pugh(term, make_labs(**labs)).value
    assert (cp.min_points, cp.max_points, cp.min_class) == (low, high, klass)
    assert "ascites" in cp.unknown and "encephalopathy" in cp.unknown


def test_child_pugh_missing_without_liver_tests(term):
    assert not child_pugh(term, make_labs(inr=1.1)).known


def _sb01(term, dose_mg, **labs):
    lab = make_labs(**labs)
    evero = therapy(Agent.EVEROLIMUS, dose_mg=dose_mg)
    (out,) = run("SB-01", therapies=(evero,), labs=lab, child_pugh=child_pugh(term, lab), newly_diagnosed=False)
    return out


def test_settled_class_b_gives_the_label_dose_card(term):
    out = _sb01(term, 10.0, bilirubin=3.1, albumin=2.6)
    assert out.card == "everolimus-child-pugh-b" and "at most 5 mg" in out.reason
    assert not any(m.startswith("Child-Pugh class") for m in out.missing)
    assert any(f.name == "Child-Pugh class" and "at least B" in f.display for f in out.facts)


def test_dose_already_within_the_class_keeps_the_general_card(term):
    assert _sb01(term, 5.0, bilirubin=3.1, albumin=2.6).card == "everolimus-hepatic-impairment"


def test_class_c_lower_bound(term):
    assert _sb01(term, 10.0, bilirubin=3.5, albumin=2.5, inr=2.5).card == "everolimus-child-pugh-c"


def _qt(qtc, *meds):
    sunitinib = therapy(Agent.SUNITINIB)
    outs = run("SB-12", therapies=(sunitinib,), current_medications=tuple(meds),
               labs=make_labs(qtc=fact(qtc, on=AS_OF - timedelta(days=1))))
    (out,) = [o for o in outs if o.fires]
    (q,) = [f for f in out.facts if f.name == "QTc"]
    return q


def test_qtc_488_with_several_qt_drugs_is_critical():
    q = _qt(488.0, medication("citalopram", "qt-prolonging"), medication("clarithromycin", "qt-prolonging"))
    assert q.critical


def test_qtc_488_alone_is_not_critical_but_above_500_is():
    assert not _qt(488.0).critical
    assert _qt(505.0).critical
