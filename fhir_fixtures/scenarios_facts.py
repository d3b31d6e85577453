"""Patients for the facts the record already holds (clinical review 2026-12, helper clin-facts): labs read in
every common shape and unit and cited with their date (critical values make the card critical), imaging and
growth on record never asked for again, liver dominance only when the record says so, crisis cover only for a
procedure, text provenance, Ki-67 ranges and conflicts, Child-Pugh and QTc. Ids net-250..net-259.
"""
from __future__ import annotations

from .fhir import LOINC, SCT, P, ago, cc, qty
from .scenarios import good_labs, meta, scenario


def _q(p: P, sfx: str, loinc: tuple, when: str, value: float, unit: str, ucum: str | None = None) -> None:
    p.obs(sfx, cc((LOINC, *loinc)), when, value={"valueQuantity": qty(value, unit, ucum)})


@scenario
def s250():
    p = P("net-250", "Test Patient Facts-A", "male", "1961-05-02")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(years=2),
                text="Metastatic pancreatic VIPoma")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.morphology("morph", ago(years=2), "8155/3")
    p.ki67("ki67", ago(years=2), 4)
    p.sstr("sstr", ago(days=60), "higher-than-liver")
    p.med_statement("lar", "lanreotide120", ago(months=14), dosage="120 mg deep SC every 4 weeks")
    p.bowel("bm", ago(days=2), 8)
    # potassium from whole blood in mEq/L, magnesium in mg/dL (local shapes; converted to mmol/L)
    _q(p, "k", ("6298-4", "Potassium [Moles/volume] in Blood"), ago(days=2), 2.6, "mEq/L", "meq/L")
    _q(p, "mg", ("19123-9", "Magnesium [Mass/volume] in Serum or Plasma"), ago(days=2), 1.0, "mg/dL", "mg/dL")
    p.lab("creatinine", ago(days=2), 1.6)
    p.status("status", ago(days=60), "stable")
    return meta(p, "VIPoma on lanreotide with K 2.6 mEq/L (blood) and Mg 1.0 mg/dL: critical, cited with dates",
                "60-year-old man with a metastatic pancreatic VIPoma on lanreotide for 14 months, 8 watery stools a "
                "day, whole-blood potassium 2.6 mEq/L and magnesium 1.0 mg/dL (0.41 mmol/L) two days ago. The F-09 "
                "escalation card cites both values with their dates and is critical; neither is listed as missing.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["vipoma"], "progression": False},
                rows=["F-09"], also=["G-07", "G-08", "LD-01", "LD-02", "F-05", "M-08"], not_rows=["F-01"],
                shapes=["potassium LOINC 6298-4 in mEq/L", "magnesium LOINC 19123-9 in mg/dL"])


@scenario
def s251():
    p = P("net-251", "Test Patient Facts-B", "female", "1958-10-20")
    p.condition("primary", "C25.4", (SCT, "302822000", "Pancreatic insulinoma"), onset=ago(months=8),
                text="Malignant insulinoma of the pancreatic body with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(months=8))
    p.morphology("morph", ago(months=8), "8151/3")
    p.ki67("ki67", ago(months=8), 5)
    p.sstr("sstr", ago(days=40), "higher-than-liver")
    p.med_request("diazoxide", ("http://www.nlm.nih.gov/research/umls/rxnorm", "3327", "diazoxide"),
                  ago(months=4), dosage="150 mg orally three times daily")
    # glucose in mmol/L under the moles-per-volume LOINC (2.1 mmol/L = 38 mg/dL)
    _q(p, "glucose", ("14749-6", "Glucose [Moles/volume] in Serum or Plasma"), ago(days=1), 2.1, "mmol/L",
       "mmol/L")
    p.ecog("ecog", ago(days=20), 1)
    return meta(p, "Malignant insulinoma on diazoxide with glucose 2.1 mmol/L yesterday: critical diazoxide card",
                "64-year-old woman with a malignant insulinoma on diazoxide 450 mg/day; serum glucose 2.1 mmol/L "
                "(38 mg/dL) yesterday. The diazoxide card cites it with its date and is critical.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 5, "extent": "metastatic",
                        "sstr": "positive_all", "syndromes": ["insulinoma"]},
                rows=["F-07"], also=["G-08", "SB-09", "G-07", "LD-01", "LD-02", "F-05", "M-10", "P-02", "G-06"],
                not_rows=["F-01", "M-02"],
                shapes=["glucose LOINC 14749-6 in mmol/L"])


