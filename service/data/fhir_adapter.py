"""FHIR R4 dicts -> small typed records. The only module that imports ``fhir.resources``.

Validation with the R4B models costs ~70-150 µs a resource, far more than reading the dict, so
resources are validated only when a rule will read them: ``service.picture.select`` reads
codes, dates and values at dict level, picks the candidates that decide a fact, and calls
:meth:`ElementValidator.valid` on those alone (falling back to the next candidate when one
fails). That validates the ELEMENTS the readers below read (:data:`READ_ELEMENTS`, plus the
type's required elements), each with its own R4B element type (``Quantity``,
``CodeableConcept``, ``Reference``, the ``dateTime`` primitive ...; type adapters built once at
start-up), and the R4B choice-type rule (at most one ``value[x]``, ``effective[x]`` ...); an
element the readers would read that is not an element of the type fails, as the whole model
would. Elements nobody reads (``text``, ``meta``, ``identifier``, ``performer`` ...) are not
validated. Terminology elements (``CodeableConcept``/``Coding``: codes, categories, units of
the same LOINC code) repeat across records and patients, so their verdict is remembered by
content (bounded); everything else is validated per hook call, at most once per content.
:func:`valid` (the whole R4B model) stays for ``adapt``, the older "validate every relevant
resource" path of tests and tools, and for checking fixtures.
A resource that fails validation is skipped and counted, never raised. Values are read from
the dict, keeping partial dates, units and codings as sent.
"""
from __future__ import annotations

import math

import logging
import re
from hashlib import blake2b as _blake2b
from math import isfinite as _isfinite
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

import orjson
from fhir.resources.R4B import get_fhir_model_class
from pydantic import TypeAdapter

from service.data.limits import (
    MAX_CODINGS, MAX_ITEMS, MAX_NOTES_TEXT, MAX_REPORT_TEXT, MAX_TEXT, clip as _clip, items as _items,
)

log = logging.getLogger(__name__)

READ_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "Procedure",
    "DiagnosticReport",
)
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")

_MODELS: dict[str, type] = {}


class _Counter:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


#: R4B validations this process performed (a statistic for tests and metrics; read with validations()).
_VALIDATIONS = _Counter()


def _model(resource_type: str) -> type:
    cls = _MODELS.get(resource_type)
    if cls is None:
        cls = get_fhir_model_class(resource_type)
        _MODELS[resource_type] = cls
    return cls


# --------------------------------------------------------------------------- typed records


CONCEPT_TEXT_CAP = 4096   # characters of a CodeableConcept's text and displays read by the text tables


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str = ""


@dataclass(frozen=True, slots=True)
class Concept:
    codings: tuple[Coding, ...] = ()
    text: str = ""

    @property
    def all_text(self) -> str:
        """Text and code displays together (for text fall-backs), at most ``CONCEPT_TEXT_CAP`` characters:
        a concept's name is short, and every text table's patterns run over it (a 1 MB display cost 12 s)."""
        return " ".join([self.text[:CONCEPT_TEXT_CAP],
                         *(c.display[:CONCEPT_TEXT_CAP] for c in self.codings)]).strip()[:CONCEPT_TEXT_CAP]

    def has(self, system: str, code: str) -> bool:
        return any(c.system == system and c.code == code for c in self.codings)


@dataclass(frozen=True, slots=True)
class Qty:
    value: float
    unit: str = ""          # the human unit as sent (``unit``)
    code: str = ""          # the UCUM code (``code``) when sent
    comparator: str = ""


@dataclass(frozen=True, slots=True)
class Component:
    code: Concept
    quantity: Qty | None = None
    concept: Concept | None = None


@dataclass(frozen=True, slots=True)
class ObservationRec:
    ref: str
    status: str
    code: Concept
    date: date | None
    quantity: Qty | None = None
    concept: Concept | None = None
    string: str | None = None
    integer: int | None = None
    boolean: bool | None = None
    range_low: Qty | None = None
    range_high: Qty | None = None
    interpretation: tuple[Concept, ...] = ()
    method: Concept | None = None
    body_site: Concept | None = None
    specimen_ref: str | None = None
    components: tuple[Component, ...] = ()
    reference_high: Qty | None = None
    note: str = ""
    issued: date | None = None


