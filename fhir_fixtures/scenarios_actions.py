"""Patients of the order-hook and action findings (orders helper, 2026-12): a critical QT card that offers what a
clinician does about it (ECG, potassium, magnesium, the stop of the other QT drug, as actions)."""
from __future__ import annotations

from .fhir import LOINC, P, ago, cc, qty
from .scenarios import meta, scenario


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
                "(LOINC coded) and the stop of haloperidol as an update of its order to status stopped.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 9, "sstr": "negative", "extent": "metastatic",
                        "progression": False},
                rows=["SB-12"], also=["G-08", "P-07", "SB-02", "LD-01", "P-01", "G-01"], not_rows=["NR-01"],
                shapes=["QTc LOINC 8636-3 in ms"])
