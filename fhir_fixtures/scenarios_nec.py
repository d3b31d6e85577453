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


@scenario
def s269():
    p = P("net-269", "Test Patient Nec-E", "female", "1946-03-09")
    p.condition("primary", "C7A.012", onset=ago(years=4), text="Well-differentiated ileal NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(years=4), 8)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    for i, when in enumerate([ago(days=84), ago(days=56), ago(days=28)], start=1):
        p.med_admin(f"lar-{i}", "octreotide_lar30", when)
    p.status("status", ago(days=30), "progressive")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=10))
    return meta(p, "80-year-old woman, ileal NET progressing on octreotide LAR: no pregnancy lines, every other hazard",
                "80-year-old woman with a metastatic ileal NET G2 (Ki-67 8 %), SSTR uptake above liver, progressing "
                "on octreotide LAR; organ function in range. PRRT and everolimus are offered; pregnancy, "
                "breast-feeding and contraception lines are not shown to a woman of 80 (no child-bearing potential, "
                "no pregnancy on record), but the other hazards written in the same lines (myelosuppression, CYP3A4 "
                "inhibitors and inducers, live vaccines) stay.",
                expect={"site": "midgut", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "LD-01", "LD-02"], not_rows=["NR-04"],
                shapes=["octreotide LAR MedicationAdministrations", "birth date 1946 (80 years)"])


@scenario
def s270():
    p = P("net-270", "Test Patient Nec-F", "female", "1981-07-14")
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("pji", (SCT, "441637004", "Infection of prosthetic joint"), onset=ago(days=50),
                text="Staphylococcal prosthetic knee joint infection (retained implant)")
    p.ki67("ki67", ago(years=2), 12)
    p.sstr("sstr", ago(days=30), "lower-than-liver")
    p.burden("burden", ago(days=30), 20)
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), dosage="120 mg deep SC every 4 weeks")
    p.med_request("rif", None, ago(days=40), text="rifampicin 450 mg by mouth twice daily")
    p.status("status", ago(days=25), "progressive")
    p.ecog("ecog", ago(days=25), 0)
    good_labs(p, ago(days=10))
    return meta(p, "45-year-old woman, progressive pNET, rifampicin for a prosthetic-joint infection (not TB)",
                "45-year-old woman with a metastatic pNET G2 (Ki-67 12 %, SSTR below liver) progressing on "
                "lanreotide, taking rifampicin for a staphylococcal prosthetic-joint infection. The "
                "CYP3A4-inducer cautions for everolimus and sunitinib name rifampicin and never an indication that is "
                "not on record (no tuberculosis).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 12, "sstr": "lower_than_liver", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-07"], also=["P-04", "G-08", "NR-03"], not_rows=["NR-19", "M-04"],
                shapes=["uncoded rifampicin MedicationRequest (text only)", "SNOMED prosthetic-joint infection"])


def _pnet_on_inducer(pid: str, name: str, sex: str, born: str, inducer_text: str):  # type: ignore[no-untyped-def]
    """net-270's progressive pNET (SSTR below liver, after lanreotide) with a current enzyme inducer."""
    p = P(pid, name, sex, born)
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pancreatic NET G2")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 12)
    p.sstr("sstr", ago(days=30), "lower-than-liver")
    p.burden("burden", ago(days=30), 20)
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), dosage="120 mg deep SC every 4 weeks")
    p.med_request("inducer", None, ago(days=40), text=inducer_text)
    p.status("status", ago(days=25), "progressive")
    p.ecog("ecog", ago(days=25), 0)
    good_labs(p, ago(days=10))
    return p


@scenario
def s288():
    p = _pnet_on_inducer("net-288", "Test Patient Contra-A", "male", "1974-02-03",
                         "rifampicin 450 mg by mouth twice daily")
    return meta(p, "52-year-old man, progressive pNET, rifampicin: no pregnancy or contraception lines",
                "net-270's progressive pNET and rifampicin in a 52-year-old man. Everolimus, sunitinib and CAPTEM are "
                "offered with their other hazards, but no pregnancy, contraception or hormonal-contraception line "
                "(pregnancy is not possible).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 12, "sstr": "lower_than_liver", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-07"], also=["P-04", "G-08", "NR-03"], not_rows=["NR-19", "M-04"],
                shapes=["uncoded rifampicin MedicationRequest (text only)", "male"])


