"""Patients whose deciding facts are only in their reports (net-200..net-249), and real-world coding shapes.

Written for net-cds (issue 13) on 2026-11-24: the pathology and SSTR-PET facts that decide therapy live in
DiagnosticReports (text attachments, HTML, conclusion, contained results, a synoptic panel) the way EHRs
send them, and the coding shapes of real feeds (ICD-10-CM without the dot, code.text only, units in words,
Ki-67 as a fraction, contained/bundled Medications, timezone offsets). Fictional; no real patient text.
"""
from __future__ import annotations

import base64

from .fhir import ICD, ICD10, LOCAL, LOCAL_OBS, LOINC, MED, SCT, P, ago, cc, qty
from .scenarios import good_labs, meta, scenario

V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
EHR_PANELS = "https://ehr.example.org/fhir/CodeSystem/lab-panels"     # an EHR's own panel codes (fictional)
CATEGORY = {"SP": "Surgical Pathology", "NMS": "Nuclear Medicine Scan", "RAD": "Radiology", "CT": "CAT Scan"}
REPORT_CODE = {
    "pathology": (LOINC, "60567-5", "Comprehensive pathology report panel"),
    "pet": (LOINC, "44139-4", "PET whole body"),
    "imaging": (LOINC, "18748-4", "Diagnostic imaging study"),
}


def report(p: P, sfx: str, date: str, code: str, category: str, *, text: str | None = None,
           content_type: str = "text/plain", conclusion: str | None = None, title: str | None = None,
           results: list[dict] | None = None, contained: list[dict] | None = None) -> dict:
    """A DiagnosticReport as EHRs send them: text in ``presentedForm`` (base64) and/or ``conclusion``."""
    r: dict = {"resourceType": "DiagnosticReport", "id": p.rid(sfx), "status": "final",
               "category": [cc((V2_0074, category, CATEGORY[category]))], "code": cc(REPORT_CODE[code]),
               "subject": p.ref, "effectiveDateTime": date, "issued": f"{date}T16:00:00Z"}
    if contained:
        r["contained"] = contained
    if results:
        r["result"] = results
    if conclusion:
        r["conclusion"] = conclusion
    if text is not None:
        r["presentedForm"] = [{"contentType": content_type, "language": "en",
                               "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                               "title": title or "Report"}]
    return p.add(r)


def pathology(p: P, sfx: str, date: str, text: str, **kw) -> dict:
    return report(p, sfx, date, "pathology", "SP", text=text, title="Surgical pathology report", **kw)


def sstr_pet(p: P, sfx: str, date: str, text: str, **kw) -> dict:
    return report(p, sfx, date, "pet", "NMS", text=text, title="Ga-68 DOTATATE PET/CT", **kw)


# =========================================================================== facts only in reports


@scenario
def s200():
    p = P("net-200", "Test Patient Report-Alpha", "female", "1957-02-14")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    pathology(p, "path", ago(years=3), (
        "SURGICAL PATHOLOGY REPORT\n"
        "CLINICAL HISTORY: Terminal ileal mass and liver lesions on CT.\n"
        "FINAL DIAGNOSIS:\n"
        "A. Liver, segment 7, core needle biopsy:\n"
        " - Metastatic well-differentiated neuroendocrine tumour, consistent with small-intestinal origin.\n"
        " - WHO grade 2. Ki-67 proliferation index 8 % (hot spot, about 2,000 cells counted).\n"
        " - Mitotic count: 2 per 2 mm2.\n"
        "IMMUNOHISTOCHEMISTRY: synaptophysin, chromogranin A and CDX2 positive.\n"))
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=9), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1), "progressive", note="RECIST 1.1 progression on CT.")
    sstr_pet(p, "sstr-pet", ago(months=1), (
        "EXAMINATION: Ga-68 DOTATATE PET/CT, skull base to mid-thigh.\n"
        "CLINICAL HISTORY: Progressive metastatic ileal NET on octreotide LAR; PRRT being considered.\n"
        "FINDINGS: Multiple hepatic metastases, all with intense uptake clearly higher than normal liver "
        "(SUVmax up to 41). Avid mesenteric nodal mass. Physiologic uptake in spleen, kidneys and pituitary.\n"
        "IMPRESSION: Somatostatin receptor-avid hepatic and mesenteric metastases; every target lesion shows "
        "uptake greater than liver (Krenning 4).\n"))
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Progression on octreotide LAR; Ki-67 and SSTR status only in report text (PRRT)",
                "65-year-old woman with metastatic ileal NET on octreotide LAR for nearly 3 years, progression "
                "coded last month. Ki-67 (8 %), mitoses and grade are only in the liver-biopsy report's text; the "
                "SSTR status (every lesion above liver) only in the Ga-68 DOTATATE PET report. The PRRT card must "
                "say the SSTR status was read from the report and offer to record it as a coded result.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 8,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "M-08", "LD-02"], not_rows=["G-05", "G-06", "M-06", "NR-03"],
                shapes=["pathology DiagnosticReport text/plain presentedForm", "SSTR PET report text only",
                        "LOINC 44139-4 report code, v2-0074 NMS category"])


