"""The clinical picture: one typed, immutable view of a patient's neuroendocrine neoplasm.

This module is the contract between the FHIR side (``service.data.fhir_adapter`` and the
extractors in ``service.picture``) and the rules (``service.rules``). Rules read only these
types; they never see FHIR JSON.

Every datum is a :class:`Fact`. A fact always says *whether* it is known (``state``), its
value when it is, and where it came from (``sources``: resource reference, date, and a
short human display of the raw value). Missing, stale and contradictory data are explicit
states, never ``None`` and never a negative finding.
"""
from __future__ import annotations

import json

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, Iterable, TypeVar

T = TypeVar("T")


class FactState(str, enum.Enum):
    PRESENT = "present"            # known and recent enough
    STALE = "stale"                # known, but older than the configured lookback
    CONTRADICTORY = "contradictory"  # sources disagree and none can be preferred
    MISSING = "missing"            # nothing on record (NOT a negative finding)
    UNAVAILABLE = "unavailable"    # the data source itself could not be read


@dataclass(frozen=True, slots=True)
class Source:
    """Provenance of one fact: which resource, when, and how it read.

    A fact read from the text of a report (``service.picture.reports``) has a ``quote``: the sentence it was
    read from (at most 200 characters, raw: the renderer escapes it), ``reference`` the DiagnosticReport, and
    ``record``: the coded Observation that would record the value (JSON: ``code`` and ``value[x]`` or
    ``interpretation``), for the card's "record as a coded result" suggestion.
    """

    reference: str | None  # relative FHIR reference, e.g. "Observation/123"
    date: date | None      # effective / onset / recorded date (partial dates rounded down)
    display: str           # short, plain text of the raw value, e.g. "Ki-67 12 %"
    quote: str | None = None    # the report sentence a text fact was read from (None: coded data)
    record: str | None = None   # JSON of the coded Observation that would record a text fact

    @property
    def origin(self) -> str:
        """"report-text" for a value read from report text, else "coded"."""
        return "coded" if self.quote is None else "report-text"


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    state: FactState
    value: T | None = None
    sources: tuple[Source, ...] = ()
    note: str = ""  # why stale/contradictory/unavailable, in plain words

    @property
    def known(self) -> bool:
        """True when a value is on record (present or stale)."""
        return self.state in (FactState.PRESENT, FactState.STALE) and self.value is not None

    @property
    def date(self) -> date | None:
        dates = [s.date for s in self.sources if s.date is not None]
        return max(dates) if dates else None

    def is_(self, value: object) -> bool:
        """True only when the fact is known and equals ``value`` (missing is never a match)."""
        return self.known and self.value == value

    @staticmethod
    def missing(note: str = "") -> "Fact":
        # Facts are frozen values, so every note-less MISSING fact can be the one shared
        # instance (a picture holds ~90 of them; building each costs ~1.5 µs).
        if note == "":
            return _MISSING
        return Fact(FactState.MISSING, None, (), note)

    @staticmethod
    def unavailable(note: str = "") -> "Fact":
        return Fact(FactState.UNAVAILABLE, None, (), note)


_MISSING: Fact = Fact(FactState.MISSING, None, (), "")


# --------------------------------------------------------------------------- enums


class Scope(str, enum.Enum):
    NONE = "none"                  # no neuroendocrine neoplasm on record: no cards at all
    NET = "net"                    # well-differentiated NET (or differentiation not yet known)
    NEC = "nec"                    # poorly differentiated neuroendocrine carcinoma (extrapulmonary/unknown)
    MINEN = "minen"                # mixed neuroendocrine-non-neuroendocrine neoplasm
    SCLC = "sclc"                  # pulmonary small-cell carcinoma: out of scope (G-03)
    EXCLUDED = "excluded"          # e.g. Merkel cell carcinoma: not handled by this service