@scenario
def s289():
    p = _pnet_on_inducer("net-289", "Test Patient Contra-B", "female", "1992-06-18",
                         "carbamazepine 400 mg by mouth twice daily (epilepsy)")
    return meta(p, "34-year-old woman, progressive pNET, carbamazepine: contraception lines, hormonal methods unreliable",
                "34-year-old woman with net-270's progressive pNET, taking carbamazepine for epilepsy (a strong enzyme "
                "inducer). Every drug option (everolimus, sunitinib, CAPTEM) carries its label's pregnancy-test and "
                "contraception line (8 weeks, 4 weeks, 6 months after the last dose), and the card says that "
                "carbamazepine makes hormonal contraception unreliable (copper IUD or a method inducers do not affect).",
                expect={"site": "pancreas", "grade": "G2", "ki67": 12, "sstr": "lower_than_liver", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-07"], also=["P-04", "G-08", "NR-03"], not_rows=["NR-19", "M-04"],
                shapes=["uncoded carbamazepine MedicationRequest (text only)"])


@scenario
def s271():
    p = P("net-271", "Test Patient Nec-G", "male", "1958-02-19")
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pancreatic NET G2, body (not resected)")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.procedure("biopsy", ago(years=2), (SCT, "86273004", "Biopsy"), text="EUS-guided FNA of the pancreatic body")
    p.ki67("ki67", ago(years=2), 6)
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.med_request("everolimus", "everolimus10_afinitor", ago(years=1, months=4), status="stopped",
                  dosage="10 mg daily")
    p.status("status-1", ago(months=8), "progressive")
    p.status("status", ago(months=1), "progressive", note="Liver-only progression; no extrahepatic disease.")
    p.burden("burden", ago(months=1), 30)
    p.obs("resect", cc(text="Resectability of liver metastases"), ago(months=1), value={"valueString": "unresectable"})
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Non-functional pNET, no bilio-enteric anastomosis: no functional or anastomosis caution lines",
                "68-year-old man with an unresected non-functioning pNET G2 (Ki-67 6 %) and liver-only progression "
                "after everolimus; SSTR uptake above liver; procedures on record (a biopsy) but no Whipple or other "
                "bilio-enteric anastomosis, and no hormone syndrome. The PRRT and liver-directed cards carry no "
                "'functional pNET' crisis line and no 'bilio-enteric anastomosis' abscess line: those conditions are "
                "not on record.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["P-05", "G-08"], also=["P-03", "P-06", "LD-02", "LD-01"], not_rows=["P-08", "NR-18"],
                shapes=["procedure on record that is not an anastomosis", "no syndrome"])


# --------------------------------------------------------------------------- NEC later line: FOLFOX/FOLFIRI drafts and
# pharmacogenomics (helper chemo, 2026-12): DPD status unknown / partial / complete, UGT1A1 poor metaboliser.
# Ids net-273..net-277.


def _nec_after_cisplatin_etoposide(pid: str, name: str, sex: str, born: str):  # type: ignore[no-untyped-def]
    """A rectal NEC (Ki-67 70 %) with liver metastases progressing after 4 cycles of cisplatin-etoposide: N-03."""
    p = P(pid, name, sex, born)
    p.condition("primary", "C7A.1", onset=ago(months=8), morphology="8013/3",
                text="Poorly differentiated large-cell neuroendocrine carcinoma of the rectum",
                body_site=cc((ICDO3, "C20.9", ICDO_TOPO["C20.9"]), text="Rectum"))
    p.condition("liver", "C78.7", onset=ago(months=8))
    p.ki67("ki67", ago(months=8), 70, site="liver metastasis (core biopsy)")
    p.differentiation("diff", ago(months=8), "poor")
    for i, when in enumerate([ago(days=d) for d in (200, 179, 158, 137)], start=1):
        p.med_admin(f"cisplatin-{i}", "cisplatin", when, text="cisplatin 75 mg/m2 IV day 1")
        p.med_admin(f"etoposide-{i}", "etoposide", when, text="etoposide 100 mg/m2 IV days 1-3")
    p.status("status", ago(days=14), "progressive", note="New liver lesions during follow-up after 4 cycles.")
    p.ecog("ecog", ago(days=14), 1)
    good_labs(p, ago(days=10))
    return p


_NEC_EXPECT = {"scope": "nec", "site": "other_gi", "differentiation": "poor", "grade": "NEC", "ki67": 70, "progression": True,
               "extent": "metastatic"}


