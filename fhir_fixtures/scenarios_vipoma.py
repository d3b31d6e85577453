"""Synthetic patients for the specialist read of VIPoma, appendiceal follow-up and interaction drug naming.

Fictional patients net-278 .. net-283, written for net-cds on 2026-12-07; dates relative to AS_OF. Each one is
a class of defect:

- net-278, net-279: VIPoma (F-09): the scheduled short-acting octreotide draft is one signable dose (the
  titration is in its text); potassium, magnesium and creatinine are requested (LOINC-coded lab drafts) only
  when no value is on record within a week, a recent value is cited with its date, a critical one escalates.
- net-287: a recent critical potassium (VIPoma, F-09) is replaced and requested again with an ECG, and the
  recent non-critical magnesium and creatinine beside it are repeated with it (review E: one critical value,
  all three together).
- net-280, net-281: appendiceal NET after appendectomy: the follow-up card is the appendix one (O-05 risk
  features), unknown risk features listed as missing, never read as absent.
- net-282, net-283: a medication record naming two drugs: the QT caution names the drug that carries the flag.
"""
from __future__ import annotations

from .fhir import CPT, RXNORM, SCT, P, ago
from .scenarios import good_labs, meta, scenario


@scenario
def s278():
    p = P("net-278", "Test Patient Vipoma-A", "female", "1972-03-11")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(days=10),
                text="Pancreatic VIPoma with liver metastases")
    p.condition("vip", "E16.8", onset=ago(days=10), text="VIPoma syndrome (watery diarrhoea)")
    p.condition("liver", "C7B.02", onset=ago(days=10))
    p.morphology("morph", ago(days=10), "8155/3")
    p.ki67("ki67", ago(days=10), 3)
    p.sstr("sstr", ago(days=8), "higher-than-liver")
    p.bowel("bm", ago(days=1), 10)
    return meta(p, "New VIPoma, no electrolytes on record: one-dose octreotide and three lab requests",
                "50-year-old woman with a newly diagnosed metastatic pancreatic VIPoma, 10 watery stools a day, no "
                "SSA yet and no potassium, magnesium or creatinine on record. The VIPoma card drafts octreotide LAR "
                "with SC octreotide 100 micrograms three times daily (one dose; the titration to 250 micrograms is "
                "in the text) and says IV fluid and potassium/magnesium replacement; a needs-data card drafts a "
                "LOINC-coded request for serum potassium, magnesium and creatinine each.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 3, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["vipoma"]},
                rows=["F-09", "G-07"], also=["G-08", "P-02", "LD-01", "LD-02", "M-03", "P-05", "G-06"],
                not_rows=["F-01"],
                shapes=["VIPoma without any electrolyte or creatinine Observation"])


@scenario
def s279():
    p = P("net-279", "Test Patient Vipoma-B", "male", "1963-09-02")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(years=1),
                text="Metastatic pancreatic VIPoma")
    p.condition("vip", "E16.8", onset=ago(years=1), text="VIPoma syndrome (watery diarrhoea, hypokalaemia)")
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.morphology("morph", ago(years=1), "8155/3")
    p.ki67("ki67", ago(years=1), 5)
    p.sstr("sstr", ago(days=60), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(months=10), dosage="30 mg IM every 4 weeks")
    p.bowel("bm", ago(days=2), 7)
    p.lab("potassium", ago(days=2), 3.4, interpretation="L")
    p.lab("magnesium", ago(days=2), 0.45, interpretation="LL")
    p.lab("creatinine", ago(days=25), 1.1)
    p.status("status", ago(days=60), "stable")
    return meta(p, "VIPoma not controlled on octreotide LAR: critical magnesium replaced and repeated, ECG",
                "61-year-old man with a metastatic pancreatic VIPoma on octreotide LAR 30 mg for 10 months, 7 watery "
                "stools a day; potassium 3.4 and magnesium 0.45 mmol/L two days ago (magnesium critically low), "
                "creatinine 25 days ago. The escalation card is critical (the magnesium), cites the values with "
                "their dates, adds SC octreotide 100 micrograms three times daily as one dose. A critical card says "
                "replace magnesium now and requests magnesium (critical, so requested although 2 days old), "
                "potassium 3.4 (repeated with it: magnesium decides whether potassium can be corrected), "
                "creatinine (25 days old) and a 12-lead ECG. (Review D: the critical magnesium was 'recent' and not "
                "repeated; review E: all three together.)",
                expect={"site": "pancreas", "grade": "G2", "ki67": 5, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["vipoma"], "progression": False},
                rows=["F-09", "G-07"], also=["G-08", "LD-01", "LD-02", "M-03", "P-05", "P-02"],
                not_rows=["F-01"],
                shapes=["magnesium Observation in mmol/L (LOINC 2601-3)", "creatinine older than a week"])


