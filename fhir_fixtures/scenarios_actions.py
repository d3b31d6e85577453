"""Patients of the order-hook and action findings (orders helper, 2026-12): a critical QT card that offers what a
clinician does about it (ECG, potassium, magnesium, the stop of the other QT drug, as actions)."""
from __future__ import annotations

from .fhir import LOINC, P, ago, cc, qty
from .scenarios import good_labs, meta, scenario


@scenario
def s260():
    p = P("net-260", "Test Patient Actions-A", "male", "1958-02-11")
    p.condition("primary", "C25.4", onset=ago(years=1), text="Pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.ki67("ki67", ago(years=1), 9)
    p.sstr("sstr", ago(days=90), "negative")
    p.med_request("sunitinib", "sunitinib37", ago(months=3), dosage="37.5 mg by mouth once daily")
    p.med_request("haloperidol", ("http://www.nlm.nih.gov/research/umls/rxnorm", "5093", "haloperidol"),
                  ago(days=20), dosage="2 mg by mouth at night")
    p.obs("qtc", cc((LOINC, "8636-3", "QT interval corrected")), ago(days=2), category="procedure",
          value={"valueQuantity": qty(506, "ms", "ms")})
    p.status("status", ago(days=30), "stable")
    return meta(p, "Sunitinib and haloperidol with QTc 506 ms, no potassium or magnesium: the critical QT card acts",
                "66-year-old man on sunitinib for a metastatic pNET; haloperidol started 3 weeks ago for delirium; "
                "QTc 506 ms two days ago; no potassium or magnesium on record. The critical QT card (do not continue "
                "sunitinib until corrected) offers a 12-lead ECG, potassium and magnesium as draft ServiceRequests "
                "(LOINC coded); its text holds sunitinib and says a short haloperidol course is stopped or replaced with its "
                "prescriber (no one-click stop of the other QT drug: review E).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 9, "sstr": "negative", "extent": "metastatic",
                        "progression": False},
                rows=["SB-12"], also=["G-08", "P-07", "SB-02", "LD-01", "P-01", "G-01"], not_rows=["NR-01"],
                shapes=["QTc LOINC 8636-3 in ms"])


@scenario
def s261():
    p = P("net-261", "Test Patient Actions-B", "female", "1960-09-14")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 7)
    p.sstr("sstr", ago(months=4), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2), end=ago(days=80), status="completed",
                    dosage="30 mg IM every 4 weeks (last dose 4 weeks before PRRT cycle 1)")
    p.status("status", ago(months=4), "progressive")
    p.med_admin("prrt-1", "lutathera_sbd", ago(days=50), dose=qty(7.4, "GBq", "GBq"), mcode=True)
    p.med_admin("lar-post-prrt-1", "octreotide_lar30", ago(days=50), dose=qty(30, "mg", "mg"),
                text="octreotide LAR 30 mg IM 4 h after Lu-177 dotatate")
    p.med_request("prrt-2", "lutathera_sbd", ago(days=50), dosage="7.4 GBq IV, cycle 2 of 4", event=ago(days=-8),
                  mcode=True)
    good_labs(p, ago(days=7))
    return meta(p, "Ileal NET in a Lu-177 dotatate course (cycle 2 in 8 days), no everolimus",
                "66-year-old woman with a non-functioning metastatic ileal NET G2 progressing on octreotide LAR; "
                "Lu-177 dotatate cycle 1 was given 50 days ago with LAR 30 mg after the infusion; cycle 2 is "
                "ordered for 8 days from now. Base of order situations ord-26 (an octreotide LAR draft before "
                "cycle 2) and ord-27 (an everolimus draft during the course).",
                expect={"site": "midgut", "grade": "G2", "ki67": 7, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=[], also=["M-04", "M-05", "M-07", "LD-02", "NR-04", "NR-17", "G-08", "M-08"],
                shapes=["PRRT course: MedicationAdministration of cycle 1, MedicationRequest of cycle 2 with a date"])


@scenario
def s262():
    p = P("net-262", "Test Patient Actions-C", "male", "1955-03-30")
    p.condition("primary", "C7A.012", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 6)
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=3), dosage="30 mg IM every 4 weeks")
    p.med_admin("lar-last", "octreotide_lar30", ago(days=10), dose=qty(30, "mg", "mg"))
    p.status("status", ago(months=1), "progressive")
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Ileal NET progressing on octreotide LAR, last injection 10 days ago (PRRT candidate)",
                "71-year-old man with a metastatic ileal NET G2 progressing on octreotide LAR 30 mg every 4 weeks, "
                "last injection 10 days ago; SSTR uptake above liver and good labs: PRRT is the next line. Base of "
                "order situation ord-25: a Lu-177 dotatate dose drafted now, within 4 weeks of the depot.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "M-08", "LD-02", "G-08", "NR-04"],
                shapes=["MedicationAdministration of the last depot injection beside the statement"])


@scenario
def s263():
    p = P("net-263", "Test Patient Actions-D", "female", "1957-07-07")
    p.condition("primary", "C7A.012", onset=ago(years=4))
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 5)
    p.sstr("sstr", ago(months=1), "lower-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=3), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1), "progressive")
    p.ecog("ecog", ago(months=1), 1)
    p.lab("crcl", ago(days=75), 82)
    p.lab("hb", ago(days=75), 12.9)
    p.lab("wbc", ago(days=75), 5.8)
    p.lab("plt", ago(days=75), 240)
    return meta(p, "Ileal NET progressing on octreotide LAR, SSTR below liver: everolimus with baseline labs to do",
                "69-year-old woman with a non-functioning metastatic ileal NET G2 progressing on octreotide LAR; SSTR "
                "uptake below liver (no PRRT). Everolimus is the option; her blood counts and creatinine clearance "
                "are 75 days old and no glucose, HbA1c or lipids are on record: the everolimus card lists each "
                "(with the last date) as missing and offers the pre-everolimus blood tests beside the order.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "lower_than_liver", "progression": True,
                        "extent": "metastatic"},
                rows=["M-05", "SB-15"], also=["NR-03", "LD-02", "M-08", "M-07", "G-08", "M-06", "NR-16"],
                shapes=["labs older than 30 days before a suggested drug"])
