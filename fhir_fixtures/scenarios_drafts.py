"""Synthetic patients for draft orders and their actions (reviews A and B: drafts that contradict their card,
dose ranges in structured fields, the wrong order deleted, stop/hold actions on current drugs).

Fictional patients net-230 .. net-239, written for net-cds on 2026-11-22; dates relative to AS_OF. Each one is
a class of draft-order defect:

- net-230: PRRT re-treatment draft must order the re-treatment series (2 further doses), not the first course;
- net-231: a PRRT draft for a malignant insulinoma must not schedule octreotide LAR after each dose;
- net-232: rescue SC octreotide for a VIPoma already on a depot is an ongoing add-on, not the 14-day bridge;
- net-233, net-234: a signable draft carries one dose (cisplatin 75 mg/m2, octreotide cover 100 micrograms);
- net-235..237: the right order is stopped or changed (NR-23 stops the SSA not the everolimus; an escalation
  ends a regimen recorded as a statement; an interacting antibiotic: hold everolimus first).
- net-238: a not-recommended card about a drug the patient takes stops its current order.
- net-239: base of the order situation ord-23 (a drafted antitumour therapy after R0 resection).
"""
from __future__ import annotations

from .fhir import CPT, SCT, P, ago, cc, qty
from .scenarios_orders import height, weight
from .scenarios import good_labs, meta, scenario


def _prrt_doses(p: P, first_ago_days: int, n: int = 4) -> None:
    for i in range(n):
        p.med_admin(f"prrt-{i + 1}", "lutathera", ago(days=first_ago_days - 56 * i), dose=qty(7.4, "GBq", "GBq"))


# =========================================================================== drafts agree with their card


@scenario
def s230():
    p = P("net-230", "Test Patient Drafts-A", "male", "1956-03-02")
    p.condition("primary", "C7A.012", onset=ago(years=7))
    p.condition("liver", "C7B.02", onset=ago(years=7))
    p.ki67("ki67", ago(years=7), 4)
    p.med_statement("lanreotide", "lanreotide120", ago(years=6), dosage="120 mg deep SC every 4 weeks")
    p.status("status-ssa", ago(years=4, months=6), "progressive", note="Progression on lanreotide.")
    _prrt_doses(p, first_ago_days=365 * 4)                 # last dose about 3.5 years ago
    p.status("status-response", ago(years=3), "improved", note="Partial response after 4 doses of PRRT.")
    p.status("status", ago(days=20), "progressive", note="RECIST progression in the liver.")
    p.sstr("sstr", ago(days=14), "higher-than-liver", note="Every lesion above liver.")
    p.ecog("ecog", ago(days=20), 0)
    good_labs(p, ago(days=8))
    return meta(p, "PRRT re-treatment for a durable responder: the draft orders 2 further doses, not a new course of 4",
                "70-year-old man with an ileal NET G2 on lanreotide; 4 doses of Lu-177 dotatate (RxNorm "
                "administrations) 4 years ago with a partial response; progression now, about 3.5 years after the "
                "last dose, SSTR uptake above liver everywhere, normal labs. The re-treatment card says 2 further "
                "doses, so its draft must carry count 2 (a first-course count of 4 would double the cumulative "
                "marrow and kidney dose).",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-07"], also=["LD-02", "M-08"], not_rows=["M-04", "M-03", "NR-04"],
                shapes=["PRRT as 4 RxNorm MedicationAdministrations 3.5 years ago, response then progression"])


