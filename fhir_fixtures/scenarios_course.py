"""Synthetic patients for the therapy course, fitness and age, time and ranges (issue 11 items 1-4).

Fictional patients net-101 .. net-129, written for net-cds on 2026-11-22; dates relative to AS_OF.
Each one is a class of defect the service must get right on patients it has not seen:

- the course: PRRT re-treatment after a durable response, not after early progression; a therapy the
  patient progressed on never suggested again; the active order, not a stopped one, is what is taken;
- fitness and age: ECOG 3-4 (or Karnofsky converted), ECOG 2, children and label ages;
- time: SSTR imaging too old or older than the progression / new metastases, eligibility labs too old,
  a progression too old to be current;
- ranges: a Ki-67 range or bound across a decision threshold.
"""
from __future__ import annotations

from .fhir import HCPCS, LOINC, SCT, P, ago, cc, qty
from .scenarios import good_labs, meta, scenario


def _karnofsky(p: P, sfx: str, when: str, score: int) -> dict:
    return p.obs(sfx, cc((LOINC, "89243-0", "Karnofsky Performance Status score")), when, category="survey",
                 value={"valueInteger": score}, profile="mcode-karnofsky-performance-status")


def _prrt_doses(p: P, first_ago_days: int, n: int = 4, *, prefix: str = "prrt") -> None:
    for i in range(n):
        p.med_admin(f"{prefix}-{i + 1}", "lutathera_hcpcs", ago(days=first_ago_days - 56 * i),
                    dose=qty(200, "mCi", "mCi"), text="Lutathera 7.4 GBq (200 mCi) IV")


# =========================================================================== the course


@scenario
def s101():
    p = P("net-101", "Test Patient Aconite", "female", "1960-02-14")
    p.condition("primary", "C7A.012", onset=ago(years=6))
    p.condition("liver", "C7B.02", onset=ago(years=6))
    p.ki67("ki67", ago(years=6), 6)
    p.med_statement("lar", "octreotide_lar30", ago(years=5, months=6), dosage="30 mg IM every 4 weeks")
    p.status("status-ssa", ago(years=4), "progressive", note="Progression on octreotide LAR.")
    _prrt_doses(p, first_ago_days=365 * 3 + 170)          # last dose about 3 years ago
    p.status("status-response", ago(years=2, months=6), "improved", note="Partial response after PRRT.")
    p.status("status", ago(days=25), "progressive", note="RECIST progression of liver metastases.")
    p.sstr("sstr", ago(days=20), "higher-than-liver", note="All lesions, including the growing ones, above liver.")
    p.ecog("ecog", ago(days=25), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Midgut NET progressing ~3 years after PRRT with a recorded response (PRRT re-treatment)",
                "66-year-old woman with an ileal NET G2 on octreotide LAR; progression on LAR 4 years ago, then "
                "4 doses of Lu-177 dotatate (administrations) with a partial response; progression now, almost 3 "
                "years after the last dose; SSTR-PET after the progression shows uptake above liver everywhere; "
                "current normal labs. A durable responder: PRRT re-treatment is an MDT option beside cabozantinib.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-07"], also=["LD-02", "M-08"], not_rows=["M-04", "M-03", "NR-04"],
                shapes=["PRRT as 4 HCPCS administrations", "response status between PRRT and progression"])


