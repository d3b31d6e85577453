"""Synthetic patients for the "rows" work (ids net-130 .. net-169; fictional, no real patient data).

Each patient tests a class of defect found by the December 2026 expert review or by reading the decision
table row by row (issue 11 items 5, 6, 8 and the content part of 7): whole rows (F-05, F-07, F-09, H-01,
N-01, N-03, G3-02, surveillance after remission), the safety boxes (CYP3A4 inhibitors and inducers, QT
prolongation, DPD deficiency, pregnancy and breast-feeding), the out-of-scope rule, and answers whose
cards must agree with each other. Dates are relative to AS_OF = 2026-11-22 (``ago``).
"""
from __future__ import annotations

from .fhir import CPT, ICD10, ICDO3, LOINC, RXNORM, SCT, P, ago, cc, qty
from .scenarios import good_labs, meta, scenario


def _morph(condition: dict, code: str, display: str) -> None:
    """Add an ICD-O-3 morphology (mCODE histology-morphology-behavior extension) not in the shared table."""
    condition.setdefault("extension", []).append({
        "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
        "valueCodeableConcept": cc((ICDO3, code, display))})


def _qtc(p: P, sfx: str, when: str, ms: int) -> None:
    p.obs(sfx, cc((LOINC, "8636-3", "Q-T interval corrected")), when, category="procedure",
          value={"valueQuantity": qty(ms, "ms", "ms")})


# =========================================================================== out of scope: one rule for all


@scenario
def s130():
    p = P("net-130", "Test Patient Rows-A", "male", "1944-02-11")
    c = p.condition("merkel", (ICD10, "C4A.9", "Merkel cell carcinoma, unspecified"), onset=ago(days=40),
                    text="Merkel cell carcinoma of the left cheek, 2.1 cm, sentinel node positive")
    _morph(c, "8247/3", "Merkel cell carcinoma")
    p.ki67("ki67", ago(days=40), 70, site="skin excision")
    return meta(p, "Merkel cell carcinoma (out of scope: one out-of-scope card, like SCLC)",
                "82-year-old man with a Merkel cell carcinoma of the cheek (C4A.9 + 8247/3, Ki-67 70 %) and a "
                "positive sentinel node. A neuroendocrine carcinoma of the skin managed by the skin-cancer MDT: "
                "the service says once that it does not advise on it, as it does for small-cell lung carcinoma.",
                expect={"scope": "excluded", "ki67": 70},
                rows=["G-03"], not_rows=["G-02", "N-01", "N-02", "G-05", "G-08", "NR-05"],
                shapes=["C4A.9 + ICD-O-3 8247/3 in the mCODE histology extension"])


@scenario
def s131():
    p = P("net-131", "Test Patient Rows-B", "female", "1979-08-02")
    c = p.condition("pgl", (ICD10, "C75.5", "Malignant neoplasm of aortic body and other paraganglia"),
                    onset=ago(months=3), text="Metastatic retroperitoneal paraganglioma, SDHB-associated")
    _morph(c, "8693/3", "Extra-adrenal paraganglioma, malignant")
    p.condition("bone", (ICD10, "C79.51", "Secondary malignant neoplasm of bone"), onset=ago(months=3))
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    return meta(p, "Metastatic paraganglioma (out of scope: the PPGL pathway)",
                "47-year-old woman with a metastatic SDHB-associated paraganglioma (C75.5 + 8693/3) with bone "
                "metastases and SSTR uptake above liver. PPGL has its own pathway (metanephrines, alpha-blockade, "
                "germline testing): one out-of-scope card, no PRRT or SSA card from the NET table.",
                expect={"scope": "excluded", "sstr": "positive_all"},
                rows=["G-03"], not_rows=["M-04", "M-02", "NR-03", "G-06", "O-06"],
                shapes=["C75.5 + ICD-O-3 8693/3 (extra-adrenal paraganglioma)"])


# =========================================================================== NEC pathway: not only SCLC is small-cell


