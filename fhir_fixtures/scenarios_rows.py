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
                expect={"scope": "excluded", "ki67": 70, "grade": "G3"},
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
                "liver-directed therapy, CAPTEM; those procedures are MDT options (consider), so their cards carry "
                "the glucose cover and no separate F-05 card fires until one is planned; never octreotide cover.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["insulinoma"]},
                rows=["F-07", "G-07"], also=["P-03", "P-04", "P-05", "LD-02", "G-08", "NR-04"],
                not_rows=["P-02", "F-01", "NR-12", "F-05"],
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


# =========================================================================== safety boxes


@scenario
def s140():
    p = P("net-140", "Test Patient Rows-K", "male", "1968-09-25")
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("tb", (ICD10, "A15.0", "Tuberculosis of lung"), onset=ago(days=45))
    p.ki67("ki67", ago(years=2), 12)
    p.sstr("sstr", ago(days=30), "lower-than-liver")
    p.burden("burden", ago(days=30), 20)
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), dosage="120 mg deep SC every 4 weeks")
    p.med_request("rif", None, ago(days=40), text="rifampicin 600 mg by mouth once daily (TB, 6 months)")
    p.status("status", ago(days=25), "progressive")
    p.ecog("ecog", ago(days=25), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Progressive pNET on lanreotide while on rifampicin for TB (strong CYP3A4 inducer)",
                "58-year-old man with a metastatic pNET G2 (Ki-67 12 %, SSTR below liver) progressing on lanreotide, "
                "six weeks into rifampicin for pulmonary TB. Everolimus and sunitinib, suggested for the progression, "
                "lose exposure with a strong CYP3A4 inducer: the answer says so with the labels' adjustments.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 12, "sstr": "lower_than_liver", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-07"], also=["P-04", "G-08", "NR-03"], not_rows=["NR-19", "M-04"],
                shapes=["uncoded rifampicin MedicationRequest (text only)"])


@scenario
def s141():
    p = P("net-141", "Test Patient Rows-L", "female", "1959-11-11")
    p.condition("primary", "C25.4", onset=ago(years=3), text="Pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 9)
    p.sstr("sstr", ago(days=90), "negative")
    p.med_request("sunitinib", "sunitinib37", ago(months=4), dosage="37.5 mg by mouth once daily")
    p.med_request("clari", "clarithromycin", ago(days=3), dosage="500 mg by mouth twice daily for 7 days")
    p.med_request("citalopram", (RXNORM, "2556", "citalopram"), ago(years=1), dosage="20 mg by mouth daily")
    _qtc(p, "qtc", ago(days=2), 488)
    p.status("status", ago(days=30), "stable")
    good_labs(p, ago(days=10))
    return meta(p, "On sunitinib; clarithromycin started, citalopram, QTc 488 ms",
                "67-year-old woman with a metastatic pNET stable on sunitinib; clarithromycin started 3 days ago for a "
                "chest infection; long-term citalopram; QTc 488 ms on yesterday's ECG. Strong CYP3A4 inhibitor with "
                "sunitinib (choose another antibiotic or reduce sunitinib) and two QT-prolonging drugs with a long QTc.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 9, "sstr": "negative", "progression": False,
                        "extent": "metastatic"},
                rows=["G-08"], also=["P-07"], not_rows=["NR-19", "NR-01", "P-03"],
                shapes=["QTc LOINC 8636-3 in ms", "citalopram RxNorm 2556 (QT flag)"])


