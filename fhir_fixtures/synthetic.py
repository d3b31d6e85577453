"""A big synthetic NET patient for benchmarks (deterministic; no real patient data).

``large_patient(n_resources, patient_id)`` returns ``(transaction_bundle, hook_request)`` for a patient
with exactly ``n_resources`` resources (the Patient included): a metastatic midgut NET G2 progressing on
octreotide LAR, SSTR-positive, good organ function (the same picture as fixture ``net-04``: M-04 should
fire), plus as many routine labs, vitals, medication orders and LAR administrations as needed, spread
backwards in time from AS_OF. Typical sizes: 50, 300, 3 000. ``reports`` (the benchmark's typical patient has
ten) adds that many pathology, SSTR-PET, FDG-PET and CT DiagnosticReports of realistic length, with their text
in base64 ``presentedForm`` attachments, in place of as many routine resources.
"""
from __future__ import annotations

import base64
import itertools
import random
from collections.abc import Iterator

from .fhir import LOINC, P, ago, cc, hook_request, qty, transaction

MIN_RESOURCES = 16

_PANEL = [  # (lab key, mean, spread) — routine labs drawn at each visit
    ("hb", 13.2, 0.8), ("wbc", 6.0, 1.2), ("plt", 230, 40), ("creatinine", 0.9, 0.1), ("alt", 25, 8),
    ("ast", 23, 6), ("bili", 0.6, 0.15), ("alb", 4.1, 0.2), ("glucose", 98, 12), ("potassium", 4.2, 0.3),
    ("sodium", 139, 2),
]
_ROUTINE_MEDS = ["amlodipine", "atorvastatin", "loperamide", "pancrelipase", "cholecalciferol"]


def _core(patient_id: str) -> P:
    p = P(patient_id, "Test Patient Benchmark", "male", "1958-06-02")
    p.condition("primary", "C7A.012", onset=ago(years=3), mcode="mcode-primary-cancer-condition", morphology="8249/3")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("htn", "I10", onset=ago(years=8))
    p.ki67("ki67", ago(years=3), 8)
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=10), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1), "progressive")
    p.ecog("ecog", ago(months=1), 1)
    p.lab("crcl", ago(days=1), 86, sfx="crcl-latest")
    p.lab("hb", ago(days=1), 13.5, sfx="hb-latest")
    p.lab("wbc", ago(days=1), 6.4, sfx="wbc-latest")
    p.lab("plt", ago(days=1), 240, sfx="plt-latest")
    p.lab("bili", ago(days=1), 0.5, sfx="bili-latest")
    p.lab("alb", ago(days=1), 4.2, sfx="alb-latest")
    p.lab("cga", ago(months=1), 520, sfx="cga-latest", mcode=True)
    assert len(p.resources) == MIN_RESOURCES
    return p