@scenario
def s132():
    p = P("net-132", "Test Patient Rows-C", "male", "1958-05-19")
    c = p.condition("primary", (ICD10, "C15.5", "Malignant neoplasm of lower third of esophagus"), onset=ago(days=30),
                    text="Small-cell neuroendocrine carcinoma of the distal oesophagus, 5 cm, with coeliac nodes",
                    stage="cT3 cN2 cM0")
    _morph(c, "8041/3", "Small cell carcinoma, NOS")
    p.ki67("ki67", ago(days=30), 90, site="oesophageal biopsy")
    p.differentiation("diff", ago(days=30), "poor")
    p.obs("stage-n", cc((LOINC, "21906-3", "Regional lymph nodes.clinical [Class] Cancer")), ago(days=25),
          category="imaging", value={"valueCodeableConcept": cc(text="cN2")})
    p.obs("stage-m", cc((LOINC, "21907-1", "Distant metastases.clinical [Class] Cancer")), ago(days=25),
          category="imaging", value={"valueCodeableConcept": cc(text="cM0")})
    p.resectability("resect", ago(days=10), "unresectable")
    p.ecog("ecog", ago(days=10), 1)
    good_labs(p, ago(days=8))
    return meta(p, "Locoregional small-cell NEC of the oesophagus (stays on the NEC pathway: chemoradiation)",
                "67-year-old man with a small-cell neuroendocrine carcinoma of the distal oesophagus (C15.5 + 8041/3, "
                "Ki-67 90 %) with regional coeliac nodes (cN2, M0), judged unresectable. Small-cell carcinoma outside "
                "the lung is not routed out as SCLC: N-01 offers definitive chemoradiation with platinum-etoposide; "
                "the metastatic first line (N-02) does not apply.",
                expect={"scope": "nec", "site": "other_gi", "differentiation": "poor", "grade": "NEC", "ki67": 90,
                        "extent": "locoregional"},
                rows=["N-01", "G-02"], not_rows=["G-03", "NR-22", "N-02", "G-08", "M-02"],
                shapes=["C15.5 + 8041/3: extrapulmonary small-cell carcinoma", "clinical N/M categories as text (cN2, cM0)"])


@scenario
def s133():
    p = P("net-133", "Test Patient Rows-D", "female", "1962-10-03")
    p.condition("primary", "C7A.1", onset=ago(months=9), text="Poorly differentiated small-cell NEC, unknown primary",
                body_site=cc((ICDO3, "C80.9", "Unknown primary site"), text="Unknown primary site"))
    p.condition("liver", "C78.7", onset=ago(months=9))
    p.ki67("ki67", ago(months=9), 80, site="liver biopsy")
    p.differentiation("diff", ago(months=9), "poor")
    for i, d in enumerate((250, 229, 208, 187), start=1):
        p.med_admin(f"carboplatin-{i}", "carboplatin", ago(days=d), text="carboplatin AUC 5 IV day 1")
        p.med_admin(f"etoposide-{i}", "etoposide", ago(days=d), text="etoposide 100 mg/m2 IV days 1-3")
    p.status("status-1", ago(days=160), "improved", note="Partial response after 4 cycles.")
    p.status("status", ago(days=12), "progressive", note="Liver progression 25 weeks after the last cycle.")
    p.ecog("ecog", ago(days=12), 1)
    good_labs(p, ago(days=10))
    return meta(p, "NEC of unknown primary relapsing 25 weeks after carboplatin-etoposide (re-challenge, biomarkers)",
                "64-year-old woman with a small-cell NEC of unknown primary and liver metastases (Ki-67 80 %): partial "
                "response to 4 cycles of carboplatin-etoposide, liver progression about 6 months after the last "
                "dose. Later lines: platinum-etoposide re-challenge (late relapse), FOLFIRI/FOLFOX/CAPTEM, "
                "ipilimumab + nivolumab; MMR/MSI, TMB and BRAF V600E are not on record.",
                expect={"scope": "nec", "site": "unknown", "differentiation": "poor", "grade": "NEC", "ki67": 80,
                        "progression": True, "extent": "metastatic"},
                rows=["N-03", "G-02"], not_rows=["N-02", "G-03", "G-08", "NR-05"],
                shapes=["carboplatin/etoposide MedicationAdministrations, last dose 187 days ago"])


# =========================================================================== functional syndromes: whole rows