@scenario
def s142():
    p = P("net-142", "Test Patient Rows-M", "male", "1964-04-04")
    p.condition("primary", "C25.4", onset=ago(days=40), text="Bulky pancreatic NET G2, symptomatic")
    p.condition("liver", "C7B.02", onset=ago(days=40))
    p.condition("dpd", onset=ago(years=4),
                text="Dihydropyrimidine dehydrogenase deficiency (DPYD c.1905+1G>A heterozygous) - severe "
                     "fluorouracil toxicity in 2022")
    p.condition("pain", "R10.9", onset=ago(days=40))
    p.ki67("ki67", ago(days=40), 15)
    p.sstr("sstr", ago(days=30), "lower-than-liver")
    p.burden("burden", ago(days=30), 60)
    p.status("status", ago(days=20), "progressive")
    good_labs(p, ago(days=10))
    return meta(p, "Bulky symptomatic pNET needing shrinkage, known DPD deficiency (no standard-dose CAPTEM)",
                "62-year-old man with a bulky, painful pNET G2 (Ki-67 15 %, 60 % liver replacement, SSTR below liver) "
                "and known DPD deficiency (severe 5-FU toxicity in 2022, DPYD variant). CAPTEM would be the shrinkage "
                "regimen, but standard-dose capecitabine and 5-FU are not recommended: the CAPTEM and streptozocin + "
                "5-FU suggestions are replaced by the not-recommended cards (temozolomide alone, or genotype-guided "
                "dosing).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 15, "sstr": "lower_than_liver", "progression": True,
                        "extent": "metastatic"},
                rows=["P-04"], also=["P-03", "P-07", "G-08", "LD-02", "NR-03"], not_rows=["M-02"],
                shapes=["DPD deficiency as Condition text (no specific code)"])


