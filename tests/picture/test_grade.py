"""WHO 2019/2022 grade (net-guideline §1.1): every boundary, and the rules around differentiation."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.picture.grade import compute_grade, ki67_class, ki67_grade, mitotic_class, rank
from service.picture.model import Differentiation, Grade, Ki67


@pytest.mark.parametrize("percent, grade", [
    (0, Grade.G1), (2.99, Grade.G1), (3.0, Grade.G2), (12, Grade.G2), (20.0, Grade.G2),
    (20.01, Grade.G3), (55, Grade.G3), (100, Grade.G3),
])
def test_ki67_boundaries(percent, grade):
    assert ki67_class(percent) == grade


@pytest.mark.parametrize("mitoses, grade", [
    (0, Grade.G1), (1.9, Grade.G1), (2, Grade.G2), (20, Grade.G2), (20.5, Grade.G3), (21, Grade.G3),
])
def test_mitotic_boundaries(mitoses, grade):
    assert mitotic_class(mitoses) == grade


def test_less_than_two_percent_is_g1():
    assert ki67_grade(Ki67(2, "<")) == Grade.G1


def test_range_grades_on_upper_bound():
    assert ki67_grade(Ki67(percent=25, low=15)) == Grade.G3


def test_higher_of_ki67_and_mitoses_wins():
    res = compute_grade(ki67=Ki67(1), mitoses_per_2mm2=5, differentiation=None)
    assert res.grade == Grade.G2 and "higher wins" in res.basis


def test_poor_differentiation_is_nec_whatever_the_index():
    assert compute_grade(ki67=Ki67(1), mitoses_per_2mm2=None,
                         differentiation=Differentiation.POOR).grade == Grade.NEC


def test_well_differentiated_with_high_ki67_is_g3_not_nec():
    res = compute_grade(ki67=Ki67(60), mitoses_per_2mm2=None, differentiation=Differentiation.WELL)
    assert res.grade == Grade.G3


def test_ki67_alone_never_makes_nec():
    assert compute_grade(ki67=Ki67(90), mitoses_per_2mm2=None, differentiation=None).grade == Grade.G3


def test_nothing_to_grade_from_is_none():
    assert compute_grade(ki67=None, mitoses_per_2mm2=None, differentiation=Differentiation.WELL) is None


@given(st.floats(0, 100), st.floats(0, 100), st.one_of(st.none(), st.floats(0, 50)))
def test_raising_ki67_never_lowers_the_grade(a, b, mitoses):
    low, high = sorted((a, b))
    g_low = compute_grade(ki67=Ki67(low), mitoses_per_2mm2=mitoses, differentiation=None).grade
    g_high = compute_grade(ki67=Ki67(high), mitoses_per_2mm2=mitoses, differentiation=None).grade
    assert rank(g_high) >= rank(g_low)