@scenario
def s252():
    p = P("net-252", "Test Patient Facts-C", "male", "1955-02-14")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 3)
    p.sstr("sstr", ago(months=6), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks")
    p.med_statement("ppi", ("http://www.nlm.nih.gov/research/umls/rxnorm", "7646", "omeprazole"), ago(months=6))
    p.lab("cga", ago(months=7), 150)
    p.lab("cga", ago(days=20), 420)
    p.status("status", ago(days=20), "stable", note="CT chest/abdomen/pelvis: stable disease (RECIST 1.1).")
    return meta(p, "Chromogranin A tripled on a PPI; CT stable (RECIST) the same month",
                "67-year-old man with a metastatic ileal NET G2 (Ki-67 3 %) on octreotide LAR; chromogranin A rose from 150 to "
                "420 ng/mL after omeprazole was started, while CT three weeks ago was stable by RECIST 1.1. The "
                "marker card says imaging is stable (and cites it) instead of asking for imaging.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "extent": "metastatic",
                        "progression": False},
                rows=["NR-21", "G-09"], also=["M-02", "M-10", "LD-01", "M-01"], not_rows=["M-04", "M-05"],
                shapes=["disease-status Observation with a RECIST note beside a rising CgA"])


@scenario
def s253():
    p = P("net-253", "Test Patient Facts-D", "female", "1990-07-07")
    p.condition("vhl", "Q85.83", (SCT, "46659004", "Von Hippel-Lindau syndrome"), onset=ago(years=12))
    p.condition("primary", "C25.4", onset=ago(years=2), text="VHL-associated pancreatic NET, tail")
    p.ki67("ki67", ago(years=2), 2)
    p.size("size", ago(days=30), 2.4)
    p.status("status", ago(days=30), "progressive", note="MRI: pancreatic tail NET larger than a year ago.")
    p.pregnancy("preg", ago(days=10))
    return meta(p, "VHL pNET growing on record, pregnant: no 'belzutifan if it grows'",
                "36-year-old pregnant woman with VHL and a 2.4 cm pancreatic-tail NET that MRI reports as larger "
                "than a year ago (one size on record). Growth is on record, so the card does not say 'if it "
                "grows' nor ask for the growth rate: belzutifan is not possible in pregnancy (NR-11 says so), the MDT plans "
                "imaging and the surgical criteria with obstetrics.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "hereditary": ["VHL"], "progression": True,
                        "extent": "localized"},
                rows=["H-04", "NR-11"], also=["G-08", "SB-10", "H-05", "G-01"], not_rows=["H-03"],
                shapes=["coded progression without serial sizes"])


@scenario
def s254():
    p = P("net-254", "Test Patient Facts-E", "male", "1957-03-30")
    p.condition("primary", "C25.4", onset=ago(years=2), text="Pancreatic NET G2 with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 12)
    p.sstr("sstr", ago(days=80), "higher-than-liver")
    p.med_request("everolimus", "everolimus10", ago(months=2), dosage="10 mg by mouth once daily")
    # SI units (bilirubin umol/L, albumin g/L) and an INR: 2 + 3 + 1 points, ascites/encephalopathy unrecorded
    _q(p, "bili", ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"), ago(days=5), 40, "µmol/L",
       "umol/L")
    _q(p, "alb", ("1751-7", "Albumin [Mass/volume] in Serum or Plasma"), ago(days=5), 27, "g/L", "g/L")
    _q(p, "inr", ("6301-6", "INR in Platelet poor plasma by Coagulation assay"), ago(days=5), 1.4, "{INR}", "{INR}")
    p.status("status", ago(days=80), "stable")
    return meta(p, "On everolimus 10 mg with bilirubin 40 umol/L, albumin 27 g/L, INR 1.4: at least Child-Pugh B",
                "65-year-old man with a metastatic pNET G2 on everolimus 10 mg daily for 2 months; bilirubin "
                "40 umol/L (2.3 mg/dL, 2 points), albumin 27 g/L (3 points), INR 1.4 (1 point): with ascites and "
                "encephalopathy unrecorded (at least 1 point each) the score is 8-12, at least Child-Pugh B. The "
                "card says at most 5 mg daily and asks only for what would complete the class.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 12, "sstr": "positive_all", "extent": "metastatic",
                        "progression": False},
                rows=["SB-01"], also=["G-08", "M-10", "LD-01", "P-07"], not_rows=["P-03"],
                shapes=["bilirubin umol/L, albumin g/L, INR LOINC 6301-6 {INR}"])


