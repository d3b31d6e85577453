"""Patients for the NEC specialist's findings (2026-12, helper nec): platinum-etoposide re-challenge only after a
recorded response, second-line drafts with their pharmacogenomic cautions, wording that follows the dates on
record, VIPoma supportive orders, pregnancy lines by child-bearing potential, interaction wording without an
assumed indication, cautions only where their condition is on record. Ids net-265..net-272.
"""
from __future__ import annotations

from .fhir import ICDO3, ICDO_TOPO, SCT, P, ago, cc
from .scenarios import good_labs, meta, scenario


@scenario
def s265():
    p = P("net-265", "Test Patient Nec-A", "female", "1960-06-02")
    p.condition("primary", "C7A.1", onset=ago(months=9), morphology="8041/3",
                text="Poorly differentiated small-cell neuroendocrine carcinoma, primary site unknown",
                body_site=cc((ICDO3, "C80.9", ICDO_TOPO["C80.9"]), text="Unknown primary site"))
    p.condition("liver", "C78.7", onset=ago(months=9))
    p.ki67("ki67", ago(months=9), 80, site="liver metastasis (core biopsy)")
    p.differentiation("diff", ago(months=9), "poor")
    for i, when in enumerate([ago(days=d) for d in (230, 209, 188, 167)], start=1):
        p.med_admin(f"carboplatin-{i}", "carboplatin", when, text="carboplatin AUC 5 IV day 1")
        p.med_admin(f"etoposide-{i}", "etoposide", when, text="etoposide 100 mg/m2 IV days 1-3")
    p.status("status-1", ago(days=180), "stable", note="Stable disease after 2 cycles (no objective response).")
    p.status("status-2", ago(days=150), "stable", note="Stable disease at the end of 4 cycles.")
    p.status("status", ago(days=15), "progressive", note="New liver lesions, 5 months after the last cycle.")
    p.ecog("ecog", ago(days=15), 1)
    good_labs(p, ago(days=15))
    return meta(p, "Small-cell NEC of unknown primary: late relapse after carboplatin-etoposide, stable disease only",
                "66-year-old woman with a small-cell NEC of unknown primary (Ki-67 80 %) and liver metastases; 4 "
                "cycles of carboplatin-etoposide with stable disease as the best response (no partial or complete "
                "response), progression 5 months after the last cycle. A late relapse without a response to the "
                "first line is not a platinum-sensitive relapse: no platinum-etoposide re-challenge option and no "
                "re-challenge draft; the second-line regimens, ipilimumab + nivolumab and the biomarker card stay.",
                expect={"scope": "nec", "site": "unknown", "differentiation": "poor", "grade": "NEC", "ki67": 80,
                        "progression": True, "extent": "metastatic"},
                rows=["N-03", "G-02"], also=["NR-06"], not_rows=["N-02", "N-04"],
                shapes=["carboplatin/etoposide MedicationAdministrations x4", "best response 'stable' only"])