@scenario
def s134():
    p = P("net-134", "Test Patient Rows-E", "male", "1957-12-12")
    p.condition("primary", "C25.4", (SCT, "302822000", "Pancreatic insulinoma"), onset=ago(months=5),
                text="Malignant insulinoma, pancreatic tail, with liver metastases")
    p.condition("hypo", "E16.1", onset=ago(months=6), note="Recurrent fasting hypoglycaemia despite diazoxide.")
    p.condition("liver", "C7B.02", onset=ago(months=5))
    p.morphology("morph", ago(months=5), "8151/3")
    p.ki67("ki67", ago(months=5), 8, site="liver biopsy")
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.burden("burden", ago(days=30), 35)
    p.resectability("resect", ago(days=20), "unresectable")
    p.lab("glucose", ago(days=3), 41, interpretation="LL")
    p.med_request("diazoxide", "diazoxide", ago(months=4), dosage="150 mg by mouth three times daily")
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=9))
    return meta(p, "Malignant insulinoma on diazoxide, hypoglycaemia not controlled, SSTR+ liver-dominant",
                "69-year-old man with a metastatic insulinoma (8151/3, Ki-67 8 %), liver-dominant (35 %, "
                "unresectable), SSTR uptake above liver, still hypoglycaemic (glucose 41 mg/dL) on diazoxide 450 "
                "mg/day. F-07 offers every option: optimise diazoxide, everolimus, PRRT with glucose monitoring, "
                "liver-directed therapy, CAPTEM; the procedures suggested bring the insulinoma glucose-cover card "
                "(F-05), never octreotide cover.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["insulinoma"]},
                rows=["F-07", "F-05", "G-07", "SB-09"], also=["P-03", "P-04", "P-05", "LD-02", "G-08", "NR-04"],
                not_rows=["P-02", "F-01", "NR-12"],
                shapes=["diazoxide MedicationRequest active with hypoglycaemia on record"])


@scenario
def s135():
    p = P("net-135", "Test Patient Rows-F", "female", "1973-04-21")
    p.condition("primary", (ICD10, "C7A.090", "Malignant carcinoid tumor of the bronchus and lung"),
                "E24.3", onset=ago(months=2), text="Typical bronchial carcinoid, 1.9 cm, with ectopic ACTH syndrome")
    p.condition("pe", (ICD10, "I26.99", "Other pulmonary embolism without acute cor pulmonale"), onset=ago(days=20))
    p.morphology("morph", ago(months=2), "8240/3")
    p.mitoses("mitoses", ago(months=2), 1)
    p.lab("acth", ago(days=15), 148, interpretation="H")
    p.lab("cortisol", ago(days=15), 41, interpretation="H")
    p.lab("potassium", ago(days=5), 3.1, interpretation="L")
    p.resectability("resect", ago(days=9), "resectable")
    p.med_request("metyrapone", None, ago(days=14), text="metyrapone 500 mg by mouth four times daily")
    p.procedure("lobectomy", ago(days=-16), (CPT, "32480", "Lobectomy"), status="preparation",
                text="Right lower lobectomy with mediastinal lymph-node dissection (booked)")
    return meta(p, "Ectopic ACTH from a bronchial carcinoid, lobectomy booked, pulmonary embolism untreated",
                "53-year-old woman with ectopic Cushing's syndrome from a localized typical bronchial carcinoid, on "
                "metyrapone, with a pulmonary embolism 3 weeks ago and no anticoagulant on the list; lobectomy booked "
                "in 16 days. The peri-operative need is glucocorticoid cover and a metyrapone plan (not carcinoid-"
                "crisis cover), and the PE calls for confirming therapeutic anticoagulation, not prophylaxis.",
                expect={"site": "lung_thymus", "syndromes": ["acth"], "extent": "localized"},
                rows=["F-11", "F-05", "G-07", "L-01"], also=["G-01"],
                not_rows=["F-01", "M-02", "NR-12", "L-03"],
                shapes=["E24.3 on the same Condition as C7A.090", "I26.99 pulmonary embolism Condition",
                        "planned lobectomy as Procedure status preparation with a future date"])


@scenario
def s136():
    p = P("net-136", "Test Patient Rows-G", "male", "1966-07-30")
    p.condition("primary", "C7A.012", "E34.0", onset=ago(years=2), text="Ileal NET with carcinoid syndrome")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 4, site="ileal primary")
    p.sstr("sstr", ago(days=60), "higher-than-liver")
    p.burden("burden", ago(days=40), 15)
    p.resectability("resect", ago(days=12), "cytoreduction-feasible", )
    p.med_statement("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks")
    p.bowel("bm", ago(days=10), 3)
    p.lab("ntprobnp", ago(days=30), 180)
    p.status("status", ago(days=40), "stable")
    return meta(p, "Carcinoid syndrome with cytoreducible liver metastases: surgery suggested, crisis cover suggested too",
                "60-year-old man with an ileal NET G1 and carcinoid syndrome controlled on octreotide LAR; liver "
                "metastases (15 %) judged suitable for cytoreduction, no operation booked yet. The answer suggests "
                "surgical evaluation (LD-01), so it must also give octreotide cover for that procedure (F-05), not "
                "only when a procedure is already planned.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["carcinoid"], "progression": False},
                rows=["LD-01", "F-05", "F-01", "G-07"], not_rows=["LD-02", "M-04", "NR-02"],
                shapes=["resectability cytoreduction-feasible with carcinoid syndrome, no planned procedure"])


