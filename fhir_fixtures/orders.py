"""Order-hook situations (order-select / order-sign): a fixture patient and the draft orders a clinician is
about to select or sign, with what the service must say (synthetic; no real patient data).

Each situation takes the committed ``patient-view`` request of a fixture patient (its prefetch is the
patient's record), turns it into an ``order-select`` or ``order-sign`` request with ``context.draftOrders``
(and ``selections`` for order-select), optionally adds records (``extra``: e.g. liver tests), and states
``expect``: the rows whose concern cards must come back about a draft, or ``[]`` for a concordant draft that
must get no card (order hooks stay silent unless there is something to act on). ``build.py`` writes
``orders/<id>.json`` and ``orders/index.json``; goldens pin the whole answers (``tests/golden/orders/``).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from .fhir import AS_OF, LOINC, cc, fixed_uuid, qty

HERE = Path(__file__).resolve().parent
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"


def med(draft_id: str, code: str, display: str, *, dose: tuple[float, str] | None = None,
        per_day: int | None = None, period_days: int = 1, text: str | None = None) -> dict:
    """A draft MedicationRequest as an EHR's order entry sends it (status draft, RxNorm clinical drug)."""
    resource: dict = {
        "resourceType": "MedicationRequest", "id": draft_id, "status": "draft", "intent": "order",
        "authoredOn": AS_OF.isoformat(),
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code, "display": display}],
                                      "text": display},
    }
    if dose is not None or per_day is not None or text is not None:
        dosage: dict = {}
        if text:
            dosage["text"] = text
        if per_day is not None:
            dosage["timing"] = {"repeat": {"frequency": per_day, "period": period_days, "periodUnit": "d"}}
        if dose is not None:
            value, unit = dose
            dosage["doseAndRate"] = [{"doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}]
        resource["dosageInstruction"] = [dosage]
    return resource


def bare(draft_id: str) -> dict:
    """What the CDS Hooks Sandbox's Rx View sends before a drug is chosen: a draft with no medication."""
    return {"resourceType": "MedicationRequest", "id": draft_id, "status": "draft"}


def lab(pid: str, sfx: str, key: tuple[str, str, str], value: float, unit: str, ucum: str) -> dict:
    return {"resourceType": "Observation", "id": f"{pid}-{sfx}", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": cc(key), "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": "2026-11-18", "valueQuantity": qty(value, unit, ucum)}


# id, base patient, hook, title, story, drafts, selections (order-select: None = all drafts), extra records,
# expect (rows that must speak about a draft; [] = silent)
SITUATIONS: list[dict] = [
    dict(id="ord-01", base="net-04", hook="order-sign", title="Sunitinib for a midgut NET",
         story="Sunitinib 37.5 mg daily is about to be signed for a man with a progressing ileal NET: sunitinib has "
               "evidence and a label only in pancreatic NET.",
         drafts=[med("ord-01-sunitinib", "1541890", "sunitinib 37.5 MG Oral Capsule", dose=(37.5, "mg"), per_day=1)],
         expect=["NR-01"]),
    dict(id="ord-02", base="net-46", hook="order-sign", title="Everolimus for progression with carcinoid syndrome",
         story="Everolimus for progression of a functioning carcinoid tumour (carcinoid syndrome): outside the "
               "label's limitation of use; PRRT is preferred.",
         drafts=[med("ord-02-everolimus", "845507", "everolimus 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         expect=["NR-02"]),
    dict(id="ord-03", base="net-15", hook="order-select", title="Octreotide LAR for an insulinoma without SSTR imaging",
         story="Octreotide LAR selected for a woman with an insulinoma and no SSTR imaging: an SSA can worsen "
               "hypoglycaemia.",
         drafts=[med("ord-03-lar", "898601", "octreotide 30 MG Injection", dose=(30, "mg"), per_day=1, period_days=28)],
         expect=["NR-12"]),
    dict(id="ord-04", base="net-143", hook="order-sign", title="Belzutifan in pregnancy",
         story="Belzutifan drafted for a pregnant woman (12 weeks): boxed embryo-fetal toxicity, and no VHL on record.",
         drafts=[med("ord-04-belzutifan", "2567231", "belzutifan 40 MG Oral Tablet", dose=(3, "{tbl}"), per_day=1)],
         expect=["NR-11"]),
    dict(id="ord-05", base="net-142", hook="order-sign", title="Capecitabine with known DPD deficiency",
         story="Capecitabine at the CAPTEM dose drafted for a man with a known DPD deficiency.",
         drafts=[med("ord-05-capecitabine", "200328", "capecitabine 500 MG Oral Tablet", dose=(1500, "mg"), per_day=2)],
         expect=["SB-13"]),
    dict(id="ord-06", base="net-177", hook="order-sign", title="Lu-177 dotatate with CrCl 25 mL/min",
         story="A Lutathera dose ordered for a man whose creatinine clearance is 25 mL/min (severe renal impairment).",
         drafts=[med("ord-06-lutathera", "1999682", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection",
                     dose=(7.4, "GBq"))],
         expect=["NR-04"]),
    dict(id="ord-07", base="net-35", hook="order-select", title="Clarithromycin for a patient on everolimus",
         story="Clarithromycin selected for a chest infection in a woman taking everolimus: a strong CYP3A4 "
               "inhibitor (hold everolimus if it is unavoidable; consider non-infectious pneumonitis).",
         drafts=[med("ord-07-clarithromycin", "197517", "clarithromycin 500 MG Oral Tablet", dose=(500, "mg"),
                     per_day=2)],
         expect=["NR-19"]),
    dict(id="ord-08", base="net-140", hook="order-sign", title="Everolimus for a patient on rifampicin",
         story="Everolimus drafted for a pNET patient taking rifampicin for tuberculosis: a strong CYP3A4 inducer.",
         drafts=[med("ord-08-everolimus", "845507", "everolimus 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         expect=["SB-11"]),
    dict(id="ord-09", base="net-141", hook="order-select", title="Ondansetron for a patient on sunitinib with a long QTc",
         story="Ondansetron selected as an antiemetic for a woman on sunitinib with QTc 488 ms and citalopram.",
         drafts=[med("ord-09-ondansetron", "312086", "ondansetron 8 MG Oral Tablet", dose=(8, "mg"), per_day=2)],
         expect=["SB-12"]),
    dict(id="ord-10", base="net-07", hook="order-sign", title="Telotristat 500 mg three times daily",
         story="Telotristat ordered as two 250 mg tablets three times daily (500 mg TID): above the label dose; the "
               "card offers the 250 mg TID order in its place.",
         drafts=[med("ord-10-telotristat", "1872453", "telotristat ethyl 250 MG Oral Tablet", dose=(2, "{tbl}"),
                     per_day=3)],
         expect=["NR-09"]),
    dict(id="ord-11", base="net-68", hook="order-sign", title="Octreotide LAR six days before a Lutathera dose",
         story="An octreotide LAR depot ordered while Lu-177 dotatate cycle 2 is due in six days: no long-acting "
               "SSA in the 4 weeks before a PRRT dose.",
         drafts=[med("ord-11-lar", "898601", "octreotide 30 MG Injection", dose=(30, "mg"), per_day=1, period_days=28)],
         expect=["NR-17"]),
    dict(id="ord-12", base="net-135", hook="order-sign", title="Cabozantinib with a lobectomy booked",
         story="Cabozantinib drafted 16 days before a booked lobectomy: it must stop at least 3 weeks before "
               "elective surgery (wound healing).",
         drafts=[med("ord-12-cabozantinib", "1790173", "cabozantinib 60 MG Oral Tablet", dose=(60, "mg"), per_day=1)],
         expect=["SB-03"]),
    dict(id="ord-13", base="net-12", hook="order-sign", title="Everolimus 10 mg with impaired liver function",
         story="Everolimus 10 mg daily drafted for a man with a progressive pNET whose bilirubin is 3.1 mg/dL and "
               "albumin 2.6 g/dL: the label lowers the dose by Child-Pugh class.",
         drafts=[med("ord-13-everolimus", "845507", "everolimus 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         extra=[("observations", lab("net-12", "ord13-bili", (LOINC, "1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"), 3.1, "mg/dL", "mg/dL")),
                ("observations", lab("net-12", "ord13-alb", (LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"), 2.6, "g/dL", "g/dL"))],
         expect=["SB-01"]),
    dict(id="ord-14", base="net-13", hook="order-select", title="Cisplatin-etoposide for a well-differentiated pNET",
         story="Etoposide selected for a bulky well-differentiated G2 pNET: platinum-etoposide is not for WD G1/G2 "
               "NET (CAPTEM is the cytotoxic option).",
         drafts=[med("ord-14-etoposide", "4179", "etoposide", dose=(100, "mg/m2"), per_day=1)],
         expect=["NR-07"]),
    # concordant drafts: silent
    dict(id="ord-15", base="net-04", hook="order-sign", title="Lu-177 dotatate for the PRRT candidate (concordant)",
         story="Lu-177 dotatate for the man progressing on octreotide LAR with uptake above liver and good labs: "
               "what the patient-view answer recommends. No card.",
         drafts=[med("ord-15-lutathera", "1999682", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection",
                     dose=(7.4, "GBq"))],
         expect=[]),
    dict(id="ord-16", base="net-07", hook="order-sign", title="Telotristat 250 mg three times daily (concordant)",
         story="Telotristat 250 mg three times daily added to octreotide LAR for refractory carcinoid-syndrome "
               "diarrhoea: the label dose. No card.",
         drafts=[med("ord-16-telotristat", "1872453", "telotristat ethyl 250 MG Oral Tablet", dose=(1, "{tbl}"),
                     per_day=3)],
         expect=[]),
    dict(id="ord-17", base="net-02", hook="order-select", title="Octreotide LAR for carcinoid syndrome (concordant)",
         story="Octreotide LAR 30 mg every 4 weeks selected for treatment-naive carcinoid syndrome. No card.",
         drafts=[med("ord-17-lar", "898601", "octreotide 30 MG Injection", dose=(30, "mg"), per_day=1, period_days=28)],
         expect=[]),
    dict(id="ord-18", base="net-04", hook="order-select", title="The Sandbox's first draft, before a drug is chosen",
         story="The CDS Hooks Sandbox's Rx View sends a draft MedicationRequest with no medication while the "
               "clinician types: nothing to check. No card.",
         drafts=[bare("request-123")], expect=[]),
    dict(id="ord-19", base="net-39", hook="order-sign", title="A patient with no NET",
         story="Sunitinib drafted for a patient with no neuroendocrine neoplasm on record: the service is not for "
               "this patient. No card.",
         drafts=[med("ord-19-sunitinib", "1541890", "sunitinib 37.5 MG Oral Capsule", dose=(37.5, "mg"), per_day=1)],
         expect=[]),
    dict(id="ord-20", base="net-04", hook="order-select", title="Two drafts, only the new selection is checked",
         story="Sunitinib is on the order list already (earlier selection) and amlodipine is the new selection: "
               "order-select answers for the new selection only. No card.",
         drafts=[med("ord-20-sunitinib", "1541890", "sunitinib 37.5 MG Oral Capsule", dose=(37.5, "mg"), per_day=1),
                 med("ord-20-amlodipine", "308135", "amlodipine 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         selections=["MedicationRequest/ord-20-amlodipine"], expect=[]),
    # draft-order actions (clin-orders): the right order is acted on
    dict(id="ord-21", base="net-235", hook="order-sign", title="Everolimus re-ordered for a pNET patient still on lanreotide",
         story="Everolimus 10 mg is signed again for a woman with a non-functioning pNET who still takes lanreotide: the "
               "combination card (NR-23) stops the lanreotide regimen; it never removes the indicated everolimus.",
         drafts=[med("ord-21-everolimus", "845507", "everolimus 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         expect=["NR-23"]),
    dict(id="ord-22", base="net-235", hook="order-select", title="Clarithromycin for a patient on everolimus (hold first)",
         story="Clarithromycin selected for a woman on everolimus: the preferred action holds everolimus for the course; "
               "removing the antibiotic draft is the alternative.",
         drafts=[med("ord-22-clarithromycin", "197517", "clarithromycin 500 MG Oral Tablet", dose=(500, "mg"),
                     per_day=2)],
         expect=["NR-19"]),
    dict(id="ord-23", base="net-239", hook="order-sign", title="Everolimus for a resected localised ileal NET",
         story="Everolimus 10 mg drafted for a man whose localised ileal NET G1 was resected R0 two months ago: the "
               "adjuvant row says not recommended (NR-08), and that one card speaks (no second 'no indication' card).",
         drafts=[med("ord-23-everolimus", "845507", "everolimus 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         expect=["NR-08"]),
    dict(id="ord-24", base="net-01", hook="order-sign", title="Cabozantinib first line for a treatment-naive midgut NET",
         story="Cabozantinib 60 mg drafted for a treatment-naive patient with a newly diagnosed metastatic midgut NET: "
               "cabozantinib is for progression after prior therapy (CABINET); no row offers it here, so the order "
               "hook says not recommended for lack of indication, not only a caution.",
         drafts=[med("ord-24-cabozantinib", "1790173", "cabozantinib 60 MG Oral Tablet", dose=(60, "mg"), per_day=1)],
         expect=["XO-01"]),
    # order-hook timing and combinations (orders helper, 2026-12)
    dict(id="ord-25", base="net-262", hook="order-sign", title="Lu-177 dotatate drafted 10 days after an octreotide LAR injection",
         story="A Lutathera dose is signed for a man whose last octreotide LAR injection was 10 days ago: no PRRT dose "
               "within 4 weeks of a long-acting SSA (NR-17): not recommended; remove the draft and reschedule on or "
               "after 4 weeks from the injection.",
         drafts=[med("ord-25-lutathera", "1999682", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection",
                     dose=(7.4, "GBq"))],
         expect=["NR-17"]),
    dict(id="ord-26", base="net-261", hook="order-select", title="Lanreotide depot drafted 8 days before PRRT cycle 2",
         story="Lanreotide 120 mg selected for a woman whose Lu-177 dotatate cycle 2 is due in 8 days: no long-acting "
               "SSA in the 4 weeks before a PRRT dose (NR-17): not recommended; give it 4-24 h after the dose.",
         drafts=[med("ord-26-lanreotide", "749814", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe",
                     dose=(120, "mg"), per_day=1, period_days=28)],
         expect=["NR-17"]),
    dict(id="ord-27", base="net-261", hook="order-sign", title="Everolimus drafted during a Lu-177 dotatate course",
         story="Everolimus 10 mg signed for a woman between PRRT cycles 1 and 2: the table does not combine "
               "everolimus with ongoing PRRT (NR-23): not recommended, remove the draft.",
         drafts=[med("ord-27-everolimus", "845507", "everolimus 10 MG Oral Tablet", dose=(10, "mg"), per_day=1)],
         expect=["NR-23"]),
]


def order_request(situation: dict, *, base: dict | None = None) -> dict:
    """The order-hook request of one situation (deterministic), from ``base`` (the patient's patient-view
    request; by default the committed file)."""
    if base is None:
        base = json.loads((HERE / "hooks" / f"{situation['base']}.json").read_text(encoding="utf-8"))
    body = copy.deepcopy(base)
    pid = body["context"]["patientId"]
    body["hook"] = situation["hook"]
    body["hookInstance"] = fixed_uuid(f"order/{situation['id']}")
    drafts = []
    for draft in situation["drafts"]:
        draft = copy.deepcopy(draft)
        draft["subject"] = {"reference": f"Patient/{pid}"}
        drafts.append(draft)
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": d} for d in drafts]}
    if situation["hook"] == "order-select":
        body["context"]["selections"] = situation.get("selections") or [
            f"{d['resourceType']}/{d['id']}" for d in drafts]
    for key, resource in situation.get("extra", ()):
        bundle = body["prefetch"].setdefault(key, {"resourceType": "Bundle", "type": "searchset"})
        bundle.setdefault("entry", []).insert(0, {"fullUrl": f"urn:uuid:{fixed_uuid(resource['id'])}",
                                                  "resource": resource, "search": {"mode": "match"}})
        bundle["total"] = len(bundle["entry"])
    return body


def index() -> list[dict]:
    return [{"id": s["id"], "base": s["base"], "hook": s["hook"], "title": s["title"], "story": s["story"],
             "expect": list(s["expect"]), "file": f"orders/{s['id']}.json"} for s in SITUATIONS]