@scenario
def s201():
    p = P("net-201", "Test Patient Report-Beta", "male", "1969-07-03")
    p.condition("primary", "C7A.011", onset=ago(days=50))
    p.condition("liver", "C78.7", onset=ago(days=50))
    pathology(p, "path", ago(days=50), (
        "CANCER CASE SUMMARY (Neuroendocrine tumour of the jejunum and ileum)\n"
        "Procedure: Segmental small bowel resection\n"
        "Tumor Site: Jejunum\n"
        "Histologic Type: Well-differentiated neuroendocrine tumor\n"
        "Histologic Grade: G2\n"
        "Mitotic Rate: 3 mitoses/2 mm2\n"
        "Ki-67 Labeling Index: 15 %\n"
        "Regional Lymph Nodes: 4 of 16 involved\n"), conclusion="Jejunal well-differentiated NET, G2, Ki-67 15 %.")
    sstr_pet(p, "sstr-pet", ago(days=25), None, conclusion=(
        "Ga-68 DOTATATE PET/CT: hepatic and nodal metastases, all with uptake higher than normal liver. "
        "No somatostatin receptor-negative lesion."))
    p.burden("burden", ago(days=25), 30)
    p.ecog("ecog", ago(days=25), 0)
    good_labs(p, ago(days=12))
    return meta(p, "Newly diagnosed jejunal NET, Ki-67 15 % and SSTR+ only in reports (NETTER-2)",
                "57-year-old man, jejunal NET resected 7 weeks ago with liver metastases; the CAP synoptic report "
                "gives Ki-67 15 % and G2, the DOTATATE PET report's conclusion says every lesion is above liver. "
                "No therapy yet.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 15,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["M-03", "M-02"], also=["LD-02", "LD-01"], not_rows=["M-04", "G-05", "G-06", "M-07"],
                shapes=["CAP synoptic report text", "report conclusion only (no attachment)"])


@scenario
def s202():
    p = P("net-202", "Test Patient Report-Gamma", "female", "1961-11-30")
    p.condition("primary", "C25.4", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    pathology(p, "path", ago(years=2), (
        "<html><body><h2>Surgical Pathology</h2><p><b>FINAL DIAGNOSIS:</b> Pancreas, tail, distal "
        "pancreatectomy: well-differentiated pancreatic neuroendocrine tumour, 3.8 cm, WHO grade 2.</p>"
        "<table><tr><td>Ki-67 index</td><td>6&nbsp;%</td></tr><tr><td>Mitoses</td>"
        "<td>2 per 2 mm&sup2;</td></tr></table><p>Margins negative. 2/14 lymph nodes involved.</p>"
        "<script>document.title = 'Ki-67 90 %';</script></body></html>"), content_type="text/html")
    p.sstr("sstr", ago(months=6), "higher-than-liver")
    p.med_request("lanreotide", "lanreotide120", ago(years=1, months=9), dosage="120 mg deep SC every 4 weeks")
    report(p, "ct", ago(months=1), "imaging", "CT", text=(
        "CT CHEST, ABDOMEN AND PELVIS WITH CONTRAST\n"
        "COMPARISON: CT of 4 months ago.\n"
        "FINDINGS: Hepatic metastases have increased in size and number; index lesion in segment 6 now 3.9 cm "
        "(previously 2.8 cm). Two new lesions in segment 2.\n"
        "IMPRESSION: Progressive disease by RECIST 1.1.\n"), title="CT chest abdomen pelvis")
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=14))
    return meta(p, "pNET on lanreotide: grade in an HTML pathology report, progression only in the CT report",
                "64-year-old woman with metastatic pNET G2 (Ki-67 6 % in an HTML pathology report whose script "
                "must never be read) on lanreotide; the latest CT report states RECIST progression; no coded "
                "disease status.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G2", "ki67": 6,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["P-03", "G-08"], also=["P-04", "P-05", "LD-02"], not_rows=["P-02", "G-05", "NR-01"],
                shapes=["text/html pathology attachment with markup, entities and script",
                        "progression only in a CT report impression"])