@dataclass(frozen=True, slots=True)
class ConditionRec:
    ref: str
    code: Concept
    clinical_status: str          # "" when not sent
    verification_status: str
    onset: date | None
    recorded: date | None
    abatement: date | None
    body_site: tuple[Concept, ...] = ()
    morphology: tuple[Concept, ...] = ()   # mCODE histology-morphology-behavior extension
    profiles: tuple[str, ...] = ()
    categories: tuple[Concept, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class MedicationRec:
    ref: str
    kind: str                     # "MedicationRequest" | "MedicationStatement" | "MedicationAdministration"
    status: str
    intent: str
    medication: Concept
    start: date | None
    end: date | None
    authored: date | None
    dose_text: str = ""
    # the first structured dose (dosageInstruction / dosage: doseAndRate.doseQuantity, else doseRange.high;
    # an administration's dosage.dose) and how often per day (timing.repeat frequency / period / periodUnit)
    dose_value: float | None = None
    dose_unit: str = ""
    per_day: float | None = None
    status_reasons: tuple[Concept, ...] = ()   # statusReason (one on a request, a list on statements/administrations)
    reasons: tuple[Concept, ...] = ()          # reasonCode
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProcedureRec:
    ref: str
    status: str
    code: Concept
    date: date | None
    end: date | None = None
    outcome: Concept | None = None
    body_site: tuple[Concept, ...] = ()
    note: str = ""
    used: tuple[Concept, ...] = ()
    status_reason: Concept | None = None
    reasons: tuple[Concept, ...] = ()          # reasonCode


@dataclass(frozen=True, slots=True)
class AttachmentRec:
    """One ``presentedForm`` of a report: inline base64 ``data`` and/or a ``url`` (as sent; decoded later)."""

    content_type: str
    data: str | None = None       # base64 text as sent (undecoded)
    url: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class ReportRec:
    """A DiagnosticReport: what the report-text reader needs (text, kind, date, results)."""

    ref: str
    status: str
    categories: tuple[Concept, ...]
    code: Concept
    date: date | None                      # effective (start), else issued
    issued: date | None = None
    conclusion: str = ""
    conclusion_codes: tuple[Concept, ...] = ()
    forms: tuple[AttachmentRec, ...] = ()
    results: tuple[str, ...] = ()          # result references as sent ("Observation/1", "#c1")
    contained: tuple[dict, ...] = ()       # contained resources (Observations are read as results)


@dataclass(frozen=True, slots=True)
class PatientRec:
    ref: str
    birth_date: date | None
    gender: str


@dataclass(frozen=True, slots=True)
class AdaptedRecord:
    patient: PatientRec | None = None
    conditions: tuple[ConditionRec, ...] = ()
    observations: tuple[ObservationRec, ...] = ()
    medications: tuple[MedicationRec, ...] = ()
    procedures: tuple[ProcedureRec, ...] = ()
    invalid: int = 0                     # relevant resources that failed validation (skipped)
    counts: dict[str, int] = field(default_factory=dict)  # resourceType -> read
    reports: tuple[ReportRec, ...] = ()  # pathology and imaging DiagnosticReports (newest first)
    # result Observations of those reports the picture does not read by code (their narrative is report text):
    # report ref -> ObservationRecs
    report_results: dict[str, tuple[ObservationRec, ...]] = field(default_factory=dict)


# --------------------------------------------------------------------------- dict helpers

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date(value: object) -> date | None:
    """FHIR date/dateTime/instant -> date; partial dates are rounded down (2024-03 -> 2024-03-01)."""
    if not isinstance(value, str):
        return None
    return _parse_date(value)


@lru_cache(maxsize=8192)
def _parse_date(value: str) -> date | None:
    m = _DATE_RE.match(value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def _str(value: object) -> str:
    """A string element (its first ``MAX_TEXT`` characters), else ""."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT]
    return ""


def _long_str(value: object) -> str:
    """A report's text element (its first ``MAX_REPORT_TEXT`` characters), else ""."""
    if isinstance(value, str):
        return value if len(value) <= MAX_REPORT_TEXT else value[:MAX_REPORT_TEXT]
    return ""


def concept(value: object) -> Concept:
    if not isinstance(value, dict):
        return Concept()
    codings = []
    for c in _items(value.get("coding"), MAX_CODINGS):
        if isinstance(c, dict) and isinstance(c.get("code"), str):
            codings.append(Coding(_str(c.get("system")), c["code"].strip(), _str(c.get("display"))))
    return Concept(tuple(codings), _str(value.get("text")))


def quantity(value: object) -> Qty | None:
    if not isinstance(value, dict):
        return None
    v = value.get("value")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return Qty(float(v), _str(value.get("unit")), _str(value.get("code")), _str(value.get("comparator")))


def _notes(resource: dict) -> str:
    notes = _items(resource.get("note"))
    text = " ".join(_str(n["text"]) for n in notes if isinstance(n, dict) and isinstance(n.get("text"), str))
    return text if len(text) <= MAX_NOTES_TEXT else text[:MAX_NOTES_TEXT]


def _ref(resource: dict) -> str:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if isinstance(rid, str) else ""


def _period(value: object) -> tuple[date | None, date | None]:
    if isinstance(value, dict):
        return parse_date(value.get("start")), parse_date(value.get("end"))
    return None, None


def _effective(resource: dict, prefix: str) -> tuple[date | None, date | None]:
    for key in (f"{prefix}DateTime", f"{prefix}Instant", f"{prefix}Date"):
        if key in resource:
            d = parse_date(resource[key])
            return d, d
    if f"{prefix}Period" in resource:
        return _period(resource[f"{prefix}Period"])
    return None, None


# --------------------------------------------------------------------------- readers

MORPHOLOGY_EXTENSION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"


def _observation(r: dict) -> ObservationRec:
    start, end = _effective(r, "effective")
    when = start or end or parse_date(r.get("issued"))
    rng = r.get("valueRange") if isinstance(r.get("valueRange"), dict) else None
    components = []
    for c in _items(r.get("component")):
        if isinstance(c, dict):
            components.append(Component(
                concept(c.get("code")), quantity(c.get("valueQuantity")),
                concept(c["valueCodeableConcept"]) if isinstance(c.get("valueCodeableConcept"), dict) else None,
            ))
    ref_high = None
    for rr in _items(r.get("referenceRange")):
        if isinstance(rr, dict) and quantity(rr.get("high")) is not None:
            ref_high = quantity(rr.get("high"))
            break
    specimen = r.get("specimen")
    return ObservationRec(
        ref=_ref(r),
        status=_str(r.get("status")),
        code=concept(r.get("code")),
        date=when,
        quantity=quantity(r.get("valueQuantity")),
        concept=concept(r["valueCodeableConcept"]) if isinstance(r.get("valueCodeableConcept"), dict) else None,
        string=_str(r["valueString"]) if isinstance(r.get("valueString"), str) else None,
        integer=r.get("valueInteger") if type(r.get("valueInteger")) is int else None,
        boolean=r.get("valueBoolean") if isinstance(r.get("valueBoolean"), bool) else None,
        range_low=quantity(rng.get("low")) if rng else None,
        range_high=quantity(rng.get("high")) if rng else None,
        interpretation=tuple(concept(i) for i in _items(r.get("interpretation")) if isinstance(i, dict)),
        method=concept(r["method"]) if isinstance(r.get("method"), dict) else None,
        body_site=concept(r["bodySite"]) if isinstance(r.get("bodySite"), dict) else None,
        specimen_ref=(_str(specimen.get("reference")) or _str(specimen.get("display")) or None)
        if isinstance(specimen, dict) else None,
        components=tuple(components),
        reference_high=ref_high,
        note=_notes(r),
        issued=parse_date(r.get("issued")),
    )


_STATUS_WORDS = {"in remission": "remission", "remission": "remission", "resolved": "resolved",
                 "inactive": "inactive", "active": "active", "recurrence": "recurrence", "relapse": "relapse",
                 "entered in error": "entered-in-error", "entered-in-error": "entered-in-error",
                 "refuted": "refuted", "confirmed": "confirmed", "provisional": "provisional",
                 "differential": "differential", "unconfirmed": "unconfirmed"}


def _status_word(text: str) -> str:
    """A clinical/verification status sent only as text ("In remission", "Entered in error") -> its code."""
    key = " ".join(text.lower().replace("_", " ").split())
    return _STATUS_WORDS.get(key, key)


def _condition(r: dict) -> ConditionRec:
    def status(key: str) -> str:
        c = concept(r.get(key))
        return c.codings[0].code if c.codings else _status_word(c.text)

    morph = []
    for ext in _items(r.get("extension")):
        if isinstance(ext, dict) and ext.get("url") == MORPHOLOGY_EXTENSION:
            morph.append(concept(ext.get("valueCodeableConcept")))
    onset, _ = _effective(r, "onset")
    abatement, _ = _effective(r, "abatement")
    meta = r.get("meta") if isinstance(r.get("meta"), dict) else {}
    return ConditionRec(
        ref=_ref(r),
        code=concept(r.get("code")),
        clinical_status=status("clinicalStatus"),
        verification_status=status("verificationStatus"),
        onset=onset,
        recorded=parse_date(r.get("recordedDate")),
        abatement=abatement,
        body_site=tuple(concept(b) for b in _items(r.get("bodySite")) if isinstance(b, dict)),
        morphology=tuple(morph),
        profiles=tuple(p for p in _items(meta.get("profile")) if isinstance(p, str)),
        categories=tuple(concept(c) for c in _items(r.get("category")) if isinstance(c, dict)),
        note=_notes(r),
    )


def _contained_medication(r: dict, reference: str, medications: dict[str, dict]) -> Concept:
    if reference.startswith("#"):
        for c in _items(r.get("contained")):
            if isinstance(c, dict) and c.get("resourceType") == "Medication" and c.get("id") == reference[1:]:
                return concept(c.get("code"))
        return Concept()
    med = medications.get(reference)
    return concept(med.get("code")) if med else Concept()


def medication_concept(r: dict, medications: dict[str, dict] | None = None) -> Concept:
    """medicationCodeableConcept, or the code of a referenced (contained or bundled) Medication."""
    if isinstance(r.get("medicationCodeableConcept"), dict):
        return concept(r["medicationCodeableConcept"])
    ref = r.get("medicationReference")
    if isinstance(ref, dict):
        target = _str(ref.get("reference"))
        c = _contained_medication(r, target, medications or {}) if target else Concept()
        if not c.codings and not c.text and _str(ref.get("display")):
            return Concept((), ref["display"])
        return c
    return Concept()


def _dose_text(r: dict) -> str:
    texts = []
    for key in ("dosageInstruction", "dosage"):
        val = r.get(key)
        for d in (_items(val) if isinstance(val, list) else [val] if isinstance(val, dict) else ()):
            if isinstance(d, dict) and isinstance(d.get("text"), str):
                texts.append(_str(d["text"]))
    return "; ".join(texts)[:MAX_TEXT]


_PER_DAY = {"h": 24.0, "d": 1.0, "wk": 1 / 7, "mo": 1 / 30.4, "min": 1440.0}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number < 1e9 else None


def _structured_dose(r: dict) -> tuple[float | None, str, float | None]:
    """(dose value, its unit (UCUM code, else unit text), administrations per day) of the first dosage with a
    structured dose; (None, "", None) without one. A range gives its upper end (the most that may be given)."""
    for key in ("dosageInstruction", "dosage"):
        val = r.get(key)
        for d in (_items(val) if isinstance(val, list) else [val] if isinstance(val, dict) else ()):
            if not isinstance(d, dict):
                continue
            quantity = None
            if isinstance(d.get("dose"), dict):          # MedicationAdministration.dosage.dose
                quantity = d["dose"]
            for dr in _items(d.get("doseAndRate")):
                if not isinstance(dr, dict):
                    continue
                if isinstance(dr.get("doseQuantity"), dict):
                    quantity = dr["doseQuantity"]
                elif isinstance(dr.get("doseRange"), dict) and isinstance(dr["doseRange"].get("high"), dict):
                    quantity = dr["doseRange"]["high"]
                if quantity is not None:
                    break
            if quantity is None:
                continue
            value = _number(quantity.get("value"))
            if value is None:
                continue
            unit = _str(quantity.get("code")) or _str(quantity.get("unit"))
            per_day = None
            timing = d.get("timing")
            rep = timing.get("repeat") if isinstance(timing, dict) else None
            if isinstance(rep, dict):
                frequency = _number(rep.get("frequencyMax")) or _number(rep.get("frequency"))
                period = _number(rep.get("period"))
                factor = _PER_DAY.get(_str(rep.get("periodUnit")))
                if frequency and period and factor:
                    per_day = frequency / period * factor
            return value, unit[:32], per_day
    return None, "", None


def concepts(value: object) -> tuple[Concept, ...]:
    """One CodeableConcept or a list of them -> Concepts (non-dicts skipped)."""
    items = _items(value) if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return tuple(concept(v) for v in items if isinstance(v, dict))


def _medication(r: dict, medications: dict[str, dict]) -> MedicationRec:
    kind = r["resourceType"]
    start, end = _effective(r, "effective") if kind != "MedicationRequest" else (None, None)
    authored = parse_date(r.get("authoredOn")) if kind == "MedicationRequest" else parse_date(r.get("dateAsserted"))
    if kind == "MedicationRequest":
        for d in _items(r.get("dosageInstruction")):
            if isinstance(d, dict) and isinstance(d.get("timing"), dict):
                events = [e for e in (parse_date(x) for x in _items(d["timing"].get("event"))) if e]
                if events and start is None:
                    start = min(events)
                rep = d["timing"].get("repeat")
                if isinstance(rep, dict) and isinstance(rep.get("boundsPeriod"), dict):
                    start, end = _period(rep["boundsPeriod"])
        disp = r.get("dispenseRequest")
        if start is None and isinstance(disp, dict) and isinstance(disp.get("validityPeriod"), dict):
            start, end = _period(disp["validityPeriod"])
        if start is None:
            start = authored
    return MedicationRec(
        ref=_ref(r), kind=kind, status=_str(r.get("status")), intent=_str(r.get("intent")),
        medication=medication_concept(r, medications), start=start, end=end, authored=authored,
        dose_text=_dose_text(r), status_reasons=concepts(r.get("statusReason")),
        reasons=concepts(r.get("reasonCode")), note=_notes(r),
        **dict(zip(("dose_value", "dose_unit", "per_day"), _structured_dose(r))),
    )


def _procedure(r: dict) -> ProcedureRec:
    start, end = _effective(r, "performed")
    used = tuple(concept(u) for u in _items(r.get("usedCode")) if isinstance(u, dict))
    return ProcedureRec(
        ref=_ref(r), status=_str(r.get("status")), code=concept(r.get("code")), date=start, end=end,
        outcome=concept(r["outcome"]) if isinstance(r.get("outcome"), dict) else None,
        body_site=tuple(concept(b) for b in _items(r.get("bodySite")) if isinstance(b, dict)),
        note=_notes(r), used=used,
        status_reason=concept(r["statusReason"]) if isinstance(r.get("statusReason"), dict) else None,
        reasons=concepts(r.get("reasonCode")),
    )


def _report(r: dict) -> ReportRec:
    start, end = _effective(r, "effective")
    issued = parse_date(r.get("issued"))
    forms = []
    for f in _items(r.get("presentedForm")):
        if isinstance(f, dict):
            data = f.get("data")
            forms.append(AttachmentRec(_str(f.get("contentType")).split(";", 1)[0].strip().lower(),
                                       _long_str(data) if isinstance(data, str) else None, _str(f.get("url")),
                                       _str(f.get("title"))))
    results = []
    for ref in _items(r.get("result")):
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            results.append(ref["reference"])
    contained = tuple(c for c in _items(r.get("contained")) if isinstance(c, dict))
    return ReportRec(
        ref=_ref(r), status=_str(r.get("status")),
        categories=tuple(concept(c) for c in _items(r.get("category")) if isinstance(c, dict)),
        code=concept(r.get("code")), date=start or end or issued, issued=issued,
        conclusion=_long_str(r.get("conclusion")),
        conclusion_codes=tuple(concept(c) for c in _items(r.get("conclusionCode")) if isinstance(c, dict)),
        forms=tuple(forms), results=tuple(results), contained=contained,
    )


def _patient(r: dict) -> PatientRec:
    return PatientRec(_ref(r), parse_date(r.get("birthDate")), _str(r.get("gender")))


def observation_date(r: dict) -> date | None:
    """The date ``read_observation`` gives ``r`` (effective start, else end, else issued), read cheaply."""
    start, end = _effective(r, "effective")
    return start or end or parse_date(r.get("issued"))


#: Public names of the dict readers (the selection step reads candidates before validating them).
read_observation = _observation
read_condition = _condition
read_medication = _medication
read_procedure = _procedure
read_patient = _patient
read_report = _report


def validations() -> int:
    """How many R4B validations this process has run so far (for tests and metrics)."""
    return _VALIDATIONS.n


def valid(resource: dict) -> bool:
    """True when the R4B model accepts the resource."""
    _VALIDATIONS.n += 1
    try:
        _model(resource["resourceType"]).model_validate(resource)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return False
    return True


# --------------------------------------------------------------------------- element validation

#: The elements the readers above (and the data stage: ``subject``/``patient``) read, per type.
#: A key listed here that the R4B type does not have makes the resource invalid when present.
READ_ELEMENTS: dict[str, tuple[str, ...]] = {
    "Patient": ("id", "birthDate", "gender"),
    "Condition": ("id", "subject", "code", "clinicalStatus", "verificationStatus", "extension",
                  "onsetDateTime", "onsetInstant", "onsetDate", "onsetPeriod",
                  "abatementDateTime", "abatementInstant", "abatementDate", "abatementPeriod",
                  "recordedDate", "bodySite", "meta", "category", "note"),
    "Observation": ("id", "subject", "status", "code", "effectiveDateTime", "effectiveInstant", "effectiveDate",
                    "effectivePeriod", "issued", "valueQuantity", "valueCodeableConcept", "valueString",
                    "valueInteger", "valueBoolean", "valueRange", "interpretation", "method", "bodySite",
                    "specimen", "component", "referenceRange", "note"),
    "MedicationRequest": ("id", "subject", "status", "intent", "medicationCodeableConcept", "medicationReference",
                          "contained", "authoredOn", "dosageInstruction", "dispenseRequest", "statusReason",
                          "reasonCode", "note"),
    "MedicationStatement": ("id", "subject", "status", "medicationCodeableConcept", "medicationReference",
                            "contained", "effectiveDateTime", "effectiveInstant", "effectiveDate", "effectivePeriod",
                            "dateAsserted", "dosage", "statusReason", "reasonCode", "note"),
    "MedicationAdministration": ("id", "subject", "status", "medicationCodeableConcept", "medicationReference",
                                 "contained", "effectiveDateTime", "effectiveInstant", "effectiveDate",
                                 "effectivePeriod", "dosage", "statusReason", "reasonCode", "note"),
    "Procedure": ("id", "subject", "status", "code", "performedDateTime", "performedInstant", "performedDate",
                  "performedPeriod", "outcome", "bodySite", "note", "usedCode", "statusReason", "reasonCode"),
    # contained results are validated one by one as Observations when read (service.picture.select)
    "DiagnosticReport": ("id", "subject", "status", "category", "code", "effectiveDateTime", "effectivePeriod",
                         "issued", "conclusion", "conclusionCode", "presentedForm", "result"),
}
_VOCABULARY_TYPES = ("CodeableConcept", "Coding")
_SHARED_CACHE_MAX = 20_000


@dataclass(frozen=True, slots=True)
class _TypeSchema:
    # (element, fast "certainly valid" check, validate or None when the type has no such element,
    #  shared-verdict prefix for terminology)
    present: tuple[tuple[str, Callable[[object], bool], Callable[[object], object] | None, bytes | None], ...]
    required: tuple[str, ...]
    choices: tuple[tuple[tuple[str, ...], bool], ...]                         # (alternatives, one required)


def _type_schema(resource_type: str) -> _TypeSchema:
    model = _model(resource_type)
    by_alias = {(f.alias or name): f for name, f in model.model_fields.items()}
    present = []
    for element in READ_ELEMENTS[resource_type]:
        fld = by_alias.get(element)
        if fld is None:
            present.append((element, _never, None, None))   # not an element of this type
            continue
        label = repr(fld.annotation)
        shared = label.encode() + b"\x00" if any(t in label for t in _VOCABULARY_TYPES) else None
        present.append((element, FAST_CHECKS.get(label, _never), TypeAdapter(fld.annotation).validate_python,
                        shared))
    required, groups = [], {}
    for alias, fld in by_alias.items():
        extra = fld.json_schema_extra if isinstance(fld.json_schema_extra, dict) else {}
        if extra.get("element_required"):
            required.append(alias)
        group = extra.get("one_of_many")
        if group:
            groups.setdefault(group, ([], bool(extra.get("one_of_many_required"))))[0].append(alias)
    choices = tuple((tuple(names), req) for names, req in groups.values())
    return _TypeSchema(tuple(present), tuple(required), choices)


# --------------------------------------------------------------------------- fast element checks
#
# Pydantic validation of one element costs 10-60 µs; most elements a hook call validates are
# plain shapes (an id, a status code, a full date, a Reference, a Quantity, a CodeableConcept of
# plain codings). The checks below answer ONLY "certainly valid": each accepts a strict subset of
# what the R4B element type accepts (no extra keys, no extensions, no ``null``, no empty or
# whitespace-padded strings, printable text, ASCII codes, bounded lengths and numbers, dates that
# exist), so a False means "ask pydantic", never "invalid". ``tests/picture/test_fast_checks.py``
# holds the property test that no value passes here that the R4B type rejects.

_ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_TOKEN_RE = re.compile(r"[!-~]{1,256}")      # printable ASCII, no whitespace: a valid code and uri
_DATETIME_RE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2})))?)?)?")
_DECIMAL_RE = re.compile(r"-?(0|[1-9][0-9]{0,31})(\.[0-9]{1,32})?([eE][+-]?[0-9]{1,4})?")   # a float's repr
_QUANTITY_KEYS = frozenset(("value", "unit", "system", "code"))
_REFERENCE_KEYS = frozenset(("reference", "display"))
_CODING_KEYS = frozenset(("system", "code", "display"))
_CONCEPT_KEYS = frozenset(("coding", "text"))
_PERIOD_KEYS = frozenset(("start", "end"))


