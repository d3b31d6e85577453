"""Synthetic NET patients for net-cds (fictional; no real patient data).

Written for net-cds on 2026-11-22 from the decision table (net guideline §4). Each scenario
function builds one patient with :class:`fhir_fixtures.fhir.P` and returns its index metadata:

- ``rows``: decision-table rows a NET oncologist expects to fire (must fire);
- ``also``: rows a reasonable engine may or may not fire (not an error either way);
- ``not_rows``: rows that must NOT fire (the point of the scenario);
- ``expect``: the clinical picture (values use the ``service.picture.model`` enum values;
  ``null`` = not known / not on record).

Dates are relative to AS_OF = 2026-11-22 (``ago``).
"""
from __future__ import annotations

from .fhir import CPT, ICDO3, ICDO_TOPO, SCT, P, ago, cc, qty

SCENARIOS: list = []


def scenario(fn):
    SCENARIOS.append(fn)
    return fn


def meta(p: P, title: str, story: str, *, expect: dict, rows: list[str], also: list[str] = (),
         not_rows: list[str] = (), shapes: list[str] = ()) -> dict:
    base = {"scope": "net", "site": None, "differentiation": None, "grade": None, "ki67": None,
            "sstr": None, "progression": None, "extent": None, "syndromes": [], "hereditary": []}
    base.update(expect)
    return {"id": p.pid, "title": title, "story": story, "expect": base, "rows": list(rows),
            "also": list(also), "not_rows": list(not_rows), "shapes": list(shapes), "_p": p}


# every row of the decision table's §4 (net guideline §4.1-§4.10)
SECTION4_ROWS = (["G-%02d" % i for i in range(1, 10)] + ["M-%02d" % i for i in range(1, 12)]
                 + ["P-%02d" % i for i in range(1, 9)] + ["L-%02d" % i for i in range(1, 7)]
                 + ["O-%02d" % i for i in range(1, 7)] + ["G3-%02d" % i for i in range(1, 4)]
                 + ["LD-%02d" % i for i in range(1, 4)] + ["N-%02d" % i for i in range(1, 5)]
                 + ["F-%02d" % i for i in range(1, 13)] + ["H-%02d" % i for i in range(1, 7)])
# every NET card: all §4 rows except the SCLC route-out gate G-03, and every §6 NR row except NR-22 (SCLC)
ALL_NET_ROWS = ([r for r in SECTION4_ROWS if r != "G-03"]
                + ["NR-%02d" % i for i in range(1, 24) if i != 22])


def good_labs(p: P, when: str) -> None:
    p.lab("crcl", when, 88)
    p.lab("creatinine", when, 0.9)
    p.lab("hb", when, 13.4)
    p.lab("wbc", when, 6.1)
    p.lab("plt", when, 232)
    p.lab("bili", when, 0.6, ref_high=qty(1.2, "mg/dL", "mg/dL"))
    p.lab("alb", when, 4.1)
    p.lab("alt", when, 24)


# =========================================================================== midgut


@scenario
def s01():
    p = P("net-01", "Test Patient Alpha", "female", "1956-04-11")
    p.condition("primary", "C7A.012", (SCT, "425318003", "Ileal neuroendocrine tumor G1"), onset=ago(years=2, months=2))
    p.condition("liver", "C7B.02", onset=ago(years=2, months=2))
    p.ki67("ki67", ago(years=2, months=2), string="<2%")
    p.mitoses("mitoses", ago(years=2, months=2), 1)
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    p.burden("burden", ago(months=3), 5)
    p.status("status-old", ago(years=2), "progressive", note="Baseline scan after diagnosis (historical).")
    p.status("status", ago(months=3), "stable")
    p.ecog("ecog", ago(months=3), 0)
    p.lab("cga", ago(months=3), 180, mcode=True)
    return meta(p, "Midgut NET G1, low burden, asymptomatic, stable",
                "68-year-old woman with an ileal NET G1 (Ki-67 reported as '<2%') and a few small liver metastases "
                "(<10 % hepatic burden), SSTR-PET uptake higher than liver, no symptoms, stable on serial imaging. "
                "A progression status from two years ago lies outside the 12-month window.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic"},
                rows=["M-01", "M-02"], not_rows=["M-03", "M-04", "M-06", "M-07", "P-03"],
                shapes=["Ki-67 valueString '<2%'", "old progression outside 12-month lookback",
                        "local hepatic-tumor-burden"])


@scenario
def s02():
    p = P("net-02", "Test Patient Beta", "male", "1962-09-30")
    p.condition("primary", "C7A.012", onset=ago(months=2), mcode="mcode-primary-cancer-condition",
                morphology="8240/3", stage="Stage IV")
    p.condition("liver", "C7B.02", (SCT, "94381002", "Metastatic malignant neoplasm to liver (disorder)"),
                onset=ago(months=2), mcode="mcode-secondary-cancer-condition", related="primary")
    p.condition("cs", "E34.00", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(months=4))
    p.ki67("ki67", ago(months=2), 5, mcode=True, site="liver metastasis")
    p.differentiation("diff", ago(months=2), "well")
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.burden("burden", ago(months=1), 30)
    p.lab("hiaa", ago(months=1), 48, mcode=True, interpretation="H")
    p.lab("cga", ago(months=1), 640, mcode=True, interpretation="H")
    p.bowel("bm", ago(days=10), 3)
    p.ecog("ecog", ago(months=1), 1)
    return meta(p, "Midgut NET G2 with carcinoid syndrome, treatment-naive (mCODE)",
                "60-year-old man, newly diagnosed ileal NET G2 (Ki-67 5 % on liver biopsy) with 30 % hepatic "
                "burden, flushing and diarrhoea (carcinoid syndrome, E34.00), raised 5-HIAA, SSTR uptake higher than "
                "liver. No therapy yet. All records carry mCODE profiles.",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 5,
                        "sstr": "positive_all", "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["M-02", "F-01", "G-07"], also=["F-05", "M-10", "LD-01", "LD-02"],
                not_rows=["M-03", "M-04", "NR-09"],
                shapes=["mCODE PrimaryCancerCondition + histology-morphology-behavior extension",
                        "SecondaryCancerCondition with condition-related", "TumorMarkerTest", "E34.00"])


@scenario
def s03():
    p = P("net-03", "Test Patient Gamma", "female", "1971-01-19")
    p.condition("primary", "C7A.011", onset=ago(days=40))
    p.condition("liver", "C78.7", onset=ago(days=40))
    p.ki67("ki67", ago(days=40), string="Ki-67: 12 %")
    p.mitoses("mitoses", ago(days=40), 3)
    p.sstr("sstr", ago(days=20), "higher-than-liver", note="All target lesions (liver, mesentery) above liver.")
    p.burden("burden", ago(days=20), 35)
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=14))
    return meta(p, "Newly diagnosed midgut NET, Ki-67 12 %, SSTR all-positive (NETTER-2)",
                "55-year-old woman, jejunal NET diagnosed 6 weeks ago, Ki-67 reported as text 'Ki-67: 12 %', "
                "35 % liver burden, all target lesions SSTR-avid above liver; no prior therapy; normal organ function.",
                expect={"site": "midgut", "grade": "G2", "ki67": 12, "sstr": "positive_all",
                        "extent": "metastatic"},
                rows=["M-03", "M-02"], also=["LD-02"], not_rows=["M-04", "M-07", "P-02"],
                shapes=["Ki-67 valueString 'Ki-67: 12 %'", "C78.7 generic liver metastasis code"])


@scenario
def s04():
    p = P("net-04", "Test Patient Delta", "male", "1958-06-02")
    p.condition("primary", "C7A.012", onset=ago(years=3), mcode="mcode-primary-cancer-condition",
                morphology="8249/3")
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 8, mcode=True)
    p.ki67("ki67-error", ago(months=2), 25, status="entered-in-error",
           note="Result filed against the wrong specimen; see corrected report.")
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30_sandostatin", ago(years=2, months=10), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(months=1), "progressive", note="RECIST 1.1 progression: new liver lesions.")
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=12))
    return meta(p, "Midgut NET progressing on octreotide LAR, SSTR+, good labs (PRRT)",
                "68-year-old man with metastatic ileal NET G2 (Ki-67 8 %) on octreotide LAR 30 mg for nearly 3 years, "
                "RECIST progression last month, SSTR uptake higher than liver, normal blood counts and renal function. "
                "A more recent Ki-67 of 25 % is entered-in-error and must not regrade the tumour to G3.",
                expect={"site": "midgut", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-04"], also=["M-05", "M-08", "LD-02"],
                not_rows=["G3-01", "G3-02", "M-03", "M-07", "NR-04"],
                shapes=["entered-in-error Ki-67 that would change the grade", "MedicationStatement SBD 898603",
                        "97509-4 progression"])


@scenario
def s05():
    p = P("net-05", "Test Patient Epsilon", "female", "1966-12-24",
          given=["Test", "<script>alert(1)</script>"], family="Epsilon",
          text="Test Patient Epsilon <script>alert(1)</script> [click](javascript:alert(1))")
    p.condition("primary", "C7A.012", onset=ago(years=4),
                note="Referred by **Dr Example**. [click](javascript:alert(1)) <img src=x onerror=alert(1)>")
    p.condition("liver", "C7B.02", onset=ago(years=4))
    p.ki67("ki67", ago(months=5), 9, site="liver metastasis (re-biopsy)")
    p.sstr("sstr", ago(months=2), "negative", text="Ga-68 DOTATOC PET/CT")
    p.fdg("fdg", ago(months=2), True)
    p.med_request("lanreotide", "lanreotide120", ago(years=3, months=6), dosage="120 mg deep SC every 4 weeks")
    p.procedure("tace", ago(years=2), (CPT, "37243", "Vascular embolization or occlusion, for tumors"),
                text="TACE (doxorubicin drug-eluting beads), right hepatic lobe")
    p.status("status", ago(months=2), "progressive")
    good_labs(p, ago(months=1))
    return meta(p, "Midgut NET progressing on lanreotide, SSTR-negative, FDG-avid (hostile text)",
                "58-year-old woman with ileal NET G2 progressing on lanreotide; the latest DOTATOC PET shows no "
                "tumour uptake and the lesions are FDG-avid. Prior TACE. Her name and a note contain script and "
                "javascript: Markdown to test escaping.",
                expect={"site": "midgut", "grade": "G2", "ki67": 9, "sstr": "negative", "progression": True,
                        "extent": "metastatic"},
                rows=["M-06", "NR-03"], also=["M-05", "NR-16", "LD-02"],
                not_rows=["M-04", "M-03", "L-04"],
                shapes=["hostile strings in Patient.name and Condition.note", "sstr negative + fdg avid",
                        "TACE CPT 37243"])


@scenario
def s06():
    p = P("net-06", "Test Patient Zeta", "male", "1953-03-08")
    p.condition("primary", "C7A.019", onset=ago(years=6), mcode="mcode-primary-cancer-condition", morphology="8249/3")
    p.condition("liver", "C7B.02", onset=ago(years=6))
    p.condition("bone", "C7B.03", onset=ago(years=1))
    p.ki67("ki67", ago(years=6), 7)
    p.sstr("sstr", ago(years=3), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=6), dosage="30 mg IM every 4 weeks")
    for i, when in enumerate([ago(years=3, months=2), ago(years=3), ago(years=2, months=10),
                              ago(years=2, months=8)], start=1):
        p.med_admin(f"prrt-{i}", "lutathera_hcpcs", when, dose=qty(200, "mCi", "mCi"),
                    text="Lutathera 7.4 GBq (200 mCi) IV")
    p.med_request("everolimus", "everolimus10", ago(years=1, months=6), status="stopped",
                  dosage="10 mg by mouth once daily", note="Stopped for progression.")
    p.status("status-old", ago(months=18), "progressive", legacy=True)
    p.status("status", ago(months=2), "progressive", legacy=True, mcode=False)
    p.ecog("ecog", ago(months=2), 1)
    good_labs(p, ago(days=20))
    return meta(p, "Midgut NET progressing after PRRT and everolimus (cabozantinib)",
                "73-year-old man, small-bowel NET G2 since 2020: octreotide LAR, 4 cycles of Lu-177 dotatate "
                "(MedicationAdministration, HCPCS A9513) 3 years ago, then everolimus (stopped for progression). "
                "Now progressing again (legacy status code 88040-1 = worsened), new bone metastases.",
                expect={"site": "midgut", "grade": "G2", "ki67": 7, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["M-07"], also=["NR-01", "M-04", "M-08"], not_rows=["M-03", "M-01", "P-03"],
                shapes=["HCPCS A9513 MedicationAdministration x4", "legacy 88040-1 disease status",
                        "MedicationRequest status stopped"])


@scenario
def s07():
    p = P("net-07", "Test Patient Eta", "female", "1960-07-15")
    p.condition("primary", "C7A.012", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("cs", "E34.0", onset=ago(years=2), recorded=ago(years=2))
    p.ki67("ki67", ago(years=2), 4)
    p.sstr("sstr", ago(months=10), "higher-than-liver")
    p.med_request("lar", "octreotide_lar30", ago(months=8), dosage="30 mg IM every 4 weeks")
    p.med_request("rescue", "octreotide_sc", ago(months=2), dosage="100 micrograms SC up to three times daily as needed")
    p.bowel("bm-1", ago(days=30), 6)
    p.bowel("bm-2", ago(days=3), 7)
    p.lab("hiaa", ago(days=25), 62, interpretation="H")
    p.status("status", ago(months=1), "stable")
    return meta(p, "Refractory carcinoid syndrome diarrhoea on octreotide LAR (telotristat)",
                "66-year-old woman with metastatic ileal NET G2, carcinoid syndrome coded with the legacy E34.0, "
                "on octreotide LAR 30 mg for 8 months plus rescue short-acting octreotide, still 6–7 bowel "
                "movements a day; tumour stable.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-02", "F-01", "G-07"], also=["M-02", "M-08", "F-03"], not_rows=["NR-09", "M-04"],
                shapes=["legacy E34.0", "octreotide LAR SCD 898601 vs short-acting 312069",
                        "local bowel-movements-per-day"])


@scenario
def s08():
    p = P("net-08", "Test Patient Theta", "male", "1950-11-03")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("cs", "E34.00", onset=ago(years=3))
    p.condition("chd", "E34.01", (SCT, "36222008", "Carcinoid heart disease"), onset=ago(months=2),
                note="Echo: thickened tricuspid leaflets, moderate-severe TR.")
    p.ki67("ki67", ago(years=3), 3)
    p.sstr("sstr", ago(months=6), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120_somatuline", ago(years=2, months=9), dosage="120 mg every 4 weeks")
    p.lab("ntprobnp", ago(months=2), 1850, interpretation="H")
    p.lab("hiaa", ago(months=2), 95, interpretation="H")
    p.status("status", ago(months=2), "stable")
    return meta(p, "Carcinoid heart disease with raised NT-proBNP",
                "76-year-old man with metastatic ileal NET G2 and carcinoid syndrome on lanreotide; new tricuspid "
                "regurgitation on echo (E34.01 + SNOMED 36222008), NT-proBNP 1850 pg/mL, 5-HIAA high.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"], "carcinoid_heart_disease": True},
                rows=["F-04", "F-01", "G-07"], also=["F-05", "M-02"], not_rows=["M-04", "NR-09"],
                shapes=["E34.01 + SNOMED 36222008", "NT-proBNP 33762-6", "lanreotide SBD 749816 MedicationStatement"])


