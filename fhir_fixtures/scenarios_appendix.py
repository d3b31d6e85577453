"""Appendiceal NET after appendectomy (net-280, net-281, net-266) and stopped drugs named in medication text
(net-267, net-268).

Fictional patients written for net-cds on 2026-12-08; dates relative to AS_OF. Each one is a class of defect:

- net-280, net-281, net-266: an appendiceal NET after appendectomy gets the appendix row's answer (O-05) for its
  size and risk features (margin, base, mesoappendiceal invasion > 3 mm, lympho-vascular invasion, G2), read from
  the record text; a feature the record does not state is listed as missing, never read as absent; the generic
  G-01 follow-up card does not speak beside it.
- net-267, net-268: a drug named in a medication record's free text raises its interaction flag only when the text
  names it as current: "rifampicin stopped 2 weeks ago" on an everolimus patient gives no CYP3A4-inducer caution
  (net-267, in an uncoded list entry and in the everolimus order's own text); a current rifampicin does (net-268).
"""
from __future__ import annotations

from .fhir import CPT, P, ago
from .scenarios import good_labs, meta, scenario
from .scenarios_reports import pathology


def _appendectomy(p: P, when: str, outcome: str) -> None:
    p.procedure("appendectomy", when, (CPT, "44970", "Laparoscopy, surgical, appendectomy"),
                text="Laparoscopic appendectomy", outcome=outcome)


@scenario
def s280():
    p = P("net-280", "Test Patient Appendix-A", "female", "1988-06-14")
    p.condition("primary", "C7A.020", onset=ago(months=1), clinical="resolved",
                text="Appendiceal NET 1.5 cm, tip, found at appendectomy")
    _appendectomy(p, ago(months=1), "Margins clear (R0)")
    pathology(p, "path", ago(months=1), (
        "SURGICAL PATHOLOGY REPORT\n"
        "CLINICAL HISTORY: Acute appendicitis.\n"
        "FINAL DIAGNOSIS:\n"
        "Appendix, appendectomy: well-differentiated neuroendocrine tumour, 1.5 cm, located at the tip.\n"
        " - WHO grade 1. Ki-67 2 %.\n"
        " - Mesoappendiceal invasion: 1 mm.\n"
        " - Lymphovascular invasion: present.\n"
        " - Margins: negative.\n"))
    p.ki67("ki67", ago(months=1), 2)
    p.size("size", ago(months=1), 1.5)
    return meta(p, "Appendiceal NET 1.5 cm G1 after appendectomy, lympho-vascular invasion on the pathology report",
                "36-year-old woman after appendectomy for appendicitis: 1.5 cm NET G1 at the tip, R0, mesoappendiceal "
                "invasion 1 mm, lympho-vascular invasion present (pathology report text). O-05 says: discuss right "
                "hemicolectomy in the MDT (risk feature LVI, with the report sentence and date); the generic G-01 "
                "follow-up card is not shown beside it.",
                expect={"site": "midgut", "site_detail": "appendix", "grade": "G1", "ki67": 2, "extent": "localized",
                        "tumor_size_cm": 1.5},
                rows=["O-05"], not_rows=["G-01", "M-02", "G-06"],
                shapes=["LVI only in pathology report text (presentedForm)", "mesoappendiceal depth in mm"])


@scenario
def s281():
    p = P("net-281", "Test Patient Appendix-B", "male", "1979-02-02")
    p.condition("primary", "C7A.020", onset=ago(months=2), clinical="resolved",
                text="Neuroendocrine tumour of the appendix, 1.4 cm")
    _appendectomy(p, ago(months=2), "R0")
    p.ki67("ki67", ago(months=2), 1)
    p.size("size", ago(months=2), 1.4)
    return meta(p, "Appendiceal NET 1.4 cm G1 after R0 appendectomy, risk features not stated",
                "47-year-old man after R0 appendectomy for a 1.4 cm appendiceal NET G1; the record says nothing "
                "about location, mesoappendiceal invasion or lympho-vascular invasion. O-05 lists those three as "
                "missing (unknown, not absent) and makes no 'no follow-up' claim; no hemicolectomy recommendation "
                "and no generic follow-up card.",
                expect={"site": "midgut", "site_detail": "appendix", "grade": "G1", "ki67": 1, "extent": "localized",
                        "tumor_size_cm": 1.4},
                rows=["O-05"], not_rows=["G-01", "M-02", "G-06"],
                shapes=["appendectomy outcome 'R0' only"])


