"""Ki-67 read in every shape labs send it; unknown units are never guessed."""
import pytest

from service.picture.model import FactState, Grade
from tests.picture.factories import AS_OF, condition, ileal_net, ki67, record


@pytest.mark.parametrize("kwargs, percent, comparator, low", [
    ({"value": 12, "unit": "%"}, 12, "=", None),
    ({"value": 1, "unit": "%"}, 1, "=", None),              # 1 with "%" is 1 %, not 100 %
    ({"value": 0.12, "unit": "1"}, 12, "=", None),          # fraction
    ({"value": 0.12, "unit": None}, 12, "=", None),         # fraction without unit
    ({"string": "12%"}, 12, "=", None),
    ({"string": "Ki-67: 12 %"}, 12, "=", None),
    ({"string": "<2%"}, 2, "<", None),
    ({"string": "≤ 2 %"}, 2, "<=", None),
    ({"string": "10-15%"}, 15, "=", 10),
    ({"string": "10 to 15 %"}, 15, "=", 10),
    ({"string": "approximately 5%"}, 5, "=", None),
])
def test_ki67_shapes(picture_of, kwargs, percent, comparator, low):
    p = picture_of(record(ileal_net(), ki67(**kwargs)), as_of=AS_OF)
    assert p.ki67.known
    assert p.ki67.value.percent == pytest.approx(percent)
    assert p.ki67.value.comparator == comparator
    assert p.ki67.value.low == low


def test_value_range(picture_of):
    obs = ki67(valueRange={"low": {"value": 10, "unit": "%"}, "high": {"value": 25, "unit": "%"}})
    p = picture_of(record(ileal_net(), obs), as_of=AS_OF)
    assert (p.ki67.value.low, p.ki67.value.percent) == (10, 25)
    assert p.grade.is_(Grade.G3)


@pytest.mark.parametrize("kwargs", [
    {"value": 12, "unit": "cells"}, {"value": 12, "unit": None}, {"string": "positive"}, {"string": "12"},
])
def test_unknown_shape_is_not_used(picture_of, kwargs):
    p = picture_of(record(ileal_net(), ki67(**kwargs)), as_of=AS_OF)
    assert p.ki67.state == FactState.MISSING
    assert p.grade.state == FactState.MISSING


def test_qualitative_ki67_carries_no_index(picture_of):
    obs = ki67(code="33055-5", valueCodeableConcept={"text": "positive"})
    assert picture_of(record(ileal_net(), obs), as_of=AS_OF).ki67.state == FactState.MISSING


def test_breast_ki67_code_is_read_for_an_nen_without_breast_cancer(picture_of):
    # labs file any Ki-67 under the breast LOINC: with an NEN diagnosis code (no morphology needed) it is the NEN's
    plain = picture_of(record(ileal_net(), ki67(12, code="85330-9")), as_of=AS_OF)
    with_m = picture_of(record(ileal_net(morphology="8240/3"), ki67(12, code="85330-9")), as_of=AS_OF)
    assert plain.ki67.value.percent == 12 and plain.grade.value.value == "G2"
    assert with_m.ki67.value.percent == 12


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "preliminary", "registered"])
def test_invalid_statuses_ignored(picture_of, status):
    p = picture_of(record(ileal_net(), ki67(12, status=status)), as_of=AS_OF)
    assert p.ki67.state == FactState.MISSING


def test_latest_wins_and_history_kept(picture_of):
    p = picture_of(record(ileal_net(), ki67(2, date="2024-09-01"), ki67(15, date="2025-02-01")), as_of=AS_OF)
    assert p.ki67.value.percent == 15
    assert [k.percent for k, _ in p.ki67_history] == [2, 15]


def test_duplicates_count_once(picture_of):
    p = picture_of(record(ileal_net(), ki67(12, id="a"), ki67(12, id="b")), as_of=AS_OF)
    assert p.ki67.state == FactState.PRESENT
    assert len(p.ki67_history) == 1


def test_same_date_conflict_is_contradictory(picture_of):
    p = picture_of(record(ileal_net(), ki67(2), ki67(30)), as_of=AS_OF)
    assert p.ki67.state == FactState.CONTRADICTORY
    assert p.grade.state == FactState.CONTRADICTORY


def test_stale_result(picture_of):
    p = picture_of(record(ileal_net(), ki67(12, date="2022-01-01")), as_of=AS_OF)
    assert p.ki67.state == FactState.STALE
    assert p.grade.state == FactState.STALE


def test_unavailable_observations(picture_of):
    p = picture_of(record(ileal_net(), unavailable=frozenset({"observations"})), as_of=AS_OF)
    assert p.ki67.state == FactState.UNAVAILABLE
    assert p.sstr.state == FactState.UNAVAILABLE


def test_discordant_specimens(picture_of):
    p = picture_of(record(ileal_net(), ki67(5, date="2024-06-01", body_site="ileum primary"),
                          ki67(30, date="2025-01-01", body_site="liver metastasis")), as_of=AS_OF)
    assert p.grade_discordant.is_(True)
    assert {a.grade for a in p.grade_assessments} == {Grade.G2, Grade.G3}


def test_mitoses_per_10hpf_taken_one_to_one_and_flagged(picture_of):
    from tests.picture.factories import local, qty
    p = picture_of(record(ileal_net(), ki67(1), local("mitotic-count", valueQuantity=qty(5, "/10 HPF"))),
                   as_of=AS_OF)
    assert p.mitoses_per_2mm2.value == 5 and "10 HPF" in p.mitoses_per_2mm2.note
    assert p.grade.is_(Grade.G2)


def test_coded_grade_used_when_nothing_to_compute(picture_of):
    from tests.picture.factories import cc, observation
    obs = observation("33732-9", valueCodeableConcept=cc("https://net-cds.org/fhir/CodeSystem/grade", "net-g2"))
    p = picture_of(record(ileal_net(), obs), as_of=AS_OF)
    assert p.coded_grade.is_(Grade.G2) and p.grade.is_(Grade.G2)


def test_poorly_differentiated_text_gives_nec(picture_of):
    p = picture_of(record(condition("C7A.8", text="poorly differentiated neuroendocrine carcinoma"), ki67(70)),
                   as_of=AS_OF)
    assert p.grade.is_(Grade.NEC)
