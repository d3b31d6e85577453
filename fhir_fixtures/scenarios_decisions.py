"""Synthetic patients for decisions that read the whole answer (review 2026-12, classes of the clinical helper).

Fictional patients net-240 .. net-249, written for net-cds on 2026-12-07; dates relative to AS_OF. Each is a class
of defect the service must get right on patients it has not seen:

- one decision, one card across rows: the next antiproliferative line offered by several rows (PRRT, cabozantinib,
  sunitinib, CAPTEM; SSA or first-line PRRT) is ONE choice card, ordered for the patient with the reason;
- strength per table: a row the table rates CONSIDER is never shown as recommend; a conditional option becomes
  the recommended next line when its condition (PRRT not possible) is met in the same answer;
- ...
"""
from __future__ import annotations

from .fhir import SCT, P, ago, qty
from .scenarios import good_labs, meta, scenario


# =========================================================================== one decision, one card


@scenario
def s240():
    p = P("net-240", "Test Patient Decision-A", "female", "1963-05-17")
    p.condition("primary", "C25.4", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 12, site="liver metastasis")
    p.differentiation("diff", ago(years=3), "well")
    p.med_statement("lan", "lanreotide120", ago(years=2, months=10), end=ago(years=2), status="completed",
                    dosage="120 mg deep SC every 4 weeks")
    p.status("status-ssa", ago(years=2), "progressive", note="Progression on lanreotide.")
    p.med_request("everolimus", "everolimus10", ago(years=1, months=11), status="stopped", dosage="10 mg daily")
    p.status("status", ago(days=30), "progressive", note="RECIST progression of liver metastases on everolimus.")
    p.sstr("sstr", ago(days=20), "higher-than-liver", note="All lesions above liver.")
    p.burden("burden", ago(days=30), 20)
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=10))
    return meta(p, "pNET G2 progressing after lanreotide and everolimus: one next-line choice card",
                "63-year-old woman with a pancreatic NET G2 (Ki-67 12 %), liver metastases (20 % of the liver); "
                "progression on lanreotide 2 years ago, then on everolimus now; SSTR-PET above liver everywhere; "
                "normal labs. PRRT (P-05), cabozantinib (P-06), sunitinib (P-03) and CAPTEM (P-04) all answer one "
                "question, the next line: one choice card, PRRT first, the others as alternatives.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G2", "ki67": 12,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["P-03", "P-04", "P-05", "P-06"], also=["G-08", "LD-02", "P-07"],
                not_rows=["P-01", "P-02", "M-03"],
                shapes=["several rows answering one decision"])


@scenario
def s241():
    p = P("net-241", "Test Patient Decision-B", "male", "1970-09-02")
    p.condition("primary", "C7A.012", onset=ago(days=35))
    p.condition("liver", "C7B.02", onset=ago(days=35))
    p.ki67("ki67", ago(days=35), 15)
    p.differentiation("diff", ago(days=35), "well")
    p.sstr("sstr", ago(days=20), "higher-than-liver", note="All target lesions above liver.")
    p.burden("burden", ago(days=20), 30)
    p.ecog("ecog", ago(days=20), 0)
    good_labs(p, ago(days=10))
    return meta(p, "New ileal NET G2, Ki-67 15 %, SSTR+: SSA or first-line PRRT, one card, PRRT at consider",
                "56-year-old man with a newly diagnosed, non-functioning ileal NET G2 (Ki-67 15 %), liver "
                "metastases (30 %), SSTR-PET above liver in all lesions, no therapy yet. First line is SSA (M-02, "
                "recommend) or Lu-177 dotatate + LAR (M-03, NETTER-2: CONSIDER in the MDT): one choice card with the "
                "SSA first and PRRT as the alternative, never two recommend cards.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 15,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["M-02", "M-03"], also=["LD-01", "LD-02", "M-10"], not_rows=["M-04", "M-05", "M-01"],
                shapes=["first-line choice across rows"])


# =========================================================================== strength per table


@scenario
def s242():
    p = P("net-242", "Test Patient Decision-C", "female", "1959-03-08")
    p.condition("primary", "C7A.012", onset=ago(years=2, months=6))
    p.condition("liver", "C7B.02", onset=ago(years=2, months=6))
    p.ki67("ki67", ago(years=2, months=6), 6)
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=4), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=28), "progressive", note="RECIST progression of liver metastases on octreotide LAR.")
    p.sstr("sstr", ago(days=21), "equal-to-liver")
    p.ecog("ecog", ago(days=28), 1)
    good_labs(p, ago(days=9))
    return meta(p, "Ileal NET progressing on LAR, SSTR uptake about equal to liver: PRRT stays recommended (M-04)",
                "67-year-old woman with a non-functioning ileal NET G2 (Ki-67 6 %) progressing after 2 years of "
                "octreotide LAR; SSTR-PET uptake about equal to liver (Krenning 2), normal labs. The table's "
                "positive_all is uptake >= liver, so PRRT stays the recommended next line (M-04), with everolimus "
                "(M-05) as the alternative on the same card, and an information card asking nuclear medicine to "
                "review the images; never a caution that withdraws PRRT without a row behind it.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04", "M-05", "NR-03"], also=["LD-02", "M-08", "LD-01"], not_rows=["M-03", "M-06"],
                shapes=["SSTR uptake equal to liver after progression"])