@scenario
def s102():
    p = P("net-102", "Test Patient Bryony", "male", "1958-07-01")
    p.condition("primary", "C7A.012", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 9)
    p.med_statement("lanreotide", "lanreotide120", ago(years=3, months=6), dosage="120 mg deep SC every 4 weeks")
    p.status("status-ssa", ago(years=2), "progressive")
    # PRRT recorded only as completed single-date statements (one per dose), no administrations
    for i, days in enumerate((540, 484, 428, 372), start=1):
        p.med_statement(f"prrt-{i}", "lutathera", ago(days=days), end=ago(days=days), status="completed",
                        dosage=f"7.4 GBq IV, cycle {i} of 4")
    p.status("status", ago(days=100), "progressive", note="New liver lesions 9 months after the last PRRT dose.")
    p.sstr("sstr", ago(days=90), "higher-than-liver")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=12))
    return meta(p, "Midgut NET progressing 9 months after PRRT (no re-treatment; statements only)",
                "68-year-old man with an ileal NET G2; progression on lanreotide, then 4 doses of Lu-177 dotatate "
                "recorded only as completed MedicationStatements of one date each ('cycle n of 4'); new liver "
                "lesions about 9 months after the last dose. Early progression after PRRT: PRRT is not offered "
                "again (a plain not-recommended card); cabozantinib is the next line.",
                expect={"site": "midgut", "grade": "G2", "ki67": 9, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-07"], also=["LD-02", "M-05"], not_rows=["M-04", "M-03"],
                shapes=["PRRT doses as completed single-date MedicationStatements"])


@scenario
def s103():
    p = P("net-103", "Test Patient Campion", "male", "1966-03-03")
    p.condition("primary", "C25.4", onset=ago(years=3), morphology="8150/3")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 7)
    p.sstr("sstr", ago(days=40), "lower-than-liver", note="Most liver lesions below liver uptake.")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2, months=10), end=ago(years=1, months=8),
                    status="stopped", dosage="120 mg every 4 weeks")
    p.status("status-1", ago(years=1, months=8), "progressive")
    p.med_request("everolimus", "everolimus10", ago(years=1, months=7), status="stopped",
                  dosage="10 mg by mouth once daily", note="Stopped for progression.")
    p.status("status", ago(days=30), "progressive", note="Progression on everolimus.")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=14))
    return meta(p, "pNET progressing on everolimus (sunitinib says everolimus failed; no everolimus again)",
                "60-year-old man with a metastatic pNET G2, SSTR uptake below liver; progression on lanreotide, then "
                "on everolimus (stopped for progression). Sunitinib and cabozantinib are the next options; the "
                "sunitinib card names everolimus as the alternative, so it must say everolimus already failed; "
                "no card may suggest everolimus again.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 7, "sstr": "lower_than_liver",
                        "progression": True, "extent": "metastatic"},
                rows=["P-03", "P-06"], also=["P-04", "P-07", "LD-02", "G-08"], not_rows=["P-05", "P-02"],
                shapes=["MedicationRequest stopped 'for progression'", "MedicationStatement stopped with end"])


@scenario
def s104():
    p = P("net-104", "Test Patient Dittany", "female", "1970-09-09")
    p.condition("primary", "C25.4", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 32, site="liver metastasis")
    p.differentiation("diff", ago(years=2), "well")
    p.sstr("sstr", ago(days=20), "higher-than-liver")
    for i in range(6):   # cycles every 28 days, the last one about 10 weeks ago
        p.med_admin(f"cap-{i + 1}", "capecitabine500", ago(days=210 - 28 * i), text="capecitabine 750 mg/m2 BID d1-14")
        p.med_admin(f"tmz-{i + 1}", "temozolomide", ago(days=201 - 28 * i), text="temozolomide 200 mg/m2 d10-14")
    p.status("status", ago(days=25), "progressive", note="Progression 8 weeks after the 6th CAPTEM cycle.")
    p.ecog("ecog", ago(days=25), 1)
    good_labs(p, ago(days=9))
    return meta(p, "WD G3 pNET progressing after 6 cycles of CAPTEM (no CAPTEM again; PRRT)",
                "56-year-old woman with a well-differentiated pNET G3 (Ki-67 32 %), SSTR uptake above liver; six "
                "cycles of capecitabine-temozolomide (administrations) with progression within weeks of the last "
                "cycle. G3-01 would offer PRRT or CAPTEM: CAPTEM already failed and is withheld; PRRT after prior "
                "therapy stays.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 32,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["G3-01"], also=["G-08", "SB-04", "LD-02"], not_rows=["G3-02", "P-03", "G-02"],
                shapes=["CAPTEM as 12 administrations (6 cycles)"])