@scenario
def s203():
    p = P("net-203", "Test Patient Report-Delta", "male", "1954-05-09")
    p.condition("primary", "C7A.012", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 6)
    p.med_statement("lar", "octreotide_lar30", ago(years=3, months=10), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=2), "progressive")
    sstr_pet(p, "sstr-pet", ago(months=1), (
        "Ga-68 DOTATATE PET/CT\n"
        "FINDINGS: Most hepatic metastases show intense uptake, greater than liver. A 3.2 cm lesion in segment 4a "
        "shows uptake below background liver and corresponds to an enlarging lesion on CT.\n"
        "IMPRESSION: Heterogeneous somatostatin receptor expression with one hepatic metastasis below liver.\n"))
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=20))
    return meta(p, "Progression on octreotide LAR; SSTR PET report: one lesion below liver (no PRRT)",
                "72-year-old man with metastatic ileal NET G2 progressing on octreotide LAR. The DOTATATE PET report "
                "describes one hepatic metastasis with uptake below liver: PRRT is not suitable while that lesion "
                "is untreated, whatever the other lesions show.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_heterogeneous",
                        "progression": True, "extent": "metastatic"},
                rows=["NR-03"], also=["M-05", "M-06", "LD-02", "LD-01"], not_rows=["M-04", "M-03"],
                shapes=["heterogeneous SSTR uptake stated in report text"])


@scenario
def s204():
    p = P("net-204", "Test Patient Report-Epsilon", "female", "1963-01-21")
    p.condition("primary", (ICD10, "C7A.8", "Other malignant neuroendocrine tumors"), onset=ago(days=30),
                text="Neuroendocrine neoplasm of the pancreatic head", body_site={"text": "Pancreas, head"})
    p.condition("liver", "C78.7", onset=ago(days=30))
    pathology(p, "path", ago(days=30), (
        "FINAL DIAGNOSIS:\n"
        "Liver, segment 5, core biopsy: metastatic poorly differentiated neuroendocrine carcinoma, small cell "
        "type. Extensive necrosis. More than 50 mitoses per 2 mm2. The Ki-67 proliferation index is 85 %.\n"
        "Immunohistochemistry: synaptophysin and INSM1 positive; Rb lost; p53 aberrant.\n"
        "COMMENT: The findings are those of a high-grade neuroendocrine carcinoma, not a well-differentiated NET.\n"))
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Metastatic NEC named only in the pathology report (C7A.8 coded)",
                "63-year-old woman; the problem list says only 'other malignant neuroendocrine tumour' (C7A.8), "
                "which states no differentiation. The liver-biopsy report says poorly differentiated small-cell "
                "neuroendocrine carcinoma, Ki-67 85 %: the NEC pathway applies, no WD-NET therapy.",
                expect={"scope": "nec", "site": "pancreas", "differentiation": "poor", "grade": "NEC", "ki67": 85,
                        "extent": "metastatic"},
                rows=["N-02", "G-02"], also=["N-03", "N-04"], not_rows=["M-02", "P-02", "P-03", "G-05"],
                shapes=["C7A.8 (no differentiation) + NEC only in report text", "'more than 50 mitoses'"])


