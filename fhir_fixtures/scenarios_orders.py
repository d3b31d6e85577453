"""Synthetic patients for draft orders, choice cards and label rules (ids net-170 .. net-189).

Written for net-cds from the expert clinical review (findings U1, U4, U5, Wrong 1, 3, 4, 11): each patient
tests a class of defect in what an accepted suggestion would order -- a duplicate of a drug class the
patient already takes, a cyclic regimen or a dose per m2 that must be structured, a hold that refers to a
date already past, a label threshold applied as the label says, a choice between equivalent options ordered
for this patient. Dates are relative to AS_OF = 2026-11-22 (``ago``).
"""
from __future__ import annotations

from .fhir import ICD10, LOINC, SCT, P, ago, cc, qty
from .scenarios import good_labs, meta, scenario


def height(p: P, sfx: str, when: str, cm: float) -> None:
    p.obs(sfx, cc((LOINC, "8302-2", "Body height")), when, category="vital-signs",
          value={"valueQuantity": qty(cm, "cm", "cm")})


def weight(p: P, sfx: str, when: str, kg: float) -> None:
    p.obs(sfx, cc((LOINC, "29463-7", "Body weight")), when, category="vital-signs",
          value={"valueQuantity": qty(kg, "kg", "kg")})


def _progressive_pnet(p: P, *, ki67: float = 8, years: int = 2) -> None:
    p.condition("primary", "C25.4", onset=ago(years=years))
    p.condition("liver", "C7B.02", onset=ago(years=years))
    p.ki67("ki67", ago(months=4), ki67)
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.med_request("lanreotide", "lanreotide120", ago(years=1, months=6), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(months=1), "progressive", note="RECIST 1.1 progression of liver metastases.")
    p.ecog("ecog", ago(months=1), 1)


def _midgut_on_lar(p: P, *, years: int = 3) -> None:
    p.condition("primary", "C7A.012", onset=ago(years=years))
    p.condition("liver", "C7B.02", onset=ago(years=years))
    p.ki67("ki67", ago(years=years), 5)
    p.sstr("sstr", ago(months=2), "higher-than-liver", note="All target lesions above liver.")


# =========================================================================== duplicates (review Wrong 1)


@scenario
def s170():
    p = P("net-170", "Test Patient Orders-One", "female", "1966-02-14")
    p.condition("primary", "C25.4", (SCT, "53132006", "Zollinger-Ellison syndrome"), onset=ago(years=2))
    p.condition("zes", "E16.4", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.morphology("morph", ago(years=2), "8153/3")
    p.ki67("ki67", ago(years=2), 3)
    p.sstr("sstr", ago(months=4), "higher-than-liver")
    p.lab("gastrin", ago(months=1), 950, interpretation="H")
    p.med_request("ppi", "pantoprazole", ago(months=18), dosage="80 mg by mouth twice daily")
    p.med_request("lanreotide", "lanreotide120", ago(months=10), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(months=2), "stable")
    return meta(p, "Gastrinoma on pantoprazole by order: no second PPI drafted",
                "60-year-old woman with a metastatic pancreatic gastrinoma (Zollinger-Ellison syndrome), Ki-67 3 %, "
                "stable on lanreotide, acid controlled on an active order for pantoprazole 80 mg twice daily. The "
                "PPI card must keep her on it: no new omeprazole order next to the pantoprazole one (review Wrong 1).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 3, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["gastrinoma"]},
                rows=["F-08", "G-07", "G-08"], also=["O-02", "LD-01"], not_rows=["P-02", "P-03", "NR-09"],
                shapes=["PPI as an active MedicationRequest (pantoprazole IN 40790)"])


@scenario
def s171():
    p = P("net-171", "Test Patient Orders-Two", "male", "1971-06-03")
    p.condition("primary", "C25.4", (SCT, "53132006", "Zollinger-Ellison syndrome"), onset=ago(days=40))
    p.condition("zes", "E16.4", onset=ago(days=40))
    p.condition("liver", "C7B.02", onset=ago(days=40))
    p.morphology("morph", ago(days=40), "8153/3")
    p.ki67("ki67", ago(days=40), 4)
    p.sstr("sstr", ago(days=20), "higher-than-liver")
    p.lab("gastrin", ago(days=20), 1400, interpretation="H")
    return meta(p, "New gastrinoma, no PPI yet: a structured omeprazole draft",
                "55-year-old man with a newly diagnosed metastatic gastrinoma, not yet on a PPI. The PPI card drafts "
                "omeprazole 40 mg twice daily as a clinical drug (RxNorm SCD) with a structured dose, coded oral "
                "route and twice-daily timing.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all",
                        "extent": "metastatic", "syndromes": ["gastrinoma"]},
                rows=["F-08", "G-07", "G-08"], also=["O-02", "P-02", "LD-01", "M-03", "P-05"], not_rows=["P-03"],
                shapes=["no medication resources at all"])


