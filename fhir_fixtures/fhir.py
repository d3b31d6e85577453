"""Small builders for the synthetic FHIR R4 fixtures (no I/O, no clock, deterministic).

Every resource id is ``<patient id>-<suffix>`` so ids are unique across patients. Dates are
computed from the fixed ``AS_OF`` date, never from the clock.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

AS_OF = date(2026, 11, 22)

# code systems (terminology.md §0.1, local-codes.md)
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
UCUM = "http://unitsofmeasure.org"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
COND_CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
V3_INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
LOCAL = "https://net-cds.org/fhir/CodeSystem/"
LOCAL_OBS = LOCAL + "observation"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
MRN_SYSTEM = "https://ehr.example.org/fhir/sid/mrn"   # fictional
SEARCH_BASE = "https://ehr.example.org/fhir"          # fictional server base for searchset fullUrls

UUID_NS = uuid.UUID("6f1d3c1e-5b7a-4f2e-9c1d-2a7e0b9d4c11")  # fixed namespace for uuid5


def ago(days: int = 0, *, weeks: int = 0, months: int = 0, years: int = 0) -> str:
    """ISO date ``days/weeks/months(30 d)/years(365 d)`` before AS_OF (negative = after)."""
    return (AS_OF - timedelta(days=days + 7 * weeks + 30 * months + 365 * years)).isoformat()


def fixed_uuid(name: str) -> str:
    return str(uuid.uuid5(UUID_NS, name))


def coding(system: str, code: str, display: str | None = None) -> dict:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def cc(*codings: tuple, text: str | None = None) -> dict:
    """CodeableConcept from (system, code, display) tuples."""
    out: dict = {}
    if codings:
        out["coding"] = [coding(*c) for c in codings]
    if text:
        out["text"] = text
    return out


def qty(value, unit: str, code: str | None = None, system: str = UCUM) -> dict:
    q = {"value": value, "unit": unit}
    if code is not None:
        q["system"] = system
        q["code"] = code
    return q


# --------------------------------------------------------------------------- code tables

# (system, code, display)
LAB = {
    "creatinine": ((LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"), "mg/dL", "mg/dL"),
    "creatinine_umol": ((LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"), "µmol/L", "umol/L"),
    "crcl": ((LOINC, "2164-2", "Creatinine renal clearance in 24 hour Urine and Serum or Plasma"), "mL/min", "mL/min"),
    "crcl_cg": ((LOINC, "35591-7", "Creatinine renal clearance predicted by Cockcroft-Gault formula"), "mL/min", "mL/min"),
    "egfr": ((LOINC, "98979-8", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)"), "mL/min/1.73m2", "mL/min/{1.73_m2}"),
    "hb": ((LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"), "g/dL", "g/dL"),
    "hb_gl": ((LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"), "g/L", "g/L"),
    "wbc": ((LOINC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count"), "10^9/L", "10*9/L"),
    "anc": ((LOINC, "751-8", "Neutrophils [#/volume] in Blood by Automated count"), "10^9/L", "10*9/L"),
    "plt": ((LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count"), "10^9/L", "10*9/L"),
    "plt_mm3": ((LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count"), "/mm³", "/mm3"),
    "bili": ((LOINC, "1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"), "mg/dL", "mg/dL"),
    "alb": ((LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"), "g/dL", "g/dL"),
    "alt": ((LOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"), "U/L", "U/L"),
    "ast": ((LOINC, "1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"), "U/L", "U/L"),
    "glucose": ((LOINC, "2345-7", "Glucose [Mass/volume] in Serum or Plasma"), "mg/dL", "mg/dL"),
    "hba1c": ((LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"), "%", "%"),
    "chol": ((LOINC, "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma"), "mg/dL", "mg/dL"),
    "tg": ((LOINC, "2571-8", "Triglyceride [Mass/volume] in Serum or Plasma"), "mg/dL", "mg/dL"),
    "tsh": ((LOINC, "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma"), "mIU/L", "m[IU]/L"),
    "potassium": ((LOINC, "2823-3", "Potassium [Moles/volume] in Serum or Plasma"), "mmol/L", "mmol/L"),
    "magnesium": ((LOINC, "2601-3", "Magnesium [Moles/volume] in Serum or Plasma"), "mmol/L", "mmol/L"),
    "sodium": ((LOINC, "2951-2", "Sodium [Moles/volume] in Serum or Plasma"), "mmol/L", "mmol/L"),
    "calcium": ((LOINC, "17861-6", "Calcium [Mass/volume] in Serum or Plasma"), "mg/dL", "mg/dL"),
    "pth": ((LOINC, "2731-8", "Parathyrin.intact [Mass/volume] in Serum or Plasma"), "pg/mL", "pg/mL"),
    "ntprobnp": ((LOINC, "33762-6", "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma"), "pg/mL", "pg/mL"),
    "hiaa": ((LOINC, "1695-6", "5-Hydroxyindoleacetate [Mass/time] in 24 hour Urine"), "mg/(24.h)", "mg/(24.h)"),
    "cga": ((LOINC, "9811-1", "Chromogranin A [Mass/volume] in Serum or Plasma"), "ng/mL", "ng/mL"),
    "gastrin": ((LOINC, "2333-3", "Gastrin [Mass/volume] in Serum or Plasma"), "pg/mL", "pg/mL"),
    "insulin": ((LOINC, "20448-7", "Insulin [Units/volume] in Serum or Plasma"), "µIU/mL", "u[IU]/mL"),
    "cpeptide": ((LOINC, "1986-9", "C peptide [Mass/volume] in Serum or Plasma"), "ng/mL", "ng/mL"),
    "nse": ((LOINC, "15060-7", "Enolase.neuron specific [Mass/volume] in Serum or Plasma"), "ng/mL", "ng/mL"),
    "somatostatin": ((LOINC, "2961-1", "Somatostatin [Mass/volume] in Plasma"), "pg/mL", "pg/mL"),
    "acth": ((LOINC, "2141-0", "Corticotropin [Mass/volume] in Plasma"), "pg/mL", "pg/mL"),
    "cortisol": ((LOINC, "2143-6", "Cortisol [Mass/volume] in Serum or Plasma"), "µg/dL", "ug/dL"),
}
TUMOR_MARKERS = {"hiaa", "cga", "gastrin", "nse"}

MED = {
    "octreotide_lar30": (RXNORM, "898601", "octreotide 30 MG Injection"),
    "octreotide_lar30_sandostatin": (RXNORM, "898603", "octreotide 30 MG Injection [Sandostatin]"),
    "octreotide_lar20": (RXNORM, "898589", "octreotide 20 MG Injection"),
    "octreotide_sc": (RXNORM, "312069", "octreotide 0.1 MG/ML Injectable Solution"),
    "lanreotide120": (RXNORM, "749814", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe"),
    "lanreotide120_somatuline": (RXNORM, "749816", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline]"),
    "everolimus10": (RXNORM, "845507", "everolimus 10 MG Oral Tablet"),
    "everolimus10_afinitor": (RXNORM, "845512", "everolimus 10 MG Oral Tablet [Afinitor]"),
    "sunitinib37": (RXNORM, "1541890", "sunitinib 37.5 MG Oral Capsule"),
    "telotristat": (RXNORM, "1872453", "telotristat ethyl 250 MG Oral Tablet"),
    "lutathera": (RXNORM, "1999682", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection"),
    "lutathera_hcpcs": (HCPCS, "A9513", "Lutetium Lu 177, dotatate, therapeutic, 1 millicurie"),
    "cabozantinib60": (RXNORM, "1790173", "cabozantinib 60 MG Oral Tablet"),
    "belzutifan40": (RXNORM, "2567231", "belzutifan 40 MG Oral Tablet"),
    "temozolomide": (RXNORM, "37776", "temozolomide"),
    "capecitabine500": (RXNORM, "200328", "capecitabine 500 MG Oral Tablet"),
    "cisplatin": (RXNORM, "2555", "cisplatin"),
    "carboplatin": (RXNORM, "40048", "carboplatin"),
    "etoposide": (RXNORM, "4179", "etoposide"),
    "diazoxide": (RXNORM, "197593", "diazoxide 50 MG/ML Oral Suspension"),
    "pantoprazole": (RXNORM, "40790", "pantoprazole"),
    "omeprazole": (RXNORM, "7646", "omeprazole"),
    "esomeprazole": (RXNORM, "283742", "esomeprazole"),
    "clarithromycin": (RXNORM, "21212", "clarithromycin"),
    "metformin": (RXNORM, "6809", "metformin"),
    "lisinopril": (RXNORM, "29046", "lisinopril"),
    "amlodipine": (RXNORM, "17767", "amlodipine"),
    "atorvastatin": (RXNORM, "83367", "atorvastatin"),
    "letrozole": (RXNORM, "72965", "letrozole"),
    "cholecalciferol": (RXNORM, "2418", "cholecalciferol"),
    "loperamide": (RXNORM, "6468", "loperamide"),
    "pancrelipase": (RXNORM, "8031", "pancrelipase"),
    "interferon_alfa2b": (RXNORM, "5880", "interferon alfa-2b"),
    "lutathera_sbd": (RXNORM, "1999687", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection [Lutathera]"),
}

ICD = {
    "C7A.00": "Malignant carcinoid tumor of unspecified site",
    "C7A.010": "Malignant carcinoid tumor of the duodenum",
    "C7A.011": "Malignant carcinoid tumor of the jejunum",
    "C7A.012": "Malignant carcinoid tumor of the ileum",
    "C7A.019": "Malignant carcinoid tumor of the small intestine, unspecified portion",
    "C7A.020": "Malignant carcinoid tumor of the appendix",
    "C7A.026": "Malignant carcinoid tumor of the rectum",
    "C7A.090": "Malignant carcinoid tumor of the bronchus and lung",
    "C7A.091": "Malignant carcinoid tumor of the thymus",
    "C7A.092": "Malignant carcinoid tumor of the stomach",
    "C7A.1": "Malignant poorly differentiated neuroendocrine tumors",
    "C7B.01": "Secondary carcinoid tumors of distant lymph nodes",
    "C7B.02": "Secondary carcinoid tumors of liver",
    "C7B.03": "Secondary carcinoid tumors of bone",
    "C7B.09": "Secondary carcinoid tumors of other sites",
    "C77.2": "Secondary and unspecified malignant neoplasm of intra-abdominal lymph nodes",
    "C78.7": "Secondary malignant neoplasm of liver and intrahepatic bile duct",
    "C25.4": "Malignant neoplasm of endocrine pancreas",
    "C25.0": "Malignant neoplasm of head of pancreas",
    "C34.11": "Malignant neoplasm of upper lobe, right bronchus or lung",
    "C34.31": "Malignant neoplasm of lower lobe, right bronchus or lung",
    "C18.2": "Malignant neoplasm of ascending colon",
    "C50.911": "Malignant neoplasm of unspecified site of right female breast",
    "D13.7": "Benign neoplasm of endocrine pancreas",
    "E34.0": "Carcinoid syndrome",
    "E34.00": "Carcinoid syndrome, unspecified",
    "E34.01": "Carcinoid heart syndrome",
    "E16.1": "Other hypoglycemia",
    "E16.4": "Increased secretion of gastrin",
    "E16.8": "Other specified disorders of pancreatic internal secretion",
    "E31.21": "Multiple endocrine neoplasia [MEN] type I",
    "E21.0": "Primary hyperparathyroidism",
    "Q85.8": "Other phakomatoses, not elsewhere classified",
    "Q85.83": "Von Hippel-Lindau syndrome",
    "K29.40": "Chronic atrophic gastritis without bleeding",
    "D51.0": "Vitamin B12 deficiency anemia due to intrinsic factor deficiency",
    "K21.9": "Gastro-esophageal reflux disease without esophagitis",
    "Z33.1": "Pregnant state, incidental",
    "J18.9": "Pneumonia, unspecified organism",
    "I10": "Essential (primary) hypertension",
    "E11.9": "Type 2 diabetes mellitus without complications",
    "E78.5": "Hyperlipidemia, unspecified",
    "R19.7": "Diarrhea, unspecified",
    "R23.2": "Flushing",
    "E87.6": "Hypokalemia",
    "N18.3": "Chronic kidney disease, stage 3 (moderate)",
    "N18.4": "Chronic kidney disease, stage 4 (severe)",
    "E16.3": "Increased secretion of glucagon",
    "E24.3": "Ectopic ACTH syndrome",
    "E13.9": "Other specified diabetes mellitus without complications",
    "Q85.01": "Neurofibromatosis, type 1",
    "Z39.1": "Encounter for care and examination of lactating mother",
    "L53.8": "Other specified erythematous conditions",
    "I82.401": "Acute embolism and thrombosis of unspecified deep veins of right lower extremity",
    "K80.20": "Calculus of gallbladder without cholecystitis without obstruction",
    "K90.9": "Intestinal malabsorption, unspecified",
    "R10.9": "Unspecified abdominal pain",
}

ICDO = {
    "8240/3": "Carcinoid tumor, NOS",
    "8249/3": "Atypical carcinoid tumor",
    "8246/3": "Neuroendocrine carcinoma, NOS",
    "8041/3": "Small cell carcinoma, NOS",
    "8013/3": "Large cell neuroendocrine carcinoma",
    "8150/3": "Pancreatic endocrine tumor, malignant",
    "8151/3": "Insulinoma, malignant",
    "8152/3": "Glucagonoma, malignant",
    "8153/3": "Gastrinoma, malignant",
    "8155/3": "Vipoma, malignant",
    "8156/3": "Somatostatinoma, malignant",
    "8244/3": "Mixed adenoneuroendocrine carcinoma",
    "8242/3": "Enterochromaffin-like cell tumor, malignant",
    "8500/3": "Infiltrating duct carcinoma, NOS",
}

ICDO_TOPO = {  # ICD-O-3 topography (Condition.bodySite)
    "C16.2": "Body of stomach",
    "C25.1": "Body of pancreas",
    "C20.9": "Rectum",
    "C80.9": "Unknown primary site",
}

SSTR_UPTAKE = {
    "higher-than-liver": "Uptake higher than normal liver in all target lesions",
    "equal-to-liver": "Uptake about equal to normal liver",
    "lower-than-liver": "Uptake below normal liver",
    "heterogeneous": "Heterogeneous uptake: some target lesions below liver",
    "negative": "No tumour uptake",
}
TRACER = {
    "ga68-dotatate": (SCT, "724025002", "Dotatate Ga^68^"),
    "in111-pentetreotide": (SCT, "446800006", "Indium^111 Pentetreotide"),
}
STATUS = {
    "progressive": (SCT, "271299001", "Patient's condition worsened (finding)"),
    "stable": (SCT, "359746009", "Patient's condition stable (finding)"),
    "improved": (SCT, "268910001", "Patient's condition improved (finding)"),
    "undetermined": (SCT, "709137006", "Patient condition undetermined (finding)"),
}


# --------------------------------------------------------------------------- the builder


class P:
    """One synthetic patient: a Patient resource plus the resources that point at it."""

    def __init__(self, pid: str, name: str, gender: str, birth: str, *, given: list[str] | None = None,
                 family: str | None = None, text: str | None = None, deceased: bool | None = None):
        self.pid = pid
        words = name.split()
        patient = {
            "resourceType": "Patient",
            "id": pid,
            "identifier": [{"system": MRN_SYSTEM, "value": "MRN-" + pid.upper()}],
            "active": True,
            "name": [{"use": "official", "text": text or name,
                      "family": family or words[-1], "given": given or words[:-1]}],
            "gender": gender,
            "birthDate": birth,
        }
        if deceased is not None:
            patient["deceasedBoolean"] = deceased
        self.patient = patient
        self.resources: list[dict] = [patient]

    # ---- plumbing
    @property
    def ref(self) -> dict:
        return {"reference": f"Patient/{self.pid}"}

    def rid(self, sfx: str) -> str:
        return f"{self.pid}-{sfx}"

    def add(self, resource: dict) -> dict:
        self.resources.append(resource)
        return resource

    # ---- Condition
    def condition(self, sfx: str, *codes, onset: str | None = None, recorded: str | None = None,
                  clinical: str | None = "active", verification: str = "confirmed", text: str | None = None,
                  morphology: str | None = None, mcode: str | None = None, body_site: dict | None = None,
                  note: str | None = None, category: str = "problem-list-item", related: str | None = None,
                  stage: str | None = None, morphology_sct: tuple | None = None) -> dict:
        """``codes``: ICD-10-CM code strings, or (system, code, display) tuples."""
        codings = [(ICD10, c, ICD[c]) if isinstance(c, str) else c for c in codes]
        r: dict = {"resourceType": "Condition", "id": self.rid(sfx), "subject": self.ref,
                   "code": cc(*codings, text=text),
                   "category": [cc((COND_CAT, category, {"problem-list-item": "Problem List Item",
                                                          "encounter-diagnosis": "Encounter Diagnosis"}[category]))]}
        if clinical is not None:
            r["clinicalStatus"] = cc((COND_CLIN, clinical, clinical.capitalize()))
        r["verificationStatus"] = cc((COND_VER, verification, verification.replace("-", " ").capitalize()))
        if onset:
            r["onsetDateTime"] = onset
        if recorded:
            r["recordedDate"] = recorded
        if body_site:
            r["bodySite"] = [body_site]
        if mcode:
            r["meta"] = {"profile": [MCODE + mcode]}
        if morphology:
            r.setdefault("extension", []).append({
                "url": MCODE + "mcode-histology-morphology-behavior",
                "valueCodeableConcept": cc((ICDO3, morphology, ICDO[morphology]))})
        if morphology_sct:
            r.setdefault("extension", []).append({
                "url": MCODE + "mcode-histology-morphology-behavior",
                "valueCodeableConcept": cc(morphology_sct)})
        if related:
            r.setdefault("extension", []).append({
                "url": "http://hl7.org/fhir/StructureDefinition/condition-related",
                "valueReference": {"reference": f"Condition/{self.rid(related)}"}})
        if stage:
            r["stage"] = [{"summary": cc(text=stage)}]
        if note:
            r["note"] = [{"text": note}]
        return self.add(r)

    # ---- Observation
    def obs(self, sfx: str, code: dict, date: str, *, value: dict | None = None, status: str = "final",
            category: str | None = "laboratory", profile: str | None = None, interpretation: str | None = None,
            method: tuple | None = None, note: str | None = None, body_site: str | None = None,
            components: list | None = None, ref_high: dict | None = None, source: str | None = None) -> dict:
        r: dict = {"resourceType": "Observation", "id": self.rid(sfx), "status": status, "code": code,
                   "subject": self.ref, "effectiveDateTime": date}
        if category:
            r["category"] = [cc((OBS_CAT, category, {
                "laboratory": "Laboratory", "imaging": "Imaging", "vital-signs": "Vital Signs",
                "survey": "Survey", "exam": "Exam", "procedure": "Procedure",
                "social-history": "Social History"}[category]))]
        if value:
            r.update(value)
        if profile:
            r["meta"] = {"profile": [MCODE + profile]}
        if source:
            r.setdefault("meta", {})["source"] = source
        if interpretation:
            r["interpretation"] = [cc((V3_INTERP, interpretation, {
                "POS": "Positive", "NEG": "Negative", "H": "High", "HH": "Critical high",
                "L": "Low", "LL": "Critical low", "N": "Normal"}[interpretation]))]
        if method:
            r["method"] = cc(method)
        if body_site:
            r["bodySite"] = cc(text=body_site)
        if components:
            r["component"] = components
        if ref_high:
            r["referenceRange"] = [{"high": ref_high}]
        if note:
            r["note"] = [{"text": note}]
        return self.add(r)

    def ki67(self, sfx: str, date: str, pct=None, *, string: str | None = None, fraction: float | None = None,
             loinc: str = "29593-1", status: str = "final", site: str | None = "primary tumour",
             mcode: bool = False, note: str | None = None, source: str | None = None) -> dict:
        display = {"29593-1": "Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain",
                   "85330-9": "Cells.Ki-67 nuclear Ag/cells in Breast cancer specimen by Immune stain",
                   "33055-5": "Ki-67 nuclear Ag [Presence] in Tissue by Immune stain"}[loinc]
        if string is not None:
            value = {"valueString": string}
        elif fraction is not None:
            value = {"valueQuantity": qty(fraction, "1", "1")}
        elif loinc == "33055-5":
            value = {"valueCodeableConcept": cc((SCT, "10828004", "Positive (qualifier value)"))}
        else:
            value = {"valueQuantity": qty(pct, "%", "%")}
        return self.obs(sfx, cc((LOINC, loinc, display), text="Ki-67"), date, value=value, status=status,
                        profile="mcode-tumor-marker-test" if mcode else None, body_site=site, note=note,
                        source=source)

    def local(self, sfx: str, code: str, date: str, *, value: dict | None = None, category: str = "exam",
              text: str | None = None, **kw) -> dict:
        return self.obs(sfx, cc((LOCAL_OBS, code, code.replace("-", " ")), text=text), date, value=value,
                        category=category, **kw)

    def sstr(self, sfx: str, date: str, uptake: str | None, *, tracer: str = "ga68-dotatate",
             interpretation: str | None = None, text: str | None = None, note: str | None = None,
             source: str | None = None) -> dict:
        value = ({"valueCodeableConcept": cc((LOCAL + "sstr-uptake", uptake, SSTR_UPTAKE[uptake]))}
                 if uptake else None)
        return self.local(sfx, "sstr-imaging", date, value=value, category="imaging",
                          text=text or ("Ga-68 DOTATATE PET/CT" if tracer == "ga68-dotatate"
                                        else "In-111 pentetreotide scintigraphy (Octreoscan)"),
                          method=TRACER[tracer], interpretation=interpretation, note=note, source=source)

    def fdg(self, sfx: str, date: str, avid: bool) -> dict:
        return self.local(sfx, "fdg-pet", date, category="imaging", text="FDG PET/CT",
                          value={"valueCodeableConcept": cc((LOCAL + "fdg-avidity", "avid" if avid else "not-avid",
                                                             "FDG-avid" if avid else "Not FDG-avid"))},
                          interpretation="POS" if avid else "NEG")

    def differentiation(self, sfx: str, date: str, diff: str) -> dict:
        return self.local(sfx, "differentiation", date, text="Tumour differentiation",
                          value={"valueCodeableConcept": cc((LOCAL + "differentiation", diff,
                                                             {"well": "Well differentiated",
                                                              "poor": "Poorly differentiated",
                                                              "mixed": "Mixed"}[diff]))})

    def mitoses(self, sfx: str, date: str, n: float, *, unit: str = "/2mm2", source: str | None = None) -> dict:
        """``unit`` is text only (no UCUM code): '/2mm2', or '/10 HPF' for a count per 10 high-power fields."""
        return self.local(sfx, "mitotic-count", date, text="Mitotic count", value={"valueQuantity": qty(n, unit)},
                          source=source)

    def flushing(self, sfx: str, date: str, n: float) -> dict:
        return self.local(sfx, "flushing-episodes-per-day", date, category="survey", text="Flushing episodes per day",
                          value={"valueQuantity": qty(n, "/d", "/d")})

    def bowel(self, sfx: str, date: str, n: float) -> dict:
        return self.local(sfx, "bowel-movements-per-day", date, category="survey", text="Bowel movements per day",
                          value={"valueQuantity": qty(n, "/d", "/d")})

    def burden(self, sfx: str, date: str, pct: float) -> dict:
        return self.local(sfx, "hepatic-tumor-burden", date, category="imaging", text="Hepatic tumour burden",
                          value={"valueQuantity": qty(pct, "%", "%")})

    def resectability(self, sfx: str, date: str, code: str) -> dict:
        return self.local(sfx, "resectability", date, text="MDT resectability",
                          value={"valueCodeableConcept": cc((LOCAL + "resectability", code, {
                              "resectable": "Resectable", "cytoreduction-feasible": "Cytoreduction feasible",
                              "unresectable": "Unresectable"}[code]))})

    def status(self, sfx: str, date: str, status: str, *, legacy: bool = False, mcode: bool = True,
               note: str | None = None, source: str | None = None) -> dict:
        code = (cc((LOINC, "88040-1", "Response to cancer treatment")) if legacy
                else cc((LOINC, "97509-4", "Cancer disease progression")))
        return self.obs(sfx, code, date, value={"valueCodeableConcept": cc(STATUS[status])}, category="survey",
                        profile="mcode-cancer-disease-status" if mcode else None, note=note, source=source)

    def morphology(self, sfx: str, date: str, code: str, *, loinc: str = "31206-6") -> dict:
        disp = {"31206-6": "Histology and Behavior ICD-O-3 Cancer",
                "59847-4": "Histology and Behavior ICD-O-3 Cancer"}[loinc]
        return self.obs(sfx, cc((LOINC, loinc, disp)), date, category="laboratory",
                        value={"valueCodeableConcept": cc((ICDO3, code, ICDO[code]))})

    def lab(self, key: str, date: str, value, *, sfx: str | None = None, interpretation: str | None = None,
            status: str = "final", mcode: bool | None = None, ref_high: dict | None = None,
            note: str | None = None, source: str | None = None) -> dict:
        code, unit, ucum = LAB[key]
        is_marker = key in TUMOR_MARKERS
        return self.obs(sfx or f"{key.replace('_', '-')}-{date}", cc(code), date,
                        value={"valueQuantity": qty(value, unit, ucum)}, status=status,
                        interpretation=interpretation, ref_high=ref_high, note=note, source=source,
                        profile="mcode-tumor-marker-test" if (mcode if mcode is not None else False) and is_marker else None)

    def size(self, sfx: str, date: str, cm: float) -> dict:
        return self.obs(sfx, cc((LOINC, "21889-1", "Size Tumor")), date, category="laboratory",
                        value={"valueQuantity": qty(cm, "cm", "cm")})

    def ecog(self, sfx: str, date: str, score: int) -> dict:
        return self.obs(sfx, cc((LOINC, "89247-1", "ECOG Performance Status score")), date, category="survey",
                        value={"valueInteger": score}, profile="mcode-ecog-performance-status")

    def bp(self, sfx: str, date: str, sys_: int, dia: int) -> dict:
        return self.obs(sfx, cc((LOINC, "85354-9", "Blood pressure panel with all children optional")), date,
                        category="vital-signs", components=[
                            {"code": cc((LOINC, "8480-6", "Systolic blood pressure")),
                             "valueQuantity": qty(sys_, "mmHg", "mm[Hg]")},
                            {"code": cc((LOINC, "8462-4", "Diastolic blood pressure")),
                             "valueQuantity": qty(dia, "mmHg", "mm[Hg]")}])

    def pregnancy(self, sfx: str, date: str, pregnant: bool = True) -> dict:
        answer = (SCT, "77386006", "Pregnant") if pregnant else (SCT, "60001007", "Not pregnant")
        return self.obs(sfx, cc((LOINC, "82810-3", "Pregnancy status")), date, category="social-history",
                        value={"valueCodeableConcept": cc(answer)})

    # ---- medications
    @staticmethod
    def _med(med: str | tuple | None, text: str | None = None) -> dict:
        """``med``: a MED key, a (system, code, display) tuple, or None for a text-only (uncoded) medication."""
        if med is None:
            return {"medicationCodeableConcept": cc(text=text)}
        c = MED[med] if isinstance(med, str) else med
        return {"medicationCodeableConcept": cc(c, text=text)}

    def med_request(self, sfx: str, med, authored: str, *, status: str = "active", intent: str = "order",
                    dosage: str | None = None, event: str | None = None, mcode: bool = False,
                    text: str | None = None, note: str | None = None) -> dict:
        r = {"resourceType": "MedicationRequest", "id": self.rid(sfx), "status": status, "intent": intent,
             **self._med(med, text), "subject": self.ref, "authoredOn": authored}
        if dosage or event:
            d: dict = {}
            if dosage:
                d["text"] = dosage
            if event:
                d["timing"] = {"event": [event]}
            r["dosageInstruction"] = [d]
        if mcode:
            r["meta"] = {"profile": [MCODE + "mcode-cancer-related-medication-request"]}
        if note:
            r["note"] = [{"text": note}]
        return self.add(r)

    def med_statement(self, sfx: str, med, start: str, *, end: str | None = None, status: str = "active",
                      dosage: str | None = None, text: str | None = None, asserted: str | None = None) -> dict:
        period = {"start": start}
        if end:
            period["end"] = end
        r = {"resourceType": "MedicationStatement", "id": self.rid(sfx), "status": status,
             **self._med(med, text), "subject": self.ref, "effectivePeriod": period}
        if asserted:
            r["dateAsserted"] = asserted
        if dosage:
            r["dosage"] = [{"text": dosage}]
        return self.add(r)

    def med_admin(self, sfx: str, med, when: str, *, status: str = "completed", dose: dict | None = None,
                  text: str | None = None, mcode: bool = False) -> dict:
        r = {"resourceType": "MedicationAdministration", "id": self.rid(sfx), "status": status,
             **self._med(med, text), "subject": self.ref, "effectiveDateTime": when}
        if dose:
            r["dosage"] = {"dose": dose}
        if mcode:
            r["meta"] = {"profile": [MCODE + "mcode-cancer-related-medication-administration"]}
        return self.add(r)

    # ---- procedures
    def procedure(self, sfx: str, when: str | None, *codes: tuple, text: str | None = None, status: str = "completed",
                  outcome: str | None = None, note: str | None = None, mcode: bool = False,
                  body_site: str | None = None, status_reason: tuple | None = None) -> dict:
        """``when`` None leaves performed[x] out (e.g. status not-done); ``status_reason`` (system, code, display)."""
        r: dict = {"resourceType": "Procedure", "id": self.rid(sfx), "status": status,
                   "code": cc(*codes, text=text), "subject": self.ref}
        if when:
            r["performedDateTime"] = when
        if status_reason:
            r["statusReason"] = cc(status_reason)
        if outcome:
            r["outcome"] = cc(text=outcome)
        if body_site:
            r["bodySite"] = [cc(text=body_site)]
        if mcode:
            r["meta"] = {"profile": [MCODE + "mcode-cancer-related-surgical-procedure"]}
        if note:
            r["note"] = [{"text": note}]
        return self.add(r)


# --------------------------------------------------------------------------- bundles

PREFETCH_KEYS = {
    "conditions": "Condition",
    "observations": "Observation",
    "medicationRequests": "MedicationRequest",
    "medicationStatements": "MedicationStatement",
    "medicationAdministrations": "MedicationAdministration",
    "procedures": "Procedure",
    "diagnosticReports": "DiagnosticReport",
}


def transaction(resources: list[dict]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{
            "fullUrl": "urn:uuid:" + fixed_uuid(f"{r['resourceType']}/{r['id']}"),
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        } for r in resources],
    }


def _sort_key(r: dict) -> str:
    return r.get("effectiveDateTime") or r.get("effectivePeriod", {}).get("start", "")


def searchset(resources: list[dict], *, newest_first: bool = False) -> dict:
    if newest_first:  # like _sort=-date (stable for equal dates: keeps bundle order)
        resources = sorted(resources, key=_sort_key, reverse=True)
    b: dict = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if resources:
        b["entry"] = [{"fullUrl": f"{SEARCH_BASE}/{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources]
    return b


def hook_request(pid: str, resources: list[dict]) -> dict:
    patient = next(r for r in resources if r["resourceType"] == "Patient" and r["id"] == pid)
    prefetch: dict = {"patient": patient}
    medications = {f"Medication/{r['id']}": r for r in resources if r["resourceType"] == "Medication"}
    for key, rtype in PREFETCH_KEYS.items():
        matches = [r for r in resources if r["resourceType"] == rtype]
        prefetch[key] = searchset(matches, newest_first=rtype in ("Observation", "DiagnosticReport"))
        # a request's Medication (medicationReference) comes as an _include entry, as EHRs send it
        included = [medications[ref] for ref in dict.fromkeys(
            (r.get("medicationReference") or {}).get("reference") for r in matches) if ref in medications]
        if included:
            prefetch[key].setdefault("entry", []).extend(
                {"fullUrl": f"{SEARCH_BASE}/Medication/{m['id']}", "resource": m, "search": {"mode": "include"}}
                for m in included)
    return {
        "hook": "patient-view",
        "hookInstance": fixed_uuid(f"hook/{pid}"),
        "context": {"userId": "Practitioner/demo-oncologist", "patientId": pid},
        "prefetch": prefetch,
    }