@scenario
def s231():
    p = P("net-231", "Test Patient Drafts-B", "female", "1963-08-19")
    p.condition("primary", "C25.4", (SCT, "302822000", "Pancreatic insulinoma"), onset=ago(months=8),
                text="Malignant insulinoma of the pancreatic body with liver metastases")
    p.condition("hypo", "E16.1", onset=ago(months=9), note="Fasting hypoglycaemia, partly controlled on diazoxide.")
    p.condition("liver", "C7B.02", onset=ago(months=8))
    p.morphology("morph", ago(months=8), "8151/3")
    p.ki67("ki67", ago(months=8), 5, site="liver biopsy")
    p.sstr("sstr", ago(days=21), "higher-than-liver")
    p.burden("burden", ago(days=21), 20)
    p.resectability("resect", ago(days=15), "unresectable")
    p.lab("glucose", ago(days=5), 52, interpretation="L")
    p.med_request("diazoxide", "diazoxide", ago(months=6), dosage="100 mg by mouth three times daily")
    p.ecog("ecog", ago(days=15), 1)
    good_labs(p, ago(days=6))
    return meta(p, "Malignant insulinoma, SSTR+: the PRRT draft leaves out the octreotide LAR of the standard schedule",
                "63-year-old woman with a metastatic insulinoma (Ki-67 5 %), SSTR uptake above liver, glucose 52 "
                "mg/dL on diazoxide. PRRT with glucose monitoring is an option (F-07); its card forbids a "
                "long-acting SSA bridge without a monitored test dose, so the Lu-177 dotatate draft must not "
                "schedule octreotide LAR after each dose.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 5, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["insulinoma"]},
                rows=["F-07"], also=["F-05", "G-07", "G-08", "P-03", "P-04", "P-05", "LD-02", "NR-04"],
                not_rows=["P-02", "F-01", "NR-12"],
                shapes=["insulinoma with diazoxide MedicationRequest and SSTR uptake above liver"])


@scenario
def s232():
    p = P("net-232", "Test Patient Drafts-C", "male", "1968-05-05")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(years=2),
                text="Metastatic pancreatic VIPoma")
    p.condition("vip", "E16.8", onset=ago(years=2), text="VIPoma syndrome (watery diarrhoea, hypokalaemia)")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.morphology("morph", ago(years=2), "8155/3")
    p.ki67("ki67", ago(years=2), 4)
    p.sstr("sstr", ago(days=40), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=1, months=6), dosage="120 mg deep SC every 4 weeks")
    p.bowel("bm", ago(days=3), 8)
    p.lab("potassium", ago(days=3), 3.0, interpretation="L")
    p.status("status", ago(days=40), "stable")
    return meta(p, "VIPoma on lanreotide for 18 months, diarrhoea not controlled: SC octreotide is an ongoing add-on",
                "58-year-old man with a metastatic pancreatic VIPoma on lanreotide for 18 months, 8 watery stools "
                "a day, potassium 3.0 mmol/L. The escalation card adds short-acting octreotide to the depot: an "
                "ongoing titrated order, never the 2-week cover for a first octreotide LAR injection (which would "
                "silently stop after 14 days).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["vipoma"], "progression": False},
                rows=["F-09", "G-07"], also=["G-08", "LD-01", "LD-02", "M-03", "P-05"], not_rows=["P-02", "F-01"],
                shapes=["VIPoma on lanreotide MedicationStatement with a bowel-movement count"])


# =========================================================================== one dose a clinician signs


@scenario
def s233():
    p = P("net-233", "Test Patient Drafts-D", "male", "1961-11-30")
    p.condition("primary", "C25.4", onset=ago(months=1), text="Poorly differentiated large-cell NEC of the pancreas")
    p.condition("liver", "C7B.02", onset=ago(months=1))
    p.differentiation("diff", ago(months=1), "poor")
    p.ki67("ki67", ago(months=1), 80)
    p.status("status", ago(days=10), "progressive")
    p.ecog("ecog", ago(days=10), 1)
    good_labs(p, ago(days=5))
    height(p, "height", ago(months=2), 180)
    weight(p, "weight", ago(days=4), 81)
    return meta(p, "Pancreatic NEC with height and weight: the cisplatin draft carries one dose (75 mg/m2), not 75-80",
                "65-year-old man with a newly diagnosed metastatic large-cell NEC of the pancreas (Ki-67 80 %), ECOG 1, "
                "CrCl 88 mL/min, height 180 cm and weight 81 kg. First-line platinum-etoposide: the cisplatin draft "
                "carries the standard 75 mg/m2 and its computed dose (one value), the range 75-80 mg/m2 stays in the "
                "text; a pharmacy cannot dispense a range.",
                expect={"scope": "nec", "site": "pancreas", "differentiation": "poor", "grade": "NEC", "ki67": 80,
                        "progression": True, "extent": "metastatic"},
                rows=["N-02"], also=["G-02", "G-08"], not_rows=["N-03", "G3-01"],
                shapes=["NEC with body height and weight (computed dose per m2)"])