@scenario
def s287():
    p = P("net-287", "Test Patient Vipoma-C", "female", "1969-05-14")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(days=20),
                text="Pancreatic VIPoma with liver metastases")
    p.condition("vip", "E16.8", onset=ago(days=20), text="VIPoma syndrome (watery diarrhoea, hypokalaemia)")
    p.condition("liver", "C7B.02", onset=ago(days=20))
    p.morphology("morph", ago(days=20), "8155/3")
    p.ki67("ki67", ago(days=20), 4)
    p.sstr("sstr", ago(days=15), "higher-than-liver")
    p.bowel("bm", ago(days=1), 12)
    p.lab("potassium", ago(days=3), 2.7, interpretation="LL")
    p.lab("magnesium", ago(days=3), 0.8)
    p.lab("creatinine", ago(days=3), 0.9)
    return meta(p, "New VIPoma, potassium 2.7 three days ago: replace now, repeat potassium today, ECG",
                "57-year-old woman with a newly diagnosed metastatic pancreatic VIPoma, 12 watery stools a day, no "
                "SSA yet; potassium 2.7 mmol/L (critically low), magnesium 0.8 mmol/L and creatinine 0.9 mg/dL, all "
                "three days ago. The VIPoma card is critical (the potassium) and drafts octreotide. A critical card "
                "says replace potassium now (per local protocol), requests potassium again (critical, so not "
                "skipped as recent) with magnesium and creatinine (repeated together with a critical value, review E) "
                "and a 12-lead ECG. Before review D the critical potassium counted as 'recent' and nothing was "
                "requested.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["vipoma"]},
                rows=["F-09", "G-07"], also=["G-08", "P-02", "LD-01", "LD-02", "M-03", "P-05", "G-06"],
                not_rows=["F-01"],
                shapes=["critical potassium Observation three days old beside recent normal magnesium and creatinine"])


def _sunitinib_pnet(p: P) -> None:
    p.condition("primary", "C25.4", onset=ago(years=2), text="Pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 8)
    p.sstr("sstr", ago(days=90), "negative")
    p.med_request("sunitinib", "sunitinib37", ago(months=3), dosage="37.5 mg by mouth once daily")
    p.status("status", ago(days=30), "stable")
    good_labs(p, ago(days=10))


@scenario
def s282():
    p = P("net-282", "Test Patient Vipoma-E", "male", "1957-01-30")
    _sunitinib_pnet(p)
    p.med_request("rif", None, ago(days=6), text="rifampicin 600 mg (with levofloxacin)")
    return meta(p, "On sunitinib; one uncoded record 'rifampicin 600 mg (with levofloxacin)'",
                "69-year-old man with a metastatic pNET stable on sunitinib; one medication record, text only, reads "
                "'rifampicin 600 mg (with levofloxacin)'. The QT caution names levofloxacin (the QT-prolonging drug) "
                "and says it is named in the text of the rifampicin record; the CYP3A4-inducer caution names "
                "rifampicin. Never 'review rifampicin' for a QT risk.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "negative", "progression": False,
                        "extent": "metastatic"},
                rows=["SB-12", "SB-11"], also=["G-08", "P-07"], not_rows=["NR-19"],
                shapes=["uncoded MedicationRequest whose text names two drugs"])


@scenario
def s283():
    p = P("net-283", "Test Patient Vipoma-F", "female", "1962-05-17")
    _sunitinib_pnet(p)
    p.med_request("rif", (RXNORM, "9384", "rifampin"), ago(days=4),
                  text="rifampicin 600 mg daily (with levofloxacin 500 mg daily)", dosage="600 mg by mouth once daily")
    return meta(p, "On sunitinib; a record coded rifampin whose text also names levofloxacin",
                "60-year-old woman with a metastatic pNET stable on sunitinib; one order coded RxNorm rifampin whose "
                "text reads 'rifampicin 600 mg daily (with levofloxacin 500 mg daily)'. The QT caution names "
                "levofloxacin and says it is named in the text of the rifampin record (the coding names rifampin, "
                "which is not QT-prolonging); the CYP3A4-inducer caution names rifampicin.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "negative", "progression": False,
                        "extent": "metastatic"},
                rows=["SB-12", "SB-11"], also=["G-08", "P-07"], not_rows=["NR-19"],
                shapes=["RxNorm-coded rifampin whose text names a second (QT-prolonging) drug"])