def _fast_text(v: object) -> bool:
    """A FHIR string: non-empty, printable, not padded with whitespace, at most 4096 characters."""
    return (type(v) is str and 0 < len(v) <= 4096 and v.isprintable()
            and not v[0].isspace() and not v[-1].isspace())


def _fast_token(v: object) -> bool:
    """A code or uri made of printable ASCII without whitespace."""
    return type(v) is str and _TOKEN_RE.fullmatch(v) is not None


def _fast_id(v: object) -> bool:
    return type(v) is str and _ID_RE.fullmatch(v) is not None


@lru_cache(maxsize=4096)
def _fast_datetime_str(v: str) -> bool:
    m = _DATETIME_RE.fullmatch(v)
    if m is None:
        return False
    year, month, day, hour, minute, second, tz_hour, tz_minute = m.groups()
    if not 1900 <= int(year) <= 2999:
        return False
    if month is None:
        return True
    if day is None:
        return 1 <= int(month) <= 12
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    if hour is None:
        return True
    if int(hour) > 23 or int(minute) > 59 or int(second) > 59:
        return False
    return tz_hour is None or (int(tz_hour) <= 13 and int(tz_minute) <= 59)


def _fast_datetime(v: object) -> bool:
    """A dateTime: YYYY, YYYY-MM, an existing YYYY-MM-DD (1900-2999), or that with a time and a zone."""
    return type(v) is str and len(v) <= 40 and _fast_datetime_str(v)