class PrimarySite(str, enum.Enum):
    PANCREAS = "pancreas"
    MIDGUT = "midgut"              # jejunum, ileum, appendix, caecum, ascending colon, midgut NOS
    LUNG_THYMUS = "lung_thymus"
    OTHER_GI = "other_gi"          # stomach, duodenum, transverse->sigmoid colon, rectum, fore/hindgut NOS
    UNKNOWN = "unknown"            # unknown primary
    OTHER = "other"                # kidney, other sites


class Differentiation(str, enum.Enum):
    WELL = "well"
    POOR = "poor"
    MIXED = "mixed"


class Grade(str, enum.Enum):
    G1 = "G1"
    G2 = "G2"
    G3 = "G3"      # well-differentiated NET G3 (NOT NEC)
    NEC = "NEC"    # poorly differentiated neuroendocrine carcinoma


class LungType(str, enum.Enum):
    TYPICAL = "typical"
    ATYPICAL = "atypical"


class Extent(str, enum.Enum):
    LOCALIZED = "localized"
    LOCOREGIONAL = "locoregional"
    METASTATIC = "metastatic"


class Resectability(str, enum.Enum):
    RESECTABLE = "resectable"
    CYTOREDUCTION_FEASIBLE = "cytoreduction-feasible"
    UNRESECTABLE = "unresectable"


class SstrStatus(str, enum.Enum):
    POSITIVE_ALL = "positive_all"                    # every target lesion >= liver
    POSITIVE_HETEROGENEOUS = "positive_heterogeneous"  # some lesions < liver or SSTR-negative/FDG+
    POSITIVE_DEGREE_UNKNOWN = "positive_degree_unknown"  # "positive" with no comparison to liver
    LOWER_THAN_LIVER = "lower_than_liver"            # uptake present but below liver everywhere
    NEGATIVE = "negative"


class DiseaseStatus(str, enum.Enum):
    PROGRESSIVE = "progressive"
    STABLE = "stable"
    IMPROVED = "improved"
    REMISSION = "remission"
    UNDETERMINED = "undetermined"


class Syndrome(str, enum.Enum):
    CARCINOID = "carcinoid"
    INSULINOMA = "insulinoma"
    GASTRINOMA = "gastrinoma"
    VIPOMA = "vipoma"
    GLUCAGONOMA = "glucagonoma"
    SOMATOSTATINOMA = "somatostatinoma"
    ACTH = "acth"


class Hereditary(str, enum.Enum):
    MEN1 = "MEN1"
    VHL = "VHL"
    NF1 = "NF1"
    TSC = "TSC"
    MEN4 = "MEN4"


class Agent(str, enum.Enum):
    """Therapy classes the rules reason about (one per card topic where possible)."""

    SSA = "somatostatin-analog"
    EVEROLIMUS = "everolimus"
    SUNITINIB = "sunitinib"
    CABOZANTINIB = "cabozantinib"
    PRRT = "prrt"
    TELOTRISTAT = "telotristat"
    CAPTEM = "captem"                      # temozolomide and/or capecitabine
    STREPTOZOCIN = "streptozocin-chemotherapy"
    PLATINUM_ETOPOSIDE = "platinum-etoposide"
    OTHER_CHEMOTHERAPY = "other-chemotherapy"  # FOLFOX/FOLFIRI/CAPOX, 5-FU, oxaliplatin, irinotecan...
    IMMUNOTHERAPY = "immunotherapy"
    INTERFERON = "interferon-alpha"
    BELZUTIFAN = "belzutifan"
    DIAZOXIDE = "diazoxide"
    PPI = "proton-pump-inhibitor"
    PASIREOTIDE = "pasireotide"
    SURGERY = "surgery"                     # resection of primary and/or metastases
    LIVER_DIRECTED = "liver-directed-therapy"  # TAE/TACE/TARE/ablation