def _filler(p: P, rng: random.Random) -> Iterator[None]:
    """Adds one routine resource per step, oldest data further back; never ends."""
    for visit in itertools.count(1):
        day = 2 + 3 * visit  # a visit every 3 days, going backwards from AS_OF - 2 d
        when = ago(day)
        for key, mean, spread in _PANEL:
            value = round(rng.gauss(mean, spread), 2 if mean < 10 else 0)
            p.lab(key, when, value if mean < 10 else int(value), sfx=f"{key}-v{visit}")
            yield
        p.bp(f"bp-v{visit}", when, rng.randint(112, 148), rng.randint(68, 92))
        yield
        p.obs(f"hr-v{visit}", cc((LOINC, "8867-4", "Heart rate")), when, category="vital-signs",
              value={"valueQuantity": qty(rng.randint(56, 96), "/min", "/min")})
        yield
        p.obs(f"weight-v{visit}", cc((LOINC, "29463-7", "Body weight")), when, category="vital-signs",
              value={"valueQuantity": qty(round(rng.gauss(78, 1.5), 1), "kg", "kg")})
        yield
        if visit % 5 == 0:
            med = _ROUTINE_MEDS[(visit // 5) % len(_ROUTINE_MEDS)]
            p.med_request(f"rx-v{visit}", med, when, status="completed" if day > 90 else "active")
            yield
        if visit % 9 == 0:  # LAR every 27 days, recorded as administrations
            p.med_admin(f"lar-v{visit}", "octreotide_lar30", when, dose=qty(30, "mg", "mg"))
            yield


_REPORTS = [  # (kind, category, LOINC code, display, days ago, text) - ten reports of a typical NET patient
    ("pathology", "SP", "60567-5", "Comprehensive pathology report panel", 3 * 365, (
        "SURGICAL PATHOLOGY REPORT\n"
        "CLINICAL HISTORY: 65-year-old man with a terminal ileal mass and multiple liver lesions on CT. Weight loss.\n"
        "SPECIMENS RECEIVED:\nA. Liver, segment 7, ultrasound-guided core biopsy (2 cores).\n"
        "GROSS DESCRIPTION: Received in formalin labelled with the patient's name are two tan cores, 1.4 and 1.1 cm, "
        "entirely submitted in cassette A1.\n"
        "MICROSCOPIC DESCRIPTION: The cores contain hepatic parenchyma infiltrated by nests and trabeculae of uniform "
        "cells with round nuclei, salt-and-pepper chromatin and moderate eosinophilic cytoplasm. There is no necrosis. "
        "Lymphovascular invasion cannot be assessed on core biopsy. The background liver shows mild steatosis.\n"
        "IMMUNOHISTOCHEMISTRY: Tumour cells are positive for synaptophysin, chromogranin A, CDX2 and SSTR2A "
        "(membranous), and negative for CK7 and TTF-1.\n"
        "FINAL DIAGNOSIS:\nA. Liver, segment 7, core biopsy:\n"
        " - Metastatic well-differentiated neuroendocrine tumour, consistent with small-intestinal origin.\n"
        " - WHO grade 2. Ki-67 proliferation index 8 % (hot spot, about 2,000 cells counted).\n"
        " - Mitotic count: 2 per 2 mm2.\n"
        "COMMENT: Findings discussed with the referring oncologist. Block A1 is available for further studies.\n")),
    ("pathology", "SP", "60567-5", "Comprehensive pathology report panel", 3 * 365 - 40, (
        "SURGICAL PATHOLOGY REPORT\nCLINICAL HISTORY: Ileal NET with liver metastases; primary resection.\n"
        "FINAL DIAGNOSIS:\nA. Terminal ileum and right colon, ileocaecal resection:\n"
        " - Well-differentiated neuroendocrine tumour of the terminal ileum, 2.4 cm, invading the subserosa.\n"
        " - WHO grade 2 (Ki-67 6 %, mitoses 1 per 2 mm2).\n"
        " - Metastatic tumour in 5 of 18 mesenteric lymph nodes; mesenteric tumour deposit 3.1 cm.\n"
        " - Margins free of tumour.\n"
        "CANCER CASE SUMMARY\nProcedure: Ileocaecal resection\nTumour Site: Terminal ileum\n"
        "Histologic Type: Well-differentiated neuroendocrine tumour\nHistologic Grade: G2\n"
        "Mitotic Rate: 1 per 2 mm2\nKi-67 Labeling Index: 6 %\nLymphovascular Invasion: Present\n"
        "Perineural Invasion: Present\nRegional Lymph Nodes: 5/18\npTNM: pT3 pN1\n")),
    ("pet", "NMS", "44139-4", "PET whole body", 2 * 365, (
        "EXAMINATION: Ga-68 DOTATATE PET/CT, skull base to mid-thigh.\n"
        "CLINICAL HISTORY: Metastatic ileal NET G2; staging before somatostatin analogue therapy.\n"
        "TECHNIQUE: 172 MBq 68Ga-DOTATATE IV; PET from skull base to mid-thigh at 60 minutes with low-dose CT.\n"
        "COMPARISON: CT chest, abdomen and pelvis two months earlier.\n"
        "FINDINGS: Multiple hepatic metastases in both lobes, the largest in segment 7 measuring 3.4 cm (SUVmax 38), "
        "all with uptake clearly higher than normal liver. Mesenteric nodal mass at the root of the mesentery "
        "(SUVmax 29). No osseous or pulmonary lesions. Physiologic uptake in the pituitary, thyroid, spleen, adrenal "
        "glands, kidneys and bladder. The uncinate process shows a small focus of physiologic activity.\n"
        "IMPRESSION: Somatostatin receptor-avid hepatic and mesenteric metastases; every target lesion shows uptake "
        "greater than liver (Krenning 4). No extra-abdominal disease.\n")),
    ("imaging", "CT", "18748-4", "Diagnostic imaging study", 2 * 365 - 200, (
        "CT CHEST, ABDOMEN AND PELVIS WITH CONTRAST\nCLINICAL HISTORY: Metastatic ileal NET on octreotide LAR.\n"
        "TECHNIQUE: Axial images after intravenous contrast in arterial and portal venous phases.\n"
        "COMPARISON: CT of six months earlier.\n"
        "FINDINGS: The hepatic metastases measure similar to prior; index lesion segment 7 3.3 cm (was 3.4 cm). "
        "The mesenteric mass with calcification and desmoplastic reaction is unchanged. No new lesions. No ascites. "
        "Lungs clear. No lymphadenopathy in the chest. Bones unremarkable. Gallbladder contains small stones.\n"
        "IMPRESSION: Stable disease. No new metastases.\n")),
    ("imaging", "CT", "18748-4", "Diagnostic imaging study", 365, (
        "CT CHEST, ABDOMEN AND PELVIS WITH CONTRAST\nCOMPARISON: CT of six months earlier.\n"
        "FINDINGS: Hepatic metastases stable in size and number. Mesenteric mass unchanged. Stable 4 mm nodule in "
        "the right lower lobe. No new lesions.\nIMPRESSION: No significant interval change.\n")),
    ("imaging", "CT", "18748-4", "Diagnostic imaging study", 200, (
        "CT CHEST, ABDOMEN AND PELVIS WITH CONTRAST\nCOMPARISON: CT of five months earlier.\n"
        "FINDINGS: Slight increase in the index lesion in segment 7 to 3.6 cm. Other hepatic lesions similar. "
        "Mesenteric mass unchanged. No new lesions. No ascites.\n"
        "IMPRESSION: Essentially stable disease; no RECIST progression.\n")),
    ("pet", "NMS", "44139-4", "PET whole body", 150, (
        "EXAMINATION: F-18 FDG PET/CT.\nCLINICAL HISTORY: Metastatic NET G2; characterise dominant liver lesion.\n"
        "TECHNIQUE: 300 MBq FDG IV after a 6-hour fast; glucose 5.4 mmol/L.\n"
        "FINDINGS: The hepatic metastases show no increased FDG uptake above background liver. The mesenteric mass is "
        "not FDG avid. Physiologic activity in brain, myocardium, bowel and urinary tract.\n"
        "IMPRESSION: No FDG-avid disease.\n")),
    ("imaging", "CT", "18748-4", "Diagnostic imaging study", 90, (
        "CT CHEST, ABDOMEN AND PELVIS WITH CONTRAST\nCOMPARISON: CT of four months earlier.\n"
        "FINDINGS: The index lesion in segment 7 measures 4.1 cm (previously 3.6 cm). Two new hepatic lesions in "
        "segments 2 and 6 (1.1 and 0.9 cm). Mesenteric mass slightly larger. No ascites. Lungs clear.\n"
        "IMPRESSION: Progressive disease by RECIST 1.1 with new hepatic metastases.\n")),
    ("pet", "NMS", "44139-4", "PET whole body", 40, (
        "EXAMINATION: Ga-68 DOTATATE PET/CT.\nCLINICAL HISTORY: Progression on octreotide LAR; PRRT assessment.\n"
        "COMPARISON: DOTATATE PET/CT two years earlier.\n"
        "FINDINGS: Increased number of somatostatin receptor-avid hepatic metastases, all with uptake higher than "
        "normal liver, including the new lesions in segments 2 and 6. Mesenteric nodal mass avid. No lesion without "
        "uptake. No bone disease.\n"
        "IMPRESSION: Progressive SSTR-avid hepatic disease; all target lesions above liver (Krenning 4).\n")),
    ("imaging", "CT", "18748-4", "Diagnostic imaging study", 10, (
        "CT ABDOMEN AND PELVIS WITH CONTRAST (pre-PRRT baseline)\nCOMPARISON: CT of three months earlier.\n"
        "FINDINGS: Hepatic metastases similar to the recent study. No new lesions. Normal kidneys.\n"
        "IMPRESSION: No significant change since the recent CT.\n")),
]


def _reports(p: P, n: int) -> None:
    for k, (_kind, category, code, display, days, text) in enumerate(_REPORTS[:n]):
        p.add({"resourceType": "DiagnosticReport", "id": p.rid(f"report-{k}"), "status": "final",
               "category": [cc(("http://terminology.hl7.org/CodeSystem/v2-0074", category, category))],
               "code": cc((LOINC, code, display)), "subject": p.ref, "effectiveDateTime": ago(days),
               "presentedForm": [{"contentType": "text/plain",
                                  "data": base64.b64encode(text.encode("utf-8")).decode("ascii")}]})


def large_patient(n_resources: int, patient_id: str = "net-bench", *, reports: int = 0) -> tuple[dict, dict]:
    """Build a patient with exactly ``n_resources`` resources (``reports`` of them DiagnosticReports, at most
    ten); returns (transaction Bundle, hook request)."""
    if n_resources < MIN_RESOURCES + reports or not 0 <= reports <= len(_REPORTS):
        raise ValueError(f"n_resources must be >= {MIN_RESOURCES} (+ reports), reports 0..{len(_REPORTS)}")
    p = _core(patient_id)
    _reports(p, reports)
    rng = random.Random(f"net-cds-bench/{patient_id}")
    steps = _filler(p, rng)
    while len(p.resources) < n_resources:
        next(steps)
    return transaction(p.resources), hook_request(patient_id, p.resources)