def _fast_date(v: object) -> bool:
    """A date: YYYY, YYYY-MM or an existing YYYY-MM-DD (1900-2999), no time."""
    return type(v) is str and len(v) <= 10 and _fast_datetime_str(v)


def _fast_integer(v: object) -> bool:
    return type(v) is int and -2147483648 <= v <= 2147483647


def _fast_bool(v: object) -> bool:
    return type(v) is bool


def _fast_quantity(v: object) -> bool:
    """A Quantity with a finite plain number and string unit/system/code (no comparator)."""
    if type(v) is not dict or "value" not in v or not _QUANTITY_KEYS.issuperset(v):
        return False
    number = v["value"]
    if type(number) is int:
        if not -10**15 < number < 10**15:
            return False
    elif type(number) is not float or not _isfinite(number):
        # The repr of every finite float is a JSON decimal (``_DECIMAL_RE``: "1.5", "-0.0",
        # "1e+16", "1.5e-07"); only inf and nan are not. So finiteness is that check's verdict
        # without formatting the float and running the regex (~2 µs; test_fast_checks holds both equal).
        return False
    return (("unit" not in v or _fast_text(v["unit"])) and ("system" not in v or _fast_token(v["system"]))
            and ("code" not in v or _fast_token(v["code"])))


def _fast_reference(v: object) -> bool:
    return (type(v) is dict and 0 < len(v) and _REFERENCE_KEYS.issuperset(v)
            and ("reference" not in v or _fast_text(v["reference"]))
            and ("display" not in v or _fast_text(v["display"])))