class TherapyStatus(str, enum.Enum):
    ACTIVE = "active"          # ongoing now
    COMPLETED = "completed"
    STOPPED = "stopped"        # stopped / cancelled / on-hold ended
    PLANNED = "planned"        # draft / proposal / intended, not started
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class Ki67:
    """A Ki-67 labelling index as reported.

    ``percent`` is the number the grade is computed from: for "<2%" it is 2 with
    ``comparator='<'``; for a range "10-15%" it is the upper bound with ``low`` set.
    """

    percent: float
    comparator: str = "="       # "=", "<", "<=", ">", ">="
    low: float | None = None    # lower bound when reported as a range
    specimen: str | None = None  # "primary", "metastasis", "liver", free text kept short


@dataclass(frozen=True, slots=True)
class GradeAssessment:
    """The WHO grade of one specimen on one date, and how it was reached."""

    grade: Grade
    date: date | None
    specimen: str | None
    ki67_percent: float | None
    mitoses_per_2mm2: float | None
    basis: str                  # e.g. "Ki-67 12 % (G2); mitoses 1/2 mm2 (G1) -> higher wins"
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Therapy:
    """One exposure to a therapy class, merged from orders, statements, administrations, procedures."""

    agent: Agent
    drug: str                    # ingredient or procedure name in plain words, e.g. "octreotide LAR"
    status: TherapyStatus
    start: date | None
    end: date | None
    references: tuple[str, ...]
    long_acting: bool | None = None     # SSA depot (True) vs short-acting (False); None if not an SSA
    dose_text: str | None = None
    codes: tuple[str, ...] = ()         # RxNorm / HCPCS / SNOMED / CPT codes seen, "system|code"
    dose_mg: float | None = None        # structured dose of one administration in mg (the record in force), if any
    doses_per_day: float | None = None  # structured administrations per day, if any
    progressed_on: bool | None = None   # progression documented while on it / after start (None = unknown)
    cycles: int | None = None           # e.g. PRRT doses given
    # ---- the course (service.picture.therapy): what was given, until when, and what happened after
    dose_dates: tuple[date, ...] = ()   # distinct dates of doses given (administrations, procedures, single-dose
                                        # records of PRRT), one per dose (records of one dose a few days apart merged)
    doses: int | None = None            # doses/cycles given: the dose dates, or a count stated in the records'
                                        # dosage text ("4 cycles") when that says more; None = not recorded
    last_dose: date | None = None       # the latest dose date, else the end of the course
    first_progression: date | None = None  # first documented progression after the start (on or after it)
    end_to_progression_days: int | None = None  # days from the last dose (else the end) to first_progression;
                                                # negative or 0 = during the course; None = no end or no progression
    best_response: DiseaseStatus | None = None  # best status documented after the start, before first_progression
    response_source: Source | None = None      # the record of that best response
    # relative references of this exposure's MedicationRequests that are still in force (active, or a
    # draft/proposal not yet started): what a change or stop of the current order acts on
    orders: tuple[str, ...] = ()
    # relative references of this exposure's active MedicationStatements: a regimen the patient takes that the
    # record holds as a statement, not an order (a change or stop of the current regimen ends these too)
    statements: tuple[str, ...] = ()
    # date of the latest administration on record (MedicationAdministration or performed Procedure), if any
    last_administered: date | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    kind: str                   # "resection", "r0-resection", "pancreaticoduodenectomy",
                                # "bilio-enteric-anastomosis", "tae", "tace", "tare", "ablation",
                                # "liver-resection", "cholecystectomy", "prrt"
    date: date | None
    reference: str | None
    display: str


@dataclass(frozen=True, slots=True)
class Medication:
    """A current medication, for interaction checks (e.g. strong CYP3A4 inhibitors)."""

    name: str
    codes: tuple[str, ...]
    reference: str | None
    flags: frozenset[str] = frozenset()  # e.g. {"strong-cyp3a4-inhibitor", "live-vaccine"}
    date: date | None = None             # start, else authoredOn/effective date of the record
    # which drug of the record carries each flag: (flag, drug) pairs -- the coded drug's name, or the drug named in
    # the record's text ("rifampicin 600 mg (with levofloxacin)": qt-prolonging is levofloxacin's, not rifampicin's)
    flag_drugs: tuple[tuple[str, str], ...] = ()
    coded_drug: str | None = None        # the drug the record's coding names (terminology), when known

    def drugs_with(self, flags: "Iterable[str]") -> tuple[str, ...]:
        """The drugs of this record that carry any of ``flags`` (in record order, no repeats)."""
        wanted = set(flags)
        return tuple(dict.fromkeys(d for f, d in self.flag_drugs if f in wanted))