@scenario
def s243():
    p = P("net-243", "Test Patient Decision-D", "male", "1950-11-21")
    p.condition("primary", "C7A.026", onset=ago(years=3), text="Rectal NET 3 cm")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 5)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2, months=8), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(days=25), "progressive")
    p.ecog("ecog", ago(days=25), 1)
    when = ago(days=12)
    for key, value in (("crcl", 24), ("creatinine", 2.6), ("hb", 12.9), ("wbc", 5.8), ("plt", 210), ("alb", 3.9),
                       ("alt", 22)):
        p.lab(key, when, value)
    p.lab("bili", when, 0.7, ref_high=qty(1.2, "mg/dL", "mg/dL"))
    return meta(p, "Rectal NET progressing on lanreotide, CrCl 24: everolimus is the recommended next line (O-06)",
                "76-year-old man with a rectal NET G2 (Ki-67 5 %) and liver metastases progressing after lanreotide; "
                "SSTR uptake above liver, but creatinine clearance 24 mL/min (severe renal impairment: PRRT not "
                "recommended, NR-04). The table's everolimus row is 'when PRRT is not possible': that condition is "
                "met in this answer, so everolimus is RECOMMENDED as the next line, with the reason, not a "
                "conditional 'consider ... if PRRT not possible'.",
                expect={"site": "other_gi", "site_detail": "rectum", "grade": "G2", "ki67": 5, "sstr": "positive_all",
                        "progression": True, "extent": "metastatic"},
                rows=["O-06", "NR-04"], also=["LD-02", "M-08", "LD-01"], not_rows=["M-03"],
                shapes=["CrCl below 30 with PRRT otherwise indicated"])


# =========================================================================== one answer agrees with itself


@scenario
def s244():
    p = P("net-244", "Test Patient Decision-E", "male", "1988-01-30")
    p.condition("men1", "E31.21", (SCT, "30664006", "Multiple endocrine neoplasia, type 1"), onset=ago(years=6))
    p.condition("hpt", "E21.0", onset=ago(years=6))
    p.condition("primary", "C25.4", onset=ago(years=3), text="Non-functioning pNET, pancreatic tail (MEN1)")
    p.ki67("ki67", ago(months=3), 3, site="EUS-FNA pancreatic tail")
    p.size("size-1", ago(months=12), 2.1)
    p.size("size", ago(months=1), 2.9)
    p.sstr("sstr", ago(months=1), "higher-than-liver", note="Single pancreatic lesion; no metastases.")
    p.resectability("resect", ago(days=10), "resectable")
    return meta(p, "MEN1 with untreated hyperparathyroidism and a growing non-functioning pNET: two decisions, two cards",
                "38-year-old man with MEN1, untreated primary hyperparathyroidism and a non-functioning pNET of the "
                "pancreatic tail (G2, Ki-67 3 %) that grew from 2.1 to 2.9 cm in 12 months; resectable, no "
                "metastases. Parathyroidectomy (H-01) and resection of the pNET (H-02) are two decisions: each its "
                "own card; parathyroid surgery first only matters before pNET surgery in Zollinger-Ellison syndrome.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 3, "sstr": "positive_all", "extent": "localized",
                        "hereditary": ["MEN1"], "tumor_size_cm": 2.9},
                rows=["H-01", "H-02"], also=["G-01"], not_rows=["G-08", "P-01", "P-03", "NR-11"],
                shapes=["two surgical decisions on one topic"])


@scenario
def s245():
    p = P("net-245", "Test Patient Decision-F", "female", "1961-06-12")
    p.condition("primary", "C7A.012", onset=ago(months=1))
    p.condition("liver", "C7B.02", onset=ago(months=1))
    p.ki67("ki67", ago(months=1), 62)
    p.differentiation("diff", ago(months=1), "well")
    p.sstr("sstr", ago(days=20), "lower-than-liver")
    p.fdg("fdg", ago(days=20), True)
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=10))
    return meta(p, "WD G3 ileal NET, Ki-67 62 %, FDG-avid: platinum planned, not started, until expert pathology",
                "65-year-old woman with a newly diagnosed well-differentiated ileal NET G3 (Ki-67 62 %) with liver "
                "metastases, SSTR uptake below liver, FDG-avid. Expert NEN pathology review (WD G3 versus NEC: "
                "p53, Rb) decides the regimen: platinum + etoposide is planned (consider) pending it, never "
                "'start' beside the card that says the review decides.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G3", "ki67": 62,
                        "sstr": "lower_than_liver", "extent": "metastatic"},
                rows=["G3-02", "NR-03"], also=["LD-02", "LD-01", "G-08"], not_rows=["G3-01", "M-03", "G-02"],
                shapes=["a review that decides the regimen, pending"])