@scenario
def s137():
    p = P("net-137", "Test Patient Rows-H", "female", "1970-01-14")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(years=1),
                text="Metastatic pancreatic VIPoma")
    p.condition("vip", "E16.8", onset=ago(years=1), text="VIPoma syndrome (watery diarrhoea, hypokalaemia)")
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.morphology("morph", ago(years=1), "8155/3")
    p.ki67("ki67", ago(years=1), 6)
    p.sstr("sstr", ago(days=50), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(months=10), dosage="30 mg IM every 4 weeks")
    p.bowel("bm", ago(days=4), 9)
    p.lab("potassium", ago(days=4), 2.8, interpretation="LL")
    p.status("status", ago(days=50), "stable")
    return meta(p, "VIPoma diarrhoea not controlled on octreotide LAR",
                "57-year-old woman with a metastatic pancreatic VIPoma on octreotide LAR 30 mg for 10 months, still "
                "9 watery stools a day with potassium 2.8 mmol/L. F-09 escalates: fluids, potassium and magnesium, "
                "SSA dose, and tumour-directed control.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 6, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["vipoma"], "progression": False},
                rows=["F-09", "G-07"], also=["G-08", "LD-01"], not_rows=["P-02", "F-01"],
                shapes=["VIPoma on SSA with a bowel-movement count"])


@scenario
def s138():
    p = P("net-138", "Test Patient Rows-I", "male", "1975-03-09")
    p.condition("men1", "E31.21", (SCT, "30664006", "Multiple endocrine neoplasia, type 1"), onset=ago(years=3))
    p.condition("hpt", "E21.0", onset=ago(years=3), text="Primary hyperparathyroidism (MEN1), untreated")
    p.condition("primary", (ICD10, "C7A.010", "Malignant carcinoid tumor of the duodenum"),
                (SCT, "53132006", "Zollinger-Ellison syndrome"), onset=ago(years=2),
                text="Duodenal gastrinomas (MEN1), largest 8 mm")
    p.morphology("morph", ago(years=2), "8153/3")
    p.ki67("ki67", ago(years=2), 2)
    p.lab("gastrin", ago(days=30), 860, interpretation="H")
    p.lab("calcium", ago(days=30), 11.2, interpretation="H")
    p.lab("pth", ago(days=30), 142, interpretation="H")
    p.med_statement("ppi", "esomeprazole", ago(years=2), dosage="40 mg by mouth twice daily")
    p.status("status", ago(days=60), "stable")
    return meta(p, "MEN1 with duodenal gastrinomas and untreated hyperparathyroidism",
                "51-year-old man with MEN1: duodenal gastrinomas (ZES) on esomeprazole and untreated primary "
                "hyperparathyroidism (calcium 11.2 mg/dL, PTH 142 pg/mL). Beyond the PPI the MEN1 programme applies: "
                "parathyroidectomy first (it lowers gastrin), thymic and pituitary screening, screening of relatives.",
                expect={"site": "other_gi", "grade": "G1", "ki67": 2, "syndromes": ["gastrinoma"],
                        "hereditary": ["MEN1"], "progression": False},
                rows=["H-01", "F-08", "G-07"], also=["G-01", "O-02"], not_rows=["G-08", "F-05", "P-02"],
                shapes=["MEN1 with a duodenal (not pancreatic) NET", "E21.0 hyperparathyroidism"])


# =========================================================================== surveillance after remission


@scenario
def s139():
    p = P("net-139", "Test Patient Rows-J", "female", "1961-06-18")
    p.condition("primary", "C7A.012", onset=ago(years=3), clinical="remission",
                text="Ileal NET G1, resected 2023 at another hospital (R0, 1 of 14 nodes); in remission")
    p.ki67("ki67", ago(years=3), 2, site="resection specimen (outside report)")
    p.status("status", ago(days=60), "stable", note="CT abdomen/pelvis: no evidence of recurrence.")
    return meta(p, "Ileal NET resected elsewhere, Condition in remission, no procedure on record",
                "65-year-old woman whose ileal NET G1 was resected three years ago at another hospital (the procedure "
                "is not in this record); the NET Condition is in remission and the latest CT shows no recurrence. A "
                "Condition in remission is history, not 'no NET': she gets the table's surveillance card after "
                "resection, no therapy and no request for staging.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "progression": False},
                rows=["G-01"], not_rows=["M-01", "M-02", "G-06", "LD-01", "NR-08"],
                shapes=["NEN Condition clinicalStatus remission with no resection Procedure"])