@scenario
def s105():
    p = P("net-105", "Test Patient Eyebright", "female", "1957-12-12")
    p.condition("primary", "C7A.012", onset=ago(years=5))
    p.condition("liver", "C7B.02", onset=ago(years=5))
    p.condition("cs", "E34.0", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(years=5))
    p.ki67("ki67", ago(years=5), 4)
    p.sstr("sstr", ago(months=4), "higher-than-liver")
    p.status("status", ago(months=2), "stable")
    p.med_statement("lar", "octreotide_lar30", ago(years=4, months=6), dosage="30 mg IM every 4 weeks")
    # the stopped 500 mg order comes first in the record; the active order is 250 mg TID
    p.med_request("telotristat-old", "telotristat", ago(months=9), status="stopped",
                  dosage="500 mg by mouth three times daily", note="Dose reduced to the licensed 250 mg TID.")
    p.med_request("telotristat", "telotristat", ago(months=6), dosage="250 mg by mouth three times daily with food")
    p.bowel("bm", ago(days=14), 3)
    p.ecog("ecog", ago(months=2), 1)
    return meta(p, "Carcinoid syndrome on LAR + telotristat 250 mg TID (a stopped 500 mg order is history)",
                "69-year-old woman with a midgut NET and carcinoid syndrome, stable on octreotide LAR; telotristat "
                "was started at 500 mg TID (order stopped) and is now taken at the licensed 250 mg TID (active "
                "order). Dose checks read the active order: no 'above the licensed dose' warning.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-01"], also=["M-01", "LD-01", "LD-02", "M-10", "F-04", "G-07"], not_rows=["NR-09"],
                shapes=["stopped and active MedicationRequest for the same drug, different doses"])


@scenario
def s106():
    p = P("net-106", "Test Patient Feverfew", "male", "1962-05-20")
    p.condition("primary", "C25.4", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 12)
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), end=ago(months=7), status="stopped",
                    dosage="120 mg every 4 weeks")
    p.status("status-1", ago(months=7), "progressive")
    p.med_request("everolimus", "everolimus10", ago(months=6), dosage="10 mg by mouth once daily")
    p.status("status", ago(days=20), "stable")
    # a 7-day clarithromycin course: given 20 days ago, the order completed 12 days ago
    p.med_admin("clari-admin", "clarithromycin", ago(days=20), text="clarithromycin 500 mg")
    p.med_statement("clari", "clarithromycin", ago(days=20), end=ago(days=13), status="completed",
                    dosage="500 mg twice daily for 7 days")
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=20))
    return meta(p, "pNET on everolimus after a finished clarithromycin course (no interaction alert)",
                "62-year-old man with a metastatic pNET G2 that progressed on lanreotide 7 months ago and is now stable "
                "on everolimus (no new line is proposed while it works). A 7-day clarithromycin course ended 12 days ago (an administration 20 days ago, the statement completed since): clarithromycin is no "
                "longer taken, so there is no critical everolimus-CYP3A4 card; everolimus monitoring stays.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 12, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["SB-01"], also=["P-03", "P-04", "G-08", "LD-02", "P-05"], not_rows=["NR-19"],
                shapes=["recent administration ended by a later completed statement"])


# =========================================================================== fitness and age


@scenario
def s107():
    p = P("net-107", "Test Patient Gentian", "male", "1950-01-30")
    p.condition("primary", "C25.4", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 14)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2, months=8), dosage="120 mg every 4 weeks")
    p.status("status", ago(days=30), "progressive")
    p.ecog("ecog", ago(days=10), 3, )
    good_labs(p, ago(days=10))
    return meta(p, "pNET progressing on lanreotide, ECOG 3 (no chemotherapy, targeted therapy or PRRT)",
                "76-year-old man with a metastatic pNET G2 (Ki-67 14 %) progressing on lanreotide, SSTR uptake above "
                "liver, normal labs, but ECOG 3 (in bed or chair most of the day). Everolimus, sunitinib, CAPTEM and "
                "PRRT are withheld and one card says why: continue the SSA, symptom and supportive care, MDT and "
                "palliative-care review.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 14, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["FT-01"], also=["G-08", "LD-02"], not_rows=["P-03", "P-04", "P-05", "P-06"],
                shapes=["ECOG 3 valueInteger"])


@scenario
def s108():
    p = P("net-108", "Test Patient Hyssop", "female", "1948-08-08")
    p.condition("primary", "C7A.012", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 5)
    p.sstr("sstr", ago(days=25), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=3, months=6), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=25), "progressive")
    _karnofsky(p, "kps", ago(days=15), 40)
    good_labs(p, ago(days=15))
    return meta(p, "Midgut NET progressing on LAR, Karnofsky 40 % (= ECOG 3): no PRRT",
                "78-year-old woman with a metastatic ileal NET G2 progressing on octreotide LAR, SSTR uptake above "
                "liver, normal labs; performance status recorded only as Karnofsky 40 % (LOINC 89243-0), which is "
                "ECOG 3. PRRT and everolimus are withheld; the fitness card names the Karnofsky score it came from.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["FT-01"], also=["LD-02", "M-08"], not_rows=["M-04", "M-05", "M-07"],
                shapes=["Karnofsky 89243-0 valueInteger, no ECOG"])


