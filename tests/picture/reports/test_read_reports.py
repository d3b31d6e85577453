"""Reports into the picture: which reports are read, from which parts (conclusion, text/HTML attachments,
contained and included results, panels), with what provenance, and how report text and coded results settle."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from service.data.records import PatientRecord
from service.picture.build import build_picture
from service.picture.model import DiseaseStatus, FactState, Grade, SstrStatus
from service.picture.terminology import load_terminology
from tests.picture.factories import AS_OF, LOINC, NETOBS, cc, condition, ki67, observation, patient

TERM = load_terminology(Path(__file__).resolve().parents[3] / "cards" / "terminology")
V2 = "http://terminology.hl7.org/CodeSystem/v2-0074"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def report(rid: str, text: str | None = None, *, category: str = "SP", date: str = "2025-03-01",
           status: str = "final", ctype: str = "text/plain", conclusion: str | None = None, code: dict | None = None,
           **extra) -> dict:
    r: dict = {"resourceType": "DiagnosticReport", "id": rid, "status": status,
               "category": [cc(V2, category)] if category else [],
               "code": code or cc(LOINC, "60567-5", "Comprehensive pathology report panel"),
               "subject": {"reference": "Patient/p1"}, "effectiveDateTime": date}
    if not r["category"]:
        del r["category"]
    if text is not None:
        r["presentedForm"] = [{"contentType": ctype, "data": b64(text)}]
    if conclusion is not None:
        r["conclusion"] = conclusion
    r.update(extra)
    return r


def picture(*resources: dict):
    record = PatientRecord("p1", (patient(), condition("C7A.012"), *resources))
    return build_picture(record, as_of=AS_OF, terminology=TERM)


PATH_TEXT = """FINAL DIAGNOSIS:
A. Liver, segment 6, core biopsy: metastatic well-differentiated neuroendocrine tumour, WHO grade 2.
Ki-67 proliferation index: 12 % (hot spot). Mitotic count: 3 per 2 mm2.
CLINICAL HISTORY: Ileal NET; a previous Ki-67 was 2 %."""


def test_a_pathology_report_attachment_gives_ki67_mitoses_grade_with_the_sentence_quoted():
    p = picture(report("path-1", PATH_TEXT))
    assert p.ki67.state == FactState.PRESENT and p.ki67.value.percent == 12.0
    (src,) = p.ki67.sources
    assert src.reference == "DiagnosticReport/path-1" and src.origin == "report-text"
    assert src.quote == "Ki-67 proliferation index: 12 % (hot spot)."
    assert "read from the pathology report text" in src.display
    assert p.mitoses_per_2mm2.value == 3.0
    assert p.coded_grade.value == Grade.G2
    assert p.grade.value == Grade.G2          # computed from the text values
    assert p.differentiation.value.value == "well"


def test_html_attachments_are_stripped_and_scripts_never_read():
    html = ("<html><head><title>Ki-67 99 %</title><script>var x = 'Ki-67 80 %';</script></head><body>"
            "<p>FINAL DIAGNOSIS: well-differentiated neuroendocrine tumour.</p>"
            "<p>Ki-67 index: <b>4&nbsp;%</b></p><!-- Ki-67 70 % --></body></html>")
    p = picture(report("path-h", html, ctype="text/html"))
    assert p.ki67.value.percent == 4.0


def test_the_conclusion_alone_is_read():
    p = picture(report("path-c", None, conclusion="Well-differentiated NET G1 of the ileum. Ki-67 1%."))
    assert p.ki67.value.percent == 1.0 and p.ki67.sources[0].reference == "DiagnosticReport/path-c"


@pytest.mark.parametrize("form, why", [
    ({"contentType": "application/pdf", "data": b64("%PDF-1.4 Ki-67 30 %")}, "application/pdf"),
    ({"contentType": "application/rtf", "data": b64("{\\rtf1 Ki-67 30 %}")}, "application/rtf"),
    ({"contentType": "text/plain", "url": "Binary/not-fetched"}, "URL"),
])
def test_attachments_that_cannot_be_read_are_named_never_guessed(form, why):
    p = picture(report("path-pdf", None, presentedForm=[form]))
    assert p.ki67.state == FactState.MISSING
    (unread,) = p.unread_reports
    assert unread.reference == "DiagnosticReport/path-pdf" and why in unread.display


@pytest.mark.parametrize("kw", [
    {"status": "preliminary"}, {"status": "entered-in-error"}, {"date": "2026-01-01"},      # after as_of
    {"date": "2005-01-01"},                                                                  # older than 15 years
    {"category": "", "code": cc("http://example.org/local", "XYZ", "Consult note")},       # kind unknown
])
def test_reports_that_are_not_final_current_or_of_a_known_kind_are_not_read(kw):
    p = picture(report("path-x", PATH_TEXT, **kw))
    assert p.ki67.state == FactState.MISSING


def test_a_report_kind_can_come_from_its_loinc_code_or_its_words():
    p = picture(report("path-code", PATH_TEXT, category=""))
    assert p.ki67.value.percent == 12.0
    p = picture(report("path-words", PATH_TEXT, category="", code={"text": "Surgical pathology report"}))
    assert p.ki67.value.percent == 12.0


def test_a_breast_pathology_report_is_not_the_nen_s():
    text = "FINAL DIAGNOSIS: Breast, left, core biopsy: invasive ductal carcinoma. Ki-67: 40%.\n" \
           "CLINICAL HISTORY: ileal NET."
    assert picture(report("path-b", text)).ki67.state == FactState.MISSING


def test_coded_and_text_values_that_disagree_on_one_date_are_contradictory():
    p = picture(ki67(5, date="2025-03-01"), report("path-1", PATH_TEXT, date="2025-03-01"))
    assert p.ki67.state == FactState.CONTRADICTORY
    assert "coded result and the report text disagree" in p.ki67.note
    assert p.grade.state == FactState.CONTRADICTORY


def test_coded_and_text_values_that_agree_show_the_coded_one():
    p = picture(ki67(12, date="2025-03-01", body_site="primary tumour"), report("path-1", PATH_TEXT))
    assert p.ki67.state == FactState.PRESENT and p.ki67.value.percent == 12.0
    assert {s.origin for s in p.ki67.sources} == {"coded", "report-text"}


def test_a_newer_report_wins_over_an_older_coded_value_and_says_so():
    p = picture(ki67(5, date="2024-06-01"), report("path-new", PATH_TEXT, date="2025-03-01"))
    assert p.ki67.value.percent == 12.0
    (src,) = p.ki67.sources
    assert src.origin == "report-text" and "newer than: Ki-67 5 % (2024-06-01)" in src.display


def test_a_newer_coded_value_wins_over_an_older_report():
    p = picture(ki67(25, date="2025-04-01"), report("path-old", PATH_TEXT, date="2025-03-01"))
    assert p.ki67.value.percent == 25.0
    assert p.ki67.sources[0].origin == "coded" and "newer than: Ki-67 12 %" in p.ki67.sources[0].display


def test_of_two_reports_the_newer_one_wins():
    older = report("path-a", "DIAGNOSIS: well-differentiated NET. Ki-67: 4 %.", date="2024-01-01")
    newer = report("path-b", "DIAGNOSIS: well-differentiated NET G3. Ki-67: 25 %.", date="2025-02-01")
    p = picture(older, newer)
    assert p.ki67.value.percent == 25.0 and p.ki67.sources[0].reference == "DiagnosticReport/path-b"
    assert "newer than: Ki-67 4 %" in p.ki67.sources[0].display


def test_contained_results_of_a_report_are_read_with_the_report_as_reference():
    contained = observation("29593-1", id="k", valueQuantity={"value": 8, "unit": "%"})
    del contained["subject"], contained["effectiveDateTime"]
    r = report("path-r", None, contained=[contained], result=[{"reference": "#k"}])
    p = picture(r)
    assert p.ki67.value.percent == 8.0
    assert p.ki67.sources[0].reference == "DiagnosticReport/path-r" and p.ki67.sources[0].origin == "coded"
    assert p.ki67.date.isoformat() == "2025-03-01"


def test_a_panel_of_unknown_code_is_read_through_its_components_and_contained_members():
    panel = observation("99999-9", system="http://example.org/local-panels", id="panel-1",
                        component=[{"code": cc(LOINC, "29593-1"), "valueQuantity": {"value": 7, "unit": "%"}},
                                   {"code": cc(NETOBS, "mitotic-count"), "valueQuantity": {"value": 2, "unit": "/2mm2"}}])
    p = picture(panel)
    assert p.ki67.value.percent == 7.0 and p.ki67.sources[0].reference == "Observation/panel-1"
    assert p.mitoses_per_2mm2.value == 2.0
    member = observation("29593-1", id="m1", valueQuantity={"value": 14, "unit": "%"})
    del member["subject"], member["effectiveDateTime"]
    panel2 = observation("99999-9", system="http://example.org/local-panels", id="panel-2",
                         contained=[member], hasMember=[{"reference": "#m1"}])
    assert picture(panel2).ki67.value.percent == 14.0


def test_result_narratives_no_code_table_reads_become_report_text():
    result = observation("CAP-KI67", system="http://cap.org/eCC", id="cap-1", valueString="15 %")
    result["code"]["text"] = "Ki-67 proliferation index"
    r = report("path-n", None, result=[{"reference": "Observation/cap-1"}],
               conclusion="Metastatic well-differentiated neuroendocrine tumour.")
    p = picture(r, result)
    assert p.ki67.value.percent == 15.0
    assert p.ki67.sources[0].reference == "DiagnosticReport/path-n"
    assert p.ki67.sources[0].quote == "Ki-67 proliferation index: 15 %"


SSTR_TEXT = """EXAMINATION: Ga-68 DOTATATE PET/CT.
FINDINGS: Multiple liver metastases with uptake higher than normal liver; avid mesenteric node.
IMPRESSION: Somatostatin receptor-avid disease, all lesions above liver (Krenning 4)."""


def test_an_sstr_pet_report_gives_the_sstr_status():
    p = picture(report("pet-1", SSTR_TEXT, category="NMS", code=cc(LOINC, "44139-4", "PET whole body")))
    assert p.sstr.value == SstrStatus.POSITIVE_ALL
    assert p.sstr.sources[0].reference == "DiagnosticReport/pet-1"


def test_an_sstr_report_with_a_lesion_below_liver_is_heterogeneous():
    text = SSTR_TEXT + "\nA 2 cm lesion in segment 4 shows uptake below liver background."
    p = picture(report("pet-2", text, category="NMS"))
    assert p.sstr.value == SstrStatus.POSITIVE_HETEROGENEOUS


def test_coded_sstr_and_text_sstr_that_disagree_on_one_date_are_contradictory():
    coded = observation("sstr-imaging", system=NETOBS, date="2025-03-01",
                        valueCodeableConcept=cc("https://net-cds.org/fhir/CodeSystem/sstr-uptake", "negative"))
    p = picture(coded, report("pet-1", SSTR_TEXT, category="NMS"))
    assert p.sstr.state == FactState.CONTRADICTORY


def test_imaging_reports_give_fdg_avidity_and_progression():
    fdg = report("fdg-1", "18F-FDG PET/CT.\nIMPRESSION: No FDG-avid disease.", category="NMS", date="2025-04-01")
    ct = report("ct-1", "CT ABDOMEN\nCOMPARISON: CT 3 months ago.\nIMPRESSION: Interval progression of hepatic "
                        "metastases with new lesions.", category="RAD", date="2025-05-01")
    p = picture(fdg, ct)
    assert p.fdg_avid.value is False
    assert p.disease_status.value == DiseaseStatus.PROGRESSIVE and p.progression.value is True
    assert p.progression_date.value.isoformat() == "2025-05-01"


def test_a_pathology_report_is_never_read_for_imaging_facts_nor_the_reverse():
    path = report("path-z", "DIAGNOSIS: well-differentiated NET G2, Ki-67 5 %. Clinical note: progression on CT.")
    ct = report("ct-z", "CT: liver lesions. Prior biopsy Ki-67 40 %. IMPRESSION: stable disease.", category="RAD")
    p = picture(path, ct)
    assert p.ki67.value.percent == 5.0
    assert p.disease_status.value == DiseaseStatus.STABLE


def test_an_mcode_tumor_morphology_panel_is_read_through_its_components():
    panel = observation("77753-2", id="tm-1",
                        component=[{"code": cc(LOINC, "29593-1"), "valueQuantity": {"value": 9, "unit": "%"}}])
    p = picture(panel)
    assert p.ki67.value.percent == 9.0 and p.ki67.sources[0].reference == "Observation/tm-1"


def test_the_benchmark_patient_with_ten_reports_reads_them_and_keeps_its_picture():
    from datetime import date as _date
    from fhir_fixtures.synthetic import large_patient

    def build(reports: int):
        hook = large_patient(300, "bench-300", reports=reports)[1]
        resources = [hook["prefetch"]["patient"]]
        for key, value in hook["prefetch"].items():
            if key != "patient":
                resources += [e["resource"] for e in value.get("entry", [])]
        assert len(resources) == 300
        return build_picture(PatientRecord("bench-300", tuple(resources)), as_of=_date(2026, 11, 22),
                             terminology=TERM)

    plain, with_reports = build(0), build(10)
    assert with_reports.grade.value == plain.grade.value == Grade.G2
    assert with_reports.sstr.value == SstrStatus.POSITIVE_ALL
    assert with_reports.fdg_avid.value is False and with_reports.fdg_avid.sources[0].origin == "report-text"
    assert with_reports.progression.value is True
    assert not with_reports.unread_reports