@scenario
def s205():
    p = P("net-205", "Test Patient Report-Zeta", "male", "1966-09-12")
    p.condition("primary", "C7A.012", onset=ago(months=2))
    p.condition("liver", "C7B.02", onset=ago(months=2))
    p.ki67("ki67", ago(months=2), 4, site="liver metastasis")
    pathology(p, "path", ago(months=2), (
        "FINAL DIAGNOSIS: Liver, core biopsy: metastatic well-differentiated neuroendocrine tumour.\n"
        "Ki-67 proliferation index: 24 % in the hot spot.\n"))
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    good_labs(p, ago(days=14))
    return meta(p, "Coded Ki-67 4 % and the report's 24 % on the same biopsy: contradictory, grade not guessed",
                "60-year-old man; the lab interface filed Ki-67 4 % for the liver biopsy while the pathology report "
                "of the same day says 24 %. The grade (G2 vs G3) decides therapy: the service must ask, not pick.",
                expect={"site": "midgut", "differentiation": "well", "sstr": "positive_all", "extent": "metastatic"},
                rows=["G-05"], also=["M-02", "M-01"], not_rows=["M-03", "G3-01", "G3-02"],
                shapes=["coded Ki-67 and report-text Ki-67 disagree on one date"])


@scenario
def s206():
    p = P("net-206", "Test Patient Report-Eta", "female", "1958-04-27")
    p.condition("primary", "C7A.012", onset=ago(years=5))
    p.condition("liver", "C7B.02", onset=ago(years=5))
    p.ki67("ki67", ago(years=5), 5)
    p.med_statement("lar", "octreotide_lar30", ago(years=4, months=8), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=2), "progressive")
    pathology(p, "path-rebiopsy", ago(months=1), (
        "FINAL DIAGNOSIS: Liver, segment 8, core biopsy (re-biopsy of a progressing lesion):\n"
        "Metastatic well-differentiated neuroendocrine tumour, WHO grade 3. Ki-67 index 30 % (hot spot). "
        "p53 wild-type, Rb retained; no features of neuroendocrine carcinoma.\n"
        "CLINICAL HISTORY: Ileal NET G2, Ki-67 5 % on the original biopsy.\n"))
    sstr_pet(p, "sstr-pet", ago(months=1), None, conclusion=(
        "DOTATATE PET/CT: all hepatic lesions avid, uptake higher than liver."))
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=12))
    return meta(p, "Re-biopsy report regrades to WD NET G3 (Ki-67 30 %) over an older coded 5 %",
                "66-year-old woman with ileal NET G2 (coded Ki-67 5 %, five years ago) progressing on octreotide; "
                "the new liver re-biopsy report says WD NET G3, Ki-67 30 %. The newer report wins and the card "
                "says it replaced the older value.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G3", "ki67": 30,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["G3-01"], also=["G3-02", "G3-03", "LD-02", "NR-15"], not_rows=["M-04", "M-03", "G-05", "N-02"],
                shapes=["newer report Ki-67 over an older coded Ki-67"])


@scenario
def s207():
    p = P("net-207", "Test Patient Report-Theta", "male", "1971-12-02")
    p.condition("primary", "C7A.012", onset=ago(days=40))
    p.condition("liver", "C7B.02", onset=ago(days=40))
    report(p, "path-pdf", ago(days=40), "pathology", "SP", text="%PDF-1.4 (scanned pathology report)",
           content_type="application/pdf", title="Outside pathology report (scanned)")
    p.ecog("ecog", ago(days=30), 0)
    good_labs(p, ago(days=20))
    return meta(p, "The only pathology report is a scanned PDF: named as unread, grade asked for",
                "54-year-old man referred with a metastatic ileal NET; the pathology report came as a scanned PDF. "
                "The service cannot read it: the data-gap card names it, and grade is asked for rather than "
                "assumed.",
                expect={"site": "midgut", "extent": "metastatic"},
                rows=["G-05"], also=["G-06", "M-02"], not_rows=["M-03", "M-04", "G3-01"],
                shapes=["application/pdf presentedForm (unread, named on a data-gap card)"])