def _fast_coding(v: object) -> bool:
    return (type(v) is dict and 0 < len(v) and _CODING_KEYS.issuperset(v)
            and ("system" not in v or _fast_token(v["system"]))
            and ("code" not in v or _fast_token(v["code"]))
            and ("display" not in v or _fast_text(v["display"])))


def _fast_concept(v: object) -> bool:
    """A CodeableConcept of plain codings and/or a text."""
    if type(v) is not dict or not v or not _CONCEPT_KEYS.issuperset(v):
        return False
    if "coding" in v:
        codings = v["coding"]
        if type(codings) is not list or not codings or len(codings) > MAX_ITEMS:
            return False
        for c in codings:
            if not _fast_coding(c):
                return False
    return "text" not in v or _fast_text(v["text"])


def _fast_period(v: object) -> bool:
    return (type(v) is dict and 0 < len(v) and _PERIOD_KEYS.issuperset(v)
            and ("start" not in v or _fast_datetime(v["start"]))
            and ("end" not in v or _fast_datetime(v["end"])))


def _fast_list(item: Callable[[object], bool]) -> Callable[[object], bool]:
    """A non-empty list (of at most ``MAX_ITEMS``) whose every item passes ``item``."""
    def check(v: object) -> bool:
        if type(v) is not list or not v or len(v) > MAX_ITEMS:
            return False
        for x in v:
            if not item(x):
                return False
        return True
    return check