@scenario
def s109():
    p = P("net-109", "Test Patient Iris", "male", "1955-11-11")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 7)
    p.sstr("sstr", ago(days=21), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=6), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=21), "progressive")
    p.ecog("ecog", ago(days=21), 2)
    good_labs(p, ago(days=7))
    return meta(p, "Midgut NET progressing on LAR, ECOG 2 (PRRT with a caution)",
                "71-year-old man with a metastatic ileal NET G2 progressing on octreotide LAR, SSTR uptake above "
                "liver, normal labs, ECOG 2. PRRT stays the recommendation, with the ECOG 2 caution in its finding "
                "and the ECOG among its facts.",
                expect={"site": "midgut", "grade": "G2", "ki67": 7, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "LD-02", "M-08"], not_rows=["M-03", "M-07"],
                shapes=["ECOG 2"])


@scenario
def s110():
    p = P("net-110", "Test Patient Jasmine", "female", "2011-04-04")
    p.condition("primary", "C25.4", onset=ago(years=1))
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.ki67("ki67", ago(years=1), 8)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=1), dosage="120 mg every 4 weeks")
    p.status("status", ago(days=30), "progressive")
    p.ecog("ecog", ago(days=30), 0)
    good_labs(p, ago(days=12))
    return meta(p, "15-year-old with a pNET progressing on lanreotide (label ages applied)",
                "15-year-old girl with a metastatic pNET G2 progressing on lanreotide, SSTR uptake above liver, "
                "normal labs, ECOG 0. Lutathera is approved from 12 years in the US only, everolimus and sunitinib "
                "have no paediatric NET indication: each suggestion says so, and one card asks for paediatric NET "
                "expertise.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["FT-01", "P-03", "P-05"], also=["G-08", "LD-02", "P-04"], not_rows=["P-02"],
                shapes=["patient under 18 (birthDate 2011)"])


@scenario
def s111():
    p = P("net-111", "Test Patient Kingcup", "male", "2009-09-19")
    p.condition("vhl", "Q85.83", (SCT, "46659004", "von Hippel-Lindau disease"), onset=ago(years=6))
    p.condition("primary", "C25.4", onset=ago(years=1), text="VHL pNET, pancreatic tail")
    p.ki67("ki67", ago(years=1), 2)
    p.size("size-old", ago(years=1), 1.6)
    p.size("size", ago(days=30), 2.4)
    p.status("status", ago(days=30), "progressive", note="Growing pNET, no metastasis.")
    p.ecog("ecog", ago(days=30), 0)
    good_labs(p, ago(days=30))
    return meta(p, "17-year-old with VHL and a growing pNET (belzutifan is for adults)",
                "17-year-old boy with VHL and a 2.4 cm pNET G1 that grew from 1.6 cm in a year, localized. H-04 would "
                "offer belzutifan or surveillance: belzutifan's label is for adults, so surveillance is the "
                "recommendation and its finding says why; the surgical option (doubling time < 500 days) stays.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "progression": True, "extent": "localized",
                        "hereditary": ["VHL"], "tumor_size_cm": 2.4},
                rows=["H-04", "H-05"], also=["FT-01", "G-08", "G-01", "NR-11"], not_rows=["P-03", "P-05"],
                shapes=["patient under 18 with VHL"])


# =========================================================================== time


@scenario
def s112():
    p = P("net-112", "Test Patient Lovage", "female", "1961-06-16")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 6)
    p.sstr("sstr", ago(months=10), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=9), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=14), "progressive", note="Progression on CT.")
    p.ecog("ecog", ago(days=14), 1)
    good_labs(p, ago(days=14))
    return meta(p, "Midgut NET progressing on LAR, last SSTR-PET 10 months ago (repeat it before PRRT)",
                "65-year-old woman with an ileal NET G2 progressing on octreotide LAR (CT); the last SSTR-PET is 10 "
                "months old, before this progression. PRRT is not recommended on it: a needs-data card asks for a "
                "repeat SSTR PET/CT and shows the date and age of the old one.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "LD-02", "M-08"], not_rows=["M-03"],
                shapes=["SSTR imaging older than 6 months"])