@scenario
def s255():
    p = P("net-255", "Test Patient Facts-F", "female", "1963-08-19")
    p.condition("primary", "C25.4", onset=ago(years=2), text="Pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 7)
    p.sstr("sstr", ago(days=100), "negative")
    p.med_request("sunitinib", "sunitinib37", ago(months=5), dosage="37.5 mg by mouth once daily")
    p.med_request("citalopram", ("http://www.nlm.nih.gov/research/umls/rxnorm", "2556", "citalopram"), ago(years=2),
                  dosage="20 mg by mouth daily")
    p.obs("qtc", cc((LOINC, "76634-5", "QT interval corrected by Fridericia formula")), ago(days=1),
          category="procedure", value={"valueQuantity": qty(0.482, "s", "s")})
    _q(p, "k", ("2823-3", "Potassium [Moles/volume] in Serum or Plasma"), ago(days=1), 3.4, "mmol/L", "mmol/L")
    p.status("status", ago(days=30), "stable")
    return meta(p, "Sunitinib and citalopram with QTc 0.482 s (Fridericia): critical QT card",
                "61-year-old woman on sunitinib for a metastatic pNET, long-term citalopram; QTc (Fridericia) recorded "
                "as 0.482 s yesterday, potassium 3.4 mmol/L. Two QT-prolonging drugs with a QTc of 480 ms or more: "
                "the QT card is critical, cites the QTc and potassium, and asks for an ECG, potassium and magnesium.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 7, "sstr": "negative", "extent": "metastatic",
                        "progression": False},
                rows=["SB-12"], also=["G-08", "P-07", "SB-02", "LD-01"], not_rows=["NR-01"],
                shapes=["QTc LOINC 76634-5 in seconds"])


@scenario
def s256():
    p = P("net-256", "Test Patient Facts-G", "male", "1953-12-01")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("cs", "E34.00", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 4)
    p.sstr("sstr", ago(days=40), "lower-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=40), "progressive")
    p.bowel("bm", ago(days=7), 2)
    good_labs(p, ago(days=10))
    return meta(p, "Carcinoid syndrome, progressing on octreotide LAR, liver metastases coded, no burden: no crisis "
                "cover card, liver dominance not asserted",
                "70-year-old man with an ileal NET G2, liver metastases (code only: no hepatic burden or imaging "
                "review of the disease outside the liver), SSTR uptake below liver (no PRRT), carcinoid syndrome "
                "controlled on octreotide LAR, progressing. Liver-directed therapy is offered only 'if the disease is liver-dominant', and, with "
                "no procedure planned or recommended, no separate octreotide-cover card or draft.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "lower_than_liver", "extent": "metastatic",
                        "syndromes": ["carcinoid"], "progression": True},
                rows=["LD-02"], also=["M-04", "M-05", "F-01", "M-10", "LD-01", "G-07", "M-08", "F-04", "M-07", "F-06", "NR-03", "M-11"],
                not_rows=["F-05"],
                shapes=["liver-metastasis code without hepatic burden"])