@scenario
def s09():
    p = P("net-09", "Test Patient Iota", "female", "1968-02-27")
    p.condition("primary", "C7A.00", onset=ago(days=50), mcode="mcode-primary-cancer-condition", morphology="8249/3")
    p.condition("liver", "C78.7", onset=ago(days=50))
    p.condition("nodes", "C7B.01", onset=ago(days=50))
    p.ki67("ki67", ago(days=50), fraction=0.12, site="liver metastasis")
    p.sstr("sstr", ago(days=30), "equal-to-liver")
    p.ecog("ecog", ago(days=30), 0)
    good_labs(p, ago(days=21))
    return meta(p, "Unknown primary NET, Ki-67 reported as fraction 0.12",
                "58-year-old woman with liver and distant nodal metastases of a WD NET of unknown primary; Ki-67 "
                "reported as 0.12 with unit '1' (= 12 %); SSTR uptake equal to liver; no therapy yet.",
                expect={"site": "unknown", "grade": "G2", "ki67": 12, "sstr": "positive_all",
                        "extent": "metastatic"},
                rows=["M-11", "M-03", "M-02"], also=["G-08"], not_rows=["P-03", "NR-01"],
                shapes=["Ki-67 as fraction 0.12 unit '1'", "C7A.00 unknown primary", "equal-to-liver uptake"])


# =========================================================================== pancreas


@scenario
def s10():
    p = P("net-10", "Test Patient Kappa", "male", "1974-05-05")
    p.condition("primary", "C25.4", onset=ago(days=60), text="Non-functioning pancreatic NET, tail, 1.5 cm")
    p.ki67("ki67", ago(days=45), 1)
    p.mitoses("mitoses", ago(days=45), 1)
    p.size("size", ago(days=60), 1.5)
    p.resectability("resect", ago(days=30), "resectable")
    p.sstr("sstr", ago(days=55), "higher-than-liver", note="Single pancreatic tail lesion, no metastases.")
    return meta(p, "Localized non-functioning pNET 1.5 cm G1",
                "52-year-old man, incidental 1.5 cm pancreatic-tail NET G1 (Ki-67 1 %), no metastases, asymptomatic, "
                "resectable. Plain EHR record (ICD-10 + text).",
                expect={"site": "pancreas", "grade": "G1", "ki67": 1, "sstr": "positive_all", "extent": "localized",
                        "tumor_size_cm": 1.5},
                rows=["P-01", "G-08"], also=["G-01"], not_rows=["P-02", "P-03", "M-02", "M-03"],
                shapes=["plain ICD-10 C25.4 with text", "local resectability"])


@scenario
def s11():
    p = P("net-11", "Test Patient Lambda", "female", "1959-08-21")
    p.condition("primary", "C25.4", (SCT, "93843007", "Primary malignant neoplasm of islets of Langerhans"),
                onset=ago(months=5))
    p.condition("liver", "C7B.02", onset=ago(months=5))
    p.condition("cs-refuted", "E34.00", verification="refuted", clinical=None, onset=ago(months=5),
                note="Flushing was due to menopause; carcinoid syndrome ruled out (normal 5-HIAA).")
    p.ki67("ki67", ago(months=5), 4)
    p.sstr("sstr", ago(months=4), None, tracer="in111-pentetreotide", interpretation="POS",
           text="Octreoscan: Krenning 3 (uptake higher than liver) in all liver lesions")
    p.sstr("sstr-pet", ago(months=1), "higher-than-liver")
    p.lab("hiaa", ago(months=5), 6, interpretation="N")
    p.burden("burden", ago(months=1), 12)
    p.status("status", ago(months=1), "stable")
    return meta(p, "Advanced pNET Ki-67 4 %, SSTR+, stable; refuted carcinoid syndrome",
                "67-year-old woman with pNET G2 (Ki-67 4 %) and liver metastases (12 % burden), stable, SSTR-positive "
                "on Octreoscan and Ga-68 PET. A carcinoid-syndrome diagnosis was refuted.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": []},
                rows=["P-02", "G-08"], not_rows=["F-01", "F-02", "G-07", "P-03", "P-05"],
                shapes=["refuted Condition", "In-111 pentetreotide with POS interpretation only + text Krenning",
                        "SNOMED 93843007"])


@scenario
def s12():
    p = P("net-12", "Test Patient Mu", "male", "1964-10-10")
    p.condition("primary", "C25.4", onset=ago(years=2), mcode="mcode-primary-cancer-condition", morphology="8150/3")
    p.condition("liver", "C7B.02", onset=ago(years=2), mcode="mcode-secondary-cancer-condition", related="primary")
    p.ki67("ki67", ago(months=3), string="10-15%", site="liver metastasis")
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.med_request("lanreotide", "lanreotide120", ago(years=1, months=10), mcode=True, dosage="120 mg every 4 weeks")
    p.status("status", ago(months=2), "progressive")
    p.ecog("ecog", ago(months=2), 1)
    good_labs(p, ago(days=15))
    p.lab("glucose", ago(days=15), 132)
    p.lab("hba1c", ago(days=15), 7.1)
    return meta(p, "Progressive pNET, Ki-67 '10-15%', on lanreotide (everolimus/sunitinib, PRRT)",
                "62-year-old man with metastatic pNET progressing on lanreotide; Ki-67 reported as a range "
                "'10-15%' (upper bound 15 -> G2, >=10 %), SSTR uptake higher than liver; mild diabetes.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 15, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic"},
                rows=["P-03", "P-05", "G-08"], also=["P-04", "LD-02"], not_rows=["P-02", "P-06", "NR-01"],
                shapes=["Ki-67 valueString range '10-15%'", "mCODE CancerRelatedMedicationRequest"])


@scenario
def s13():
    p = P("net-13", "Test Patient Nu", "female", "1970-03-30")
    p.condition("primary", "C25.0", onset=ago(months=3),
                text="Pancreatic head neuroendocrine tumour, bulky, with extensive liver metastases")
    p.morphology("morph", ago(months=3), "8249/3", loinc="59847-4")
    p.condition("liver", "C78.7", onset=ago(months=3))
    p.ki67("ki67", ago(months=3), 18)
    p.differentiation("diff", ago(months=3), "well")
    p.sstr("sstr", ago(months=2), "lower-than-liver")
    p.burden("burden", ago(months=2), 60)
    p.resectability("resect", ago(months=2), "unresectable")
    p.status("status", ago(days=10), "progressive", note="Rapid growth over 3 months, pain requiring opioids.")
    p.ecog("ecog", ago(days=10), 1)
    p.lab("creatinine_umol", ago(days=7), 72)
    p.lab("hb_gl", ago(days=7), 118)
    p.lab("plt", ago(days=7), 310)
    p.lab("bili", ago(days=7), 0.9)
    return meta(p, "Bulky symptomatic progressive pNET, 60 % liver burden (CAPTEM)",
                "56-year-old woman, pancreatic-head NET G2 (Ki-67 18 %) coded C25.0 with NEN morphology 8249/3, "
                "60 % liver replacement, pain, rapid growth; SSTR uptake below liver. Creatinine in µmol/L and "
                "Hb in g/L.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G2", "ki67": 18,
                        "sstr": "lower_than_liver", "progression": True, "extent": "metastatic"},
                rows=["P-04", "P-03", "LD-02", "G-08", "NR-03"], also=["P-07"],
                not_rows=["P-05", "M-03", "P-02"],
                shapes=["C25.0 + morphology Observation 59847-4", "creatinine µmol/L", "Hb g/L",
                        "sstr lower-than-liver"])


@scenario
def s14():
    p = P("net-14", "Test Patient Xi", "male", "1961-12-12")
    p.condition("primary", "C25.4", onset=ago(years=4), clinical="recurrence")
    p.condition("liver", "C7B.02", onset=ago(years=1, months=6))
    p.procedure("whipple", ago(years=4),
                (CPT, "48150", "Pancreatectomy, proximal subtotal with total duodenectomy, partial gastrectomy, "
                               "choledochoenterostomy and gastrojejunostomy (Whipple-type procedure); with "
                               "pancreatojejunostomy"),
                text="Whipple pancreaticoduodenectomy", mcode=True)
    p.ki67("ki67", ago(years=1, months=6), 7, site="liver metastasis")
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.med_request("everolimus", "everolimus10_afinitor", ago(years=1, months=4), status="stopped",
                  dosage="10 mg daily")
    p.status("status-1", ago(months=8), "progressive")
    p.status("status", ago(months=1), "progressive", note="Liver-only progression; no extrahepatic disease.")
    p.burden("burden", ago(months=1), 25)
    good_labs(p, ago(days=10))
    return meta(p, "pNET after Whipple, liver-only progression after everolimus",
                "64-year-old man, Whipple for pNET 4 years ago (bilio-enteric anastomosis), liver-only recurrence "
                "progressing after everolimus; SSTR uptake higher than liver. Liver-directed therapy carries an "
                "abscess risk.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 7, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "bilio_enteric_anastomosis": True},
                rows=["P-06", "P-05", "P-08", "G-08"], also=["P-03", "LD-02", "NR-18", "LD-03"],
                not_rows=["P-01", "P-02"],
                shapes=["Whipple CPT 48150", "Condition clinicalStatus recurrence",
                        "everolimus SBD 845512 stopped"])


@scenario
def s15():
    p = P("net-15", "Test Patient Omicron", "female", "1983-06-06")
    p.condition("insulinoma", "D13.7", (SCT, "302822000", "Pancreatic insulinoma"), onset=ago(days=70),
                text="Insulinoma, pancreatic body, 1.2 cm")
    p.condition("hypo", "E16.1", onset=ago(months=4), note="Whipple triad documented.")
    p.morphology("morph", ago(days=40), "8151/3")
    p.ki67("ki67", ago(days=40), 1, site="EUS-FNA pancreatic body")
    p.size("size", ago(days=70), 1.2)
    p.lab("glucose", ago(days=72), 38, interpretation="LL", sfx="glucose-fast")
    p.lab("insulin", ago(days=72), 18, interpretation="H")
    p.lab("cpeptide", ago(days=72), 3.1, interpretation="H")
    p.resectability("resect", ago(days=30), "resectable")
    p.med_request("diazoxide", "diazoxide", ago(days=60), dosage="100 mg by mouth three times daily")
    p.med_request("octreotide", "octreotide_sc", ago(days=5), status="draft", intent="proposal",
                  dosage="50 micrograms SC twice daily", note="Proposed to control hypoglycaemia.")
    return meta(p, "Localized insulinoma; SSA proposed without SSTR imaging",
                "43-year-old woman with fasting hypoglycaemia (glucose 38 mg/dL, inappropriately high insulin and "
                "C-peptide) from a 1.2 cm insulinoma (D13.7 + SNOMED 302822000, morphology 8151/3); on diazoxide; "
                "short-acting octreotide proposed although no SSTR imaging is on file.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 1, "sstr": None, "extent": "localized",
                        "syndromes": ["insulinoma"]},
                rows=["F-07", "NR-12", "G-07", "G-08"], also=["G-01", "P-01"],
                not_rows=["F-01", "P-03", "M-02"],
                shapes=["D13.7 benign code + SNOMED insulinoma", "morphology Observation 31206-6",
                        "octreotide short-acting 312069 draft proposal"])


@scenario
def s16():
    p = P("net-16", "Test Patient Pi", "male", "1969-09-09")
    p.condition("primary", "C25.4", (SCT, "53132006", "Zollinger-Ellison syndrome"), onset=ago(years=1))
    p.condition("zes", "E16.4", onset=ago(years=1))
    p.condition("liver", "C7B.02", onset=ago(years=1))
    p.morphology("morph", ago(years=1), "8153/3")
    p.ki67("ki67", ago(years=1), 4)
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    p.lab("gastrin", ago(months=1), 1200, interpretation="H")
    p.med_statement("ppi", "pantoprazole", ago(years=1), dosage="80 mg twice daily")
    p.status("status", ago(months=3), "stable")
    return meta(p, "Metastatic gastrinoma (ZES) on high-dose PPI",
                "57-year-old man with Zollinger-Ellison syndrome from a pancreatic gastrinoma (8153/3) with liver "
                "metastases, Ki-67 4 %, on pantoprazole 80 mg BID, gastrin 1200 pg/mL, stable, SSTR-positive.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["gastrinoma"]},
                rows=["F-08", "G-07", "G-08", "P-02"], also=["O-02"], not_rows=["F-02", "NR-09", "G-09"],
                shapes=["E16.4 + SNOMED 53132006", "PPI MedicationStatement"])


@scenario
def s17():
    p = P("net-17", "Test Patient Rho", "female", "1965-04-14")
    p.condition("primary", "C25.4", (SCT, "253005002", "VIPoma"), onset=ago(months=2))
    p.condition("vip", "E16.8", onset=ago(months=2), text="VIP hypersecretion (WDHA syndrome)")
    p.condition("hypok", "E87.6", onset=ago(months=2))
    p.condition("liver", "C78.7", onset=ago(months=2))
    p.morphology("morph", ago(months=2), "8155/3")
    p.ki67("ki67", ago(months=2), 6)
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.obs("vip-level", cc(text="Vasoactive intestinal peptide (VIP), plasma"), ago(months=2),
          value={"valueQuantity": qty(420, "pg/mL", "pg/mL")}, interpretation="H")
    p.lab("potassium", ago(days=3), 2.9, interpretation="L")
    return meta(p, "Metastatic VIPoma with hypokalaemia",
                "61-year-old woman with watery diarrhoea, hypokalaemia (K 2.9) and a pancreatic VIPoma with liver "
                "metastases; VIP result carries only a local text code; untreated.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 6, "sstr": "positive_all",
                        "extent": "metastatic", "syndromes": ["vipoma"]},
                rows=["F-09", "G-07", "G-08", "P-02"], also=["F-01"], not_rows=["F-02", "NR-09"],
                shapes=["E16.8 + SNOMED VIPoma", "Observation with text-only code"])