# =========================================================================== cyclic regimens, doses per m2 (U1)


@scenario
def s172():
    p = P("net-172", "Test Patient Orders-Three", "female", "1968-09-21")
    p.condition("primary", "C25.4", onset=ago(months=5), text="Pancreatic NET with bulky liver metastases")
    p.condition("liver", "C78.7", onset=ago(months=5))
    p.ki67("ki67", ago(months=5), 16)
    p.differentiation("diff", ago(months=5), "well")
    p.sstr("sstr", ago(months=3), "lower-than-liver")
    p.burden("burden", ago(months=3), 60)
    p.status("status", ago(days=20), "progressive")
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=12))
    height(p, "height", ago(months=5), 168)
    weight(p, "weight", ago(days=6), 64)
    return meta(p, "Bulky progressive pNET, height and recent weight on record: CAPTEM dose per m2 computed",
                "58-year-old woman with a progressing pNET G2 (Ki-67 16 %), 60 % liver replacement, SSTR uptake below "
                "liver. CAPTEM is the regimen: the draft is one RequestGroup of a 28-day cycle with capecitabine "
                "750 mg/m2 twice daily bounded to days 1-14 and temozolomide 200 mg/m2 once daily bounded to days "
                "10-14, and the dose per m2 computed from her height (168 cm) and weight (64 kg, 6 days ago).",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G2", "ki67": 16,
                        "sstr": "lower_than_liver", "progression": True, "extent": "metastatic"},
                rows=["P-04", "G-08"], also=["P-03", "P-07", "NR-03", "LD-02"], not_rows=["P-05", "M-04"],
                shapes=["body height 8302-2 and weight 29463-7 (vital signs)"])


@scenario
def s173():
    p = P("net-173", "Test Patient Orders-Four", "male", "1959-01-30")
    p.condition("primary", "C25.4", onset=ago(months=6), text="Pancreatic NET with bulky liver metastases")
    p.condition("liver", "C78.7", onset=ago(months=6))
    p.ki67("ki67", ago(months=6), 14)
    p.differentiation("diff", ago(months=6), "well")
    p.sstr("sstr", ago(months=3), "negative")
    p.burden("burden", ago(months=3), 55)
    p.status("status", ago(days=25), "progressive")
    good_labs(p, ago(days=12))
    height(p, "height", ago(years=1), 181)
    weight(p, "weight", ago(days=75), 88)
    return meta(p, "Bulky progressive pNET, weight 75 days old: the dose per m2 is not computed",
                "67-year-old man with a progressing SSTR-negative pNET G2 and bulky liver disease. His last weight "
                "is 75 days old: the CAPTEM draft keeps its structured dose per m2 but the card does not compute a "
                "dose and lists a current weight as missing.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G2", "ki67": 14,
                        "sstr": "negative", "progression": True, "extent": "metastatic"},
                rows=["P-04"], also=["P-03", "P-07", "NR-03", "G-08", "LD-02"], not_rows=["P-05"],
                shapes=["stale body weight"])


@scenario
def s174():
    p = P("net-174", "Test Patient Orders-Five", "male", "1962-04-11")
    p.condition("primary", "C7A.1", onset=ago(days=30), morphology="8246/3",
                text="Poorly differentiated large-cell neuroendocrine carcinoma of the caecum")
    p.condition("liver", "C78.7", onset=ago(days=30))
    p.ki67("ki67", ago(days=30), 80)
    p.differentiation("diff", ago(days=30), "poor")
    p.ecog("ecog", ago(days=10), 1)
    good_labs(p, ago(days=5))
    height(p, "height", ago(days=10), 176)
    weight(p, "weight", ago(days=10), 81)
    return meta(p, "Metastatic NEC, first line: platinum-etoposide as one bounded 21-day cycle, dose per m2 computed",
                "64-year-old man with a newly diagnosed metastatic large-cell NEC (Ki-67 80 %). Cisplatin 75-80 mg/m2 "
                "on day 1 and etoposide 100 mg/m2 on days 1-3 of a 21-day cycle: one RequestGroup, each drug bounded "
                "to its days, doses computed from height 176 cm and weight 81 kg.",
                expect={"scope": "nec", "differentiation": "poor", "grade": "NEC", "ki67": 80,
                        "extent": "metastatic"},
                rows=["G-02", "N-02"], also=["NR-05", "NR-06"], not_rows=["M-02", "G3-01", "P-03"],
                shapes=["vital-signs height and weight the same day"])