_fast_concepts = _fast_list(_fast_concept)   # a non-empty list of CodeableConcepts


def _fast_meta(v: object) -> bool:
    """Meta carrying only profile canonicals."""
    return type(v) is dict and list(v) == ["profile"] and _fast_list(_fast_token)(v["profile"])


def _fast_annotation(v: object) -> bool:
    return type(v) is dict and list(v) == ["text"] and _fast_text(v["text"])


def _fast_morphology_extension(v: object) -> bool:
    """An Extension with a url and a plain CodeableConcept value (the mCODE morphology shape)."""
    return (type(v) is dict and len(v) == 2 and "url" in v and "valueCodeableConcept" in v
            and _fast_token(v["url"]) and _fast_concept(v["valueCodeableConcept"]))


def _fast_component(v: object) -> bool:
    """An Observation component: a code and at most one Quantity or CodeableConcept value."""
    if type(v) is not dict or "code" not in v or not _fast_concept(v["code"]):
        return False
    if len(v) == 1:
        return True
    if len(v) != 2:
        return False
    if "valueQuantity" in v:
        return _fast_quantity(v["valueQuantity"])
    return "valueCodeableConcept" in v and _fast_concept(v["valueCodeableConcept"])


def _fast_reference_range(v: object) -> bool:
    return (type(v) is dict and 0 < len(v) and _PERIOD_RANGE_KEYS.issuperset(v)
            and ("low" not in v or _fast_quantity(v["low"])) and ("high" not in v or _fast_quantity(v["high"])))


_PERIOD_RANGE_KEYS = frozenset(("low", "high"))


def _fast_dosage_text(v: object) -> bool:
    """A Dosage carrying only its text."""
    return type(v) is dict and list(v) == ["text"] and _fast_text(v["text"])


def _fast_administration_dosage(v: object) -> bool:
    return (type(v) is dict and 0 < len(v) and _ADMIN_DOSAGE_KEYS.issuperset(v)
            and ("text" not in v or _fast_text(v["text"])) and ("dose" not in v or _fast_quantity(v["dose"])))


_ADMIN_DOSAGE_KEYS = frozenset(("text", "dose"))
_ATTACHMENT_KEYS = frozenset(("contentType", "data", "title", "language", "creation"))
# a code: printable ASCII words separated by single spaces ("text/html; charset=utf-8")
_CODE_RE = re.compile(r"[!-~]{1,128}(?: [!-~]{1,128}){0,8}")
# base64 as any decoder reads it: the alphabet, length a multiple of 4, at most two "=" of padding at the end
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]{0,800000}={0,2}")


def _fast_attachment(v: object) -> bool:
    """A report's ``presentedForm``: content type, inline base64 data, title, language, creation date."""
    if type(v) is not dict or not v or not _ATTACHMENT_KEYS.issuperset(v):
        return False
    if "contentType" in v and not (type(v["contentType"]) is str and _CODE_RE.fullmatch(v["contentType"])):
        return False
    if "data" in v:
        data = v["data"]
        if type(data) is not str or not data or len(data) % 4 or _BASE64_RE.fullmatch(data) is None:
            return False
    return (("title" not in v or _fast_text(v["title"])) and ("language" not in v or _fast_token(v["language"]))
            and ("creation" not in v or _fast_datetime(v["creation"])))