@scenario
def s257():
    p = P("net-257", "Test Patient Facts-H", "female", "1966-04-09")
    p.condition("primary", "C7A.012", onset=ago(days=30), text="Ileal NET with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(days=30))
    p.ki67("ki67", ago(days=30), string="Ki-67 2-5 %")
    p.differentiation("diff", ago(days=30), "well")
    p.sstr("sstr", ago(days=20), "higher-than-liver")
    p.burden("burden", ago(days=20), 10)
    p.status("status", ago(days=20), "stable")
    p.ecog("ecog", ago(days=20), 0)
    return meta(p, "Ki-67 reported as 2-5 %: grade G1-G2 uncertain, both ends kept",
                "60-year-old woman, newly diagnosed ileal NET with liver metastases (10 % burden), Ki-67 reported "
                "as a range 2-5 % that spans the 3 % grade cut-off. The grade is shown as G1-G2 uncertain with both "
                "ends, never as G2 alone; where the next step differs at the two ends the range card says so.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 5,
                        "sstr": "positive_all", "extent": "metastatic", "progression": False},
                rows=["M-02"], also=["M-01", "KR-01", "LD-01", "M-10", "G-08"], not_rows=["G3-01", "G-05"],
                shapes=["Ki-67 valueString range across the 3 % cut-off"])


@scenario
def s258():
    p = P("net-258", "Test Patient Facts-I", "male", "1959-01-25")
    p.condition("primary", "C25.4", onset=ago(days=25), text="Pancreatic NET with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(days=25))
    # two coded Ki-67 results of the same day that disagree (a data-entry or specimen question)
    p.ki67("ki67-a", ago(days=25), 6)
    p.ki67("ki67-b", ago(days=25), 28)
    p.sstr("sstr", ago(days=20), "higher-than-liver")
    p.ecog("ecog", ago(days=20), 1)
    return meta(p, "Two coded Ki-67 results of one day disagree (6 % vs 28 %): reconcile, not 'missing'",
                "66-year-old man with a new metastatic pNET; two coded Ki-67 results on the same day, 6 % and 28 %, "
                "none newer. The record has a Ki-67: it is contradictory. The data-gap card names both values "
                "and dates and asks pathology to reconcile them; the grade is not asserted.",
                expect={"site": "pancreas", "ki67": None, "grade": None, "sstr": "positive_all",
                        "extent": "metastatic"},
                rows=["G-05"], also=["G-08", "LD-01", "G-06", "P-02", "M-10"],
                not_rows=["G3-01", "P-03", "P-05"],
                shapes=["two coded Ki-67 Observations on one date with different values"])


@scenario
def s259():
    p = P("net-259", "Test Patient Facts-J", "female", "1984-02-17")
    p.condition("vhl", "Q85.8", onset=ago(years=15), text="von Hippel-Lindau disease, germline VHL variant")
    p.condition("primary", "C25.4", onset=ago(years=1), text="VHL-associated pancreatic NET, body")
    p.obs("ki67", cc((LOINC, "29593-1", "Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain")), ago(years=1),
          value={"valueString": "EUS-FNA of the pancreatic body lesion: well-differentiated neuroendocrine tumour. "
                                "Ki-67 index about 4 % in the hot spot (2000 cells counted)."})
    p.size("size-old", ago(months=13), 1.6)
    p.size("size", ago(days=20), 2.4)
    p.pregnancy("preg", ago(days=20), pregnant=False)
    return meta(p, "VHL only in the problem-list text (Q85.8) and Ki-67 only in a pathology sentence: text facts",
                "42-year-old woman with VHL recorded as Q85.8 'other phakomatoses' whose text names von Hippel-Lindau, "
                "and a pancreatic-body NET whose Ki-67 (4 %) is given only inside a pathology sentence. The pNET grew "
                "1.6 -> 2.4 cm in a year. Both deciding facts are shown as read from text, with the quote, and the "
                "cards offer to record them as coded (VHL as Q85.83, Ki-67 as a coded result).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "hereditary": ["VHL"], "progression": None,
                        "extent": None},
                rows=["H-04"], also=["G-08", "H-05", "G-01", "G-06"], not_rows=["NR-11"],
                shapes=["Ki-67 narrative valueString", "VHL from Q85.8 text"])