@scenario
def s234():
    p = P("net-234", "Test Patient Drafts-E", "female", "1972-04-08")
    p.condition("primary", "C7A.012", "E34.0", onset=ago(years=1), text="Ileal NET with carcinoid syndrome")
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.ki67("ki67", ago(years=1), 3)
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.burden("burden", ago(months=2), 10)
    p.resectability("resect", ago(days=30), "resectable")
    p.med_statement("lar", "octreotide_lar30", ago(months=11), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=30), "stable")
    p.procedure("hepatectomy", ago(days=-12), (CPT, "47120", "Hepatectomy, resection of liver; partial lobectomy"),
                text="Segment VI/VII resection (scheduled)", status="preparation")
    good_labs(p, ago(days=9))
    return meta(p, "Carcinoid syndrome, liver resection booked: the crisis-cover draft is one 100 microgram dose",
                "54-year-old woman with an ileal NET G2, carcinoid syndrome on octreotide LAR, resectable liver "
                "metastases; partial hepatectomy booked in 12 days. Octreotide cover before the procedure: the draft "
                "carries one dose (100 micrograms SC), the consensus range 100-500 micrograms stays in the text.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["carcinoid"], "progression": False},
                rows=["F-05", "F-01"], also=["LD-01", "G-07"], not_rows=["NR-12", "M-04"],
                shapes=["planned partial hepatectomy (Procedure preparation, future date) with carcinoid syndrome"])


# =========================================================================== the right order changed or stopped


@scenario
def s235():
    p = P("net-235", "Test Patient Drafts-F", "female", "1959-06-17")
    p.condition("primary", "C25.4", onset=ago(years=3), text="Non-functioning pancreatic NET with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 7)
    p.sstr("sstr", ago(months=4), "lower-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2, months=6), dosage="120 mg deep SC every 4 weeks")
    p.status("status-ssa", ago(months=3), "progressive", note="Progression on lanreotide.")
    p.med_request("everolimus", "everolimus10", ago(months=2), dosage="10 mg by mouth once daily")
    p.status("status", ago(days=20), "stable")
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Non-functioning pNET on everolimus with lanreotide still running: stop the SSA, never the everolimus",
                "67-year-old woman with a non-functioning pNET G2 (Ki-67 7 %), SSTR uptake below liver, progressing "
                "on lanreotide; everolimus was started 2 months ago and lanreotide (a statement, no order) continues. "
                "Keeping the SSA beside everolimus for tumour control adds no shown benefit (NR-23): the card stops "
                "the lanreotide regimen and keeps the indicated everolimus.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 7, "sstr": "lower_than_liver", "extent": "metastatic",
                        "progression": True},
                rows=["NR-23"], also=["G-08", "LD-02", "NR-16", "SB-01", "P-07", "LD-01"], not_rows=["NR-02", "P-02"],
                shapes=["lanreotide MedicationStatement active beside an active everolimus MedicationRequest"])


@scenario
def s236():
    p = P("net-236", "Test Patient Drafts-G", "male", "1964-10-02")
    p.condition("primary", "C7A.012", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("cs", "E34.00", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(years=2),
                note="Flushing and diarrhoea")
    p.ki67("ki67", ago(years=2), 3)
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=1, months=6), dosage="30 mg IM every 4 weeks")
    p.flushing("flush", ago(days=6), 9)
    p.bowel("bm", ago(days=6), 3)
    p.lab("ntprobnp", ago(days=40), 150)
    p.status("status", ago(days=40), "stable")
    return meta(p, "Carcinoid syndrome uncontrolled on octreotide LAR (statement only): the escalation ends the current regimen",
                "60-year-old man with an ileal NET G2 and carcinoid syndrome on octreotide LAR 30 mg every 4 weeks "
                "(recorded as a MedicationStatement, no order), still 9 flushes a day. The escalation suggestion "
                "must stop the current regimen and create the escalated one: never two live SSA schedules.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["carcinoid"], "progression": False},
                rows=["F-03"], also=["F-01", "G-07", "LD-01", "LD-02", "M-08", "F-02"], not_rows=["NR-23", "M-04"],
                shapes=["octreotide LAR as an active MedicationStatement only, flushing count"])