@scenario
def s18():
    p = P("net-18", "Test Patient Sigma", "female", "1988-01-31")
    p.condition("men1", "E31.21", (SCT, "30664006", "Multiple endocrine neoplasia, type 1"), onset=ago(years=6))
    p.condition("hpt", "E21.0", onset=ago(years=6))
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pNET 1.2 cm, MEN1")
    p.ki67("ki67", ago(years=2), 2)
    p.size("size-1", ago(years=1), 1.1)
    p.size("size", ago(months=1), 1.2)
    p.lab("calcium", ago(months=1), 11.1, interpretation="H")
    p.lab("pth", ago(months=1), 142, interpretation="H")
    p.status("status", ago(months=1), "stable")
    return meta(p, "MEN1 with small non-functioning pNET",
                "38-year-old woman with MEN1 (primary hyperparathyroidism) and a 1.2 cm non-functioning pNET G1, "
                "stable over a year on MRI.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "progression": False, "extent": "localized",
                        "hereditary": ["MEN1"], "tumor_size_cm": 1.2},
                rows=["H-01"], not_rows=["G-08", "P-01", "P-02", "P-03", "H-02", "M-02"],
                shapes=["E31.21 + SNOMED 30664006", "serial tumour size"])


@scenario
def s19():
    p = P("net-19", "Test Patient Tau", "male", "1990-08-18")
    p.condition("vhl", "Q85.8", onset=ago(years=8), text="Von Hippel-Lindau disease (germline VHL variant)")
    p.condition("primary", "C25.4", onset=ago(years=2), text="VHL-associated pNET, pancreatic head")
    p.ki67("ki67", ago(years=2), 3)
    p.size("size-1", ago(years=1), 2.1)
    p.size("size", ago(months=1), 2.7)
    p.status("status", ago(months=1), "progressive", note="Growth 2.1 -> 2.7 cm in 12 months.")
    p.resectability("resect", ago(months=1), "resectable")
    return meta(p, "VHL pNET growing below 3 cm: belzutifan or surgery for the MDT (legacy Q85.8)",
                "36-year-old man with von Hippel-Lindau disease recorded under the pre-2023 code Q85.8 with text; "
                "pNET G2 growing 2.1 -> 2.7 cm, below the ~3 cm size threshold but with a volume doubling time of "
                "~308 days (< 500 days, itself a surgical criterion): belzutifan (H-04) and surgery (H-05) are both "
                "legitimate options for the MDT.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 3, "progression": True, "extent": "localized",
                        "hereditary": ["VHL"], "tumor_size_cm": 2.7},
                rows=["H-04"], also=["G-01", "P-03", "H-05"], not_rows=["G-08", "NR-11"],
                shapes=["legacy Q85.8 with VHL text"])


@scenario
def s20():
    p = P("net-20", "Test Patient Upsilon", "female", "1994-02-02")
    p.condition("vhl", "Q85.83", (SCT, "46659004", "von Hippel-Lindau disease"), onset=ago(years=10))
    p.condition("primary", "C25.4", onset=ago(years=1), text="VHL pNET, pancreatic body")
    p.condition("preg", "Z33.1", onset=ago(weeks=14))
    p.pregnancy("preg-status", ago(days=20))
    p.ki67("ki67", ago(years=1), 2)
    p.size("size", ago(months=1), 2.2)
    p.status("status", ago(months=1), "progressive")
    p.med_request("belzutifan", "belzutifan40", ago(days=4), status="draft", intent="proposal",
                  dosage="120 mg (3 x 40 mg) by mouth once daily")
    return meta(p, "VHL pNET, pregnant, belzutifan proposed",
                "32-year-old pregnant woman (14 weeks) with VHL (Q85.83) and a growing 2.2 cm pNET G1; belzutifan "
                "has been proposed.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "progression": True, "extent": "localized",
                        "hereditary": ["VHL"], "pregnant": True, "tumor_size_cm": 2.2},
                rows=["NR-11", "H-04"], not_rows=["G-08", "P-03", "P-05"],
                shapes=["Q85.83 + SNOMED 46659004", "pregnancy Condition Z33.1 + Observation 82810-3",
                        "draft MedicationRequest"])


@scenario
def s21():
    p = P("net-21", "Test Patient Phi", "male", "1963-05-25")
    p.condition("primary", "C25.4", onset=ago(days=45), mcode="mcode-primary-cancer-condition", morphology="8249/3")
    p.condition("liver", "C7B.02", onset=ago(days=45))
    p.ki67("ki67", ago(days=45), 35, mcode=True)
    p.ki67("ki67-dup", ago(days=45), 35, mcode=True, note="Duplicate interface message.")
    p.differentiation("diff", ago(days=45), "well")
    p.mitoses("mitoses", ago(days=45), 8)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Well-differentiated G3 pNET, Ki-67 35 %, SSTR+ (duplicate Ki-67)",
                "63-year-old man, newly diagnosed WD pNET G3 (Ki-67 35 %, reported twice by the interface), liver "
                "metastases, all lesions SSTR-avid above liver.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 35,
                        "sstr": "positive_all", "extent": "metastatic"},
                rows=["G3-01", "G-08"], also=["M-03", "P-05", "P-04"],
                not_rows=["G-02", "N-02", "G3-02", "P-02"],
                shapes=["duplicated Ki-67 results", "local differentiation = well"])


@scenario
def s22():
    p = P("net-22", "Test Patient Chi", "female", "1957-10-01")
    p.condition("primary", "C25.4", onset=ago(months=2))
    p.condition("liver", "C7B.02", onset=ago(months=2))
    p.condition("bone", "C7B.03", onset=ago(months=2))
    p.ki67("ki67", ago(months=2), 70)
    p.differentiation("diff", ago(months=2), "well")
    p.sstr("sstr", ago(months=1), "heterogeneous")
    p.fdg("fdg", ago(months=1), True)
    p.status("status", ago(days=7), "progressive")
    p.ecog("ecog", ago(days=7), 1)
    good_labs(p, ago(days=7))
    return meta(p, "WD G3 pNET, Ki-67 70 %, SSTR heterogeneous, FDG-avid",
                "69-year-old woman with WD pNET G3 (Ki-67 70 %), liver and bone metastases, heterogeneous SSTR uptake, "
                "FDG-avid, rapid growth.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 70,
                        "sstr": "positive_heterogeneous", "progression": True, "extent": "metastatic"},
                rows=["G3-02", "NR-03", "G-08"], also=["NR-15"],
                not_rows=["G3-01", "M-03", "P-05", "G-02"],
                shapes=["sstr heterogeneous + fdg avid", "Ki-67 >55 % in WD tumour"])


# =========================================================================== lung


@scenario
def s23():
    p = P("net-23", "Test Patient Psi", "male", "1972-07-07")
    p.condition("primary", "C7A.090", (SCT, "254627002", "Lung carcinoid tumor"), onset=ago(days=35),
                text="Typical carcinoid, right middle lobe, 2.1 cm")
    p.morphology("morph", ago(days=35), "8240/3")
    p.mitoses("mitoses", ago(days=35), 1)
    p.ki67("ki67", ago(days=35), 2)
    p.size("size", ago(days=35), 2.1)
    p.resectability("resect", ago(days=20), "resectable")
    return meta(p, "Localized typical lung carcinoid",
                "54-year-old man with a 2.1 cm typical carcinoid (8240/3, <2 mitoses/2 mm², no necrosis), "
                "node-negative, resectable.",
                expect={"site": "lung_thymus", "lung_type": "typical", "ki67": 2, "extent": "localized"},
                rows=["L-01", "G-01"], not_rows=["L-03", "L-05", "NR-01", "G-03"],
                shapes=["C7A.090 + SNOMED 254627002", "mitotic count"])


@scenario
def s24():
    p = P("net-24", "Test Patient Omega", "female", "1955-09-14")
    p.condition("primary", "C7A.090", (SCT, "445238008", "Atypical carcinoid tumor"), onset=ago(years=2))
    p.condition("liver", "C78.7", onset=ago(years=1))
    p.morphology("morph", ago(years=2), "8249/3")
    p.mitoses("mitoses", ago(years=2), 6)
    p.ki67("ki67", ago(years=2), 18)
    p.sstr("sstr", ago(months=2), "negative")
    p.status("status", ago(months=1), "progressive")
    p.ecog("ecog", ago(months=1), 1)
    good_labs(p, ago(days=9))
    return meta(p, "Progressive metastatic atypical lung carcinoid, SSTR-negative",
                "71-year-old woman with an atypical carcinoid (6 mitoses/2 mm², Ki-67 18 %) with liver metastases, "
                "SSTR-negative, progressing, non-functional.",
                expect={"site": "lung_thymus", "lung_type": "atypical", "ki67": 18, "sstr": "negative",
                        "progression": True, "extent": "metastatic"},
                rows=["L-03", "L-05", "NR-03"], also=["L-06", "NR-01", "LD-02"],
                not_rows=["L-04", "L-02", "M-04", "G-03"],
                shapes=["atypical carcinoid SNOMED 445238008"])


@scenario
def s25():
    p = P("net-25", "Test Patient Bravo", "male", "1951-11-11")
    p.condition("primary", "C34.11", onset=ago(months=3), mcode="mcode-primary-cancer-condition",
                morphology="8041/3", text="Small cell lung carcinoma, extensive stage")
    p.ki67("ki67", ago(months=3), 80)
    p.med_request("carboplatin", "carboplatin", ago(months=2), status="completed")
    p.med_request("etoposide", "etoposide", ago(months=2), status="completed")
    p.lab("nse", ago(months=1), 85, interpretation="H")
    return meta(p, "Small-cell lung carcinoma (out of scope)",
                "75-year-old man with extensive-stage small-cell lung carcinoma (C34.11 + 8041/3) after "
                "carboplatin-etoposide; Ki-67 80 %. Must route to the SCLC guideline with no NET cards.",
                expect={"scope": "sclc", "site": "lung_thymus", "differentiation": "poor", "ki67": 80},
                rows=["G-03"], also=["NR-22"], not_rows=[r for r in ALL_NET_ROWS if r != "G-03"],
                shapes=["C34.x + 8041/3 via mCODE extension"])


# =========================================================================== other GI


@scenario
def s26():
    p = P("net-26", "Test Patient Charlie", "female", "1960-02-20")
    p.condition("primary", "C7A.092", onset=ago(months=4), text="Multifocal gastric NETs (type 1), all <1 cm")
    p.condition("cag", "K29.40", onset=ago(years=3), text="Autoimmune chronic atrophic gastritis")
    p.condition("b12", "D51.0", onset=ago(years=3))
    p.morphology("morph", ago(months=4), "8242/3")
    p.ki67("ki67", ago(months=4), 1)
    p.size("size", ago(months=4), 0.6)
    p.lab("gastrin", ago(months=4), 850, interpretation="H")
    p.lab("cga", ago(months=4), 410, interpretation="H")
    return meta(p, "Gastric type 1 NET (atrophic gastritis, hypergastrinaemia)",
                "66-year-old woman with autoimmune atrophic gastritis, pernicious anaemia, gastrin 850 pg/mL and "
                "multiple sub-centimetre gastric ECL-cell NETs G1.",
                expect={"site": "other_gi", "site_detail": "stomach", "grade": "G1", "ki67": 1,
                        "extent": "localized", "gastric_type": 1},
                rows=["O-01"], also=["G-09"], not_rows=["M-02", "M-04", "F-08", "G-07"],
                shapes=["ECL morphology 8242/3", "gastrin high without gastrinoma"])


@scenario
def s27():
    p = P("net-27", "Test Patient Foxtrot", "male", "1977-03-03")
    p.condition("primary", "C7A.026", onset=ago(days=25), text="Rectal carcinoid 8 mm, found at screening colonoscopy")
    p.condition("liver-refuted", "C78.7", verification="refuted", clinical=None, onset=ago(days=25),
                note="MRI: the liver lesion is a haemangioma, not a metastasis.")
    p.ki67("ki67", ago(days=25), 1, loinc="85330-9", site="rectal polyp")
    p.size("size", ago(days=25), 0.8)
    return meta(p, "Rectal NET 8 mm G1 (Ki-67 coded 85330-9; refuted liver metastasis)",
                "49-year-old man with an 8 mm rectal NET G1 at screening colonoscopy. Ki-67 filed under the breast "
                "LOINC 85330-9 by the lab; a suspected liver metastasis was refuted (haemangioma). Plain EHR style.",
                expect={"site": "other_gi", "site_detail": "rectum", "grade": "G1", "ki67": 1,
                        "extent": "localized", "tumor_size_cm": 0.8},
                rows=["O-04"], also=["G-01"], not_rows=["O-06", "M-02", "G-06", "LD-02"],
                shapes=["Ki-67 coded only with LOINC 85330-9 in a NEN", "refuted metastasis Condition"])


@scenario
def s28():
    p = P("net-28", "Test Patient Golf", "female", "1999-12-05")
    p.condition("primary", "C7A.020", onset=ago(months=2), clinical="resolved",
                text="Appendiceal NET 1.1 cm, tip, found at appendectomy")
    p.procedure("appendectomy", ago(months=2), (CPT, "44950", "Appendectomy"), text="Laparoscopic appendectomy",
                outcome="Margins clear; no mesoappendiceal invasion; no lymphovascular invasion")
    p.ki67("ki67", ago(months=2), 1)
    p.size("size", ago(months=2), 1.1)
    return meta(p, "Appendiceal NET 1.1 cm after appendectomy",
                "26-year-old woman with an incidental 1.1 cm appendiceal NET G1 at the tip after appendectomy for "
                "appendicitis; no risk features (margins clear, no mesoappendiceal invasion, no lympho-vascular "
                "invasion, tip: each stated in the record). O-05: appendectomy suffices, no or limited follow-up, "
                "each deciding fact listed with its date; no generic G-01 follow-up card beside it.",
                expect={"site": "midgut", "site_detail": "appendix", "grade": "G1", "ki67": 1,
                        "extent": "localized", "tumor_size_cm": 1.1},
                rows=["O-05"], also=["NR-08"], not_rows=["M-02", "M-01", "G-06", "G-01"],
                shapes=["appendectomy CPT 44950", "Condition clinicalStatus resolved"])