# =========================================================================== a hold that refers to a date (U5)


@scenario
def s175():
    p = P("net-175", "Test Patient Orders-Six", "female", "1958-12-05")
    _midgut_on_lar(p)
    p.status("status", ago(months=3), "progressive")
    p.med_admin("lar-1", "octreotide_lar30", ago(days=70), dose=qty(30, "mg", "mg"))
    p.med_admin("prrt-1", "lutathera", ago(days=45), dose=qty(7.4, "GBq", "GBq"), mcode=True)
    p.med_admin("lar-2", "octreotide_lar30", ago(days=10), dose=qty(30, "mg", "mg"))
    p.med_request("prrt-2", "lutathera", ago(days=45), dosage="7.4 GBq IV, cycle 2 of 4", event=ago(days=-11),
                  mcode=True)
    good_labs(p, ago(days=6))
    return meta(p, "Octreotide LAR given 10 days ago, PRRT dose 2 due in 11 days: postpone the PRRT dose",
                "68-year-old woman in a Lu-177 dotatate course (dose 1 given 45 days ago, dose 2 ordered for 11 days "
                "from now); an octreotide LAR 30 mg injection was given 10 days ago, so the 4-week washout before "
                "dose 2 can no longer be kept. The card must not ask to hold an injection already given: it says "
                "when the PRRT dose can be given (28 days after the injection) and to confirm with nuclear medicine.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["NR-17"], also=["M-04", "F-05", "M-07", "LD-02"], not_rows=["M-03"],
                shapes=["LAR MedicationAdministration 10 days before a scheduled PRRT dose"])


@scenario
def s176():
    p = P("net-176", "Test Patient Orders-Seven", "male", "1957-07-19")
    _midgut_on_lar(p)
    p.status("status", ago(months=3), "progressive")
    p.med_admin("lar-1", "octreotide_lar30", ago(days=40), dose=qty(30, "mg", "mg"))
    p.med_admin("prrt-1", "lutathera", ago(days=38), dose=qty(7.4, "GBq", "GBq"), mcode=True)
    p.med_request("prrt-2", "lutathera", ago(days=38), dosage="7.4 GBq IV, cycle 2 of 4", event=ago(days=-18),
                  mcode=True)
    good_labs(p, ago(days=6))
    return meta(p, "Last octreotide LAR 40 days ago, PRRT dose 2 in 18 days: no depot before the PRRT dose",
                "69-year-old man in a Lu-177 dotatate course; the last octreotide LAR injection was 40 days ago and "
                "dose 2 is due in 18 days: the washout holds if no further depot is given before it.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["NR-17"], also=["M-04", "F-05", "M-07", "LD-02"], not_rows=["M-03"],
                shapes=["LAR MedicationAdministration 58 days before a scheduled PRRT dose"])


# =========================================================================== PRRT and renal function (U4)