# =========================================================================== options ordered for the patient


@scenario
def s246():
    p = P("net-246", "Test Patient Decision-G", "female", "1957-04-04")
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("dm", "E11.9", onset=ago(years=8), text="Type 2 diabetes mellitus")
    p.ki67("ki67", ago(years=2), 11)
    p.sstr("sstr", ago(days=30), "lower-than-liver")
    p.burden("burden", ago(days=30), 15)
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(days=25), "progressive")
    p.ecog("ecog", ago(days=25), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Progressive pNET, type 2 diabetes coded on the problem list only (no HbA1c): sunitinib first",
                "69-year-old woman with a metastatic pNET G2 (Ki-67 11 %, SSTR below liver) progressing on lanreotide; "
                "type 2 diabetes is on her problem list (E11.9) but no HbA1c or glucose is on record. The choice of "
                "everolimus or sunitinib reads the diagnosis: sunitinib first (everolimus raises glucose), never "
                "'HbA1c not on record, so comorbidity could not order the options'.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 11, "sstr": "lower_than_liver",
                        "progression": True, "extent": "metastatic"},
                rows=["P-03", "P-07"], also=["P-04", "G-08", "NR-03", "LD-02"], not_rows=["M-04", "P-05"],
                shapes=["comorbidity only as a coded Condition"])


@scenario
def s247():
    p = P("net-247", "Test Patient Decision-H", "male", "1979-08-19")
    p.condition("primary", "C25.4", onset=ago(years=1), text="Non-functioning pNET, pancreatic tail (VHL)")
    p.condition("vhl", "Q85.83", onset=ago(years=12), text="von Hippel-Lindau disease")
    p.ki67("ki67", ago(years=1), 2, site="EUS-FNA pancreatic tail")
    p.size("size-1", ago(months=13), 1.5)
    p.size("size", ago(months=1), 1.5)
    p.sstr("sstr", ago(months=2), "higher-than-liver", note="Single pancreatic lesion; no metastases.")
    return meta(p, "Man with VHL and a stable 1.5 cm pNET: surveillance, no pregnancy advice",
                "47-year-old man with von Hippel-Lindau disease and a stable 1.5 cm non-functioning pNET of the "
                "pancreatic tail. Surveillance is the course; belzutifan is for adults if it grows. Pregnancy "
                "advice (no belzutifan in pregnancy, MRI without gadolinium) is for patients who can be pregnant: "
                "never shown to a man.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "sstr": "positive_all", "extent": "localized",
                        "hereditary": ["VHL"], "tumor_size_cm": 1.5},
                rows=["H-04"], also=["G-08", "G-01", "P-01"], not_rows=["H-05", "NR-11", "P-03"],
                shapes=["sex filters pregnancy text"])


# =========================================================================== missing options


@scenario
def s248():
    p = P("net-248", "Test Patient Decision-I", "male", "1966-02-02")
    p.condition("primary", "C25.4", onset=ago(years=1, months=6))
    p.condition("liver", "C7B.02", onset=ago(years=1, months=6))
    p.ki67("ki67", ago(years=1, months=6), 28, site="liver metastasis")
    p.differentiation("diff", ago(years=1, months=6), "well")
    p.sstr("sstr", ago(days=18), "higher-than-liver", note="All lesions above liver.")
    p.med_request("captem", "temozolomide", ago(years=1, months=4), status="completed",
                  dosage="temozolomide 200 mg/m2 days 10-14 with capecitabine 750 mg/m2 BID days 1-14, 6 cycles")
    p.status("status", ago(days=20), "progressive", note="Progression of liver metastases after CAPTEM.")
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=8))
    return meta(p, "WD G3 pNET progressing after CAPTEM, no FDG PET: cabozantinib offered, FDG PET asked before PRRT",
                "60-year-old man with a well-differentiated pNET G3 (Ki-67 28 %), SSTR uptake above liver, progressing "
                "after capecitabine-temozolomide. Beside PRRT (G3-01, after prior therapy), cabozantinib is an option "
                "after a non-SSA line (P-06; CABINET enrolled WD G1-G3); no FDG PET is on record, and dual imaging "
                "is expected before PRRT in G3 (an FDG-avid lesion without SSTR uptake rules PRRT out).",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 28,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["G3-01", "P-06"], also=["G-08", "LD-02", "SB-04"], not_rows=["G3-02", "G-02", "P-03"],
                shapes=["CAPTEM as a completed MedicationRequest", "no FDG PET on record"])