@scenario
def s29():
    p = P("net-29", "Test Patient Hotel", "male", "1967-08-08")
    p.condition("primary", "C7A.012", onset=ago(months=3), clinical="remission", mcode="mcode-primary-cancer-condition",
                morphology="8249/3")
    p.procedure("resection", ago(months=2), (CPT, "44120", "Enterectomy, resection of small intestine; single "
                                                           "resection and anastomosis"),
                text="Ileal resection with mesenteric lymphadenectomy", outcome="R0 resection (all margins negative)",
                note="pT3 pN1 (4/14 nodes). R0.", mcode=True)
    p.ki67("ki67", ago(months=2), 4)
    p.sstr("sstr", ago(months=4), "higher-than-liver", note="Pre-operative: primary and mesenteric node only.")
    p.med_request("lar", "octreotide_lar30", ago(days=6), status="draft", intent="proposal",
                  dosage="30 mg IM every 4 weeks", note="Adjuvant SSA proposed by referring physician.")
    return meta(p, "R0-resected ileal NET; adjuvant SSA proposed",
                "59-year-old man after R0 ileal resection with lymphadenectomy for NET G2 (pN1); no residual disease; "
                "octreotide LAR proposed as 'adjuvant'.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "localized",
                        "r0_resection": True},
                rows=["G-01", "NR-08"], also=["M-10"], not_rows=["M-02", "M-03", "M-04", "M-01"],
                shapes=["R0 resection Procedure CPT 44120 with outcome text", "clinicalStatus remission",
                        "draft/proposal MedicationRequest"])


# =========================================================================== NEC / MiNEN


@scenario
def s30():
    p = P("net-30", "Test Patient India", "male", "1959-04-04")
    p.condition("primary", "C7A.1", onset=ago(days=30), text="Large-cell neuroendocrine carcinoma of sigmoid colon",
                morphology="8013/3", mcode="mcode-primary-cancer-condition",
                body_site=cc((SCT, "60184004", "Sigmoid colon structure"), text="Sigmoid colon"))
    p.condition("liver", "C78.7", onset=ago(days=30))
    p.ki67("ki67", ago(days=30), 75)
    p.differentiation("diff", ago(days=30), "poor")
    p.med_statement("lanreotide", "lanreotide120", ago(days=20), dosage="120 mg every 4 weeks",
                    asserted=ago(days=2))
    p.ecog("ecog", ago(days=5), 1)
    good_labs(p, ago(days=5))
    return meta(p, "Advanced extrapulmonary large-cell NEC, started on lanreotide",
                "67-year-old man with large-cell NEC of the sigmoid colon (C7A.1 + 8013/3), Ki-67 75 %, liver "
                "metastases; lanreotide was started by another team.",
                expect={"scope": "nec", "site": "other_gi", "differentiation": "poor", "grade": "NEC", "ki67": 75,
                        "extent": "metastatic"},
                rows=["G-02", "N-02", "NR-05"], also=["NR-06"],
                not_rows=["M-02", "M-03", "M-04", "G3-01", "G3-02", "P-03"],
                shapes=["C7A.1 + 8013/3", "SSA in NEC"])


@scenario
def s31():
    p = P("net-31", "Test Patient Juliett", "female", "1962-06-16")
    p.condition("primary", "C18.2", onset=ago(days=40), mcode="mcode-primary-cancer-condition", morphology="8244/3",
                text="Mixed adenoneuroendocrine carcinoma, ascending colon")
    p.ki67("ki67", ago(days=40), 45, note="Neuroendocrine component; adenocarcinoma component ~40 %.")
    p.differentiation("diff", ago(days=40), "mixed")
    return meta(p, "MiNEN of the ascending colon",
                "64-year-old woman with a mixed adenoneuroendocrine carcinoma (8244/3) of the ascending colon.",
                expect={"scope": "minen", "site": "midgut", "differentiation": "mixed", "ki67": 45},
                rows=["G-04"], not_rows=["M-02", "M-03", "G3-01", "G3-02"],
                shapes=["non-NEN ICD-10 code + MiNEN morphology"])


# =========================================================================== data gaps


@scenario
def s32():
    p = P("net-32", "Test Patient Kilo", "male", "1966-01-01")
    p.condition("primary", "C7A.019", onset=ago(months=2))
    p.condition("liver", "C7B.02", onset=ago(months=2))
    p.ki67("ki67-presence", ago(months=2), loinc="33055-5")
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    return meta(p, "Metastatic small-bowel NET without a Ki-67 index",
                "60-year-old man with metastatic small-bowel NET; pathology only says 'Ki-67 positive' (33055-5), "
                "no index, no mitotic count, no differentiation statement.",
                expect={"site": "midgut", "sstr": "positive_all", "extent": "metastatic"},
                rows=["G-05"], also=["M-02", "M-01"], not_rows=["M-03", "M-04", "G3-01"],
                shapes=["Ki-67 presence only (33055-5)"])


@scenario
def s33():
    p = P("net-33", "Test Patient Lima", "female", "1973-05-19")
    p.condition("primary", "C7A.012", onset=ago(months=2))
    p.condition("liver", "C7B.02", onset=ago(months=2))
    p.ki67("ki67", ago(months=2), 6)
    p.obs("ct", cc(text="CT abdomen report"), ago(months=2), category="imaging",
          value={"valueString": "Multiple hypervascular liver metastases; ileal mass with mesenteric spiculation."})
    return meta(p, "Advanced midgut NET without SSTR imaging",
                "53-year-old woman with metastatic ileal NET G2 (Ki-67 6 %); only a CT, no SSTR imaging on file.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": None, "extent": "metastatic"},
                rows=["G-06"], also=["M-10", "M-01"], not_rows=["M-03", "M-04", "NR-03"],
                shapes=["no SSTR imaging", "free-text imaging Observation"])


@scenario
def s34():
    p = P("net-34", "Test Patient Mike", "male", "1957-02-14")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("gerd", "K21.9", onset=ago(years=5))
    p.ki67("ki67", ago(years=3), 3)
    p.sstr("sstr", ago(months=9), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2, months=10), dosage="120 mg every 4 weeks")
    p.med_statement("ppi", "omeprazole", ago(months=7), dosage="40 mg daily")
    for i, (when, v) in enumerate([(ago(months=9), 150), (ago(months=5), 420), (ago(months=1), 980)], start=1):
        p.lab("cga", when, v, sfx=f"cga-{i}", mcode=True, interpretation="H")
    p.status("status", ago(months=1), "stable", note="CT: stable disease (RECIST).")
    return meta(p, "Rising chromogranin A on a PPI, imaging stable",
                "69-year-old man with metastatic ileal NET on lanreotide; omeprazole started 7 months ago for reflux; "
                "CgA 150 -> 420 -> 980 ng/mL while CT shows stable disease.",
                expect={"site": "midgut", "grade": "G2", "ki67": 3, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic"},
                rows=["G-09"], also=["NR-21", "M-02"], not_rows=["M-04", "M-06", "M-07", "M-05"],
                shapes=["serial CgA TumorMarkerTest", "PPI MedicationStatement"])


# =========================================================================== safety


@scenario
def s35():
    p = P("net-35", "Test Patient November", "female", "1961-09-03")
    p.condition("primary", "C25.4", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("pneumonia", "J18.9", onset=ago(days=3), category="encounter-diagnosis")
    p.ki67("ki67", ago(years=2), 8)
    p.sstr("sstr", ago(months=5), "negative")
    p.status("status", ago(months=4), "progressive")
    p.med_request("everolimus", "everolimus10", ago(months=3), dosage="10 mg by mouth once daily")
    p.med_request("clarithromycin", "clarithromycin", ago(days=2), dosage="500 mg by mouth twice daily for 7 days")
    p.lab("glucose", ago(days=2), 148)
    return meta(p, "pNET on everolimus, clarithromycin started",
                "65-year-old woman with SSTR-negative progressive pNET on everolimus for 3 months; clarithromycin "
                "(strong CYP3A4 inhibitor) prescribed two days ago for pneumonia.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 8, "sstr": "negative", "progression": True,
                        "extent": "metastatic"},
                rows=["NR-19", "G-08"], also=["P-03", "P-07", "NR-03"], not_rows=["P-05", "M-04"],
                shapes=["clarithromycin IN 21212 MedicationRequest"])


@scenario
def s36():
    p = P("net-36", "Test Patient Oscar", "male", "1964-12-30")
    p.condition("primary", "C7A.012", onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("cs", "E34.00", onset=ago(years=2))
    p.ki67("ki67", ago(years=2), 5)
    p.sstr("sstr", ago(months=8), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2), end=ago(months=3), status="stopped",
                    dosage="30 mg IM every 4 weeks")
    p.med_request("telotristat", "telotristat", ago(months=2), dosage="250 mg by mouth three times daily with food")
    p.bowel("bm", ago(days=5), 5)
    p.status("status", ago(months=2), "stable")
    return meta(p, "Telotristat without a somatostatin analogue",
                "62-year-old man with carcinoid syndrome whose octreotide LAR was stopped 3 months ago; he takes "
                "telotristat alone and still has 5 bowel movements a day.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["NR-09", "F-01", "G-07"], also=["F-02", "M-02"], not_rows=["M-04"],
                shapes=["MedicationStatement status stopped with end date", "telotristat SCD 1872453"])


@scenario
def s37():
    p = P("net-37", "Test Patient Papa", "female", "1948-05-22")
    p.condition("primary", "C7A.012", onset=ago(years=5))
    p.condition("liver", "C7B.02", onset=ago(years=5))
    p.condition("ckd", "N18.3", onset=ago(years=3))
    p.ki67("ki67", ago(years=5), 6)
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    for i, when in enumerate([ago(days=84), ago(days=56), ago(days=28)], start=1):
        p.med_admin(f"lar-{i}", "octreotide_lar30", when, dose=qty(30, "mg", "mg"))
    p.status("status", ago(months=1), "progressive")
    p.lab("crcl_cg", ago(days=10), 40)
    p.lab("creatinine_umol", ago(days=10), 160, interpretation="H")
    p.lab("plt_mm3", ago(days=10), 70000, interpretation="L")
    p.lab("hb_gl", ago(days=10), 105, interpretation="L")
    p.lab("wbc", ago(days=10), 3.9)
    p.lab("bili", ago(days=10), 0.7)
    p.lab("alb", ago(days=10), 3.6)
    return meta(p, "PRRT candidate with CrCl 40 mL/min and platelets 70 000/mm³",
                "78-year-old woman with midgut NET progressing on octreotide LAR (MedicationAdministrations), "
                "SSTR-positive, but CKD 3: Cockcroft-Gault CrCl 40 mL/min, creatinine 160 µmol/L, platelets "
                "70 000/mm³, Hb 105 g/L.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "labs": {"creatinine_clearance": 40, "platelets": 70,
                                                         "hemoglobin": 10.5, "creatinine": 1.81}},
                rows=["M-04", "NR-04"], also=["M-05"], not_rows=["M-03"],
                shapes=["platelets per mm³", "creatinine µmol/L", "Hb g/L", "CrCl Cockcroft-Gault 35591-7",
                        "MedicationAdministration 898601"])


@scenario
def s38():
    p = P("net-38", "Test Patient Quebec", "male", "1960-10-20")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 5)
    p.sstr("sstr", ago(months=3), "higher-than-liver")
    p.status("status", ago(months=3), "progressive")
    p.med_admin("lar-1", "octreotide_lar30", ago(days=75), dose=qty(30, "mg", "mg"))
    p.med_admin("prrt-1", "lutathera", "2026-10-06", dose=qty(7.4, "GBq", "GBq"), mcode=True)
    p.med_admin("lar-2", "octreotide_lar30", "2026-10-06", dose=qty(30, "mg", "mg"))
    p.med_admin("lar-3", "octreotide_lar30", "2026-11-15", dose=qty(30, "mg", "mg"))
    p.med_request("prrt-2", "lutathera", "2026-10-06", dosage="7.4 GBq IV, cycle 2 of 4", event="2026-12-01",
                  mcode=True)
    good_labs(p, ago(days=8))
    return meta(p, "Octreotide LAR given 16 days before the next Lutathera dose",
                "66-year-old man receiving Lu-177 dotatate (cycle 1 on 2026-10-06, cycle 2 ordered for 2026-12-01); an "
                "extra octreotide LAR 30 mg injection was given on 2026-11-15, less than 4 weeks before cycle 2.",
                expect={"site": "midgut", "grade": "G2", "ki67": 5, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "next_prrt_date": "2026-12-01"},
                rows=["NR-17"], also=["M-04", "F-05"], not_rows=["M-03", "M-07"],
                shapes=["planned PRRT via MedicationRequest timing.event (future date)",
                        "Lutathera RxNorm 1999682 MedicationAdministration"])


# =========================================================================== not a NET


@scenario
def s39():
    p = P("net-39", "Test Patient Romeo", "male", "1955-03-17")
    p.condition("htn", "I10", onset=ago(years=10))
    p.condition("dm", "E11.9", onset=ago(years=6))
    p.condition("lipid", "E78.5", onset=ago(years=6))
    p.med_request("metformin", "metformin", ago(years=5), dosage="1000 mg twice daily")
    p.med_statement("lisinopril", "lisinopril", ago(years=9), dosage="20 mg daily")
    p.lab("hba1c", ago(months=2), 7.4)
    p.lab("creatinine", ago(months=2), 1.1)
    p.bp("bp", ago(months=2), 142, 88)
    return meta(p, "No neuroendocrine neoplasm (hypertension, diabetes)",
                "71-year-old man with hypertension, type 2 diabetes and hyperlipidaemia; no neoplasm. Expect no cards.",
                expect={"scope": "none"}, rows=[], not_rows=ALL_NET_ROWS + ["G-03"],
                shapes=["no NEN: empty result"])


@scenario
def s40():
    p = P("net-40", "Test Patient Sierra", "female", "1970-11-30")
    p.condition("primary", "C50.911", onset=ago(months=6), mcode="mcode-primary-cancer-condition", morphology="8500/3")
    p.ki67("ki67", ago(months=6), 30, loinc="85330-9", site="breast core biopsy")
    p.med_request("letrozole", "letrozole", ago(months=4), dosage="2.5 mg daily")
    return meta(p, "Breast cancer with Ki-67 30 % (not a NET)",
                "56-year-old woman with invasive ductal breast carcinoma (C50.911 + 8500/3), Ki-67 30 % (85330-9), "
                "on letrozole. Not a NEN: expect no cards.",
                expect={"scope": "none"}, rows=[], not_rows=ALL_NET_ROWS + ["G-03"],
                shapes=["non-NEN cancer with Ki-67 85330-9"])