def _prrt_candidate(p: P, crcl: float) -> None:
    _midgut_on_lar(p)
    p.med_request("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1), "progressive", note="RECIST 1.1 progression on octreotide LAR.")
    p.ecog("ecog", ago(months=1), 1)
    p.lab("crcl_cg", ago(days=8), crcl, interpretation="L")
    p.lab("hb", ago(days=8), 12.2)
    p.lab("wbc", ago(days=8), 5.9)
    p.lab("plt", ago(days=8), 214)
    p.lab("bili", ago(days=8), 0.6)
    p.lab("alb", ago(days=8), 3.9)


@scenario
def s177():
    p = P("net-177", "Test Patient Orders-Eight", "female", "1950-03-08")
    _prrt_candidate(p, 25)
    return meta(p, "Midgut NET progressing on octreotide LAR, CrCl 25 mL/min: PRRT not recommended",
                "76-year-old woman with a metastatic ileal NET G2 progressing on octreotide LAR, SSTR uptake above "
                "liver, creatinine clearance 25 mL/min (Cockcroft-Gault). PRRT is not recommended (EU label: not in "
                "severe renal impairment; US label: not studied), not a caution.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "labs": {"creatinine_clearance": 25}},
                rows=["NR-04", "M-05"], also=["M-04", "LD-02", "M-08"], not_rows=["M-03"],
                shapes=["CrCl 35591-7 below 30 mL/min"])


@scenario
def s178():
    p = P("net-178", "Test Patient Orders-Nine", "male", "1955-11-23")
    _prrt_candidate(p, 40)
    return meta(p, "Midgut NET progressing on octreotide LAR, CrCl 40 mL/min: PRRT with MDT caution",
                "71-year-old man with the same disease and a creatinine clearance of 40 mL/min: below NETTER-1 "
                "eligibility (50 mL/min), above 30: PRRT is a caution for the MDT, and the card neither offers the "
                "label's reduced 3.7 GBq activity nor calls it not recommended.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "labs": {"creatinine_clearance": 40}},
                rows=["NR-04", "M-04"], also=["M-05", "LD-02", "M-08"], not_rows=["M-03"],
                shapes=["CrCl 35591-7 between 30 and 50 mL/min"])


# =========================================================================== SSA: rescue, escalation (Wrong 3, 4)


@scenario
def s179():
    p = P("net-179", "Test Patient Orders-Ten", "female", "1963-05-30")
    p.condition("primary", "C7A.012", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.condition("cs", "E34.00", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 3)
    p.sstr("sstr", ago(months=6), "higher-than-liver")
    p.med_request("lanreotide", "lanreotide120", ago(years=3), dosage="120 mg deep SC every 4 weeks")
    p.flushing("flush", ago(days=5), 5)
    p.bowel("bm", ago(days=5), 2)
    p.status("status", ago(months=2), "stable")
    return meta(p, "Carcinoid syndrome on lanreotide with refractory flushing: rescue octreotide as needed, "
                   "lanreotide escalation replacing the current order",
                "63-year-old woman with a metastatic ileal NET and carcinoid syndrome, on lanreotide 120 mg every 4 "
                "weeks for 3 years, still flushing 5 times a day. The continue-SSA card drafts rescue octreotide as "
                "an as-needed order (never a standing three-times-daily order, never 'after the first LAR "
                "injection'); the escalation card is its own card and its draft replaces the lanreotide order "
                "with lanreotide 120 mg every 14 days.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-01", "F-03", "G-07"], also=["M-08", "F-04", "LD-02", "M-02"], not_rows=["F-02", "NR-09"],
                shapes=["lanreotide active MedicationRequest", "flushing episodes per day"])


@scenario
def s180():
    p = P("net-180", "Test Patient Orders-Eleven", "male", "1960-08-08")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("cs", "E34.00", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 4)
    p.sstr("sstr", ago(months=5), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks (given at another hospital)")
    p.flushing("flush", ago(days=4), 4)
    p.bowel("bm", ago(days=4), 2)
    p.status("status", ago(months=2), "stable")
    return meta(p, "Refractory flushing on octreotide LAR recorded only as a statement: no escalation draft",
                "66-year-old man whose octreotide LAR is given at another hospital and recorded here only as a "
                "MedicationStatement. The escalation card advises octreotide LAR 30 mg every 3 weeks or 60 mg every "
                "4 weeks but drafts nothing: there is no order here to change, and a new order beside the current "
                "one would be a duplicate.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-01", "F-03", "G-07"], also=["M-08", "F-04", "LD-02", "M-02"], not_rows=["F-02"],
                shapes=["SSA depot as MedicationStatement only"])


# =========================================================================== choice cards (Wrong 11)


@scenario
def s181():
    p = P("net-181", "Test Patient Orders-Twelve", "female", "1962-10-17")
    _progressive_pnet(p)
    p.condition("dm", "E11.9", onset=ago(years=8))
    good_labs(p, ago(days=10))
    p.lab("hba1c", ago(days=10), 7.8)
    p.bp("bp", ago(days=10), 128, 78)
    return meta(p, "Diabetic pNET progressing on lanreotide: one choice card, sunitinib first",
                "64-year-old woman with type 2 diabetes (HbA1c 7.8 %) and a metastatic pNET G2 (Ki-67 8 %) "
                "progressing on lanreotide. Everolimus or sunitinib is one decision: one card, sunitinib first "
                "because everolimus raises glucose, everolimus offered as the alternative.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-05", "G-08"], also=["P-04", "LD-02", "LD-01"], not_rows=["P-02", "NR-01"],
                shapes=["HbA1c 4548-4 and blood pressure panel 85354-9"])