@scenario
def s266():
    p = P("net-266", "Test Patient Appendix-C", "female", "2001-09-30")
    p.condition("primary", "C7A.020", onset=ago(months=1), clinical="resolved",
                text="Appendiceal NET 0.6 cm at the tip")
    _appendectomy(p, ago(months=1), "Margins negative; no lymphovascular invasion")
    p.ki67("ki67", ago(months=1), 1)
    p.size("size", ago(months=1), 0.6)
    return meta(p, "Appendiceal NET 0.6 cm G1, R0 appendectomy",
                "25-year-old woman with an incidental 0.6 cm appendiceal NET G1 at the tip, margins negative. O-05: "
                "appendectomy alone is sufficient, no further surgery and no routine follow-up; no generic G-01 "
                "imaging follow-up card contradicting it.",
                expect={"site": "midgut", "site_detail": "appendix", "grade": "G1", "ki67": 1, "extent": "localized",
                        "tumor_size_cm": 0.6},
                rows=["O-05"], not_rows=["G-01", "M-02", "G-06"],
                shapes=["appendectomy CPT 44970 with margin text"])


def _everolimus_pnet(p: P, evero_text: str | None = None) -> None:
    p.condition("primary", "C25.4", onset=ago(years=2), text="Pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 9)
    p.sstr("sstr", ago(days=80), "negative")
    p.med_request("everolimus", "everolimus10", ago(months=4), dosage="10 mg by mouth once daily", text=evero_text)
    p.status("status", ago(days=30), "stable")
    good_labs(p, ago(days=10))


@scenario
def s267():
    p = P("net-267", "Test Patient Rif-Stopped", "male", "1960-04-21")
    _everolimus_pnet(p, evero_text="everolimus 10 mg daily; rifampicin stopped 2 weeks ago")
    p.med_statement("rif", None, ago(months=3), text="Rifampicin 600 mg daily - stopped 2 weeks ago (course completed)")
    return meta(p, "On everolimus; rifampicin named in medication text as stopped 2 weeks ago",
                "66-year-old man with a metastatic pNET stable on everolimus. The medication list still holds an "
                "active, uncoded entry 'Rifampicin 600 mg daily - stopped 2 weeks ago (course completed)' and the "
                "everolimus order's text reads 'everolimus 10 mg daily; rifampicin stopped 2 weeks ago'. A stopped "
                "drug is not a current interaction: no CYP3A4-inducer caution (SB-11).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 9, "sstr": "negative", "progression": False,
                        "extent": "metastatic"},
                rows=[], also=["G-08", "P-07", "P-03"], not_rows=["SB-11"],
                shapes=["uncoded MedicationStatement whose text says the drug was stopped",
                        "coded everolimus order whose text names a stopped drug"])


@scenario
def s268():
    p = P("net-268", "Test Patient Rif-Current", "female", "1958-11-03")
    _everolimus_pnet(p)
    p.med_statement("rif", None, ago(days=20), text="Rifampicin 600 mg daily (latent TB, started 3 weeks ago)")
    return meta(p, "On everolimus; current rifampicin in an uncoded medication record",
                "68-year-old woman with a metastatic pNET stable on everolimus; an uncoded medication entry reads "
                "'Rifampicin 600 mg daily (latent TB, started 3 weeks ago)'. The CYP3A4-inducer caution (SB-11) "
                "names rifampicin.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 9, "sstr": "negative", "progression": False,
                        "extent": "metastatic"},
                rows=["SB-11"], also=["G-08", "P-07", "P-03"], not_rows=[],
                shapes=["uncoded MedicationStatement naming a current interacting drug"])