# =========================================================================== net-41.. (every §4 row, more shapes)
# Fictional sources for the two-feed duplicate patient (net-50): meta.source URIs on example.org.
FEED_LIS = "https://lis.hospital.example.org/fhir"
FEED_HIE = "https://hie.region.example.org/fhir"
REFUSED = (SCT, "105480006", "Refusal of treatment by patient (situation)")
PRRT_PROC = (SCT, "440252007", "Administration of radiopharmaceutical (procedure)")


@scenario
def s41():
    p = P("net-41", "Test Patient Echo", "male", "1954-08-19")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.condition("ckd", "N18.4", onset=ago(years=4), text="CKD stage 4 (diabetic nephropathy)")
    p.ki67("ki67", ago(years=3), 6)
    p.sstr("sstr", ago(months=1), "higher-than-liver", note="All target lesions above liver.")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2, months=3), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(months=1), "progressive", note="RECIST 1.1 progression: enlarging liver metastases.")
    p.ecog("ecog", ago(months=1), 1)
    p.lab("crcl_cg", ago(days=9), 25, interpretation="L")
    p.lab("creatinine", ago(days=9), 2.6, interpretation="H")
    p.lab("egfr", ago(days=9), 24, interpretation="L")
    p.lab("hb", ago(days=9), 11.6)
    p.lab("wbc", ago(days=9), 5.8)
    p.lab("plt", ago(days=9), 198)
    p.lab("bili", ago(days=9), 0.5)
    p.lab("alb", ago(days=9), 3.8)
    return meta(p, "Midgut NET progressing on lanreotide, SSTR+, CrCl 25 mL/min (everolimus, not PRRT)",
                "72-year-old man with a non-functioning metastatic ileal NET G2 (Ki-67 6 %) progressing after 2 years "
                "of lanreotide; SSTR uptake higher than liver, but CKD stage 4 with a Cockcroft-Gault creatinine "
                "clearance of 25 mL/min, where Lu-177 dotatate has not been studied (EU SmPC: contraindicated). "
                "Everolimus is the realistic next line.",
                expect={"site": "midgut", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "labs": {"creatinine_clearance": 25}},
                rows=["M-05", "NR-04"], also=["M-04", "M-08", "LD-02"],
                not_rows=["M-03", "M-06", "M-07", "F-01", "NR-01", "NR-02", "P-03"],
                shapes=["CrCl 25 mL/min (35591-7) + eGFR 98979-8 + creatinine mg/dL", "N18.4 CKD stage 4"])


@scenario
def s42():
    p = P("net-42", "Test Patient Tango", "female", "1961-03-05")
    p.condition("primary", (SCT, "443492008", "Carcinoid tumor"), onset=ago(years=2), mcode="mcode-primary-cancer-condition",
                body_site=cc((SCT, "34516001", "Ileal structure"), text="Ileum"),
                morphology_sct=(SCT, "1286770005", "Well-differentiated neuroendocrine tumor grade 2 (morphologic abnormality)"),
                text="Well-differentiated NET G2 of the ileum")
    p.condition("liver", (SCT, "94381002", "Metastatic malignant neoplasm to liver (disorder)"), onset=ago(years=2),
                mcode="mcode-secondary-cancer-condition", related="primary")
    p.ki67("ki67", ago(years=2), 7, mcode=True)
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    for i, when in enumerate([ago(days=84), ago(days=56), ago(days=28)], start=1):
        p.med_admin(f"lar-{i}", "octreotide_lar30", when, dose=qty(30, "mg", "mg"), mcode=True)
    p.status("status", ago(months=2), "progressive", note="New liver lesions on MRI.")
    p.procedure("prrt-declined", ago(days=51), PRRT_PROC, text="Lu-177 dotatate PRRT (offered)", status="not-done",
                status_reason=REFUSED,
                note="PRRT offered after MDT; the patient declined (radiation-protection rules at home, she is the "
                     "carer of two small grandchildren).")
    p.ecog("ecog", ago(months=2), 0)
    good_labs(p, ago(days=18))
    return meta(p, "Midgut NET progressing on octreotide LAR; PRRT declined (mCODE, SNOMED only)",
                "65-year-old woman with a non-functioning well-differentiated ileal NET G2 (Ki-67 7 %) and liver "
                "metastases progressing on octreotide LAR; SSTR uptake higher than liver and normal organ function, "
                "but she declined PRRT. Her record is mCODE with SNOMED CT codes only (no ICD-10-CM anywhere).",
                expect={"site": "midgut", "differentiation": "well", "grade": "G2", "ki67": 7,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic", "prrt_declined": True},
                rows=["M-05"], also=["M-04", "M-08", "LD-02"],
                not_rows=["M-03", "M-06", "M-07", "F-01", "NR-01", "NR-02", "P-03"],
                shapes=["mCODE with SNOMED disorder codes only (443492008 + bodySite 34516001 ileum; 94381002), no ICD-10",
                        "SNOMED morphology 1286770005 in the histology-morphology-behavior extension",
                        "declined PRRT: Procedure status not-done + statusReason 105480006, performedDateTime = the "
                        "date she declined"])


@scenario
def s43():
    p = P("net-43", "Test Patient Uniform", "female", "1963-07-22")
    p.condition("primary", "C7A.012", onset=ago(years=1, months=3))
    p.condition("liver", "C7B.02", onset=ago(years=1, months=3))
    p.condition("cs", "E34.00", (SCT, "35868009", "Carcinoid syndrome"), onset=ago(years=1, months=3),
                note="Flushing dominant; diarrhoea controlled.")
    p.ki67("ki67", ago(years=1, months=3), 2)
    p.sstr("sstr", ago(months=4), "higher-than-liver")
    p.burden("burden", ago(months=4), 15)
    p.med_statement("lar", "octreotide_lar30", ago(months=11), dosage="30 mg IM every 4 weeks")
    for i, when in enumerate([ago(days=84), ago(days=56), ago(days=28)], start=1):
        p.med_admin(f"lar-{i}", "octreotide_lar30", when, dose=qty(30, "mg", "mg"))
    p.flushing("flush-1", ago(days=33), 7)
    p.flushing("flush-2", ago(days=5), 8)
    p.bowel("bm", ago(days=5), 2)
    p.lab("hiaa", ago(days=30), 58, interpretation="H")
    p.status("status", ago(months=2), "stable")
    p.med_request("lar-escalation", "octreotide_lar30", ago(days=3), status="draft", intent="proposal",
                  dosage="30 mg IM every 3 weeks", note="Dose escalation proposed for persistent flushing.")
    return meta(p, "Refractory flushing on octreotide LAR 30 mg; dose escalation proposed",
                "63-year-old woman with metastatic ileal NET G1 (Ki-67 2 %, 15 % liver burden) and carcinoid syndrome, "
                "on octreotide LAR 30 mg every 4 weeks for 11 months: still 7-8 flushing episodes a day, 2 bowel "
                "movements a day, tumour stable. Octreotide LAR every 3 weeks has been proposed.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-03", "M-08", "F-01", "G-07"], also=["M-02", "LD-02"],
                not_rows=["F-02", "NR-09", "NR-02", "M-04", "M-07", "M-03"],
                shapes=["local flushing-episodes-per-day", "SSA escalation as draft/proposal MedicationRequest (q3w)",
                        "MedicationStatement + MedicationAdministrations of the same LAR"])


@scenario
def s44():
    p = P("net-44", "Test Patient Victor", "male", "1956-01-14")
    p.condition("primary", "C7A.012", onset=ago(years=7))
    p.condition("liver", "C7B.02", onset=ago(years=7))
    p.condition("cs", "E34.00", onset=ago(years=7))
    p.ki67("ki67", ago(years=7), 4)
    p.sstr("sstr", ago(months=5), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=6), dosage="120 mg deep SC every 4 weeks")
    p.med_request("telotristat", "telotristat", ago(years=2), dosage="250 mg by mouth three times daily with food")
    for i, when in enumerate([ago(years=3, months=8), ago(years=3, months=6), ago(years=3, months=4),
                              ago(years=3, months=2)], start=1):
        p.med_admin(f"prrt-{i}", "lutathera", when, dose=qty(7.4, "GBq", "GBq"))
    p.procedure("tae", ago(years=1), (CPT, "37243", "Vascular embolization or occlusion, for tumors"),
                text="Bland transarterial embolisation, both liver lobes (staged)")
    p.bowel("bm", ago(days=7), 5)
    p.flushing("flush", ago(days=7), 6)
    p.lab("hiaa", ago(days=20), 88, interpretation="H")
    p.status("status", ago(months=2), "stable")
    good_labs(p, ago(days=20))
    p.lab("tsh", ago(days=20), 2.1)
    p.med_request("ifn", "interferon_alfa2b", ago(days=2), status="draft", intent="proposal",
                  dosage="3 million units SC three times a week",
                  note="Requested for refractory carcinoid syndrome after SSA, telotristat, PRRT and embolisation.")
    return meta(p, "Interferon-alpha requested for refractory carcinoid syndrome after all standard options",
                "70-year-old man with metastatic ileal NET G2 (Ki-67 4 %) and carcinoid syndrome for 7 years: "
                "lanreotide since 2020, telotristat for 2 years, 4 cycles of Lu-177 dotatate, staged bland embolisation. "
                "Tumour stable, but 5 bowel movements and 6 flushes a day; interferon alfa-2b has been requested.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["M-09", "F-01", "F-02", "F-03", "G-07"], also=["M-08", "LD-02"],
                not_rows=["NR-13", "NR-09", "NR-02", "M-03", "M-04", "M-07"],
                shapes=["interferon alfa-2b IN 5880 as draft/proposal", "telotristat MedicationRequest with SSA",
                        "Lutathera SCD 1999682 MedicationAdministration x4 (history)"])


@scenario
def s45():
    p = P("net-45", "Test Patient Whiskey", "male", "1967-11-02")
    p.condition("primary", "C7A.012", onset=ago(days=45), text="Ileal NET 2.2 cm, primary in situ")
    p.condition("mesentery", "C77.2", onset=ago(days=45),
                text="Mesenteric nodal mass 3.8 cm with desmoplastic reaction, tethering small-bowel loops")
    p.condition("liver", "C7B.02", onset=ago(days=45), text="Diffuse bilobar liver metastases")
    p.condition("pain", "R10.9", onset=ago(months=3), text="Recurrent colicky post-prandial abdominal pain "
                                                         "(subacute obstruction episodes)")
    p.ki67("ki67", ago(days=40), 4, site="liver metastasis (core biopsy)")
    p.mitoses("mitoses", ago(days=40), 3, unit="/10 HPF")
    p.obs("ct", cc(text="CT abdomen report"), ago(days=50), category="imaging",
          value={"valueString": "Spiculated 3.8 cm mesenteric mass with radiating strands, narrowing of SMV branches; "
                                "ileal wall thickening; >20 liver metastases in both lobes."})
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.burden("burden", ago(days=30), 20)
    p.resectability("resect", ago(days=20), "unresectable")
    p.ecog("ecog", ago(days=20), 0)
    good_labs(p, ago(days=20))
    return meta(p, "Ileal NET in situ with a mesenteric mass and unresectable liver metastases (mitoses per 10 HPF)",
                "59-year-old man, newly diagnosed ileal NET G2 (Ki-67 4 %, 3 mitoses per 10 HPF) with the primary in "
                "place, a 3.8 cm desmoplastic mesenteric mass causing post-prandial colic, and diffuse unresectable "
                "bilobar liver metastases (20 % burden), SSTR uptake higher than liver; no carcinoid syndrome, untreated.",
                expect={"site": "midgut", "grade": "G2", "ki67": 4, "sstr": "positive_all", "extent": "metastatic",
                        "mitoses_per_2mm2": 3},
                rows=["M-10", "M-02"], also=["LD-02"],
                not_rows=["M-01", "M-03", "M-04", "LD-01", "G-01", "G-05"],
                shapes=["mitotic count per 10 HPF (unit text '/10 HPF')", "C77.2 mesenteric nodal mass",
                        "local resectability unresectable (liver) with the primary resectable"])


@scenario
def s46():
    p = P("net-46", "Test Patient Xray", "female", "1958-05-30")
    p.condition("primary", "C7A.012", onset=ago(years=2, months=2))
    p.condition("liver", "C7B.02", onset=ago(years=2, months=2))
    p.condition("cs", "E34.00", onset=ago(years=2, months=2))
    p.ki67("ki67", ago(years=2, months=2), 9)
    p.med_statement("lar", "octreotide_lar30", ago(years=2), dosage="30 mg IM every 4 weeks")
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.status("status", ago(days=21), "progressive", note="RECIST 1.1 progression in the liver.")
    p.bowel("bm", ago(days=10), 3)
    p.ecog("ecog", ago(days=21), 1)
    good_labs(p, ago(days=12))
    p.med_request("everolimus", "everolimus10", ago(days=2), status="draft", intent="proposal",
                  dosage="10 mg by mouth once daily, with octreotide LAR",
                  note="Proposed by the referring oncologist for progression.")
    return meta(p, "Progression with carcinoid syndrome; everolimus proposed (PRRT preferred)",
                "68-year-old woman with metastatic ileal NET G2 (Ki-67 9 %) and carcinoid syndrome, progressing after "
                "2 years of octreotide LAR 30 mg; SSTR uptake higher than liver, normal labs. Everolimus with "
                "octreotide has been proposed; in a functioning carcinoid PRRT is the standard next step.",
                expect={"site": "midgut", "grade": "G2", "ki67": 9, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "syndromes": ["carcinoid"]},
                rows=["F-06", "M-04", "F-01", "G-07", "NR-02"], also=["F-05", "M-08", "LD-02", "NR-23"],
                not_rows=["M-05", "M-03", "M-06", "NR-09", "NR-04"],
                shapes=["everolimus draft/proposal in a functioning carcinoid"])