#: R4B element annotation (its repr) -> the fast check of that element type. Annotations not
#: listed (extensions, meta, dosage, components, instants, strings ...) always go to pydantic.
FAST_CHECKS: dict[str, Callable[[object], bool]] = {
    "typing.Optional[typing.Annotated[str, Id()]]": _fast_id,
    "typing.Optional[typing.Annotated[str, Code()]]": _fast_token,
    "typing.Optional[typing.Annotated[datetime.datetime, DateTime()]]": _fast_datetime,
    "typing.Optional[typing.Annotated[datetime.date, Date()]]": _fast_date,
    "typing.Optional[typing.Annotated[int, Integer(min_length=-2147483648, max_length=2147483647)]]": _fast_integer,
    "bool | None": _fast_bool,
    "abc.QuantityType | None": _fast_quantity,
    "abc.ReferenceType | None": _fast_reference,
    "<class 'abc.ReferenceType'>": _fast_reference,
    "abc.CodeableConceptType | None": _fast_concept,
    "<class 'abc.CodeableConceptType'>": _fast_concept,
    "typing.Optional[typing.List[abc.CodeableConceptType]]": _fast_concepts,
    "abc.PeriodType | None": _fast_period,
    "typing.Optional[typing.Annotated[str, String()]]": _fast_text,
    "abc.MetaType | None": _fast_meta,
    "typing.Optional[typing.List[abc.AnnotationType]]": _fast_list(_fast_annotation),
    "typing.Optional[typing.List[abc.ExtensionType]]": _fast_list(_fast_morphology_extension),
    "typing.Optional[typing.List[abc.ObservationComponentType]]": _fast_list(_fast_component),
    "typing.Optional[typing.List[abc.ObservationReferenceRangeType]]": _fast_list(_fast_reference_range),
    "typing.Optional[typing.List[abc.DosageType]]": _fast_list(_fast_dosage_text),
    "abc.MedicationAdministrationDosageType | None": _fast_administration_dosage,
    "typing.Optional[typing.List[abc.AttachmentType]]": _fast_list(_fast_attachment),
}


def _never(_: object) -> bool:
    return False


_SCHEMAS: dict[str, _TypeSchema] = {}
_SHARED_VERDICTS: dict[bytes, bool] = {}     # digest of vocabulary element content -> valid (process-wide, bounded)
_VALIDATION_ERRORS = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


def prepare_validation() -> None:
    """Build the element validators once (start-up), not on the first hook call."""
    for rtype in READ_ELEMENTS:
        if rtype not in _SCHEMAS:
            _SCHEMAS[rtype] = _type_schema(rtype)