@dataclass(frozen=True, slots=True)
class ChildPugh:
    """The Child-Pugh score as far as the record settles it: each component on record scores its points, each
    one not on record (``unknown``) 1-3 points, so the score and class are ranges (``min_class`` is what the
    data already prove: "at least B")."""

    min_points: int
    max_points: int
    min_class: str                  # "A", "B" or "C"
    max_class: str
    unknown: tuple[str, ...] = ()   # components not on record, e.g. ("INR", "ascites", "encephalopathy")

    @property
    def settled(self) -> bool:
        return self.min_class == self.max_class


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str                   # canonical unit after conversion (see Labs field docs)


@dataclass(frozen=True, slots=True)
class Labs:
    """Latest valid value of each lab/vital, converted to one canonical unit each.

    Canonical units: creatinine clearance and eGFR mL/min (eGFR mL/min/1.73m2 kept separately),
    creatinine mg/dL, haemoglobin g/dL, WBC and platelets 10^9/L (= 10^3/mm3), bilirubin mg/dL,
    albumin g/dL, glucose mg/dL, HbA1c %, cholesterol/triglycerides mg/dL, BP mm[Hg],
    NT-proBNP pg/mL, 5-HIAA as reported (unit kept), chromogranin A as reported, gastrin pg/mL,
    body height cm, body weight kg (for doses per m2 or per kg), QTc ms, potassium and magnesium mmol/L, INR.
    """

    creatinine_clearance: Fact[float] = field(default_factory=Fact.missing)
    egfr: Fact[float] = field(default_factory=Fact.missing)
    creatinine: Fact[float] = field(default_factory=Fact.missing)
    hemoglobin: Fact[float] = field(default_factory=Fact.missing)
    wbc: Fact[float] = field(default_factory=Fact.missing)
    neutrophils: Fact[float] = field(default_factory=Fact.missing)
    platelets: Fact[float] = field(default_factory=Fact.missing)
    bilirubin: Fact[float] = field(default_factory=Fact.missing)
    bilirubin_uln: Fact[float] = field(default_factory=Fact.missing)  # from referenceRange.high
    albumin: Fact[float] = field(default_factory=Fact.missing)
    alt: Fact[float] = field(default_factory=Fact.missing)
    ast: Fact[float] = field(default_factory=Fact.missing)
    glucose: Fact[float] = field(default_factory=Fact.missing)
    hba1c: Fact[float] = field(default_factory=Fact.missing)
    cholesterol: Fact[float] = field(default_factory=Fact.missing)
    triglycerides: Fact[float] = field(default_factory=Fact.missing)
    systolic_bp: Fact[float] = field(default_factory=Fact.missing)
    diastolic_bp: Fact[float] = field(default_factory=Fact.missing)
    nt_probnp: Fact[float] = field(default_factory=Fact.missing)
    hiaa5: Fact[Quantity] = field(default_factory=Fact.missing)
    chromogranin_a: Fact[Quantity] = field(default_factory=Fact.missing)
    chromogranin_a_rising: Fact[bool] = field(default_factory=Fact.missing)
    gastrin: Fact[float] = field(default_factory=Fact.missing)
    body_height: Fact[float] = field(default_factory=Fact.missing)   # cm (LOINC 8302-2)
    body_weight: Fact[float] = field(default_factory=Fact.missing)   # kg (LOINC 29463-7)
    qtc: Fact[float] = field(default_factory=Fact.missing)            # corrected QT interval, ms
    potassium: Fact[float] = field(default_factory=Fact.missing)      # mmol/L (mEq/L 1:1)
    magnesium: Fact[float] = field(default_factory=Fact.missing)      # mmol/L (mg/dL / 2.431)
    inr: Fact[float] = field(default_factory=Fact.missing)            # INR (ratio; Child-Pugh)