@scenario
def s47():
    p = P("net-47", "Test Patient Yankee", "female", "1974-02-11")
    p.condition("primary", "C7A.012", onset=ago(years=2, months=2),
                note="Primary resected 2 years ago (R0); liver metastases found at follow-up.")
    p.procedure("resection", ago(years=2), (CPT, "44120", "Enterectomy, resection of small intestine; single "
                                                            "resection and anastomosis"),
                text="Ileal resection with mesenteric lymphadenectomy", outcome="R0 resection")
    p.condition("liver", "C7B.02", onset=ago(months=5), text="Four liver metastases, right lobe and segment IV")
    p.condition("cs", "E34.00", onset=ago(months=5))
    p.ki67("ki67", ago(months=5), 2, site="liver metastasis (core biopsy)")
    p.sstr("sstr", ago(months=2), "higher-than-liver", note="Liver-only disease; no extrahepatic uptake.")
    p.burden("burden", ago(months=2), 12)
    p.resectability("resect", ago(months=1), "resectable")
    p.med_statement("lanreotide", "lanreotide120", ago(months=4), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(months=1), "stable")
    p.procedure("hepatectomy", ago(days=-18), (CPT, "47130", "Hepatectomy, resection of liver; total right lobectomy"),
                text="Right hepatectomy + segment IV wedge (scheduled)", status="preparation",
                note="Scheduled for 2026-12-10 after liver MDT.")
    good_labs(p, ago(days=15))
    return meta(p, "Resectable liver metastases with carcinoid syndrome; hepatectomy scheduled",
                "52-year-old woman whose ileal NET G1 was resected 2 years ago; now four liver metastases (right lobe "
                "and segment IV, 12 % burden), liver-only on SSTR-PET, carcinoid syndrome on lanreotide; the liver MDT "
                "judged them resectable and a right hepatectomy is scheduled in 18 days.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "syndromes": ["carcinoid"], "resectability": "resectable",
                        "planned_procedure_date": "2026-12-10"},
                rows=["LD-01", "F-05", "F-01", "G-07"], also=["M-02", "LD-02", "M-10"],
                not_rows=["LD-03", "M-03", "M-04", "M-07"],
                shapes=["planned surgery as Procedure status preparation with a future date",
                        "local resectability = resectable with liver metastases"])


@scenario
def s48():
    p = P("net-48", "Test Patient Zulu", "male", "1980-06-25")
    p.condition("primary", "C7A.012", onset=ago(years=5, months=2))
    p.procedure("resection", ago(years=5), (CPT, "44120", "Enterectomy, resection of small intestine; single "
                                                          "resection and anastomosis"),
                text="Ileal resection with mesenteric lymphadenectomy", outcome="R0 resection of the primary")
    p.condition("liver", "C7B.02", onset=ago(years=5, months=2), text="Bilobar liver metastases, liver only")
    p.ki67("ki67-primary", ago(years=5), 2, site="ileal primary")
    p.ki67("ki67", ago(years=1), 2, site="liver metastasis (core biopsy)")
    p.sstr("sstr", ago(months=2), "higher-than-liver", note="Liver-only disease; no extrahepatic uptake.")
    p.burden("burden", ago(months=2), 35)
    p.resectability("resect", ago(months=2), "unresectable")
    p.med_statement("lanreotide", "lanreotide120", ago(years=4, months=6), dosage="120 mg deep SC every 4 weeks")
    for i, when in enumerate([ago(years=2, months=8), ago(years=2, months=6), ago(years=2, months=4),
                              ago(years=2, months=2)], start=1):
        p.med_admin(f"prrt-{i}", "lutathera_hcpcs", when, dose=qty(200, "mCi", "mCi"), text="Lutathera 7.4 GBq IV")
    p.status("status-1", ago(years=3), "progressive")
    p.status("status", ago(months=2), "progressive", note="Slow liver-only progression 2 years after PRRT.")
    p.ecog("ecog", ago(months=2), 0)
    good_labs(p, ago(days=14))
    return meta(p, "Young patient, liver-only G1 NET progressing after PRRT, primary removed (no transplant referral yet: Milan-NET needs 6 months' stability)",
                "46-year-old man, ileal NET G1 (Ki-67 2 % in primary and liver), primary resected 5 years ago; "
                "unresectable bilobar liver-only metastases (35 % burden) with slow progression on lanreotide and "
                "again 2 years after 4 cycles of PRRT; no extrahepatic disease on SSTR-PET; ECOG 0.",
                expect={"site": "midgut", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "liver_only": True},
                rows=["M-07"], also=["LD-02", "M-05", "M-04", "M-08"],
                not_rows=["LD-01", "LD-03", "M-03", "NR-01", "P-03"],
                shapes=["two Ki-67 on primary and metastasis with the same grade", "HCPCS A9513 PRRT history"])


@scenario
def s49():
    p = P("net-49", "Test Patient Aleph", "male", "1969-12-01")
    p.condition("primary", "C25.4", onset=ago(months=7))
    p.condition("liver", "C78.7", onset=ago(months=7))
    p.ki67("ki67", ago(months=6), site="liver metastasis (core biopsy)",
           string="Liver core biopsy, segment VI: metastatic well-differentiated neuroendocrine tumour, pancreatic "
                  "origin favoured. Ki-67 (MIB-1) labelling index approximately 12 % in hot-spot areas "
                  "(500 tumour cells counted).")
    p.differentiation("diff", ago(months=6), "well")
    p.sstr("sstr", ago(months=1), "negative")
    p.fdg("fdg", ago(months=1), True)
    p.status("status", ago(days=14), "progressive", note="Growth of liver metastases over 6 months without therapy.")
    p.ecog("ecog", ago(days=14), 1)
    good_labs(p, ago(days=14))
    p.lab("glucose", ago(days=14), 96)
    return meta(p, "SSTR-negative progressive pNET; Ki-67 only in a pathology-report sentence",
                "56-year-old man with a metastatic non-functioning pNET; Ki-67 is only in the pathology report sentence "
                "('... approximately 12 % in hot-spot areas (500 tumour cells counted)'); Ga-68 DOTATATE PET negative, "
                "FDG-avid; liver metastases grew over 6 months without treatment.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G2", "ki67": 12, "sstr": "negative",
                        "progression": True, "extent": "metastatic"},
                rows=["P-07", "P-03", "G-08"], also=["P-04", "LD-02", "NR-03", "NR-16"],
                not_rows=["P-05", "P-02", "M-03", "G3-01", "G3-02", "NR-01"],
                shapes=["Ki-67 only as a pathology-report sentence in valueString (29593-1) with other numbers",
                        "SSTR negative + FDG avid in a G2 pNET"])


@scenario
def s50():
    p = P("net-50", "Test Patient Beth", "female", "1952-09-09")
    p.condition("primary", "C7A.090", (SCT, "254627002", "Lung carcinoid tumor"), onset=ago(years=2),
                text="Typical carcinoid, left lower lobe, with small liver metastases")
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("liver-hie", "C78.7", onset=ago(years=2), note="Imported from the regional HIE.")
    p.morphology("morph", ago(years=2), "8240/3")
    # the same results arrive from the hospital LIS and again from the regional HIE (other ids, same values)
    for feed, tag in ((FEED_LIS, "lis"), (FEED_HIE, "hie")):
        p.ki67(f"ki67-{tag}", ago(years=2), 2, source=feed)
        p.mitoses(f"mitoses-{tag}", ago(years=2), 1, source=feed)
        p.sstr(f"sstr-{tag}", ago(months=2), "higher-than-liver", source=feed)
        p.status(f"status-1-{tag}", ago(months=8), "stable", source=feed)
        p.status(f"status-{tag}", ago(months=2), "stable", source=feed, note="Unchanged for 24 months.")
        p.lab("hb", ago(days=30), 13.1, sfx=f"hb-{tag}", source=feed)
        p.lab("plt", ago(days=30), 244, sfx=f"plt-{tag}", source=feed)
        p.lab("cga", ago(days=30), 96, sfx=f"cga-{tag}", source=feed)
    p.lab("creatinine", ago(days=30), 0.8, sfx="creatinine-lis", source=FEED_LIS)
    p.lab("creatinine_umol", ago(days=30), 71, sfx="creatinine-hie", source=FEED_HIE)
    p.ecog("ecog", ago(months=2), 0)
    return meta(p, "Indolent metastatic typical lung carcinoid; every result duplicated by two feeds",
                "74-year-old woman with a typical lung carcinoid (1 mitosis/2 mm², Ki-67 2 %) and small liver "
                "metastases, SSTR uptake higher than liver, asymptomatic and unchanged for 24 months, untreated. "
                "Every result arrives twice, from the hospital laboratory system and from the regional HIE "
                "(different ids and meta.source, same values; creatinine once in mg/dL and once in µmol/L).",
                expect={"site": "lung_thymus", "lung_type": "typical", "ki67": 2, "sstr": "positive_all",
                        "progression": False, "extent": "metastatic"},
                rows=["L-02"], also=["L-06"],
                not_rows=["L-03", "L-04", "L-05", "NR-07", "G-03", "M-02", "M-04", "G-09"],
                shapes=["many duplicate Observations from two feeds (meta.source), same values",
                        "duplicate liver Condition (C7B.02 and C78.7)", "creatinine mg/dL and µmol/L at the same time"])


@scenario
def s51():
    p = P("net-51", "Test Patient Gimel", "male", "1963-04-17")
    p.condition("primary", "C7A.090", (SCT, "445238008", "Atypical carcinoid tumor"), onset=ago(years=2))
    p.condition("liver", "C7B.02", onset=ago(years=2))
    p.condition("bone", "C7B.03", onset=ago(years=1))
    p.morphology("morph", ago(years=2), "8249/3")
    p.mitoses("mitoses", ago(years=2), 4)
    p.ki67("ki67", ago(years=2), 9)
    p.sstr("sstr", ago(days=40), "higher-than-liver", note="All target lesions (liver, bone) above liver.")
    p.med_statement("lar", "octreotide_lar30", ago(years=1, months=8), dosage="30 mg IM every 4 weeks")
    p.status("status", ago(days=35), "progressive")
    p.ecog("ecog", ago(days=35), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Progressive atypical lung carcinoid, SSTR all-positive (everolimus or PRRT)",
                "63-year-old man with an atypical lung carcinoid (4 mitoses/2 mm², Ki-67 9 %), liver and bone "
                "metastases, non-functioning, progressing after 20 months of octreotide LAR; every target lesion "
                "SSTR-avid above liver; normal organ function.",
                expect={"site": "lung_thymus", "lung_type": "atypical", "ki67": 9, "sstr": "positive_all",
                        "progression": True, "extent": "metastatic"},
                rows=["L-03", "L-04"], also=["L-05", "L-06", "M-08"],
                not_rows=["NR-03", "L-02", "G-03", "NR-01", "M-04", "P-05", "M-03"],
                shapes=["atypical carcinoid SNOMED 445238008 + 8249/3 + mitoses"])


@scenario
def s52():
    p = P("net-52", "Test Patient Daleth", "male", "1967-10-08")
    p.condition("primary", "C7A.091", onset=ago(years=3, months=2), text="Atypical carcinoid of the thymus")
    p.procedure("thymectomy", ago(years=3), text="Extended thymectomy via median sternotomy",
                outcome="R0; Masaoka-Koga stage II")
    p.condition("pleura", "C7B.09", onset=ago(months=4), text="Pleural recurrence")
    p.condition("bone", "C7B.03", onset=ago(months=4))
    p.morphology("morph", ago(years=3), "8249/3")
    p.mitoses("mitoses", ago(months=3), 5)
    p.ki67("ki67", ago(months=3), 15, site="pleural biopsy")
    p.sstr("sstr", ago(months=2), "heterogeneous")
    p.fdg("fdg", ago(months=2), True)
    p.status("status", ago(days=30), "progressive")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=10))
    p.med_request("sunitinib", "sunitinib37", ago(days=4), status="draft", intent="proposal",
                  dosage="37.5 mg by mouth once daily", note="Proposed by an outside oncologist.")
    return meta(p, "Recurrent progressive thymic atypical carcinoid; sunitinib proposed",
                "59-year-old man with an atypical thymic carcinoid (C7A.091) resected 3 years ago, now a pleural and "
                "bone recurrence (Ki-67 15 %, 5 mitoses/2 mm²), heterogeneous SSTR uptake, FDG-avid, progressing; "
                "non-functioning. Sunitinib has been proposed.",
                expect={"site": "lung_thymus", "site_detail": "thymus", "lung_type": "atypical", "ki67": 15,
                        "sstr": "positive_heterogeneous", "progression": True, "extent": "metastatic"},
                rows=["L-06", "NR-01", "L-05", "L-03"], also=["NR-03"],
                not_rows=["L-04", "L-02", "G-03", "P-03", "M-04"],
                shapes=["C7A.091 thymic NET", "Procedure with a text-only code", "sunitinib SCD 1541890 proposal"])


@scenario
def s53():
    p = P("net-53", "Test Patient He", "male", "1978-03-03")
    p.condition("men1", "E31.21", (SCT, "30664006", "Multiple endocrine neoplasia, type 1"), onset=ago(years=8))
    p.condition("hpt", "E21.0", onset=ago(years=8))
    p.condition("zes", "E16.4", (SCT, "53132006", "Zollinger-Ellison syndrome"), onset=ago(years=1))
    p.condition("gastrinoma", "C7A.010", onset=ago(months=10), morphology="8153/3",
                text="Duodenal gastrinomas (two, 6 and 8 mm), MEN1", mcode="mcode-primary-cancer-condition")
    p.condition("gastric", "C7A.092", onset=ago(months=10), morphology="8242/3",
                text="Multiple gastric ECL-cell NETs (type 2), largest 7 mm")
    p.ki67("ki67", ago(months=10), 2, site="duodenal gastrinoma")
    p.ki67("ki67-gastric", ago(months=11), 1, site="gastric polyp (endoscopic biopsy)")
    p.sstr("sstr", ago(months=9), "higher-than-liver", note="Duodenal wall lesions only; no metastases.")
    p.lab("gastrin", ago(months=1), 950, interpretation="H")
    p.lab("calcium", ago(months=1), 11.0, interpretation="H")
    p.lab("pth", ago(months=1), 120, interpretation="H")
    p.med_statement("ppi", "esomeprazole", ago(years=1), dosage="40 mg twice daily")
    p.status("status", ago(months=1), "stable")
    return meta(p, "Gastric type 2 NETs with duodenal gastrinoma in MEN1 (ZES on PPI)",
                "48-year-old man with MEN1 (untreated primary hyperparathyroidism) and Zollinger-Ellison syndrome from "
                "two small duodenal gastrinomas; multiple small gastric ECL-cell NETs (type 2) from hypergastrinaemia; "
                "on esomeprazole 40 mg twice daily; no metastases.",
                expect={"site": "other_gi", "grade": "G1", "ki67": 2, "sstr": "positive_all", "progression": False,
                        "extent": "localized", "syndromes": ["gastrinoma"], "hereditary": ["MEN1"],
                        "gastric_type": 2},
                rows=["O-02", "F-08", "G-07"], also=["H-01", "G-01", "G-09"],
                not_rows=["G-08", "O-01", "O-03", "M-02", "P-03", "H-02", "F-02", "NR-09"],
                shapes=["two primary NET Conditions (duodenum 8153/3 + stomach 8242/3) in one patient",
                        "MEN1 + ZES (E16.4 + SNOMED 53132006)"])


