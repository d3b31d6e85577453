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

from .fhir import SCT, P, ago
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