@dataclass(frozen=True, slots=True)
class NetPicture:
    """Everything the rules may know about one patient's neuroendocrine neoplasm."""

    patient_ref: str                       # "Patient/123"
    as_of: date
    scope: Scope                           # NONE -> no cards at all
    scope_sources: tuple[Source, ...] = ()
    # scope SCLC / EXCLUDED: the pathway the tumour belongs to ("sclc", "merkel", "ppgl", "other"); "" otherwise
    out_of_scope: str = ""

    # diagnosis
    primary_site: Fact[PrimarySite] = field(default_factory=Fact.missing)
    site_detail: Fact[str] = field(default_factory=Fact.missing)  # "ileum", "rectum", "appendix", "stomach", "thymus"...
    differentiation: Fact[Differentiation] = field(default_factory=Fact.missing)
    lung_type: Fact[LungType] = field(default_factory=Fact.missing)
    gastric_type: Fact[int] = field(default_factory=Fact.missing)  # gastric NET type 1/2/3
    tumor_size_cm: Fact[float] = field(default_factory=Fact.missing)
    diagnosis_date: Fact[date] = field(default_factory=Fact.missing)
    # every dated, readable primary-tumour size up to as_of (cm, largest dimension), oldest first; one entry per
    # (value, date)
    tumor_size_history: tuple[tuple[float, Source], ...] = ()
    # growth between the latest size and the latest earlier size >= 90 days before it (sources: both sizes);
    # negative = shrinking. MISSING without two such sizes, or when sizes on one date disagree.
    tumor_growth_cm_per_year: Fact[float] = field(default_factory=Fact.missing)
    # volume doubling time from the same two diameters: dt * ln2 / (3 * ln(D2 / D1)); only when D2 > D1
    # (otherwise MISSING with a note: check tumor_growth_cm_per_year <= 0 first)
    tumor_doubling_time_days: Fact[float] = field(default_factory=Fact.missing)

    # grade
    ki67: Fact[Ki67] = field(default_factory=Fact.missing)            # latest valid tissue value
    ki67_history: tuple[tuple[Ki67, Source], ...] = ()
    # when the latest Ki-67 is a range ("5-10 %") or a bound ("< 12 %"): its two ends as point values, each with
    # the WHO grade the tumour would have at that end (mitoses and differentiation included; None where no
    # G-grade applies, e.g. lung carcinoids): ((low, grade), (high, grade)). Empty for a point value. The KR-01
    # review row runs the rows at both ends and says so when the answer differs (service/rules/ranges.py).
    ki67_ends: tuple[tuple[Ki67, Grade | None], ...] = ()
    mitoses_per_2mm2: Fact[float] = field(default_factory=Fact.missing)
    coded_grade: Fact[Grade] = field(default_factory=Fact.missing)   # grade as reported, if any
    grade: Fact[Grade] = field(default_factory=Fact.missing)         # WHO grade (computed, or coded if nothing to compute from)
    grade_assessments: tuple[GradeAssessment, ...] = ()              # per specimen and date
    grade_discordant: Fact[bool] = field(default_factory=Fact.missing)

    # disease
    extent: Fact[Extent] = field(default_factory=Fact.missing)
    metastatic_sites: frozenset[str] = frozenset()                   # "liver", "bone", "peritoneum", "lymph-node-distant", "lung", "other"
    liver_metastases: Fact[bool] = field(default_factory=Fact.missing)
    hepatic_burden_percent: Fact[float] = field(default_factory=Fact.missing)
    liver_dominant: Fact[bool] = field(default_factory=Fact.missing)
    resectability: Fact[Resectability] = field(default_factory=Fact.missing)
    sstr: Fact[SstrStatus] = field(default_factory=Fact.missing)     # MISSING = not done / not on file
    fdg_avid: Fact[bool] = field(default_factory=Fact.missing)
    disease_status: Fact[DiseaseStatus] = field(default_factory=Fact.missing)  # latest status
    progression: Fact[bool] = field(default_factory=Fact.missing)    # progressive within lookback (12 mo)
    progression_date: Fact[date] = field(default_factory=Fact.missing)
    # days from the start of the antitumour therapy running at the latest progression (else from the diagnosis
    # date) to that progression; sources: the start (therapy or diagnosis) and the progression
    progression_interval_days: Fact[int] = field(default_factory=Fact.missing)
    r0_resection: Fact[bool] = field(default_factory=Fact.missing)   # curative (R0) resection documented
    # appendiceal NET risk features (O-05), read from record text (service/picture/appendix.py): True stated,
    # False stated as absent ("no LVI"), MISSING when not stated (never "absent")
    appendix_lvi: Fact[bool] = field(default_factory=Fact.missing)         # lympho-vascular (angio-)invasion
    appendix_meso_deep: Fact[bool] = field(default_factory=Fact.missing)   # mesoappendiceal invasion > 3 mm
    appendix_base: Fact[bool] = field(default_factory=Fact.missing)        # location at the appendix base
    # every NEN Condition is history (remission/resolved/inactive/abated or a personal-history code) and no active
    # metastasis is coded: True (treated disease under surveillance), else MISSING (never "not in remission")
    in_remission: Fact[bool] = field(default_factory=Fact.missing)
    newly_diagnosed: Fact[bool] = field(default_factory=Fact.missing)  # no prior antitumour systemic therapy

    # function and heredity
    syndromes: frozenset[Syndrome] = frozenset()
    syndrome_sources: tuple[Source, ...] = ()
    carcinoid_syndrome: Fact[bool] = field(default_factory=Fact.missing)
    refractory_carcinoid_syndrome: Fact[bool] = field(default_factory=Fact.missing)
    bowel_movements_per_day: Fact[float] = field(default_factory=Fact.missing)
    flushing_per_day: Fact[float] = field(default_factory=Fact.missing)
    carcinoid_heart_disease: Fact[bool] = field(default_factory=Fact.missing)
    hypoglycaemia: Fact[bool] = field(default_factory=Fact.missing)
    severe_constipation: Fact[bool] = field(default_factory=Fact.missing)
    abdominal_pain: Fact[bool] = field(default_factory=Fact.missing)
    hereditary: frozenset[Hereditary] = frozenset()
    hereditary_sources: tuple[Source, ...] = ()
    family_history_net: Fact[bool] = field(default_factory=Fact.missing)
    multiple_primaries: Fact[bool] = field(default_factory=Fact.missing)

    # therapy
    therapies: tuple[Therapy, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    current_medications: tuple[Medication, ...] = ()
    bilio_enteric_anastomosis: Fact[bool] = field(default_factory=Fact.missing)
    next_prrt_date: Fact[date] = field(default_factory=Fact.missing)  # planned PRRT dose date, if any
    # therapies the patient declined/refused (not-done / not-taken / cancelled / stopped with a refusal reason,
    # or a "refusal of treatment" Condition/Observation naming the therapy) and not started or ordered since
    declined_therapies: frozenset[Agent] = frozenset()
    declined_sources: tuple[tuple[Agent, Source], ...] = ()

    # fitness and labs
    age_years: Fact[int] = field(default_factory=Fact.missing)
    sex: Fact[str] = field(default_factory=Fact.missing)
    pregnant: Fact[bool] = field(default_factory=Fact.missing)
    breastfeeding: Fact[bool] = field(default_factory=Fact.missing)
    ecog: Fact[int] = field(default_factory=Fact.missing)  # ECOG 0-5, read directly or converted from a
                                                            # Karnofsky score (the source display says which)
    # active comorbidities on record (Conditions; True or MISSING, never "no": an absent code is not a negative)
    venous_thromboembolism: Fact[bool] = field(default_factory=Fact.missing)  # DVT / PE
    hyperparathyroidism: Fact[bool] = field(default_factory=Fact.missing)
    dpd_deficiency: Fact[bool] = field(default_factory=Fact.missing)          # DPYD poor/intermediate, DPD deficiency
    #: True only when every record of the deficiency says partial / intermediate metaboliser; otherwise MISSING
    #: (a deficiency of unstated degree is read as complete by SB-13: never under-read)
    dpd_partial: Fact[bool] = field(default_factory=Fact.missing)
    ugt1a1_poor: Fact[bool] = field(default_factory=Fact.missing)             # UGT1A1 poor metaboliser (*28/*28)
    diabetes: Fact[bool] = field(default_factory=Fact.missing)                # coded or written in a diagnosis
    labs: Labs = field(default_factory=Labs)
    # Child-Pugh from bilirubin, albumin and INR on record (ascites and encephalopathy counted 1-3 points each):
    # MISSING without bilirubin or albumin; sources: the labs used
    child_pugh: Fact[ChildPugh] = field(default_factory=Fact.missing)

    # data completeness
    unavailable: tuple[str, ...] = ()      # data categories that could not be read (e.g. "observations")
    incomplete: tuple[str, ...] = ()       # categories read only partly (paging stopped early)
    invalid_resources: int = 0             # resources skipped because they failed FHIR R4 validation
    # report parts that could not be read (a PDF or RTF attachment, an attachment at a URL not fetched): the
    # report (reference, date) and what was not read; facts they may hold are not on the picture
    unread_reports: tuple[Source, ...] = ()

    # order hooks (service.pipeline.advise_orders): the draft orders asked about, added to the record as if
    # signed today, and the therapy topics the patient-view rows offer this patient without them (None outside
    # order hooks): a draft is not a therapy the patient takes, and one no row offers has no indication here
    order_drafts: tuple[str, ...] = ()
    pathway_topics: frozenset[str] | None = None
    # every draft order of an order-hook call (asked about or only context): a stop of one of them removes the
    # draft (``delete``); a record that is in force is stopped or held with an ``update`` instead
    all_drafts: tuple[str, ...] = ()
    # the in-force MedicationRequests/MedicationStatements as recorded (relative reference, JSON text): a stop or
    # hold of a current drug is an ``update`` of the whole resource with its new status (CDS Hooks 2.0 Action)
    medication_records: tuple[tuple[str, str], ...] = ()

    def medication_record(self, reference: str) -> dict | None:
        """The recorded MedicationRequest/MedicationStatement ``reference`` (a fresh dict), or None."""
        for ref, text in self.medication_records:
            if ref == reference:
                return json.loads(text)
        return None

    # ---- conveniences for rules (pure, derived) ----

    def draft_only(self, t: "Therapy") -> bool:
        """The exposure is only an order-hook draft (never started, nothing else on record)."""
        return bool(self.order_drafts) and bool(t.references) and set(t.references) <= set(self.order_drafts)

    def therapies_of(self, agent: Agent) -> tuple[Therapy, ...]:
        return tuple(t for t in self.therapies if t.agent == agent)

    def on(self, agent: Agent) -> bool:
        """Currently receiving this therapy class."""
        return any(t.status == TherapyStatus.ACTIVE for t in self.therapies_of(agent))

    def ever_had(self, agent: Agent) -> bool:
        """Has started this therapy class at some point (planned orders do not count)."""
        return any(t.status != TherapyStatus.PLANNED for t in self.therapies_of(agent))

    def declined(self, agent: Agent) -> bool:
        """The patient declined this therapy class (and it has not been started or ordered since)."""
        return agent in self.declined_therapies

    def has_syndrome(self, syndrome: Syndrome) -> bool:
        return syndrome in self.syndromes

    def has_procedure(self, kind: str) -> bool:
        return any(p.kind == kind for p in self.procedures)

    def medication_flagged(self, flag: str) -> tuple[Medication, ...]:
        return tuple(m for m in self.current_medications if flag in m.flags)