@scenario
def s273():
    p = _nec_after_cisplatin_etoposide("net-273", "Test Patient Chemo-A", "male", "1961-03-11")
    return meta(p, "Rectal NEC after cisplatin-etoposide, DPD and UGT1A1 status not on record: drafts + tests",
                "65-year-old man with a large-cell NEC of the rectum (Ki-67 70 %) and liver metastases progressing "
                "after 4 cycles of cisplatin-etoposide. Second line: FOLFOX and FOLFIRI are drafted as one signable "
                "14-day cycle each (5-FU bolus then a 46-hour infusion, in sequence after leucovorin). No DPD or "
                "UGT1A1 status is on record, which is never read as normal: DPYD testing is asked before the "
                "fluoropyrimidine and UGT1A1 genotyping is offered before irinotecan.",
                expect=_NEC_EXPECT, rows=["N-03", "SB-13", "SB-14"], also=["G-02"], not_rows=["N-02"],
                shapes=["large-cell NEC of the rectum (ICD-O-3 C20.9)", "no pharmacogenomic record"])


@scenario
def s274():
    p = _nec_after_cisplatin_etoposide("net-274", "Test Patient Chemo-B", "female", "1958-10-02")
    p.condition("dpd", onset=ago(years=1),
                text="Partial dihydropyrimidine dehydrogenase deficiency - DPYD intermediate metabolizer "
                     "(activity score 1)")
    return meta(p, "Rectal NEC after cisplatin-etoposide, partial DPD deficiency: 50 % fluoropyrimidine, no standard-dose draft",
                "68-year-old woman with the same rectal NEC progressing after cisplatin-etoposide, with partial DPD "
                "deficiency (DPYD intermediate metaboliser) on record. The FOLFOX/FOLFIRI card is led by a caution: "
                "the fluoropyrimidine starts at 50 % of the dose (CPIC), so no standard-dose draft is offered; no "
                "DPYD test is asked (the status is known). UGT1A1 status is not on record.",
                expect=_NEC_EXPECT, rows=["N-03", "SB-13"], also=["G-02"], not_rows=["N-02", "SB-14"],
                shapes=["partial DPD deficiency as Condition text (no specific code)"])


@scenario
def s275():
    p = _nec_after_cisplatin_etoposide("net-275", "Test Patient Chemo-C", "male", "1955-05-23")
    p.condition("dpd", onset=ago(years=2),
                text="DPYD poor metabolizer (c.1905+1G>A homozygous): complete dihydropyrimidine dehydrogenase "
                     "deficiency")
    p.condition("ugt", onset=ago(years=2), text="UGT1A1 poor metabolizer (*28/*28)")
    return meta(p, "Rectal NEC after cisplatin-etoposide, complete DPD deficiency and UGT1A1 *28/*28",
                "70-year-old man with the same rectal NEC progressing after cisplatin-etoposide, a DPYD poor "
                "metaboliser (complete DPD deficiency) and UGT1A1 poor metaboliser. Fluoropyrimidine chemotherapy "
                "(FOLFOX, FOLFIRI, CAPOX, CAPTEM's capecitabine) is contraindicated at any dose and not drafted; the "
                "card names the fluoropyrimidine-free options (immunotherapy, biomarker-directed, temozolomide "
                "alone, re-challenge, trial). No UGT1A1 card: no irinotecan regimen is offered (never a card "
                "pointing to FOLFOX).",
                expect=_NEC_EXPECT, rows=["N-03", "SB-13"], also=["G-02"], not_rows=["N-02", "SB-14"],
                shapes=["complete DPD deficiency as Condition text", "UGT1A1 *28/*28 as Condition text"])


@scenario
def s276():
    p = _nec_after_cisplatin_etoposide("net-276", "Test Patient Chemo-D", "female", "1963-01-30")
    p.condition("ugt", onset=ago(years=3), text="Gilbert syndrome; UGT1A1*28 homozygous (poor metabolizer)")
    return meta(p, "Rectal NEC after cisplatin-etoposide, UGT1A1 poor metaboliser, DPD status not on record",
                "63-year-old woman with the same rectal NEC progressing after cisplatin-etoposide and a UGT1A1 poor "
                "metaboliser genotype on record. FOLFOX is drafted, the standard-dose FOLFIRI draft is not (the "
                "second-line card says FOLFIRI only with irinotecan at 70 %, DPWG, prescribed with the pharmacist); "
                "no separate UGT1A1 card; DPYD testing is asked.",
                expect=_NEC_EXPECT, rows=["N-03", "SB-13"], also=["G-02"], not_rows=["N-02", "SB-14"],
                shapes=["UGT1A1 poor metaboliser as Condition text"])