@scenario
def s113():
    p = P("net-113", "Test Patient Marjoram", "male", "1959-03-23")
    p.condition("primary", "C7A.019", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 8)
    p.sstr("sstr", ago(days=120), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=3), dosage="120 mg every 4 weeks")
    p.status("status", ago(days=20), "progressive", note="New liver lesions on MRI.")
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=20))
    return meta(p, "Small-bowel NET progressing on lanreotide 3 months after the last SSTR-PET (repeat it)",
                "67-year-old man with a small-bowel NET G2 progressing on lanreotide with new liver lesions on MRI, "
                "100 days after an SSTR-PET that showed uptake above liver: the new lesions were never imaged with "
                "the tracer. PRRT waits for a repeat SSTR PET/CT.",
                expect={"site": "midgut", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "LD-02", "M-08"], not_rows=["M-03"],
                shapes=["SSTR imaging older than the latest progression"])


@scenario
def s114():
    p = P("net-114", "Test Patient Nettle", "female", "1963-10-05")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 5)
    p.sstr("sstr", ago(days=18), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=6), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=18), "progressive")
    p.ecog("ecog", ago(days=18), 1)
    good_labs(p, ago(months=4))
    return meta(p, "Midgut NET progressing on LAR, eligibility labs 4 months old (repeat before PRRT)",
                "63-year-old woman with an ileal NET G2 progressing on octreotide LAR, current SSTR-PET with uptake "
                "above liver, ECOG 1; the last blood counts and renal and liver tests are 4 months old. PRRT fits, "
                "but its card asks for current labs first (each with its last date and age).",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "LD-02", "M-08"], not_rows=["M-03"],
                shapes=["eligibility labs older than 30 days"])


@scenario
def s115():
    p = P("net-115", "Test Patient Orache", "male", "1968-01-21")
    p.condition("primary", "C7A.011", onset=ago(days=100))
    p.condition("liver", "C7B.02", onset=ago(days=100))
    p.condition("bone", "C7B.03", onset=ago(days=10), text="Bone metastasis T10 on spine MRI")
    p.ki67("ki67", ago(days=100), 15)
    p.sstr("sstr", ago(days=90), "higher-than-liver")
    p.ecog("ecog", ago(days=10), 0)
    good_labs(p, ago(days=10))
    return meta(p, "Newly diagnosed jejunal NET, Ki-67 15 %, bone metastasis found after the SSTR-PET",
                "58-year-old man, jejunal NET G2 (Ki-67 15 %) with liver metastases diagnosed 3 months ago; SSTR-PET "
                "90 days ago showed uptake above liver; a T10 bone metastasis was found on MRI 10 days ago. "
                "First-line PRRT (NETTER-2) needs an SSTR-PET that includes the new lesion.",
                expect={"site": "midgut", "grade": "G2", "ki67": 15, "sstr": "positive_all", "extent": "metastatic"},
                rows=["M-03", "M-02"], also=["LD-02", "LD-01", "M-10"], not_rows=["M-04", "M-07"],
                shapes=["metastasis Condition recorded after the SSTR imaging"])


@scenario
def s116():
    p = P("net-116", "Test Patient Pennyroyal", "female", "1956-07-07")
    p.condition("primary", "C7A.012", onset=ago(years=5))
    p.condition("liver", "C7B.02", onset=ago(years=5))
    p.ki67("ki67", ago(years=5), 6)
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=4, months=6), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=18), "progressive", note="Progression on LAR (18 months ago).")
    p.ecog("ecog", ago(months=2), 1)
    good_labs(p, ago(days=20))
    return meta(p, "Midgut NET on LAR, last documented progression 18 months ago (not current)",
                "70-year-old woman with an ileal NET G2 on octreotide LAR; the only disease status is a progression "
                "18 months ago, with no restaging recorded since. That progression is not current (12-month window): "
                "no second-line PRRT or everolimus card; a needs-data card asks for restaging (CT/MRI, RECIST) "
                "and shows the last assessment's date and age.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": None,
                        "extent": "metastatic"},
                rows=["TM-01"], also=["LD-01", "LD-02", "M-08", "M-10"], not_rows=["M-04", "M-05", "M-07", "M-06"],
                shapes=["only an old progression status (older than 12 months)"])


