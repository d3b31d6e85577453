"""The therapy course, the active order, current medications, Karnofsky and Ki-67 ranges in the picture."""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, DiseaseStatus, FactState, Grade, Ki67, TherapyStatus
from tests.picture.factories import (AS_OF, HCPCS, LOINC, SCT, cc, ileal_net, ki67, med_admin, med_request,
                                     med_statement, observation, qty, record)

PROGRESSIVE, IMPROVED = "271299001", "268910001"


def _status(code: str, when: str) -> dict:
    return observation("97509-4", date=when, valueCodeableConcept=cc(SCT, code))


def _prrt_admin(when: str, id: str) -> dict:
    return med_admin("A9513", system=HCPCS, id=id, date=when)


def _prrt(picture):
    (t,) = picture.therapies_of(Agent.PRRT)
    return t


def test_prrt_course_from_administrations_counts_doses_and_times_the_progression(picture_of):
    doses = [_prrt_admin(d, f"prrt-{i}") for i, d in enumerate(("2022-01-10", "2022-03-07", "2022-05-02",
                                                                  "2022-06-27"))]
    p = picture_of(record(ileal_net(), *doses, _status(IMPROVED, "2022-10-01"), _status(PROGRESSIVE, "2024-02-01")),
                   as_of=AS_OF)
    t = _prrt(p)
    assert t.doses == t.cycles == 4 and t.last_dose == date(2022, 6, 27)
    assert t.dose_dates == (date(2022, 1, 10), date(2022, 3, 7), date(2022, 5, 2), date(2022, 6, 27))
    assert t.first_progression == date(2024, 2, 1)
    assert t.end_to_progression_days == (date(2024, 2, 1) - date(2022, 6, 27)).days
    assert t.best_response is DiseaseStatus.IMPROVED and t.response_source.date == date(2022, 10, 1)


def test_prrt_doses_recorded_only_as_single_date_statements_are_counted(picture_of):
    stmts = [{"resourceType": "MedicationStatement", "id": f"s{i}", "status": "completed",
              "subject": {"reference": "Patient/p1"},
              "medicationCodeableConcept": cc(HCPCS, "A9513"), "effectiveDateTime": d}
             for i, d in enumerate(("2023-01-05", "2023-03-02", "2023-04-27"))]
    t = _prrt(picture_of(record(ileal_net(), *stmts), as_of=AS_OF))
    assert t.doses == 3 and t.last_dose == date(2023, 4, 27)


def test_a_course_statement_that_states_its_cycles_gives_the_count_and_its_end(picture_of):
    stmt = med_statement("A9513", system=HCPCS, status="completed", start="2021-02-01", end="2021-08-01")
    stmt["dosage"] = [{"text": "Lutathera 7.4 GBq, 4 cycles"}]
    t = _prrt(picture_of(record(ileal_net(), stmt), as_of=AS_OF))
    assert t.doses == 4 and t.last_dose == date(2021, 8, 1)


def test_an_order_and_its_administration_days_apart_are_one_dose(picture_of):
    order = med_request("A9513", system=HCPCS, status="completed", authored="2023-05-01")
    t = _prrt(picture_of(record(ileal_net(), order, _prrt_admin("2023-05-04", "a1")), as_of=AS_OF))
    assert t.doses == 1 and len(t.dose_dates) == 1


def test_the_active_order_says_what_is_taken_not_the_stopped_one(picture_of):
    old = med_request("1872453", status="stopped", authored="2024-06-01", id="old",
                      dosageInstruction=[{"text": "500 mg three times daily"}])
    new = med_request("1872453", status="active", authored="2024-09-01", id="new",
                      dosageInstruction=[{"text": "250 mg three times daily with food"}])
    (t,) = picture_of(record(ileal_net(), old, new), as_of=AS_OF).therapies_of(Agent.TELOTRISTAT)
    assert t.status is TherapyStatus.ACTIVE and t.dose_text == "250 mg three times daily with food"
    assert t.references[0] == "MedicationRequest/new" and t.start == date(2024, 6, 1)


def test_a_recent_administration_ended_by_a_later_completed_record_is_not_current(picture_of):
    admin = med_admin("21212", date="2025-05-12")          # clarithromycin, 20 days before AS_OF
    done = med_statement("21212", status="completed", start="2025-05-12", end="2025-05-19")
    ended = picture_of(record(ileal_net(), admin, done), as_of=AS_OF)
    assert not ended.medication_flagged("strong-cyp3a4-inhibitor")
    current = picture_of(record(ileal_net(), med_admin("21212", date="2025-05-12")), as_of=AS_OF)
    assert current.medication_flagged("strong-cyp3a4-inhibitor")


def test_karnofsky_is_read_as_its_ecog_equivalent_and_says_so(picture_of):
    kps = observation("89243-0", date="2025-05-20", valueInteger=40)
    p = picture_of(record(ileal_net(), kps), as_of=AS_OF)
    assert p.ecog.value == 3 and p.ecog.sources[0].display == "Karnofsky 40 % (ECOG 3 equivalent)"
    for score, ecog in ((100, 0), (90, 0), (80, 1), (70, 1), (60, 2), (50, 2), (30, 3), (20, 4)):
        p = picture_of(record(ileal_net(), observation("89243-0", date="2025-05-20", valueInteger=score)),
                       as_of=AS_OF)
        assert p.ecog.value == ecog, score


def test_a_recorded_ecog_wins_over_karnofsky_on_the_same_date(picture_of):
    ecog = observation("89247-1", date="2025-05-20", valueInteger=1)
    kps = observation("89243-0", date="2025-05-20", valueInteger=60)
    p = picture_of(record(ileal_net(), ecog, kps), as_of=AS_OF)
    assert p.ecog.state is FactState.PRESENT and p.ecog.value == 1


def test_a_ki67_range_keeps_both_ends_with_the_grade_at_each(picture_of):
    p = picture_of(record(ileal_net(), ki67(string="15-25 %")), as_of=AS_OF)
    assert p.ki67_ends == ((Ki67(15.0), Grade.G2), (Ki67(25.0), Grade.G3))
    bound = picture_of(record(ileal_net(), ki67(string="<2%")), as_of=AS_OF)
    assert [g for _, g in bound.ki67_ends] == [Grade.G1, Grade.G1] and bound.ki67_ends[0][0].percent == 0
    point = picture_of(record(ileal_net(), ki67(12)), as_of=AS_OF)
    assert point.ki67_ends == ()


def test_the_mitotic_count_enters_the_grade_at_each_end(picture_of):
    mitoses = observation("mitotic-count", system="https://net-cds.org/fhir/CodeSystem/observation",
                          valueQuantity=qty(25, "/2mm2"))
    p = picture_of(record(ileal_net(), ki67(string="5-15 %"), mitoses), as_of=AS_OF)
    assert [g for _, g in p.ki67_ends] == [Grade.G3, Grade.G3]


def test_prrt_doses_from_procedures_and_administrations_count_once_each(picture_of):
    from tests.picture.factories import procedure

    admins = [_prrt_admin("2023-01-10", "a1"), _prrt_admin("2023-03-07", "a2")]
    procs = [procedure("1156383000", date=d, text="Lu-177 dotatate PRRT") for d in ("2023-03-08", "2023-05-02",
                                                                                   "2023-06-27")]
    t = _prrt(picture_of(record(ileal_net(), *admins, *procs), as_of=AS_OF))
    assert t.doses == 4 and t.last_dose == date(2023, 6, 27)   # 2023-03-07/08: one dose recorded twice