@scenario
def s182():
    p = P("net-182", "Test Patient Orders-Thirteen", "male", "1958-02-26")
    _progressive_pnet(p)
    p.condition("htn", "I10", onset=ago(years=12))
    good_labs(p, ago(days=10))
    p.lab("hba1c", ago(days=10), 5.6)
    p.bp("bp", ago(days=10), 172, 96)
    return meta(p, "pNET progressing on lanreotide with uncontrolled hypertension: everolimus first",
                "68-year-old man with uncontrolled hypertension (172/96 mm Hg) and a progressing metastatic pNET G2: "
                "one choice card, everolimus first (sunitinib raises blood pressure), sunitinib the alternative.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-05", "G-08"], also=["P-04", "LD-02", "LD-01"], not_rows=["P-02", "NR-01"],
                shapes=["blood pressure panel with systolic >= 160"])


@scenario
def s183():
    p = P("net-183", "Test Patient Orders-Fourteen", "female", "1969-07-07")
    p.condition("primary", "C7A.012", onset=ago(days=35))
    p.condition("liver", "C7B.02", onset=ago(days=35))
    p.ki67("ki67", ago(days=35), 32)
    p.differentiation("diff", ago(days=35), "well")
    p.sstr("sstr", ago(days=20), "higher-than-liver")
    p.ecog("ecog", ago(days=20), 0)
    good_labs(p, ago(days=7))
    return meta(p, "Newly diagnosed WD G3 ileal NET, SSTR+: one choice card, PRRT first, CAPTEM the alternative",
                "57-year-old woman with a newly diagnosed metastatic well-differentiated ileal NET G3 (Ki-67 32 %), "
                "SSTR uptake above liver in every lesion. PRRT or CAPTEM is one decision: PRRT first outside the "
                "pancreas (NETTER-2), CAPTEM offered as the alternative on the same card.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G3", "ki67": 32,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["G3-01"], also=["M-03", "LD-02", "LD-01", "M-10"], not_rows=["G3-02", "N-02", "M-02"],
                shapes=["WD G3 outside the pancreas"])


# =========================================================================== stop advice deletes the order


@scenario
def s184():
    p = P("net-184", "Test Patient Orders-Fifteen", "male", "1964-04-04")
    p.condition("primary", "C25.4", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 9)
    p.sstr("sstr", ago(months=6), "negative")
    p.status("status", ago(months=5), "progressive")
    p.med_request("everolimus", "everolimus10", ago(months=4), dosage="10 mg by mouth once daily")
    p.med_request("clarithromycin", "clarithromycin", ago(days=1), dosage="500 mg by mouth twice daily for 7 days")
    return meta(p, "pNET on everolimus, clarithromycin ordered yesterday: the alert cancels the clarithromycin order",
                "62-year-old man on everolimus for a progressive SSTR-negative pNET; clarithromycin (strong CYP3A4 "
                "inhibitor) was ordered yesterday. The critical card's suggestion deletes the clarithromycin order "
                "(choose another antibiotic).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 9, "sstr": "negative", "progression": True,
                        "extent": "metastatic"},
                rows=["NR-19", "G-08"], also=["P-03", "P-07", "NR-03", "LD-02", "P-04", "P-06"],
                not_rows=["P-05"],
                shapes=["interacting drug as an active MedicationRequest"])


@scenario
def s185():
    p = P("net-185", "Test Patient Orders-Sixteen", "female", "1961-01-12")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("cs", "E34.00", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(years=3))
    p.condition("constipation", (ICD10, "K59.09", "Other constipation"), onset=ago(days=6), text="Severe constipation on telotristat",
                category="encounter-diagnosis")
    p.ki67("ki67", ago(years=3), 4)
    p.sstr("sstr", ago(months=6), "higher-than-liver")
    p.med_request("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks")
    p.med_request("telotristat", "telotristat", ago(months=3), dosage="250 mg by mouth three times daily")
    p.bowel("bm", ago(days=6), 1)
    p.status("status", ago(months=2), "stable")
    return meta(p, "Severe constipation on telotristat: the alert stops the telotristat order",
                "65-year-old woman with carcinoid syndrome on octreotide LAR and telotristat, now with severe "
                "constipation. The critical 'stop telotristat' card carries a suggestion that deletes the telotristat "
                "order.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["NR-10", "F-01", "G-07"], also=["F-04", "LD-02", "M-02"], not_rows=["F-02", "NR-09"],
                shapes=["K59.09 with 'severe' in the text"])
