"""The picture pipeline runs end to end on a minimal ileal NET."""
from service.picture.model import FactState, Grade, PrimarySite, Scope
from tests.picture.factories import AS_OF, ileal_net, ki67, record


def test_ileal_net_with_ki67_is_a_midgut_g2_net(picture_of):
    p = picture_of(record(ileal_net(), ki67(12, id="k1")), as_of=AS_OF)
    assert p.scope == Scope.NET
    assert p.primary_site.is_(PrimarySite.MIDGUT)
    assert p.ki67.value.percent == 12
    assert p.grade.is_(Grade.G2)
    assert p.ki67.sources[0].reference == "Observation/k1"


def test_no_conditions_means_no_nen(picture_of):
    p = picture_of(record(ki67(12)), as_of=AS_OF)
    assert p.scope == Scope.NONE
    assert p.grade.state == FactState.MISSING


def test_observation_codes_lists_ki67(terminology):
    assert "http://loinc.org|29593-1" in terminology.observation_codes()