@scenario
def s237():
    p = P("net-237", "Test Patient Drafts-H", "male", "1955-01-23")
    p.condition("primary", "C7A.012", onset=ago(years=3), text="Non-functioning ileal NET")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("pneumonia", "J18.9", onset=ago(days=2), category="encounter-diagnosis")
    p.ki67("ki67", ago(years=3), 9)
    p.sstr("sstr", ago(months=6), "lower-than-liver")
    p.status("status", ago(months=5), "progressive")
    p.med_request("everolimus", "everolimus10", ago(months=4), dosage="10 mg by mouth once daily")
    p.med_request("clarithromycin", "clarithromycin", ago(days=1), dosage="500 mg by mouth twice daily for 7 days")
    return meta(p, "Ileal NET on everolimus, clarithromycin for pneumonia: hold everolimus first, switch the antibiotic second",
                "71-year-old man with an SSTR-negative ileal NET on everolimus; clarithromycin started yesterday for a "
                "community-acquired pneumonia. The interaction card's preferred action holds everolimus for the "
                "course (and everolimus pneumonitis is in the differential); stopping the antibiotic is offered only "
                "as a switch to a non-interacting one, never as the sole action.",
                expect={"site": "midgut", "grade": "G2", "ki67": 9, "sstr": "lower_than_liver", "extent": "metastatic",
                        "progression": True},
                rows=["NR-19"], also=["SB-01", "LD-02", "M-05", "M-06", "M-07", "NR-03"], not_rows=["NR-23"],
                shapes=["everolimus and clarithromycin active MedicationRequests, J18.9 encounter diagnosis"])


# =========================================================================== advice against a current drug acts on it


@scenario
def s238():
    p = P("net-238", "Test Patient Drafts-I", "female", "1966-12-09")
    p.condition("primary", "C7A.1", onset=ago(months=4), text="Poorly differentiated small-cell NEC of the ileum",
                morphology="8041/3", body_site=cc((SCT, "85774003", "Ileum structure"), text="Ileum"))
    p.condition("liver", "C7B.02", onset=ago(months=4))
    p.differentiation("diff", ago(months=4), "poor")
    p.ki67("ki67", ago(months=4), 75)
    p.med_request("lar", "octreotide_lar30", ago(months=3), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=15), "progressive")
    p.ecog("ecog", ago(days=15), 1)
    good_labs(p, ago(days=7))
    return meta(p, "Ileal NEC treated with octreotide LAR by order: the not-recommended card stops the LAR order",
                "60-year-old woman with a poorly differentiated small-cell NEC of the ileum (Ki-67 75 %) and liver "
                "metastases, given octreotide LAR by an active order for 3 months, now progressing. An SSA is not "
                "antitumour therapy for NEC: the not-recommended card carries the stop of the current LAR order beside "
                "the platinum-etoposide card.",
                expect={"scope": "nec", "site": "midgut", "differentiation": "poor", "grade": "NEC", "ki67": 75,
                        "progression": True, "extent": "metastatic"},
                rows=["NR-05", "N-02", "G-02"], also=[], not_rows=["M-02", "M-04", "G3-02"],
                shapes=["octreotide LAR as an active MedicationRequest in a NEC"])


# =========================================================================== order hooks: a draft is not a therapy taken


@scenario
def s239():
    p = P("net-239", "Test Patient Drafts-J", "male", "1979-07-14")
    p.condition("primary", "C7A.012", onset=ago(months=3), clinical="active",
                text="Ileal NET G1, 1.4 cm, resected with its mesentery; no distant disease")
    p.ki67("ki67", ago(months=3), 2)
    p.procedure("resection", ago(months=2), (CPT, "44120", "Enterectomy, resection of small intestine"),
                text="Ileal resection with mesenteric lymphadenectomy", outcome="R0 resection")
    p.sstr("sstr", ago(months=3), "higher-than-liver", note="Primary only; no distant uptake.")
    p.status("status", ago(days=30), "stable", note="No evidence of disease after resection.")
    p.ecog("ecog", ago(days=30), 0)
    good_labs(p, ago(days=30))
    return meta(p, "Resected localised ileal NET G1: an everolimus draft is adjuvant therapy, not recommended (order hooks)",
                "47-year-old man, ileal NET G1 (Ki-67 2 %) resected R0 two months ago, no distant disease, stable. "
                "Follow-up is the plan; an antitumour draft (everolimus, CAPTEM) fits no row for him, so the order "
                "hooks answer not-recommended (ord-23: the adjuvant row NR-08 speaks, one card).",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "extent": "localized",
                        "progression": False},
                rows=["G-01"], also=["G-07", "O-05", "NR-08"], not_rows=["M-02", "M-04", "M-05"],
                shapes=["localised resected ileal NET, no metastasis Condition"])