@scenario
def s54():
    p = P("net-54", "Test Patient Vav", "female", "1960-12-12")
    p.condition("primary", "C7A.092", onset=ago(days=40), text="Solitary gastric body NET 1.8 cm (sporadic, type 3)")
    p.morphology("morph", ago(days=40), "8249/3")
    p.ki67("ki67", ago(days=40), 5, site="gastric body biopsy",
           note="Background oxyntic mucosa normal; no atrophic gastritis, no ECL-cell hyperplasia.")
    p.mitoses("mitoses", ago(days=40), 2)
    p.size("size", ago(days=40), 1.8)
    p.lab("gastrin", ago(days=40), 45, interpretation="N")
    p.sstr("sstr", ago(days=25), "higher-than-liver", note="Gastric lesion only; no nodal or distant disease.")
    p.resectability("resect", ago(days=10), "resectable")
    return meta(p, "Sporadic (type 3) gastric NET G2 1.8 cm, localized",
                "65-year-old woman with a solitary 1.8 cm gastric-body NET G2 (Ki-67 5 %), normal gastrin and normal "
                "background mucosa (type 3), no nodal or distant disease on SSTR-PET; resectable.",
                expect={"site": "other_gi", "site_detail": "stomach", "grade": "G2", "ki67": 5, "sstr": "positive_all",
                        "extent": "localized", "gastric_type": 3, "tumor_size_cm": 1.8},
                rows=["O-03", "G-01"], not_rows=["O-01", "O-02", "M-02", "F-08", "G-09", "NR-08", "O-06"],
                shapes=["normal gastrin with a gastric NET", "note on the Ki-67 result"])


@scenario
def s55():
    p = P("net-55", "Test Patient Zayin", "male", "1962-08-08")
    p.condition("primary", "C7A.026", onset=ago(years=2, months=3), text="Rectal NET 2.5 cm")
    p.condition("liver", "C7B.02", onset=ago(years=2, months=3))
    p.condition("bone", "C7B.03", onset=ago(months=6))
    p.ki67("ki67", ago(years=2, months=3), 8)
    p.sstr("sstr", ago(days=30), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(days=25), "progressive")
    p.ecog("ecog", ago(days=25), 1)
    good_labs(p, ago(days=12))
    return meta(p, "Metastatic rectal NET G2 progressing on lanreotide, SSTR+",
                "64-year-old man with a 2.5 cm rectal NET G2 (Ki-67 8 %) with liver and bone metastases, "
                "non-functioning, progressing after 2 years of lanreotide; SSTR uptake higher than liver; normal labs.",
                expect={"site": "other_gi", "site_detail": "rectum", "grade": "G2", "ki67": 8, "sstr": "positive_all",
                        "progression": True, "extent": "metastatic"},
                rows=["O-06"], also=["M-04", "M-05", "M-08", "LD-02"],
                not_rows=["O-04", "P-03", "P-05", "NR-01", "M-03", "G-01"],
                shapes=["hindgut NET handled as extra-pancreatic NET"])


@scenario
def s56():
    p = P("net-56", "Test Patient Heth", "female", "1966-06-06")
    p.condition("primary", "C25.4", onset=ago(years=2, months=1))
    p.condition("liver", "C7B.02", onset=ago(years=2, months=1))
    p.ki67("ki67-primary", ago(years=2), 8, site="pancreatic primary (EUS-FNA)")
    p.differentiation("diff-primary", ago(years=2), "well")
    p.ki67("ki67", ago(days=20), 28, site="liver metastasis, segment VII (core biopsy of the growing lesion)")
    p.differentiation("diff", ago(days=20), "well")
    p.sstr("sstr", ago(days=35), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=1, months=10), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(days=30), "progressive", note="One liver lesion doubled in 4 months; others stable.")
    p.ecog("ecog", ago(days=30), 1)
    good_labs(p, ago(days=10))
    return meta(p, "pNET with discordant grades: G2 primary (2 years ago) vs G3 liver metastasis (now)",
                "60-year-old woman with a non-functioning pNET: Ki-67 8 % (G2) on the pancreatic EUS-FNA 2 years ago, "
                "now Ki-67 28 % (WD G3) on a core biopsy of a fast-growing liver metastasis; on lanreotide; SSTR "
                "uptake higher than liver.",
                expect={"site": "pancreas", "differentiation": "well", "grade": "G3", "ki67": 28,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic", "grade_discordant": True},
                rows=["G3-03", "G-08"], also=["G3-01", "P-03", "P-04", "P-05"],
                not_rows=["G-02", "N-02", "P-02", "M-03", "NR-05"],
                shapes=["two Ki-67 results on different specimens and dates with different grades"])


@scenario
def s57():
    p = P("net-57", "Test Patient Teth", "male", "1964-02-28")
    p.condition("primary", "C7A.1", onset=ago(days=28), morphology="8013/3", mcode="mcode-primary-cancer-condition",
                text="Large-cell neuroendocrine carcinoma of the gastric body, 3.5 cm",
                body_site=cc((ICDO3, "C16.2", ICDO_TOPO["C16.2"]), text="Body of stomach"), stage="cT3 cN0 cM0")
    p.ki67("ki67", ago(days=28), 65, site="gastric biopsy")
    p.differentiation("diff", ago(days=28), "poor")
    p.fdg("fdg", ago(days=14), True)
    p.obs("ct", cc(text="CT chest/abdomen/pelvis report"), ago(days=21), category="imaging",
          value={"valueString": "3.5 cm gastric body mass; no enlarged nodes; no liver or lung lesions."})
    p.resectability("resect", ago(days=7), "resectable")
    p.ecog("ecog", ago(days=7), 0)
    good_labs(p, ago(days=7))
    return meta(p, "Localized resectable gastric large-cell NEC",
                "62-year-old man with a 3.5 cm poorly differentiated large-cell NEC of the gastric body (C7A.1 + 8013/3, "
                "Ki-67 65 %), no nodal or distant disease on CT and FDG-PET, resectable, ECOG 0.",
                expect={"scope": "nec", "site": "other_gi", "differentiation": "poor", "grade": "NEC", "ki67": 65,
                        "extent": "localized"},
                rows=["N-01", "G-02"],
                not_rows=["N-02", "N-03", "G-01", "O-03", "M-02", "G3-02", "G3-01", "NR-08"],
                shapes=["C7A.1 with ICD-O-3 topography bodySite C16.2", "stage as Condition.stage summary text"])


@scenario
def s58():
    p = P("net-58", "Test Patient Yod", "female", "1957-01-20")
    p.condition("primary", "C7A.1", onset=ago(months=8), morphology="8041/3", mcode="mcode-primary-cancer-condition",
                text="Poorly differentiated small-cell neuroendocrine carcinoma, primary site unknown "
                     "(no lung or other primary on CT and FDG-PET)",
                body_site=cc((ICDO3, "C80.9", ICDO_TOPO["C80.9"]), text="Unknown primary site"))
    p.condition("liver", "C78.7", onset=ago(months=8))
    p.condition("nodes", "C77.2", onset=ago(months=8))
    p.ki67("ki67", ago(months=8), 85, site="liver metastasis (core biopsy)")
    p.differentiation("diff", ago(months=8), "poor")
    cycles = [ago(days=d) for d in (200, 179, 158, 137, 116, 95)]
    for i, when in enumerate(cycles, start=1):
        p.med_admin(f"carboplatin-{i}", "carboplatin", when, text="carboplatin AUC 5 IV day 1")
        p.med_admin(f"etoposide-{i}", "etoposide", when, text="etoposide 100 mg/m2 IV days 1-3")
    p.status("status-1", ago(days=120), "improved", note="Partial response after 3 cycles.")
    p.status("status", ago(days=10), "progressive", note="New liver lesions 12 weeks after the last cycle.")
    p.lab("nse", ago(days=10), 64, interpretation="H")
    p.ecog("ecog", ago(days=10), 1)
    good_labs(p, ago(days=10))
    return meta(p, "Small-cell NEC of unknown primary progressing after carboplatin-etoposide (2nd line)",
                "69-year-old woman with poorly differentiated small-cell NEC of unknown primary (no lung primary; "
                "C7A.1 + 8041/3, Ki-67 85 %) with liver and abdominal nodal metastases; partial response to 6 cycles "
                "of carboplatin-etoposide, progression 12 weeks after the last cycle.",
                expect={"scope": "nec", "site": "unknown", "differentiation": "poor", "grade": "NEC", "ki67": 85,
                        "progression": True, "extent": "metastatic"},
                rows=["N-03", "G-02"], also=["NR-06"],
                not_rows=["N-02", "N-04", "G-03", "M-11", "M-02", "NR-05", "G3-02"],
                shapes=["NEC of unknown primary: C7A.1 + ICD-O-3 topography C80.9", "extrapulmonary 8041/3 (not SCLC)",
                        "carboplatin/etoposide MedicationAdministrations x6"])


@scenario
def s59():
    p = P("net-59", "Test Patient Kaph", "male", "1959-09-19")
    p.condition("primary", "C7A.1", onset=ago(months=7), morphology="8013/3",
                text="Poorly differentiated large-cell neuroendocrine carcinoma of the pancreatic body",
                body_site=cc((ICDO3, "C25.1", ICDO_TOPO["C25.1"]), text="Body of pancreas"))
    p.condition("liver", "C78.7", onset=ago(months=7))
    p.ki67("ki67", ago(months=7), 35, site="liver metastasis (core biopsy)",
           note="Large-cell morphology, necrosis; Rb loss, aberrant p53: poorly differentiated despite Ki-67 35 %.")
    p.differentiation("diff", ago(months=7), "poor")
    for i, when in enumerate([ago(days=d) for d in (190, 169, 148, 127)], start=1):
        p.med_admin(f"cisplatin-{i}", "cisplatin", when, text="cisplatin 75 mg/m2 IV day 1")
        p.med_admin(f"etoposide-{i}", "etoposide", when, text="etoposide 100 mg/m2 IV days 1-3")
    p.status("status", ago(days=20), "progressive")
    p.sstr("sstr", ago(days=25), "higher-than-liver", note="Intense uptake in all liver lesions.")
    p.fdg("fdg", ago(days=25), True)
    p.ecog("ecog", ago(days=20), 1)
    good_labs(p, ago(days=14))
    return meta(p, "Pancreatic large-cell NEC, Ki-67 35 %, SSTR-avid, progressing after cisplatin-etoposide",
                "67-year-old man with a poorly differentiated large-cell NEC of the pancreas (Rb loss, p53 aberrant) "
                "and liver metastases, Ki-67 35 %; progression after 4 cycles of cisplatin-etoposide; all lesions "
                "SSTR-avid above liver and FDG-avid.",
                expect={"scope": "nec", "site": "pancreas", "differentiation": "poor", "grade": "NEC", "ki67": 35,
                        "sstr": "positive_all", "progression": True, "extent": "metastatic"},
                rows=["N-04", "N-03", "G-02"], also=["NR-06", "G-08"],
                not_rows=["G3-01", "G3-02", "P-05", "P-03", "M-03", "N-02", "NR-05"],
                shapes=["C7A.1 with ICD-O-3 topography C25.1 (pancreatic NEC)", "NEC with Ki-67 below 55 %",
                        "cisplatin/etoposide MedicationAdministrations"])


# --------------------------------------------------------------------------- rarer functioning syndromes


@scenario
def s60():
    p = P("net-60", "Test Patient Lamed", "female", "1965-03-15")
    p.condition("primary", "C25.4", (SCT, "16424000", "Glucagonoma"), onset=ago(days=50),
                text="Glucagonoma, pancreatic tail")
    p.condition("glucagon", "E16.3", onset=ago(days=50))
    p.condition("nme", "L53.8", onset=ago(months=5), text="Necrolytic migratory erythema")
    p.condition("dm", "E13.9", onset=ago(months=6), text="Diabetes secondary to glucagonoma")
    p.condition("dvt", "I82.401", onset=ago(months=2))
    p.condition("liver", "C7B.02", onset=ago(days=50))
    p.morphology("morph", ago(days=50), "8152/3")
    p.ki67("ki67", ago(days=50), 5)
    p.sstr("sstr", ago(days=35), "higher-than-liver")
    p.burden("burden", ago(days=35), 18)
    p.obs("glucagon-level", cc(text="Glucagon, plasma"), ago(days=55),
          value={"valueQuantity": qty(1250, "pg/mL", "pg/mL")}, interpretation="H")
    p.lab("hba1c", ago(days=40), 8.1, interpretation="H")
    p.lab("alb", ago(days=40), 3.0, interpretation="L")
    p.ecog("ecog", ago(days=35), 1)
    return meta(p, "Metastatic glucagonoma with necrolytic migratory erythema, diabetes and DVT",
                "61-year-old woman with a pancreatic-tail glucagonoma (8152/3, Ki-67 5 %) and liver metastases (18 %): "
                "necrolytic migratory erythema, weight loss, new diabetes (HbA1c 8.1 %), low albumin, a recent DVT; "
                "glucagon 1250 pg/mL (text-only code); SSTR uptake higher than liver; untreated.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 5, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["glucagonoma"]},
                rows=["F-10", "G-07", "G-08", "P-02"], also=["LD-02"],
                not_rows=["F-01", "F-02", "NR-09", "P-03", "P-05"],
                shapes=["E16.3 + SNOMED 16424000 + 8152/3", "glucagon with a text-only code"])


@scenario
def s61():
    p = P("net-61", "Test Patient Mem", "male", "1972-05-05")
    p.condition("primary", "C7A.090", (SCT, "254627002", "Lung carcinoid tumor"), onset=ago(days=30),
                text="Typical carcinoid, left lower lobe, 1.6 cm, ACTH-secreting")
    p.condition("acth", "E24.3", onset=ago(days=45))
    p.condition("htn", "I10", onset=ago(months=4))
    p.condition("hypok", "E87.6", onset=ago(months=2))
    p.morphology("morph", ago(days=30), "8240/3")
    p.mitoses("mitoses", ago(days=30), 1)
    p.ki67("ki67", ago(days=30), 3)
    p.sstr("sstr", ago(days=38), "higher-than-liver", note="Single uptake in the left lower lobe nodule; nodes negative.")
    p.lab("acth", ago(days=45), 145, interpretation="H")
    p.lab("cortisol", ago(days=45), 38, interpretation="H")
    p.lab("potassium", ago(days=3), 2.8, interpretation="L")
    p.lab("glucose", ago(days=3), 210, interpretation="H")
    p.resectability("resect", ago(days=10), "resectable")
    p.med_request("metyrapone", None, ago(days=10), text="metyrapone 500 mg by mouth three times daily",
                  dosage="500 mg three times daily")
    return meta(p, "ACTH-secreting typical bronchial carcinoid (ectopic Cushing's), localized",
                "54-year-old man with ectopic Cushing's syndrome (E24.3; ACTH 145 pg/mL, cortisol 38 µg/dL, "
                "hypokalaemia, hypertension, hyperglycaemia) from a 1.6 cm typical carcinoid of the left lower lobe; "
                "node-negative and resectable; metyrapone started (text-only medication).",
                expect={"site": "lung_thymus", "lung_type": "typical", "ki67": 3, "sstr": "positive_all",
                        "extent": "localized", "syndromes": ["acth"]},
                rows=["F-11", "G-07", "L-01"], also=["G-01", "F-05", "L-06"],
                not_rows=["F-01", "L-03", "L-02", "NR-02", "G-03", "M-02"],
                shapes=["E24.3 ectopic ACTH", "ACTH 2141-0 / cortisol 2143-6", "text-only MedicationRequest (metyrapone)"])


@scenario
def s62():
    p = P("net-62", "Test Patient Nun", "female", "1955-11-11")
    p.condition("primary", "C25.4", (SCT, "253006001", "Somatostatinoma"), onset=ago(months=2),
                text="Somatostatinoma, pancreatic head")
    p.condition("sst", "E16.8", onset=ago(months=2),
                text="Somatostatinoma syndrome (diabetes, cholelithiasis, steatorrhoea)")
    p.condition("gallstones", "K80.20", onset=ago(years=1))
    p.condition("steatorrhoea", "K90.9", onset=ago(months=6), text="Steatorrhoea")
    p.condition("dm", "E13.9", onset=ago(years=1))
    p.condition("liver", "C7B.02", onset=ago(months=2))
    p.morphology("morph", ago(months=2), "8156/3")
    p.ki67("ki67", ago(months=2), 6)
    p.sstr("sstr", ago(months=1), "higher-than-liver")
    p.lab("somatostatin", ago(months=2), 1800, interpretation="H")
    p.lab("hba1c", ago(months=1), 7.6, interpretation="H")
    p.med_statement("creon", "pancrelipase", ago(months=5), dosage="with meals")
    return meta(p, "Metastatic pancreatic somatostatinoma with the somatostatinoma syndrome",
                "71-year-old woman with a pancreatic-head somatostatinoma (8156/3, Ki-67 6 %) and liver metastases; "
                "diabetes, gallstones and steatorrhoea (on pancreatic enzymes); plasma somatostatin 1800 pg/mL; "
                "SSTR uptake higher than liver; untreated.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 6, "sstr": "positive_all", "extent": "metastatic",
                        "syndromes": ["somatostatinoma"]},
                rows=["P-02", "G-07", "G-08"], also=["LD-02"],
                not_rows=["F-01", "F-09", "F-12", "NR-09", "P-03", "P-05"],
                shapes=["E16.8 with text + SNOMED 253006001 + 8156/3", "somatostatin 2961-1"])