@scenario
def s208():
    p = P("net-208", "Test Patient Report-Iota", "female", "1968-06-18")
    p.condition("primary", "C7A.012", onset=ago(days=45))
    p.condition("liver", "C7B.02", onset=ago(days=45))
    p.obs("synoptic", cc((EHR_PANELS, "NET-SYN", "NET synoptic panel"),
                         text="Neuroendocrine tumour synoptic report"), ago(days=45), category="laboratory",
          components=[
              {"code": cc((LOINC, "29593-1", "Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain")),
               "valueQuantity": qty(12, "%", "%")},
              {"code": cc((LOCAL_OBS, "mitotic-count", "mitotic count")), "valueQuantity": qty(3, "/2mm2")},
              {"code": cc((LOCAL_OBS, "differentiation", "differentiation")),
               "valueCodeableConcept": cc((LOCAL + "differentiation", "well", "Well differentiated"))}])
    report(p, "path", ago(days=45), "pathology", "SP", results=[{"reference": f"Observation/{p.rid('synoptic')}"}],
           conclusion="Ileum, resection: see the synoptic panel.")
    sstr_result = {"resourceType": "Observation", "id": "sstr-result", "status": "final",
                   "code": cc((LOCAL_OBS, "sstr-imaging", "sstr imaging")),
                   "valueCodeableConcept": cc((LOCAL + "sstr-uptake", "higher-than-liver",
                                               "Uptake higher than normal liver in all target lesions"))}
    report(p, "sstr-pet", ago(days=20), "pet", "NMS", contained=[sstr_result],
           results=[{"reference": "#sstr-result"}], conclusion="Ga-68 DOTATATE PET/CT: SSTR-positive disease.")
    p.ecog("ecog", ago(days=20), 0)
    good_labs(p, ago(days=10))
    return meta(p, "Grade in a synoptic panel's components, SSTR in a report's contained result (NETTER-2)",
                "58-year-old woman, newly diagnosed metastatic ileal NET. The lab sends the synoptic pathology as "
                "one panel Observation of its own local code (the pathology report's result; a code no prefetch "
                "template can name, so it arrives _include'd with the report) whose components carry Ki-67 12 %, "
                "mitoses and differentiation; the PET report carries its coded result as a contained Observation.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 12,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["M-03", "M-02"], also=["LD-02", "LD-01"], not_rows=["G-05", "G-06", "M-04"],
                shapes=["panel Observation (unknown code) read through its components",
                        "DiagnosticReport.result -> contained Observation"])


@scenario
def s209():
    p = P("net-209", "Test Patient Report-Kappa", "male", "1960-03-29")
    p.condition("primary", "C25.4", onset=ago(days=35))
    p.condition("liver", "C7B.02", onset=ago(days=35))
    pathology(p, "path", ago(days=35), (
        "FINAL DIAGNOSIS:\n"
        "A. Liver, segment 3, core biopsy: metastatic well-differentiated neuroendocrine tumour, G3. "
        "Ki-67 index 24 % (hot spot).\n"
        "B. Lymph node, peripancreatic, EUS-guided biopsy: metastatic well-differentiated neuroendocrine tumour. "
        "Ki-67 index 8 %.\n"
        "COMMENT: Grade discordance between the two sites; the higher value grades the tumour.\n"))
    sstr_pet(p, "sstr-pet", ago(days=20), None, conclusion=(
        "DOTATATE PET/CT: pancreatic primary, nodes and liver metastases all with uptake above liver."))
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Two specimens in one report: liver Ki-67 24 %, node 8 % (the liver grades G3)",
                "66-year-old man with newly diagnosed metastatic pNET; one report gives Ki-67 24 % in the liver "
                "biopsy and 8 % in the lymph node. Different specimens are not a contradiction: the higher one "
                "grades the tumour (WD NET G3).",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 24,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["G3-01"], also=["G3-02", "G3-03", "G-08", "LD-02"], not_rows=["G-05", "N-02", "P-02"],
                shapes=["two specimens (liver, lymph node) in one pathology report"])