# =========================================================================== ranges


@scenario
def s117():
    p = P("net-117", "Test Patient Quince", "male", "1964-02-02")
    p.condition("primary", "C25.4", onset=ago(days=60))
    p.condition("liver", "C7B.02", onset=ago(days=60))
    p.ki67("ki67", ago(days=55), string="5-15%", site="liver metastasis")
    p.sstr("sstr", ago(days=40), "higher-than-liver")
    p.burden("burden", ago(days=40), 20)
    p.status("status", ago(days=40), "stable")
    p.ecog("ecog", ago(days=40), 0)
    good_labs(p, ago(days=20))
    return meta(p, "Newly diagnosed pNET, Ki-67 reported '5-15%' (10 % cut-off inside the range)",
                "62-year-old man, newly diagnosed metastatic pNET, stable, SSTR uptake above liver; Ki-67 reported "
                "only as '5-15%'. Below 10 % the table gives lanreotide first line; at 10 % or more everolimus or "
                "sunitinib and first-line PRRT: a needs-data card asks for a point value and names both answers.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 15, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic"},
                rows=["KR-01"], also=["G-08", "LD-01", "LD-02", "P-04"], not_rows=["P-02", "P-03"],
                shapes=["Ki-67 valueString range across 10 %"])


@scenario
def s118():
    p = P("net-118", "Test Patient Rampion", "female", "1972-12-01")
    p.condition("primary", "C7A.012", onset=ago(days=45))
    p.condition("liver", "C7B.02", onset=ago(days=45))
    p.ki67("ki67", ago(days=40), string="15-25 %")
    p.differentiation("diff", ago(days=40), "well")
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=15))
    return meta(p, "Newly diagnosed ileal NET, Ki-67 '15-25 %' (G2 or G3?)",
                "54-year-old woman, newly diagnosed well-differentiated ileal NET with liver metastases, SSTR uptake "
                "above liver; Ki-67 reported as '15-25 %', which spans the 20 % G2/G3 cut-off. The grade decides the "
                "pathway (M-rows or G3-01): the answer says so and asks for a point value or mitotic count.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G3", "ki67": 25,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["KR-01"], also=["M-03", "LD-01", "LD-02", "M-10", "G-06"], not_rows=["G3-02", "M-04"],
                shapes=["Ki-67 range across 20 % (grade)"])


@scenario
def s119():
    p = P("net-119", "Test Patient Sorrel", "male", "1951-05-15")
    p.condition("primary", "C7A.012", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), string="< 2 %")
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    p.burden("burden", ago(months=3), 5)
    p.status("status", ago(months=3), "stable")
    p.ecog("ecog", ago(months=2), 0)
    return meta(p, "Midgut NET, Ki-67 '< 2 %', stable low burden (a bound that decides nothing: no range card)",
                "75-year-old man with an ileal NET G1 (Ki-67 '< 2 %'), small stable liver metastases. The bound lies "
                "below every decision threshold: surveillance or SSA as usual, and no Ki-67 range card.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic"},
                rows=["M-01", "M-02"], not_rows=["KR-01", "M-03"],
                shapes=["Ki-67 bound below every threshold"])


@scenario
def s120():
    p = P("net-120", "Test Patient Tansy", "female", "1967-08-18")
    p.condition("primary", "C25.4", onset=ago(days=50))
    p.condition("liver", "C7B.02", onset=ago(days=50))
    p.ki67("ki67", ago(days=45), string="> 20 %")
    p.differentiation("diff", ago(days=45), "well")
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=12))
    return meta(p, "Newly diagnosed WD G3 pNET, Ki-67 '> 20 %' (55 % cut-off unknown)",
                "59-year-old woman, newly diagnosed well-differentiated pNET G3 with liver metastases, SSTR uptake "
                "above liver; Ki-67 reported only as '> 20 %'. Up to 55 % the table gives first-line PRRT or CAPTEM "
                "(G3-01); above 55 % platinum-etoposide (G3-02): the answer asks for the point value.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 20,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["KR-01"], also=["G-08", "LD-01", "LD-02", "G3-01"], not_rows=["G3-02", "P-03"],
                shapes=["Ki-67 bound '> 20 %' across 55 %"])