@scenario
def s143():
    p = P("net-143", "Test Patient Rows-N", "female", "1991-02-27")
    p.condition("primary", "C7A.012", onset=ago(years=1), text="Ileal NET G2 with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.condition("preg", "Z33.1", onset=ago(weeks=12))
    p.pregnancy("preg-status", ago(days=20), True)
    p.ki67("ki67", ago(years=1), 6)
    p.sstr("sstr", ago(months=11), "higher-than-liver")
    p.burden("burden", ago(months=11), 8)
    p.med_statement("lanreotide", "lanreotide120", ago(months=11), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(days=60), "stable")
    return meta(p, "Pregnant (12 weeks) with metastatic ileal NET stable on lanreotide",
                "35-year-old woman, 12 weeks pregnant, with a metastatic ileal NET G2 stable on lanreotide for 11 "
                "months. Beside the cautions she needs a management path: the NET MDT with obstetric input, what may "
                "continue (the SSA after discussion) and what waits until after delivery (PRRT, targeted drugs, "
                "chemotherapy, ionising-radiation imaging).",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic"},
                rows=[], also=["M-02", "M-01", "LD-01"], not_rows=["M-04", "M-03", "NR-04", "NR-11"],
                shapes=["pregnancy Z33.1 + pregnancy-status Observation 82810-3 (pregnant)"])


@scenario
def s144():
    p = P("net-144", "Test Patient Rows-O", "male", "1960-08-08")
    p.condition("primary", "C25.4", (SCT, "16424000", "Glucagonoma"), onset=ago(days=45),
                text="Glucagonoma, pancreatic body")
    p.condition("glucagon", (ICD10, "E16.3", "Increased secretion of glucagon"), onset=ago(days=45))
    p.condition("pe", (ICD10, "I26.99", "Other pulmonary embolism without acute cor pulmonale"), onset=ago(days=30))
    p.condition("liver", "C7B.02", onset=ago(days=45))
    p.morphology("morph", ago(days=45), "8152/3")
    p.ki67("ki67", ago(days=45), 4)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.burden("burden", ago(days=30), 12)
    p.med_request("apixaban", (RXNORM, "1364430", "apixaban"), ago(days=29), dosage="5 mg by mouth twice daily")
    return meta(p, "Glucagonoma with a recent pulmonary embolism, on apixaban",
                "66-year-old man with a metastatic glucagonoma (Ki-67 4 %) and a pulmonary embolism a month ago, on "
                "apixaban. The glucagonoma card must not advise 'VTE prophylaxis': it names the PE and the "
                "anticoagulant and asks to confirm therapeutic dosing.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["glucagonoma"]},
                rows=["F-10", "G-07", "P-02"], also=["G-08", "LD-01"], not_rows=["F-01", "P-03"],
                shapes=["pulmonary embolism I26.99 with apixaban RxNorm 1364430"])


@scenario
def s145():
    p = P("net-145", "Test Patient Rows-P", "male", "1969-12-01")
    c = p.condition("primary", (ICD10, "C24.1", "Malignant neoplasm of ampulla of Vater"), onset=ago(days=30),
                    text="Ampullary NET G1, 9 mm, found at ERCP")
    _morph(c, "8240/3", "Carcinoid tumor, NOS")
    p.ki67("ki67", ago(days=30), 1)
    p.size("size", ago(days=30), 0.9)
    p.sstr("sstr", ago(days=20), "higher-than-liver", note="Ampullary lesion only; no metastases.")
    p.resectability("resect", ago(days=10), "resectable")
    return meta(p, "Ampullary NET 9 mm G1 (surgery with lymphadenectomy, not endoscopic resection)",
                "57-year-old man with a 9 mm ampullary NET G1 (C24.1 + 8240/3) found at ERCP, localized. Unlike a small "
                "non-ampullary duodenal NET, an ampullary NET carries nodal risk at any size: surgical resection with "
                "lymphadenectomy, not endoscopic resection.",
                expect={"site": "other_gi", "grade": "G1", "ki67": 1, "sstr": "positive_all", "extent": "localized"},
                rows=["G-01"], also=["G-08"], not_rows=["O-04", "M-02", "P-01"],
                shapes=["C24.1 ampulla of Vater + 8240/3"])


@scenario
def s146():
    p = P("net-146", "Test Patient Rows-Q", "female", "1985-05-05")
    p.condition("vhl", "Q85.83", (SCT, "46659004", "Von Hippel-Lindau syndrome"), onset=ago(years=15))
    p.condition("primary", (ICD10, "C25.0", "Malignant neoplasm of head of pancreas"), onset=ago(years=2),
                text="VHL-associated pancreatic NET, head of pancreas, 2.4 cm")
    p.morphology("morph", ago(years=2), "8240/3")
    p.ki67("ki67", ago(years=2), 2)
    p.size("size-1", ago(years=1), 2.3)
    p.size("size", ago(days=20), 2.4)
    p.sstr("sstr", ago(days=40), "higher-than-liver", note="Pancreatic head lesion only; no metastases.")
    p.pregnancy("preg", ago(days=20), False)
    return meta(p, "VHL pNET of 2.4 cm in the pancreatic head, slow growth",
                "41-year-old woman with VHL and a 2.4 cm pancreatic-head NET G1 growing slowly (2.3 -> 2.4 cm in a "
                "year), no metastases. Below the 3 cm body/tail threshold, but head lesions are usually considered "
                "for surgery from about 2 cm (recalled threshold, flagged to verify): surgery is offered for the "
                "MDT beside surveillance.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "sstr": "positive_all", "hereditary": ["VHL"]},
                rows=["H-05", "H-04"], not_rows=["P-03", "M-02", "NR-11"],
                shapes=["C25.0 head of pancreas with VHL", "serial sizes a year apart"])


@scenario
def s147():
    p = P("net-147", "Test Patient Rows-R", "male", "1955-06-30")
    p.condition("primary", (ICD10, "C7A.090", "Malignant carcinoid tumor of the bronchus and lung"),
                onset=ago(years=3), text="Atypical lung carcinoid, metastatic")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("epilepsy", (ICD10, "G40.909", "Epilepsy, unspecified, not intractable, without status epilepticus"),
                onset=ago(years=20))
    p.morphology("morph", ago(years=3), "8249/3")
    p.ki67("ki67", ago(years=3), 12)
    p.sstr("sstr", ago(months=8), "lower-than-liver")
    p.med_request("everolimus", "everolimus10", ago(months=5), dosage="10 mg by mouth once daily")
    p.med_request("cbz", (RXNORM, "2002", "carbamazepine"), ago(years=10), dosage="400 mg by mouth twice daily")
    p.status("status", ago(days=40), "stable")
    good_labs(p, ago(days=14))
    return meta(p, "Lung carcinoid on everolimus with long-term carbamazepine (strong CYP3A4 inducer)",
                "71-year-old man with a metastatic atypical lung carcinoid stable on everolimus for 5 months, on "
                "carbamazepine for epilepsy for 10 years. A strong inducer lowers everolimus exposure: replace the "
                "anticonvulsant with the neurologist if possible, or the label's everolimus dose increase.",
                expect={"site": "lung_thymus", "ki67": 12, "sstr": "lower_than_liver", "progression": False,
                        "extent": "metastatic"},
                rows=[], not_rows=["NR-19", "L-03", "NR-01"],
                shapes=["carbamazepine RxNorm 2002 (inducer flag)"])


# =========================================================================== rows whose trigger moved


@scenario
def s148():
    p = P("net-148", "Test Patient Rows-S", "male", "1958-01-09")
    p.condition("primary", "C25.4", (SCT, "253006001", "Somatostatinoma"), onset=ago(days=60),
                text="Pancreatic somatostatinoma with liver metastases")
    p.condition("sst", "E16.8", onset=ago(days=60), text="Somatostatinoma syndrome: diabetes, gallstones, steatorrhoea")
    p.condition("liver", "C7B.02", onset=ago(days=60))
    p.morphology("morph", ago(days=60), "8156/3")
    p.ki67("ki67", ago(days=60), 14)
    p.sstr("sstr", ago(days=40), "higher-than-liver")
    p.burden("burden", ago(days=40), 20)
    p.lab("somatostatin", ago(days=55), 640, interpretation="H")
    return meta(p, "Metastatic somatostatinoma with Ki-67 14 % (no first-line SSA row: the syndrome row offers an SSA trial)",
                "68-year-old man with a metastatic pancreatic somatostatinoma and the full syndrome (diabetes, "
                "gallstones, steatorrhoea), Ki-67 14 %, SSTR uptake above liver, untreated. Ki-67 is above the "
                "CLARINET range, so no first-line antiproliferative SSA card: the somatostatinoma row offers a "
                "trial of SSA for the syndrome with its cautions, beside the pNET options.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 14, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["somatostatinoma"]},
                rows=["F-12", "G-07", "G-08"], also=["P-03", "P-05", "LD-01", "M-03"], not_rows=["P-02", "F-01"],
                shapes=["somatostatinoma SNOMED 253006001 + 8156/3 with Ki-67 above 10 %"])


@scenario
def s149():
    p = P("net-149", "Test Patient Rows-T", "female", "1981-09-14")
    p.condition("primary", "C7A.012", onset=ago(years=6), clinical="active",
                text="Ileal NET G1; primary resected 2021; unresectable bilobar liver-only metastases")
    p.condition("liver", "C7B.02", onset=ago(years=5))
    p.ki67("ki67", ago(years=6), 2, site="ileal primary")
    p.ki67("ki67-liver", ago(years=2), 2, site="liver biopsy")
    p.sstr("sstr", ago(months=5), "higher-than-liver", note="Liver-only disease; no extrahepatic uptake.")
    p.burden("burden", ago(months=5), 30)
    p.resectability("resect", ago(months=5), "unresectable")
    p.procedure("resection", ago(years=5), (CPT, "44120", "Enterectomy, resection of small intestine"),
                text="Small-bowel resection with mesenteric lymphadenectomy")
    p.med_statement("lanreotide", "lanreotide120", ago(years=5), dosage="120 mg deep SC every 4 weeks")
    for i, d in enumerate((600, 544, 488, 432), start=1):
        p.med_admin(f"prrt-{i}", "lutathera", ago(days=d), dose=qty(7.4, "GBq", "GBq"))
    p.status("status-1", ago(days=220), "stable")
    p.status("status", ago(days=30), "stable", note="Stable liver-only disease for 10 months after PRRT.")
    p.ecog("ecog", ago(days=30), 0)
    good_labs(p, ago(days=20))
    return meta(p, "Young patient, liver-only G1 NET stable after PRRT, primary removed (Milan-NET transplant referral)",
                "45-year-old woman with an ileal NET G1 (Ki-67 2 % in primary and liver), primary resected 5 years ago, unresectable "
                "liver-only metastases (30 %), on lanreotide, 4 cycles of Lu-177 dotatate 1.5 years ago, stable for "
                "10 months. Inside the Milan-NET criteria (age, grade, burden, primary removed, stable disease for "
                "more than 6 months): transplant-centre referral can be considered.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic"},
                rows=["LD-03"], also=["LD-01"], not_rows=["LD-02", "M-04", "M-07", "NR-03"],
                shapes=["HCPCS/RxNorm Lutathera administrations x4 with stable disease since"])