@scenario
def s210():
    p = P("net-210", "Test Patient Report-Lambda", "female", "1956-08-08")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 9)
    p.med_request("lanreotide", "lanreotide120", ago(years=2, months=6), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(months=2), "progressive")
    sstr_pet(p, "sstr-pet", ago(months=1), (
        "Ga-68 DOTATOC PET/CT\n"
        "COMPARISON: DOTATOC PET/CT of 2023 (avid disease at that time).\n"
        "FINDINGS: The known hepatic metastases show no tracer uptake. No somatostatin receptor-avid disease.\n"
        "IMPRESSION: Loss of somatostatin receptor expression; no somatostatin receptor-avid disease.\n"))
    report(p, "fdg-pet", ago(months=1), "pet", "NMS", text=(
        "F-18 FDG PET/CT\nFINDINGS: Hypermetabolic hepatic metastases (SUVmax up to 11).\n"
        "IMPRESSION: FDG-avid hepatic metastases.\n"), title="FDG PET/CT")
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=15))
    return meta(p, "Progression on lanreotide; PET reports: no SSTR-avid disease, FDG-avid (no PRRT)",
                "69-year-old woman with ileal NET G2 progressing on lanreotide. The DOTATOC report says the liver "
                "metastases have lost SSTR expression ('no somatostatin receptor-avid disease' is a negative "
                "finding, read as such); the FDG PET report says they are FDG-avid.",
                expect={"site": "midgut", "grade": "G2", "ki67": 9, "sstr": "negative", "progression": True,
                        "extent": "metastatic"},
                rows=["M-06", "NR-03"], also=["M-05", "NR-16", "LD-02", "LD-01"], not_rows=["M-04", "M-03"],
                shapes=["negated SSTR statement read as a negative study", "FDG avidity only in report text"])


@scenario
def s211():
    p = P("net-211", "Test Patient Report-Mu", "male", "1965-10-19")
    p.condition("primary", "C7A.012", onset=ago(months=3))
    p.condition("liver", "C7B.02", onset=ago(months=3))
    pathology(p, "path", ago(months=3), (
        "CLINICAL HISTORY: Outside biopsy reported a Ki-67 of 25 %; review requested.\n"
        "FINAL DIAGNOSIS: Liver, core biopsy (review of outside slides and our recut): metastatic "
        "well-differentiated neuroendocrine tumour, WHO grade 1.\n"
        "COMMENT: On our count the Ki-67 index is 2 %; the previous value of 25 % reflected counting of "
        "lymphocytes. Neuroendocrine carcinoma is not favoured.\n"))
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.status("status", ago(months=1), "stable")
    p.burden("burden", ago(months=2), 6)
    return meta(p, "History and hedge traps in a pathology report: Ki-67 2 % (not the outside 25 %)",
                "61-year-old man with a low-burden metastatic ileal NET. The report's history quotes an outside Ki-67 "
                "of 25 % and its comment the 'previous value of 25 %'; the reviewing pathologist's own count is "
                "2 % (G1). Neither the history nor 'not favoured' may be read as the tumour's grade.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G1", "ki67": 2,
                        "sstr": "positive_all", "progression": False, "extent": "metastatic"},
                rows=["M-01", "M-02"], not_rows=["G3-01", "G3-02", "N-02", "G-05", "M-03"],
                shapes=["historical Ki-67 in clinical history and comment", "'not favoured'"])


# =========================================================================== real-world coding


@scenario
def s220():
    p = P("net-220", "Test Patient Coding-Alpha", "female", "1959-12-05")
    p.condition("primary", (ICD10, "C7A012", ICD["C7A.012"]), onset=ago(years=2),
                body_site=cc((SCT, "34707002", "Ileum structure")))
    p.condition("liver", (ICD10, "C7B02", ICD["C7B.02"]), onset=ago(years=2))
    k = p.ki67("ki67", ago(years=2) + "T23:40:00-05:00", 7)
    k["valueQuantity"] = {"value": 7, "unit": "percent"}
    p.sstr("sstr", ago(months=2) + "T08:15:00+02:00", "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=1, months=10), dosage="30 mg IM every 4 weeks")
    p.med_request("lar-order", "octreotide_lar30", ago(years=1, months=10), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1) + "T10:00:00-08:00", "progressive")
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Real-world coding: ICD-10-CM without dots, Ki-67 in 'percent', offsets, request + statement",
                "64-year-old woman with ileal NET progressing on octreotide LAR. The EHR sends ICD-10-CM codes "
                "without the dot (C7A012, C7B02), a SNOMED body site, Ki-67 with the unit written 'percent' and no "
                "UCUM code, dates with timezone offsets, and the octreotide as both a MedicationRequest and a "
                "MedicationStatement (one therapy).",
                expect={"site": "midgut", "grade": "G2", "ki67": 7, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "M-08", "LD-02"], not_rows=["G-05", "M-02", "M-03"],
                shapes=["ICD-10-CM without the dot", "SNOMED body site", "unit 'percent' without UCUM code",
                        "timezone offsets", "MedicationStatement + MedicationRequest for the same drug"])


