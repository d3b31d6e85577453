"""Ranges and conflicts (review B W3, W8): a Ki-67 range across a grade cut-off keeps both ends and the grade is
said to be uncertain; two Ki-67 results that disagree with none newer are contradictory, never "not on record"."""
from __future__ import annotations

from datetime import date

from service.picture.model import Fact, FactState, Grade, Ki67, Source
from service.rules.predicates import card_params
from tests.picture.factories import AS_OF, ileal_net, observation, record
from tests.rules.factories import MISSING, make_picture, run


def test_range_across_the_grade_cut_off_is_g2_g3_uncertain(picture_of):
    ki = observation("29593-1", valueString="Ki-67 15-25 %")
    p = picture_of(record(ileal_net(), ki), as_of=AS_OF)
    assert p.ki67.value.low == 15 and p.ki67.value.percent == 25
    assert "G2-G3 uncertain" in p.grade.note and "15-25 %" in p.grade.note
    assert card_params(p)["grade"] == "G2-G3" and card_params(p)["ki67"] == "15-25 %"


def test_range_within_one_grade_is_stated_plainly(picture_of):
    p = picture_of(record(ileal_net(), observation("29593-1", valueString="Ki-67 5-10 %")), as_of=AS_OF)
    assert "uncertain" not in p.grade.note and card_params(p)["grade"] == "G2"


def _contradictory():
    day = date(2026, 10, 1)
    return Fact(FactState.CONTRADICTORY, None, (Source("Observation/a", day, "Ki-67 4 %"),
                                                 Source("Observation/b", day, "Ki-67 24 %")),
                "2 different Ki-67s on the same date")


def test_contradictory_ki67_names_both_values_and_dates():
    (out,) = run("G-05", ki67=_contradictory(), grade=MISSING, mitoses_per_2mm2=MISSING)
    assert out.card == "ki67-contradictory"
    (missing,) = out.missing
    assert "4 %" in missing and "24 %" in missing and "2026-10-01" in missing
    assert not any("Ki-67 index" in m for m in out.missing)
    (ki,) = out.facts
    assert "4 %" in ki.display and "24 %" in ki.display
