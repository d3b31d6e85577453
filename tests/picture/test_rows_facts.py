"""Picture facts added for the whole rows and the safety boxes (issue 11 items 5-6): the out-of-scope kind,
extrapulmonary small-cell NEC, remission, comorbidities (VTE, hyperparathyroidism, DPD deficiency), QTc, and the
interaction / QT / anticoagulant medication flags. Missing data stays MISSING, never "no"."""
import pytest

from service.picture.model import FactState, PrimarySite, Scope
from tests.picture.factories import AS_OF, condition, ileal_net, med_request, observation, record


@pytest.mark.parametrize("code, morphology, kind", [("C4A.9", None, "merkel"), ("C44.91", "8247/3", "merkel"),
                                                    ("C75.5", None, "ppgl"), ("C74.10", None, "ppgl"),
                                                    ("D44.7", "8693/3", "ppgl")])
def test_out_of_scope_kind(picture_of, code, morphology, kind):
    p = picture_of(record(condition(code, morphology=morphology)), as_of=AS_OF)
    assert p.scope == Scope.EXCLUDED and p.out_of_scope == kind


def test_sclc_is_named_and_an_oesophageal_small_cell_carcinoma_is_a_nec(picture_of):
    assert picture_of(record(condition("C34.11", morphology="8041/3")), as_of=AS_OF).out_of_scope == "sclc"
    p = picture_of(record(condition("C15.5", morphology="8041/3")), as_of=AS_OF)
    assert p.scope == Scope.NEC and p.primary_site.is_(PrimarySite.OTHER_GI) and p.site_detail.is_("oesophagus")


def test_ampulla_site(picture_of):
    p = picture_of(record(condition("C24.1", morphology="8240/3")), as_of=AS_OF)
    assert p.scope == Scope.NET and p.site_detail.is_("ampulla")


def test_a_condition_in_remission_is_history_not_no_net(picture_of):
    p = picture_of(record(condition("C7A.012", clinical="remission")), as_of=AS_OF)
    assert p.scope == Scope.NET and p.in_remission.is_(True)
    active = picture_of(record(condition("C7A.012")), as_of=AS_OF)
    assert active.in_remission.state == FactState.MISSING
    with_mets = picture_of(record(condition("C7A.012", clinical="remission"), condition("C7B.02")), as_of=AS_OF)
    assert with_mets.in_remission.state == FactState.MISSING


def test_comorbidities_from_codes_and_text(picture_of):
    p = picture_of(record(ileal_net(), condition("I26.99"), condition("E21.0"),
                          condition("Z00.00", text="Dihydropyrimidine dehydrogenase deficiency (DPYD poor metabolizer)")),
                   as_of=AS_OF)
    assert p.venous_thromboembolism.is_(True) and p.hyperparathyroidism.is_(True) and p.dpd_deficiency.is_(True)
    none = picture_of(record(ileal_net()), as_of=AS_OF)
    assert {none.venous_thromboembolism.state, none.hyperparathyroidism.state, none.dpd_deficiency.state} == {
        FactState.MISSING}
    history = picture_of(record(ileal_net(), condition("Z86.718", text="history of DVT 2010")), as_of=AS_OF)
    assert history.venous_thromboembolism.state == FactState.MISSING


def test_qtc_in_milliseconds(picture_of):
    qtc = observation("8636-3", date="2025-05-20", valueQuantity={"value": 0.49, "unit": "s", "code": "s",
                                                                  "system": "http://unitsofmeasure.org"})
    p = picture_of(record(ileal_net(), qtc), as_of=AS_OF)
    assert p.labs.qtc.is_(490.0)


def test_medication_flags_from_codes_and_names(picture_of):
    p = picture_of(record(ileal_net(), med_request("21212"), med_request("2002"),
                          med_request("x", system="urn:local", text="Rifadin 600 mg daily"),
                          med_request("1364430")), as_of=AS_OF)
    flags = {m.name.split()[0].lower(): m.flags for m in p.current_medications}
    assert {"strong-cyp3a4-inhibitor", "qt-prolonging"} <= set().union(*flags.values())
    assert any("strong-cyp3a4-inducer" in f for f in flags.values())
    assert any("anticoagulant" in f for f in flags.values())