@scenario
def s221():
    p = P("net-221", "Test Patient Coding-Beta", "male", "1962-02-22")
    primary = p.condition("primary", onset=ago(months=4),
                          text="Well-differentiated neuroendocrine tumour of the pancreatic tail, WHO G1")
    primary["code"].pop("coding", None)
    p.condition("liver-refuted", "C7B.02", onset=ago(months=4), verification="refuted", clinical=None,
                note="Liver lesion proved to be a haemangioma on MRI.")
    p.condition("old-gastric", "C7A.092", onset=ago(years=12), clinical="resolved",
                note="Gastric NET type 1 removed endoscopically 12 years ago.")
    k = p.ki67("ki67", ago(months=4), None, fraction=0.02)
    p.ki67("ki67-error", ago(months=3), 35, status="entered-in-error", note="Filed against the wrong patient.")
    p.size("size", ago(months=4), 1.4)
    assert k
    return meta(p, "Real-world coding: diagnosis only in code.text, Ki-67 as a fraction, refuted/entered-in-error",
                "62-year-old man with a 1.4 cm pancreatic-tail NET written only as text on the problem list "
                "(no code). Ki-67 comes as the fraction 0.02 (2 %); a refuted liver-metastasis Condition and an "
                "entered-in-error Ki-67 of 35 % must be ignored; an old resected gastric NET is history.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G1", "ki67": 2},
                rows=["P-01"], also=["G-08", "G-06"], not_rows=["G3-01", "P-03", "M-02", "G-05"],
                shapes=["Condition with only code.text", "Ki-67 fraction (unit '1')", "refuted Condition",
                        "entered-in-error Observation", "resolved Condition as history"])


@scenario
def s222():
    p = P("net-222", "Test Patient Coding-Gamma", "female", "1955-06-30")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("cs", "E34.00", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 3)
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    lanreotide = {"resourceType": "Medication", "id": "lanreotide",
                  "code": cc(MED["lanreotide120"], text="lanreotide 120 mg")}
    req = p.med_request("lanreotide", None, ago(years=2, months=8), dosage="120 mg deep SC every 4 weeks")
    req.pop("medicationCodeableConcept")
    req["contained"] = [lanreotide]
    req["medicationReference"] = {"reference": "#lanreotide"}
    p.add({"resourceType": "Medication", "id": p.rid("telotristat-med"),
           "code": cc(MED["telotristat"], text="telotristat ethyl 250 mg")})
    tel = p.med_request("telotristat", None, ago(months=8), dosage="250 mg by mouth three times daily")
    tel.pop("medicationCodeableConcept")
    tel["medicationReference"] = {"reference": f"Medication/{p.rid('telotristat-med')}"}
    p.bowel("bm", ago(days=20), 3)
    p.status("status", ago(months=3), "stable")
    return meta(p, "Real-world coding: medicationReference to a contained and to a bundled Medication",
                "71-year-old woman with metastatic ileal NET and carcinoid syndrome on lanreotide (its Medication "
                "contained in the order) and telotristat (its Medication a separate resource, _include'd beside "
                "the orders), stable, symptoms controlled.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-01"], also=["M-01", "M-02", "F-02", "F-05", "G-07", "LD-01", "LD-02"],
                not_rows=["NR-09", "M-04", "M-03"],
                shapes=["medicationReference to a contained Medication",
                        "medicationReference to a bundled (_include'd) Medication"])