class ElementValidator:
    """Validates the elements the readers read, for one hook call (each content at most once)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[tuple[str, bytes], bool] = {}

    def valid(self, resource: dict) -> bool:
        _VALIDATIONS.n += 1
        rtype = resource.get("resourceType")
        schema = _SCHEMAS.get(rtype) if isinstance(rtype, str) else None
        if schema is None:
            if rtype not in READ_ELEMENTS:
                return valid(resource)
            prepare_validation()
            schema = _SCHEMAS[rtype]
        for element in schema.required:
            if resource.get(element) is None:
                return False
        for names, required in schema.choices:
            n = sum(1 for name in names if name in resource)
            if n > 1 or (required and n == 0):
                return False
        seen = self._seen
        for element, fast, validate, shared in schema.present:
            value = resource.get(element, _ABSENT)
            if value is _ABSENT:
                continue
            if type(value) is list and len(value) > MAX_ITEMS:
                value = value[:MAX_ITEMS]           # the readers read no further (service/data/limits.py)
            if fast(value):
                continue
            if validate is None:
                return False
            # what the readers see of it: nested lists cut to MAX_ITEMS (80,000 codings are validated as 100)
            value = _clip(value)
            if value is None:
                return False
            try:
                key = orjson.dumps(value)
            except (orjson.JSONEncodeError, TypeError):
                return False
            if shared is not None:
                # Process-wide, so keyed by a digest: no patient text (a CodeableConcept's ``text``)
                # outlives the request in this cache.
                key = _blake2b(shared + key, digest_size=16).digest()
                ok = _SHARED_VERDICTS.get(key)
                if ok is None:
                    ok = _check(validate, value)
                    if len(_SHARED_VERDICTS) >= _SHARED_CACHE_MAX:
                        _SHARED_VERDICTS.clear()
                    _SHARED_VERDICTS[key] = ok
            else:
                ok = seen.get((element, key))
                if ok is None:
                    ok = seen[(element, key)] = _check(validate, value)
            if not ok:
                return False
        return True


_ABSENT = object()


def _check(validate: Callable[[object], object], value: object) -> bool:
    try:
        validate(value)
    except _VALIDATION_ERRORS:
        return False
    return True


_INHERITED = ("subject", "effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued", "specimen",
              "bodySite", "method")
_VALUE_KEYS = ("valueQuantity", "valueCodeableConcept", "valueString", "valueInteger", "valueBoolean", "valueRange")
REPORT_STATUSES = frozenset({"final", "amended", "corrected", "appended"})


def observation_part(parent: dict, own: dict, rid: object) -> dict:
    """An Observation made of ``own`` (a panel's component, a contained member or result) and what it inherits
    from ``parent`` (the panel or report): subject, date and specimen unless it has its own; id ``rid``."""
    out: dict = {"resourceType": "Observation", "id": rid, "status": own.get("status") or parent.get("status"),
                 "code": own.get("code")}
    own_effective = any(k.startswith("effective") for k in own)
    for key in _INHERITED:
        if key in own:
            out[key] = own[key]
        elif key in parent and not (key.startswith("effective") and own_effective):
            out[key] = parent[key]
    for key in (*_VALUE_KEYS, "interpretation", "note"):
        if key in own:
            out[key] = own[key]
    if out.get("status") is None or parent.get("resourceType") == "DiagnosticReport" and "status" not in own:
        out["status"] = "final" if parent.get("resourceType") == "DiagnosticReport" else parent.get("status")
    return out


def contained_observations(resource: dict, refs: object) -> list[dict]:
    """The contained Observations that ``refs`` (a list of References) point at ("#id")."""
    contained = {c.get("id"): c for c in _items(resource.get("contained")) if isinstance(c, dict)
                 and c.get("resourceType") == "Observation" and isinstance(c.get("id"), str)}
    out = []
    for ref in _items(refs):
        target = ref.get("reference") if isinstance(ref, dict) else None
        if isinstance(target, str) and target.startswith("#") and target[1:] in contained:
            out.append(contained[target[1:]])
    return out


def observation_parts(resource: dict) -> list[tuple[dict, str]]:
    """(Observation, reference of its holder) for the Observations carried inside ``resource``: a panel's
    components and contained members (``hasMember``), a report's contained results."""
    rid = resource.get("id")
    rtype = resource.get("resourceType")
    ref = f"{rtype}/{rid}" if isinstance(rid, str) else ""
    parts: list[tuple[dict, str]] = []
    if rtype == "Observation":
        for c in _items(resource.get("component")):
            if isinstance(c, dict) and isinstance(c.get("code"), dict):
                parts.append((observation_part(resource, c, rid), ref))
        for member in contained_observations(resource, resource.get("hasMember")):
            parts.append((observation_part(resource, member, rid), ref))
    elif rtype == "DiagnosticReport" and type(resource.get("status")) is str and resource["status"] in REPORT_STATUSES:
        for member in contained_observations(resource, resource.get("result")):
            parts.append((observation_part(resource, member, rid), ref))
    return parts


def adapt(resources: Iterable[object], *, relevant: Callable[[dict], bool]) -> AdaptedRecord:
    """Validate and read the resources ``relevant`` selects; skip (and count) the invalid ones.

    The reference path of tests and tools: every relevant resource validated, panels (no relevant code) and
    reports read through the Observations they carry, valid DiagnosticReports kept (newest first) with the
    narratives of their results that no code reads (the picture decides which reports it reads)."""
    medications: dict[str, dict] = {}
    pending: list[dict] = []
    observations_by_id: dict[str, dict] = {}
    for r in resources:
        if not isinstance(r, dict):
            continue
        rtype = r.get("resourceType")
        if rtype == "Medication" and isinstance(r.get("id"), str):
            medications[f"Medication/{r['id']}"] = r
        elif rtype in READ_TYPES:
            pending.append(r)
            if rtype == "Observation" and isinstance(r.get("id"), str):
                observations_by_id.setdefault(r["id"], r)
    patient = None
    conditions: list[ConditionRec] = []
    observations: list[ObservationRec] = []
    meds: list[MedicationRec] = []
    procedures: list[ProcedureRec] = []
    reports: list[ReportRec] = []
    report_results: dict[str, list[ObservationRec]] = {}
    invalid = 0
    counts: dict[str, int] = {}
    extra: list[tuple[dict, str]] = []

    def is_relevant(r: dict) -> bool:
        try:
            return relevant(r)
        except (ValueError, TypeError, KeyError, AttributeError):
            return False

    for r in pending:
        rtype = r["resourceType"]
        if rtype == "DiagnosticReport":
            if not valid(r):
                invalid += 1
                continue
            rec = _report(r)
            reports.append(rec)
            extra.extend(observation_parts(r))
            for ref in rec.results:
                target = observations_by_id.get(ref.split("/", 1)[1]) if ref.startswith("Observation/") else None
                if target is not None and not is_relevant(target) and valid(target):
                    report_results.setdefault(rec.ref, []).append(_observation(target))
            for member in contained_observations(r, r.get("result")):
                if not is_relevant(member) and valid(member):
                    report_results.setdefault(rec.ref, []).append(_observation(member))
            counts[rtype] = counts.get(rtype, 0) + 1
            continue
        if rtype == "Observation" and not is_relevant(r) and ("component" in r or "hasMember" in r):
            extra.extend(observation_parts(r))
            continue
        if rtype != "Patient" and not is_relevant(r):
            continue
        if not valid(r):
            invalid += 1
            continue
        try:
            if rtype == "Patient":
                if patient is None:
                    patient = _patient(r)
            elif rtype == "Condition":
                conditions.append(_condition(r))
            elif rtype == "Observation":
                observations.append(_observation(r))
            elif rtype in MEDICATION_TYPES:
                meds.append(_medication(r, medications))
            elif rtype == "Procedure":
                procedures.append(_procedure(r))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            invalid += 1
            continue
        counts[rtype] = counts.get(rtype, 0) + 1
    for part, holder in extra:
        if part.get("status") in ("final", "amended", "corrected") and is_relevant(part):
            if valid(part):
                rec = _observation(part)
                observations.append(replace(rec, ref=holder))
            else:
                invalid += 1
    if invalid:
        log.info("skipped invalid FHIR resources", extra={"invalid_resources": invalid})
    reports.sort(key=lambda rec: rec.date or date.min, reverse=True)
    return AdaptedRecord(patient, tuple(conditions), tuple(observations), tuple(meds), tuple(procedures),
                         invalid, counts, tuple(reports), {k: tuple(v) for k, v in report_results.items()})