# --------------------------------------------------------------------------- hereditary


@scenario
def s63():
    p = P("net-63", "Test Patient Samekh", "female", "1992-04-04")
    p.condition("men1", "E31.21", (SCT, "30664006", "Multiple endocrine neoplasia, type 1"), onset=ago(years=9))
    p.condition("hpt", "E21.0", onset=ago(years=9))
    p.condition("primary", "C25.4", onset=ago(years=2), text="Non-functioning pNET, pancreatic body (MEN1)")
    p.ki67("ki67", ago(months=2), 2, site="EUS-FNA pancreatic body")
    p.size("size-1", ago(months=14), 1.6)
    p.size("size", ago(months=1), 2.4)
    p.sstr("sstr", ago(months=1), "higher-than-liver", note="Single pancreatic lesion; no metastases.")
    p.resectability("resect", ago(days=14), "resectable")
    return meta(p, "MEN1 non-functioning pNET grown to 2.4 cm",
                "34-year-old woman with MEN1 and a non-functioning pancreatic-body NET G1 (Ki-67 2 %) that grew from "
                "1.6 to 2.4 cm in 14 months; no metastases; resectable.",
                expect={"site": "pancreas", "grade": "G1", "ki67": 2, "sstr": "positive_all", "extent": "localized",
                        "hereditary": ["MEN1"], "tumor_size_cm": 2.4},
                rows=["H-02", "H-01"], also=["G-01"],
                not_rows=["G-08", "H-03", "P-01", "P-02", "P-03", "M-02", "NR-11"],
                shapes=["tumour growth only as serial size Observations (no disease-status Observation)"])


@scenario
def s64():
    p = P("net-64", "Test Patient Ayin", "male", "1979-07-07")
    p.condition("men1", "E31.21", onset=ago(years=12))
    p.procedure("ptx", ago(years=10), (CPT, "60500", "Parathyroidectomy or exploration of parathyroid(s)"),
                text="Subtotal (3.5 gland) parathyroidectomy")
    p.condition("primary", "C25.4", onset=ago(months=8), text="Non-functioning pNET (MEN1) with liver metastases")
    p.condition("liver", "C7B.02", onset=ago(months=8))
    p.ki67("ki67", ago(months=8), 6)
    p.sstr("sstr", ago(months=2), "higher-than-liver")
    p.burden("burden", ago(months=2), 8)
    p.status("status-1", ago(months=5), "stable")
    p.status("status", ago(months=2), "stable")
    return meta(p, "MEN1 with metastatic non-functioning pNET, Ki-67 6 %, stable",
                "47-year-old man with MEN1 (parathyroidectomy 10 years ago) and a non-functioning pNET G2 (Ki-67 6 %) "
                "with liver metastases (8 % burden), SSTR uptake higher than liver, stable on two scans; untreated.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 6, "sstr": "positive_all", "progression": False,
                        "extent": "metastatic", "hereditary": ["MEN1"]},
                rows=["H-03", "H-01", "P-02"], not_rows=["G-08", "H-02", "P-03", "P-05", "M-02", "M-03"],
                shapes=["MEN1 coded with E31.21 only", "parathyroidectomy CPT 60500"])


@scenario
def s65():
    p = P("net-65", "Test Patient Pe", "female", "1985-09-12")
    p.condition("vhl", "Q85.83", (SCT, "46659004", "von Hippel-Lindau disease"), onset=ago(years=15))
    p.condition("primary", "C25.4", onset=ago(years=2), text="VHL-associated pNET, pancreatic head")
    p.ki67("ki67", ago(months=3), 4, site="EUS-FNA pancreatic head")
    p.size("size-1", ago(months=13), 2.6)
    p.size("size", ago(months=1), 3.4)
    p.status("status", ago(months=1), "progressive", note="Growth 2.6 -> 3.4 cm in 12 months.")
    p.sstr("sstr", ago(months=1), "higher-than-liver", note="Pancreatic lesion only.")
    p.resectability("resect", ago(days=20), "resectable")
    return meta(p, "VHL pNET 3.4 cm and growing (surgery)",
                "41-year-old woman with von Hippel-Lindau disease (Q85.83) and a pancreatic-head NET G2 (Ki-67 4 %) "
                "that grew from 2.6 to 3.4 cm in a year; no metastases; resectable.",
                expect={"site": "pancreas", "grade": "G2", "ki67": 4, "sstr": "positive_all", "progression": True,
                        "extent": "localized", "hereditary": ["VHL"], "tumor_size_cm": 3.4},
                rows=["H-05"], also=["G-01", "H-04"],
                not_rows=["G-08", "NR-11", "P-01", "P-03", "P-05", "P-02"],
                shapes=["serial size crossing the 3 cm VHL threshold"])


@scenario
def s66():
    p = P("net-66", "Test Patient Tsade", "male", "1976-01-25")
    p.condition("nf1", "Q85.01", (SCT, "92824003", "Neurofibromatosis type 1"), onset=ago(years=40))
    p.condition("primary", "C7A.010", onset=ago(days=35), morphology="8156/3",
                text="Periampullary (ampullary) somatostatin-producing NET 1.8 cm, NF1")
    p.ki67("ki67", ago(days=35), 2, site="ampullary biopsy",
           note="Somatostatin-positive on immunohistochemistry, psammoma bodies; no clinical syndrome.")
    p.size("size", ago(days=35), 1.8)
    p.lab("glucose", ago(days=20), 92)
    p.sstr("sstr", ago(days=25), "higher-than-liver", note="Ampullary lesion only.")
    p.resectability("resect", ago(days=10), "resectable")
    return meta(p, "NF1 with a periampullary somatostatin-producing NET, localized",
                "50-year-old man with neurofibromatosis type 1 and a 1.8 cm ampullary somatostatin-producing NET G1 "
                "(8156/3, Ki-67 2 %), found at ERCP for mild cholestasis; no somatostatinoma syndrome (normal glucose, "
                "no gallstones or steatorrhoea); localized, resectable.",
                expect={"site": "other_gi", "site_detail": "duodenum", "grade": "G1", "ki67": 2,
                        "sstr": "positive_all", "extent": "localized", "hereditary": ["NF1"], "syndromes": []},
                rows=["H-06", "G-01"], also=["F-12", "G-07", "G-08"],
                not_rows=["F-01", "M-02", "H-01", "H-04", "P-01", "NR-11", "O-06"],
                shapes=["Q85.01 + SNOMED 92824003 (NF1)", "8156/3 morphology without a clinical syndrome"])


# --------------------------------------------------------------------------- safety


@scenario
def s67():
    p = P("net-67", "Test Patient Qoph", "female", "1992-10-10")
    p.condition("primary", "C7A.012", onset=ago(years=2, months=3))
    p.condition("liver", "C7B.02", onset=ago(years=2, months=3))
    p.condition("lactation", "Z39.1", (SCT, "169750002", "Mother currently breast-feeding (finding)"),
                onset=ago(months=4), text="Breast-feeding a 4-month-old infant")
    p.pregnancy("preg-status", ago(days=12), pregnant=False)
    p.ki67("ki67", ago(years=2, months=3), 7)
    p.sstr("sstr", ago(days=28), "higher-than-liver")
    p.med_statement("lanreotide", "lanreotide120", ago(years=2), dosage="120 mg deep SC every 4 weeks")
    p.status("status", ago(days=20), "progressive")
    p.ecog("ecog", ago(days=20), 0)
    good_labs(p, ago(days=12))
    return meta(p, "PRRT candidate who is breast-feeding",
                "34-year-old woman with a metastatic ileal NET G2 (Ki-67 7 %) progressing on lanreotide, SSTR uptake "
                "higher than liver, normal labs; she gave birth 4 months ago and is breast-feeding (pregnancy test "
                "negative). PRRT is the standard next step but excludes breast-feeding.",
                expect={"site": "midgut", "grade": "G2", "ki67": 7, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "breastfeeding": True, "pregnant": False},
                rows=["M-04", "NR-04"], also=["M-05", "M-08", "LD-02"],
                not_rows=["M-03", "NR-11", "M-07"],
                shapes=["breast-feeding: Z39.1 + SNOMED 169750002", "pregnancy status 'Not pregnant' (60001007)"])


@scenario
def s68():
    p = P("net-68", "Test Patient Resh", "male", "1961-06-30")
    p.condition("primary", "C7A.012", onset=ago(years=3))
    p.condition("liver", "C7B.02", onset=ago(years=3))
    p.ki67("ki67", ago(years=3), 8)
    p.sstr("sstr", ago(months=4), "higher-than-liver")
    p.med_statement("lar", "octreotide_lar30", ago(years=2, months=6), end=ago(days=78), status="completed",
                    dosage="30 mg IM every 4 weeks (last dose 4 weeks before PRRT cycle 1)")
    p.status("status", ago(months=4), "progressive")
    p.med_admin("prrt-1", "lutathera_sbd", ago(days=50), dose=qty(7.4, "GBq", "GBq"), mcode=True)
    p.med_admin("lar-post-prrt-1", "octreotide_lar30", ago(days=50), dose=qty(30, "mg", "mg"),
                text="octreotide LAR 30 mg IM 4 h after Lu-177 dotatate")
    p.med_request("prrt-2", "lutathera_sbd", ago(days=50), dosage="7.4 GBq IV, cycle 2 of 4", event=ago(days=-6),
                  mcode=True)
    p.med_request("everolimus", "everolimus10", ago(days=21), dosage="10 mg by mouth once daily",
                  note="Started by the community oncologist to 'boost' the PRRT response.")
    p.lab("hb", ago(days=7), 12.1)
    p.lab("wbc", ago(days=7), 4.2)
    p.lab("plt", ago(days=7), 128)
    p.lab("crcl", ago(days=7), 78)
    p.lab("bili", ago(days=7), 0.7)
    p.lab("alb", ago(days=7), 3.9)
    return meta(p, "Everolimus started during Lu-177 dotatate (cycle 2 due in 6 days)",
                "65-year-old man with a non-functioning metastatic ileal NET G2 (Ki-67 8 %) progressing on octreotide "
                "LAR; Lu-177 dotatate cycle 1 was given 50 days ago (LAR 30 mg after the infusion), cycle 2 is ordered "
                "for 2026-11-28; everolimus 10 mg daily was started 3 weeks ago by another clinician. Platelets "
                "128 x 10^9/L.",
                expect={"site": "midgut", "grade": "G2", "ki67": 8, "sstr": "positive_all", "progression": True,
                        "extent": "metastatic", "next_prrt_date": "2026-11-28"},
                rows=["NR-23"], also=["M-04"],
                not_rows=["NR-17", "M-05", "M-03", "NR-02", "M-07", "NR-04"],
                shapes=["concurrent everolimus MedicationRequest during PRRT", "Lutathera SBD 1999687",
                        "post-infusion LAR on the PRRT day (not an NR-17 trigger)"])


def _load_scenario_modules() -> None:
    """Import every ``scenarios_<area>.py`` beside this file: each registers its patients with
    ``@scenario`` (so areas of work add patients in files of their own)."""
    import importlib
    import pkgutil
    from pathlib import Path

    for module in sorted(pkgutil.iter_modules([str(Path(__file__).resolve().parent)]), key=lambda m: m.name):
        if module.name.startswith("scenarios_"):
            importlib.import_module(f"{__package__}.{module.name}")


def build_all() -> list[dict]:
    """Run every scenario (this module's, then each ``scenarios_<area>.py``'s, in file-name order);
    returns metadata dicts with the patient builder under ``_p``."""
    _load_scenario_modules()
    out = [fn() for fn in SCENARIOS]
    ids = [m["id"] for m in out]
    assert len(ids) == len(set(ids)), "duplicate patient ids"
    return out

