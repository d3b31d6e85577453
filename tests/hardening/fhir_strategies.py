"""Hypothesis strategies for the fuzz campaign (tests/hardening/test_fuzz_campaign.py).

FHIR R4-shaped resources of the types the service reads, valid and mutated, and whole CDS Hooks
requests built from them:

* ``patient_view_request()``: a generated patient with the prefetch keys of
  ``fhir_fixtures/hooks/*.json`` (``patient``, ``conditions``, ``observations``,
  ``medicationRequests``, ``medicationStatements``, ``medicationAdministrations``, ``procedures``,
  ``diagnosticReports``), each key sometimes missing, null or not a Bundle;
* ``fixture_request()``: a committed fixture request (patient-view or order hook) with a few
  mutations, so the rules run deep on realistic pictures before something odd is met;
* ``order_request()``: ``order-select`` / ``order-sign`` with ``context.draftOrders`` (a Bundle of
  draft MedicationRequests / ServiceRequests, dosageInstruction with timing and doseAndRate) and
  ``selections``;
* ``report_text_request()``: a patient whose data is mostly free text (``presentedForm`` base64
  text/plain and text/html, ``conclusion``, ``valueString``, notes, dosage text) assembled from the
  words the text readers look for, numbers and hostile characters.

Codes, systems, units and texts are harvested from the fixtures (so most of what is generated
is recognised by the terminology and reaches the rules) and mixed with odd ones. Mutations
(``mutated()``) pick paths anywhere in a resource or request and replace them with a wrong type,
a huge or empty string, control/format/bidi characters, deep nesting, odd dates (0001-01-01,
9999-12-31, 2026-02-30, timezone offsets), negative/huge numbers, NaN-like strings, or delete
them (missing required fields) or duplicate them (duplicated ids).
"""
from __future__ import annotations

import base64
import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fhir_fixtures"

PREFETCH_KEYS = {
    "conditions": "Condition",
    "observations": "Observation",
    "medicationRequests": "MedicationRequest",
    "medicationStatements": "MedicationStatement",
    "medicationAdministrations": "MedicationAdministration",
    "procedures": "Procedure",
    "diagnosticReports": "DiagnosticReport",
}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"

# ---------------------------------------------------------------------- harvested from the fixtures


@lru_cache(maxsize=1)
def fixture_requests() -> tuple[dict, ...]:
    """Every committed hook request: patient-view (fhir_fixtures/hooks) and order hooks (fhir_fixtures/orders)."""
    out = []
    for folder, pattern in (("hooks", "*.json"), ("orders", "ord-*.json")):
        for path in sorted((FIXTURES / folder).glob(pattern)):
            if path.name == "index.json":
                continue
            body = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(body, dict) and "prefetch" in body:
                out.append(body)
    return tuple(out)


def _resources(body: dict):
    for value in (body.get("prefetch") or {}).values():
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            for entry in value.get("entry") or ():
                if isinstance(entry.get("resource"), dict):
                    yield entry["resource"]
        elif isinstance(value, dict):
            yield value
    for entry in ((body.get("context") or {}).get("draftOrders") or {}).get("entry") or ():
        if isinstance(entry.get("resource"), dict):
            yield entry["resource"]


@lru_cache(maxsize=1)
def pools() -> dict[str, tuple]:
    """Codings, units and texts of the fixtures, by where they were found."""
    found: dict[str, list] = {k: [] for k in (
        "condition", "histology", "observation", "value_concept", "medication", "procedure", "report",
        "unit", "text", "category", "body_site", "stage")}

    def codings(concept: Any) -> list[dict]:
        if isinstance(concept, dict):
            return [c for c in concept.get("coding") or () if isinstance(c, dict)]
        return []

    def text(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            found["text"].append(value)

    for body in fixture_requests():
        for r in _resources(body):
            kind = r.get("resourceType")
            for note in r.get("note") or ():
                text(note.get("text"))
            for cat in r.get("category") or ():
                found["category"] += codings(cat)
            for site in r.get("bodySite") or ():
                found["body_site"] += codings(site)
            if kind == "Condition":
                found["condition"] += codings(r.get("code"))
                for ext in r.get("extension") or ():
                    found["histology"] += codings(ext.get("valueCodeableConcept"))
                for stage in r.get("stage") or ():
                    found["stage"] += codings(stage.get("summary"))
            elif kind == "Observation":
                found["observation"] += codings(r.get("code"))
                for comp in r.get("component") or ():
                    found["observation"] += codings(comp.get("code"))
                    found["value_concept"] += codings(comp.get("valueCodeableConcept"))
                found["value_concept"] += codings(r.get("valueCodeableConcept"))
                q = r.get("valueQuantity")
                if isinstance(q, dict):
                    found["unit"].append((q.get("unit"), q.get("code")))
                text(r.get("valueString"))
                text((r.get("code") or {}).get("text"))
            elif kind in ("MedicationRequest", "MedicationStatement", "MedicationAdministration", "Medication"):
                found["medication"] += codings(r.get("medicationCodeableConcept") or r.get("code"))
                for dose in (r.get("dosageInstruction") or r.get("dosage") or ()):
                    if isinstance(dose, dict):
                        text(dose.get("text"))
            elif kind in ("Procedure", "ServiceRequest"):
                found["procedure"] += codings(r.get("code"))
                text((r.get("code") or {}).get("text"))
            elif kind == "DiagnosticReport":
                found["report"] += codings(r.get("code"))
                text(r.get("conclusion"))
                for form in r.get("presentedForm") or ():
                    try:
                        text(base64.b64decode(form.get("data") or "").decode("utf-8"))
                    except (ValueError, UnicodeDecodeError):
                        pass
    out: dict[str, tuple] = {}
    for key, values in found.items():
        unique = {json.dumps(v, sort_keys=True): v for v in values}
        out[key] = tuple(unique[k] for k in sorted(unique))
    return out


@lru_cache(maxsize=1)
def words() -> tuple[str, ...]:
    """The tokens of the fixtures' free text (what the text readers look for)."""
    seen = set()
    for t in pools()["text"]:
        seen.update(t.replace("\n", " ").split(" "))
    return tuple(sorted(w for w in seen if w))


# ---------------------------------------------------------------------- primitives

HOSTILE_CHARS = (
    "\x00", "\x07", "\x1b", "\x7f", "\u0085", "\u00a0", "\u00ad", "\u200b", "\u200d", "\u200e", "\u202e",
    "\u2028", "\u2029", "\u2066", "\ufeff", "\ufffd", "\U0001f600", "\U000e0001", "\u0301", "\u0663",
    "\uff15", "\u00b5", "\u2264", "\u2265", "\u00bd", "<", ">", "&", "\"", "'", "\\", "%", "*", "_", "`",
    "[", "]", "(", ")", "\t", "\r", "\n",
)
NAN_LIKE = ("NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "0x1A", "1,5", "½", "٣٥",
            "１２", "", " ", "null", "None", "true", "-0", "+5", ".5", "5.", "1e-400", "9" * 400)
ODD_DATES = (
    "0001-01-01", "9999-12-31", "0001", "9999", "0001-01", "9999-12", "0000-00-00", "2026-02-30",
    "2026-13-01", "2026-11-22T25:61:61Z", "2026-11-22T23:59:60Z", "2026-11-22T00:00:00+14:00",
    "2026-11-22T00:00:00-12:00", "2026-11-22T12:00:00.123456789+05:45", "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-14:00", "2026-11-22T10:00:00", "2026-11-22T10:00Z",
    "2026-11-22 10:00:00", "22/11/2026", "11/22/2026", "20261122", "2026-W47", "2026-326", "-0001-01-01",
    "+2026-11-22", "2026-11-22Z", "yesterday", "", " ", "2026-1-2", "１９５８-０６-０２", "2026-11-22\u200b",
    "2024-02-29", "2023-02-29", "1900-01-01", "2100-01-01", "2026-11-23", "2026-11-21",
)
CODE_SYSTEMS = (
    RXNORM, LOINC, SNOMED, UCUM, "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10",
    "http://terminology.hl7.org/CodeSystem/icd-o-3", "http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.96",
    "urn:uuid:00000000-0000-0000-0000-000000000000", "", "not a uri", "http://loinc.org/", "HTTP://LOINC.ORG",
    "http://snomed.info/sct|", "javascript:alert(1)", "http://example.org/" + "x" * 300,
)


@lru_cache(maxsize=None)
def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(HOSTILE_CHARS)), max_size=max_size)


@lru_cache(maxsize=None)
def huge_text() -> st.SearchStrategy[str]:
    """Long strings: repeated clinical words (the text readers' regexes get work) or one character."""
    return st.one_of(
        st.tuples(st.sampled_from(words() or ("Ki-67",)), st.integers(1000, 20_000)).map(lambda t: (t[0] + " ") * t[1]),
        st.tuples(st.sampled_from(("x", "9", " ", "%", "-", ".", "<", "\u200b", "Ki-67 ", "1.", "a" * 50)),
                  st.integers(10_000, 200_000)).map(lambda t: t[0] * t[1]),
    )


@lru_cache(maxsize=None)
def clinical_text(max_words: int = 60) -> st.SearchStrategy[str]:
    """Text made of the fixtures' words, numbers, units and hostile characters, in any order."""
    token = st.one_of(
        st.sampled_from(words() or ("Ki-67",)),
        st.sampled_from(words() or ("Ki-67",)),
        st.sampled_from(("Ki-67", "Ki67", "MIB-1", "%", "G1", "G2", "G3", "NEC", "NET", "mitoses", "per", "2",
                         "mm2", "HPF", "10", "score", "Krenning", "SSTR", "positive", "negative", "not", "no",
                         "liver", "metastases", "R0", "R1", "pT3", "pN1", "M1", "Ga-68", "DOTATATE", "PET",
                         "avid", "progression", "stable", "RECIST", "<", ">", "<=", ">=", "~", "-", "to", "and",
                         "or", ";", ":", ".", ",", "\n", "<br>", "<p>", "</p>", "<script>", "&amp;", "&#x3c;")),
        st.integers(-10**6, 10**6).map(str),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: f"{f:g}"),
        st.sampled_from(HOSTILE_CHARS),
        st.sampled_from(NAN_LIKE),
    )
    return st.lists(token, max_size=max_words).map(" ".join)


def weighted(*pairs: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each drawn with its weight (``st.one_of`` weighs its branches alike)."""
    table = [strategy for weight, strategy in pairs for _ in range(weight)]
    return st.sampled_from(table).flatmap(lambda strategy: strategy)


@lru_cache(maxsize=None)
def any_text() -> st.SearchStrategy[str]:
    return weighted(
        (16, st.sampled_from(pools()["text"] or ("text",))),
        (16, clinical_text()),
        (12, hostile_text()),
        (3, st.just("")),
        (1, huge_text()),
    )


@lru_cache(maxsize=None)
def fhir_date(time: bool = True) -> st.SearchStrategy[str]:
    valid = st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}")
    recent = st.dates(min_value=__import__("datetime").date(2015, 1, 1),
                      max_value=__import__("datetime").date(2027, 12, 31)).map(str)
    parts = [recent, recent, valid, st.sampled_from(ODD_DATES), valid.map(lambda s: s[:4]), valid.map(lambda s: s[:7])]
    if time:
        parts.append(st.tuples(recent, st.integers(0, 23), st.integers(0, 59),
                               st.sampled_from(("Z", "+00:00", "+14:00", "-12:00", "+05:30", "-03:30", ""))).map(
            lambda t: f"{t[0]}T{t[1]:02d}:{t[2]:02d}:00{t[3]}"))
    return st.one_of(*parts)


@lru_cache(maxsize=None)
def number() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(0, 300), st.integers(0, 300),
        st.floats(0, 1000, allow_nan=False).map(lambda f: round(f, 2)),
        st.integers(-(2**63), 2**63 - 1),
        st.sampled_from((0, -0.0, -1, 1e308, -1e308, 5e-324, 2**63 - 1, -(2**63), 10**18, 0.1 + 0.2, 1e-9)),
    )


@lru_cache(maxsize=None)
def fhir_id() -> st.SearchStrategy[str]:
    return st.one_of(
        st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True),
        st.sampled_from(("", "a" * 65, "id with space", "../etc", "Patient/x", "%2e", "\u0661\u0662", "null")),
    )


# ---------------------------------------------------------------------- datatypes


@lru_cache(maxsize=None)
def coding(pool: str) -> st.SearchStrategy[dict]:
    known = pools()[pool] or ({"system": LOINC, "code": "0-0"},)
    odd = st.fixed_dictionaries({}, optional={
        "system": st.one_of(st.sampled_from(CODE_SYSTEMS), hostile_text(20)),
        "code": st.one_of(st.sampled_from([c.get("code") for c in known if c.get("code")] or ["x"]), hostile_text(12),
                          st.sampled_from(("", " ", "C7A.012 ", "c7a.012", "C7A012", "8249/3 ", "1541890\x00"))),
        "display": hostile_text(30),
        "version": st.just("1"),
        "userSelected": st.booleans(),
    })
    return st.one_of(st.sampled_from(known), st.sampled_from(known), st.sampled_from(known), odd)


@lru_cache(maxsize=None)
def codeable_concept(pool: str) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={
        "coding": st.lists(coding(pool), min_size=1, max_size=3),
        "text": any_text(),
    })


@lru_cache(maxsize=None)
def reference(kind: str, pid: str) -> st.SearchStrategy[dict]:
    return st.one_of(
        st.just({"reference": f"{kind}/{pid}"}), st.just({"reference": f"{kind}/{pid}"}),
        st.fixed_dictionaries({"reference": st.one_of(fhir_id().map(lambda i: f"{kind}/{i}"), hostile_text(20),
                                                       st.just(f"https://other.example/fhir/{kind}/{pid}"))}),
        st.fixed_dictionaries({"display": hostile_text(20)}),
    )


@lru_cache(maxsize=None)
def quantity() -> st.SearchStrategy[dict]:
    units = pools()["unit"] or (("mg", "mg"),)
    known = st.sampled_from(units).map(lambda u: {k: v for k, v in (("unit", u[0]), ("code", u[1])) if v})
    odd = st.fixed_dictionaries({}, optional={"unit": st.one_of(hostile_text(8), st.sampled_from(
        ("mg", "MG", "g", "mcg", "µg", "ug", "kg", "[lb_av]", "mmol/L", "%", "/2mm2", "percent", "1", "{score}"))),
        "code": hostile_text(8)})
    return st.tuples(st.one_of(known, known, odd), number(),
                     st.sampled_from((None, UCUM, "", "http://example.org/units")),
                     st.sampled_from((None, None, None, "<", "<=", ">=", ">", "ad", "~"))).map(
        lambda t: {**t[0], "value": t[1], **({"system": t[2]} if t[2] is not None else {}),
                   **({"comparator": t[3]} if t[3] else {})})


@lru_cache(maxsize=None)
def quantity_range() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={"low": quantity(), "high": quantity()})


@lru_cache(maxsize=None)
def period() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={"start": fhir_date(), "end": fhir_date()})


@lru_cache(maxsize=None)
def timing() -> st.SearchStrategy[dict]:
    repeat = st.fixed_dictionaries({}, optional={
        "frequency": st.one_of(st.integers(1, 4), number()),
        "period": st.one_of(st.sampled_from((1, 1, 7, 14, 21, 28, 0.5)), number()),
        "periodUnit": st.one_of(st.sampled_from(("d", "wk", "mo", "h", "min", "a")), hostile_text(4)),
        "count": st.integers(-1, 100),
        "duration": number(),
        "durationUnit": st.sampled_from(("d", "h")),
        "boundsPeriod": period(),
        "timeOfDay": st.lists(st.sampled_from(("08:00:00", "20:00:00", "25:00:00", "")), max_size=3),
        "when": st.lists(st.sampled_from(("MORN", "EVE", "HS", "AC", "XX")), max_size=2),
    })
    return st.fixed_dictionaries({}, optional={"repeat": repeat, "event": st.lists(fhir_date(), max_size=3),
                                               "code": codeable_concept("category")})


@lru_cache(maxsize=None)
def dosage() -> st.SearchStrategy[dict]:
    dose_and_rate = st.fixed_dictionaries({}, optional={
        "type": codeable_concept("category"),
        "doseQuantity": quantity(),
        "doseRange": quantity_range(),
        "rateQuantity": quantity(),
    })
    return st.fixed_dictionaries({}, optional={
        "text": st.one_of(st.sampled_from(pools()["text"] or ("x",)), clinical_text(12), hostile_text()),
        "timing": timing(),
        "doseAndRate": st.lists(dose_and_rate, max_size=2),
        "route": codeable_concept("category"),
        "asNeededBoolean": st.booleans(),
        "sequence": st.integers(-5, 5),
        "maxDosePerPeriod": st.fixed_dictionaries({"numerator": quantity(), "denominator": quantity()}),
    })


@lru_cache(maxsize=None)
def attachment() -> st.SearchStrategy[dict]:
    def encode(args):
        ctype, body, wrap = args
        if ctype == "text/html" and wrap:
            body = f"<html><body><p>{body}</p><script>x</script><!-- {body[:20]} --></body></html>"
        return {"contentType": ctype, "data": base64.b64encode(body.encode("utf-8", "surrogatepass")).decode("ascii")}

    good = st.tuples(st.sampled_from(("text/plain", "text/html", "text/plain; charset=utf-8", "TEXT/HTML",
                                      "application/pdf", "", "text/markdown")),
                     weighted((8, st.sampled_from(pools()["text"] or ("x",))), (8, clinical_text(120)),
                              (4, hostile_text(200)), (1, huge_text())),
                     st.booleans()).map(encode)
    broken = st.fixed_dictionaries({"contentType": st.sampled_from(("text/plain", "text/html"))}, optional={
        "data": st.one_of(st.just("!!!not base64!!!"), st.just("QUJD="), st.just("===="), hostile_text(10),
                          st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())),
        "url": st.sampled_from(("Binary/x", "https://elsewhere.example/x", "", "data:text/plain;base64,QUJD")),
        "language": st.just("en"),
        "title": hostile_text(20),
        "size": number(),
    })
    return st.one_of(good, good, broken)


# ---------------------------------------------------------------------- resources


def _resource(kind: str, pid: str, fields: dict, optional: dict) -> st.SearchStrategy[dict]:
    optional = {"subject": reference("Patient", pid), "meta": st.just({"versionId": "1"}),
                "note": st.lists(st.fixed_dictionaries({"text": any_text()}), max_size=2), **optional}
    return st.fixed_dictionaries({"resourceType": st.just(kind), "id": fhir_id(), **fields},
                                 optional={k: v for k, v in optional.items() if k not in fields})


@lru_cache(maxsize=None)
def patient(pid: str) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"resourceType": st.just("Patient"), "id": st.just(pid)}, optional={
        "birthDate": fhir_date(time=False),
        "gender": st.one_of(st.sampled_from(("male", "female", "other", "unknown")), hostile_text(5)),
        "name": st.lists(st.fixed_dictionaries({}, optional={"family": hostile_text(15),
                                                             "given": st.lists(hostile_text(10), max_size=2)}),
                         max_size=2),
        "deceasedBoolean": st.booleans(),
        "deceasedDateTime": fhir_date(),
        "active": st.booleans(),
    })


@lru_cache(maxsize=None)
def condition(pid: str) -> st.SearchStrategy[dict]:
    status = lambda system, codes: st.fixed_dictionaries({"coding": st.lists(  # noqa: E731
        st.fixed_dictionaries({"system": st.just(system), "code": st.one_of(st.sampled_from(codes), hostile_text(6))}),
        min_size=1, max_size=2)})
    return _resource("Condition", pid, {"code": codeable_concept("condition")}, {
        "clinicalStatus": status("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                 ("active", "recurrence", "relapse", "inactive", "remission", "resolved")),
        "verificationStatus": status("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                     ("confirmed", "provisional", "unconfirmed", "refuted", "entered-in-error")),
        "category": st.lists(codeable_concept("category"), max_size=2),
        "bodySite": st.lists(codeable_concept("body_site"), max_size=2),
        "extension": st.lists(st.fixed_dictionaries({
            "url": st.sampled_from(("http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                                    "http://example.org/x")),
            "valueCodeableConcept": codeable_concept("histology")}), max_size=2),
        "stage": st.lists(st.fixed_dictionaries({}, optional={"summary": codeable_concept("stage"),
                                                              "type": codeable_concept("stage")}), max_size=2),
        "onsetDateTime": fhir_date(),
        "recordedDate": fhir_date(),
        "abatementDateTime": fhir_date(),
    })


@lru_cache(maxsize=None)
def observation_value() -> st.SearchStrategy[dict]:
    return st.one_of(
        quantity().map(lambda q: {"valueQuantity": q}),
        quantity().map(lambda q: {"valueQuantity": q}),
        any_text().map(lambda s: {"valueString": s}),
        codeable_concept("value_concept").map(lambda c: {"valueCodeableConcept": c}),
        quantity_range().map(lambda r: {"valueRange": r}),
        number().map(lambda n: {"valueInteger": n}),
        st.booleans().map(lambda b: {"valueBoolean": b}),
        st.fixed_dictionaries({"numerator": quantity(), "denominator": quantity()}).map(lambda r: {"valueRatio": r}),
        st.just({}),
    )


@lru_cache(maxsize=None)
def observation(pid: str) -> st.SearchStrategy[dict]:
    component = st.tuples(codeable_concept("observation"), observation_value()).map(lambda t: {"code": t[0], **t[1]})
    base = _resource("Observation", pid, {"code": codeable_concept("observation")}, {
        "status": st.one_of(st.sampled_from(("final", "amended", "corrected", "preliminary", "cancelled",
                                             "entered-in-error", "registered")), hostile_text(5)),
        "category": st.lists(codeable_concept("category"), max_size=2),
        "effectiveDateTime": fhir_date(),
        "effectivePeriod": period(),
        "issued": fhir_date(),
        "component": st.lists(component, max_size=4),
        "hasMember": st.lists(reference("Observation", pid), max_size=3),
        "derivedFrom": st.lists(reference("DiagnosticReport", pid), max_size=2),
        "interpretation": st.lists(codeable_concept("value_concept"), max_size=2),
        "referenceRange": st.lists(st.fixed_dictionaries({}, optional={"low": quantity(), "high": quantity(),
                                                                       "text": hostile_text(10)}), max_size=2),
        "method": codeable_concept("observation"),
        "bodySite": codeable_concept("body_site"),
        "dataAbsentReason": codeable_concept("category"),
    })
    return st.tuples(base, observation_value()).map(lambda t: {**t[0], **t[1]})


@lru_cache(maxsize=None)
def medication_concept() -> st.SearchStrategy[dict]:
    return codeable_concept("medication")


@lru_cache(maxsize=None)
def medication_request(pid: str, *, draft: bool = False) -> st.SearchStrategy[dict]:
    status = st.just("draft") if draft else st.sampled_from(("active", "completed", "stopped", "on-hold", "cancelled",
                                                              "entered-in-error", "draft", "unknown"))
    fields = {"status": status, "intent": st.sampled_from(("order", "order", "plan", "proposal", "original-order")),
              "medicationCodeableConcept": medication_concept()}
    if draft:
        fields["subject"] = st.just({"reference": f"Patient/{pid}"})
    return _resource("MedicationRequest", pid, fields, {
        "authoredOn": fhir_date(),
        "dosageInstruction": st.lists(dosage(), max_size=3),
        "dispenseRequest": st.fixed_dictionaries({}, optional={"validityPeriod": period(), "quantity": quantity(),
                                                               "expectedSupplyDuration": quantity()}),
        "reasonCode": st.lists(codeable_concept("condition"), max_size=2),
        "doNotPerform": st.booleans(),
    })


@lru_cache(maxsize=None)
def medication_statement(pid: str) -> st.SearchStrategy[dict]:
    return _resource("MedicationStatement", pid, {
        "status": st.sampled_from(("active", "completed", "stopped", "intended", "on-hold", "not-taken",
                                   "entered-in-error", "unknown")),
        "medicationCodeableConcept": medication_concept()}, {
        "effectivePeriod": period(),
        "effectiveDateTime": fhir_date(),
        "dateAsserted": fhir_date(),
        "dosage": st.lists(dosage(), max_size=2),
        "statusReason": st.lists(codeable_concept("category"), max_size=1),
    })


@lru_cache(maxsize=None)
def medication_administration(pid: str) -> st.SearchStrategy[dict]:
    return _resource("MedicationAdministration", pid, {
        "status": st.sampled_from(("completed", "in-progress", "not-done", "stopped", "entered-in-error")),
        "medicationCodeableConcept": medication_concept()}, {
        "effectiveDateTime": fhir_date(),
        "effectivePeriod": period(),
        "dosage": st.fixed_dictionaries({}, optional={"text": clinical_text(10), "dose": quantity(),
                                                      "rateQuantity": quantity(), "route": codeable_concept("category")}),
    })


@lru_cache(maxsize=None)
def procedure(pid: str) -> st.SearchStrategy[dict]:
    return _resource("Procedure", pid, {
        "status": st.sampled_from(("completed", "in-progress", "not-done", "stopped", "preparation", "unknown")),
        "code": codeable_concept("procedure")}, {
        "performedDateTime": fhir_date(),
        "performedPeriod": period(),
        "outcome": codeable_concept("category"),
        "statusReason": codeable_concept("category"),
        "bodySite": st.lists(codeable_concept("body_site"), max_size=2),
    })


@lru_cache(maxsize=None)
def diagnostic_report(pid: str) -> st.SearchStrategy[dict]:
    return _resource("DiagnosticReport", pid, {
        "status": st.sampled_from(("final", "amended", "preliminary", "registered", "cancelled", "entered-in-error")),
        "code": codeable_concept("report")}, {
        "category": st.lists(codeable_concept("category"), max_size=2),
        "effectiveDateTime": fhir_date(),
        "issued": fhir_date(),
        "conclusion": any_text(),
        "conclusionCode": st.lists(codeable_concept("value_concept"), max_size=2),
        "presentedForm": st.lists(attachment(), max_size=3),
        "result": st.lists(reference("Observation", pid), max_size=3),
    })


@lru_cache(maxsize=None)
def service_request(pid: str) -> st.SearchStrategy[dict]:
    return _resource("ServiceRequest", pid, {
        "status": st.just("draft"), "intent": st.just("order"), "code": codeable_concept("procedure"),
        "subject": st.just({"reference": f"Patient/{pid}"})}, {
        "occurrenceDateTime": fhir_date(),
        "authoredOn": fhir_date(),
    })


RESOURCE_STRATEGIES = {
    "Condition": condition, "Observation": observation, "MedicationRequest": medication_request,
    "MedicationStatement": medication_statement, "MedicationAdministration": medication_administration,
    "Procedure": procedure, "DiagnosticReport": diagnostic_report,
}

# ---------------------------------------------------------------------- mutation

DEEP = 40   # nesting added by one mutation (requests deeper than 100 are refused as a whole: see request.py)
PATIENT_IDS = ("fuzz-1", "F", "0", "a.b-c", "x" * 64, "Patient-1")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _copy(value: Any) -> Any:
    """A deep copy of JSON data (orjson: many times faster than copy.deepcopy)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        return copy.deepcopy(value)


def _nest(value: Any, depth: int, kind: str) -> Any:
    for _ in range(depth):
        value = [value] if kind == "list" else {"extension": value}
    return value


@lru_cache(maxsize=None)
def replacement() -> st.SearchStrategy[Any]:
    """What a mutated element becomes."""
    return st.one_of(
        st.none(), st.booleans(), number(), st.sampled_from(NAN_LIKE), st.sampled_from(ODD_DATES),
        hostile_text(), weighted((1, huge_text()), (3, clinical_text())), st.just(""), st.just([]), st.just({}), st.just([None]), st.just({"": ""}),
        st.just({"resourceType": "Bundle"}), st.just({"reference": "Patient/other"}),
        st.sampled_from(("entered-in-error", "draft", "unknown", "Patient/x", "#contained")),
        st.integers(1, DEEP).map(lambda d: _nest(1, d, "list")),
        st.integers(1, DEEP).map(lambda d: _nest({}, d, "dict")),
    )


OPS = ("replace", "replace", "replace", "delete", "duplicate", "wrap", "stringify")


def apply_mutation(value: Any, choose, replacement_value) -> Any:
    """One mutation of ``value`` (in place where possible; the new root is returned).

    ``choose(seq)`` picks one element (a hypothesis draw or ``random.choice``);
    ``replacement_value()`` gives a fresh replacement.
    """
    path = choose(_paths(value))
    op = choose(OPS)
    if not path:
        return _copy(replacement_value()) if op == "replace" else value
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    current = parent[key]
    if op == "replace":
        parent[key] = _copy(replacement_value())   # never a shared object: strategies and pools reuse theirs
    elif op == "delete":
        del parent[key]
    elif op == "duplicate":
        if isinstance(parent, list):
            parent.insert(key, _copy(current))   # a duplicated entry (same id)
        elif isinstance(current, (dict, list)):
            parent[key] = [_copy(current), _copy(current)]   # a list where one was, or one twice
    elif op == "wrap":
        parent[key] = _nest(current, choose(range(1, 9)), choose(("list", "dict")))
    elif op == "stringify":
        parent[key] = json.dumps(current) if not isinstance(current, str) else current * (1000 if len(current) < 200 else 2)
    return value


@st.composite
def mutated(draw, value: Any, max_mutations: int = 4) -> Any:
    """``value`` (deep-copied) with 1..max_mutations mutations at random paths."""
    value = _copy(value)
    choose = lambda seq: draw(st.sampled_from(seq))  # noqa: E731
    for _ in range(draw(st.integers(1, max_mutations))):
        value = apply_mutation(value, choose, lambda: draw(replacement()))
    return value


# ---------------------------------------------------------------------- requests


def bundle(resources: list[dict], *, total: Any = None) -> dict:
    return {"resourceType": "Bundle", "type": "searchset",
            "total": len(resources) if total is None else total,
            "entry": [{"fullUrl": f"https://ehr.example.org/fhir/{r.get('resourceType')}/{r.get('id')}",
                       "resource": r, "search": {"mode": "match"}} for r in resources]}


@st.composite
def prefetch(draw, pid: str, *, sizes: dict[str, int] | None = None) -> dict:
    sizes = sizes or {}
    out: dict[str, Any] = {"patient": draw(patient(pid))}
    for key, kind in PREFETCH_KEYS.items():
        shape = draw(st.sampled_from(("bundle",) * 8 + ("missing", "null", "empty")))
        if shape == "missing":
            continue
        if shape == "null":
            out[key] = None
            continue
        n = 0 if shape == "empty" else draw(st.integers(0, sizes.get(key, 2)))
        resources = [draw(RESOURCE_STRATEGIES[kind](pid)) for _ in range(n)]
        out[key] = bundle(resources, total=draw(st.sampled_from((None, None, None, 0, 10**9, -1))))
    if draw(st.integers(0, 9)) == 0:
        out.pop("patient")
    return out


def _request_base(pid: str, hook: str, prefetched: dict) -> dict:
    return {"hook": hook, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/fuzz", "patientId": pid}, "prefetch": prefetched}


@st.composite
def patient_view_request(draw) -> dict:
    pid = draw(st.sampled_from(PATIENT_IDS))   # few, so the per-patient strategies are built once each
    body = _request_base(pid, "patient-view", draw(prefetch(pid)))
    # Make most pictures a NET, so the rules run: a fixture NET condition is added to conditions.
    if draw(st.integers(0, 3)) and isinstance(body["prefetch"].get("conditions"), dict):
        body["prefetch"]["conditions"]["entry"].append(
            {"resource": {"resourceType": "Condition", "id": "net-primary", "subject": {"reference": f"Patient/{pid}"},
                          "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                         "code": "active"}]},
                          "code": {"coding": [draw(st.sampled_from(pools()["condition"]))]}}})
    if draw(st.booleans()):
        body = draw(mutated(body, max_mutations=3))
    return body


@st.composite
def fixture_request(draw, hooks: tuple[str, ...] = ("patient-view", "order-select", "order-sign")) -> dict:
    candidates = [b for b in fixture_requests() if b.get("hook") in hooks]
    return draw(mutated(draw(st.sampled_from(candidates)), max_mutations=4))


@st.composite
def draft_orders(draw, pid: str) -> list[dict]:
    drafts = draw(st.lists(st.one_of(medication_request(pid, draft=True), medication_request(pid, draft=True),
                                     service_request(pid)), min_size=1, max_size=4))
    if draw(st.integers(0, 4)) == 0 and len(drafts) > 1:
        drafts[1]["id"] = drafts[0]["id"]   # duplicated draft ids
    return drafts


@st.composite
def order_request(draw) -> dict:
    hook = draw(st.sampled_from(("order-select", "order-sign")))
    base = draw(st.one_of(st.sampled_from([b for b in fixture_requests() if b.get("hook") == "patient-view"]),
                          st.builds(lambda: None)))
    if base is None:
        pid = "fuzz-1"
        body = _request_base(pid, hook, draw(prefetch(pid)))
    else:
        body = copy.deepcopy(base)
        body["hook"] = hook
        pid = body["context"]["patientId"]
    drafts = draw(draft_orders(pid))
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": d} for d in drafts]}
    if hook == "order-select":
        refs = [f"{d.get('resourceType')}/{d.get('id')}" for d in drafts]
        body["context"]["selections"] = draw(st.one_of(st.just(refs), st.lists(st.sampled_from(refs), max_size=3),
                                                       st.just(["MedicationRequest/not-a-draft"])))
    if draw(st.booleans()):
        body = draw(mutated(body, max_mutations=3))
    return body


@st.composite
def report_text_request(draw) -> dict:
    """A NET patient (a fixture's conditions) whose reports, observations and notes are generated text."""
    base = copy.deepcopy(draw(st.sampled_from([b for b in fixture_requests() if b.get("hook") == "patient-view"])))
    pid = base["context"]["patientId"]
    reports = draw(st.lists(diagnostic_report(pid), min_size=1, max_size=3))
    strings = draw(st.lists(observation(pid).map(lambda o: {**{k: v for k, v in o.items() if not k.startswith("value")},
                                                            "valueString": o.get("valueString", "")}),
                            max_size=3))
    base["prefetch"]["diagnosticReports"] = bundle(reports)
    obs = base["prefetch"].get("observations") or bundle([])
    obs.setdefault("entry", []).extend({"resource": o} for o in strings)
    base["prefetch"]["observations"] = obs
    return base


def any_request() -> st.SearchStrategy[dict]:
    """All of the above, for the quick variant."""
    return st.one_of(patient_view_request(), fixture_request(), order_request(), report_text_request())


# ---------------------------------------------------------------------- seeded assembly (the slow campaign)
#
# A hypothesis draw costs tens of microseconds, and a whole generated request is hundreds of
# draws (~100 ms): too slow for 10,000 examples in minutes. So the campaign draws *pools* of
# resources and replacements once per session with the strategies above (deterministically),
# and each example is one drawn seed from which ``random.Random`` assembles a request out of
# the pools and mutates it. The failing seed reproduces the request exactly.


def sample(strategy: st.SearchStrategy, n: int) -> list:
    """``n`` values of ``strategy``, the same ones on every run."""
    from hypothesis import HealthCheck, Phase, given, settings

    out: list = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        out.append(_copy(value))

    collect()
    return out


POOL_PID = "fuzz-1"


@lru_cache(maxsize=4)
def pools_of(n: int) -> dict[str, list]:
    """Resources (subject ``Patient/fuzz-1``) and replacements, ``n`` of each kind."""
    out = {kind: sample(make(POOL_PID), n) for kind, make in RESOURCE_STRATEGIES.items()}
    out["Patient"] = sample(patient(POOL_PID), max(10, n // 4))
    out["draft"] = sample(medication_request(POOL_PID, draft=True), n)
    out["ServiceRequest"] = sample(service_request(POOL_PID), max(10, n // 4))
    out["replacement"] = sample(replacement(), n)
    return out


def _for_patient(resource: dict, pid: str) -> Any:
    """A pooled resource (a copy) about ``pid`` instead of ``fuzz-1``."""
    text = orjson.dumps(resource)
    if pid != POOL_PID:
        text = text.replace(f'"Patient/{POOL_PID}"'.encode(), json.dumps(f"Patient/{pid}").encode())
    return orjson.loads(text)


def mutate_seeded(value: Any, r, pool: dict, max_mutations: int) -> Any:
    value = _copy(value)
    for _ in range(r.randint(1, max_mutations)):
        value = apply_mutation(value, r.choice, lambda: r.choice(pool["replacement"]))
    return value


def _seeded_prefetch(r, pool: dict, pid: str) -> dict:
    patient_resource = _for_patient(r.choice(pool["Patient"]), pid)
    patient_resource["id"] = pid
    out: dict[str, Any] = {"patient": patient_resource}
    for key, kind in PREFETCH_KEYS.items():
        shape = r.choice(("bundle",) * 8 + ("missing", "null", "empty"))
        if shape == "missing":
            continue
        if shape == "null":
            out[key] = None
            continue
        n = 0 if shape == "empty" else r.randint(0, 4)
        resources = [_for_patient(r.choice(pool[kind]), pid) for _ in range(n)]
        out[key] = bundle(resources, total=r.choice((None, None, None, 0, 10**9, -1)))
    if r.randrange(10) == 0:
        out.pop("patient")
    return out


def seeded_patient_view(r, pool: dict) -> dict:
    pid = r.choice(PATIENT_IDS)
    body = _request_base(pid, "patient-view", _seeded_prefetch(r, pool, pid))
    conditions = body["prefetch"].get("conditions")
    if r.randrange(4) and isinstance(conditions, dict):
        conditions["entry"].append({"resource": {
            "resourceType": "Condition", "id": "net-primary", "subject": {"reference": f"Patient/{pid}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [_copy(r.choice(pools()["condition"]))]}}})
    if r.randrange(2):
        body = mutate_seeded(body, r, pool, 3)
    return body


def seeded_fixture(r, pool: dict) -> dict:
    return mutate_seeded(r.choice(fixture_requests()), r, pool, 4)


def seeded_order(r, pool: dict) -> dict:
    hook = r.choice(("order-select", "order-sign"))
    if r.randrange(3):
        body = _copy(r.choice([b for b in fixture_requests() if b.get("hook") == "patient-view"]))
        body["hook"] = hook
        pid = body["context"]["patientId"]
    else:
        pid = r.choice(PATIENT_IDS)
        body = _request_base(pid, hook, _seeded_prefetch(r, pool, pid))
    drafts = [_for_patient(r.choice(pool["draft"] if r.randrange(4) else pool["ServiceRequest"]), pid)
              for _ in range(r.randint(1, 4))]
    for k, d in enumerate(drafts):
        if r.randrange(5):
            d["id"] = f"draft-{k}"          # mostly valid ids, so most requests pass validation and reach the checks
    if len(drafts) > 1 and r.randrange(5) == 0:
        drafts[1]["id"] = drafts[0]["id"]   # duplicated draft ids
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": d} for d in drafts]}
    if hook == "order-select":
        refs = [f"{d.get('resourceType')}/{d.get('id')}" for d in drafts]
        body["context"]["selections"] = r.choice((refs, refs, r.sample(refs, r.randint(0, len(refs))),
                                                  ["MedicationRequest/not-a-draft"]))
    if r.randrange(2):
        body = mutate_seeded(body, r, pool, 3)
    return body


def seeded_report_text(r, pool: dict) -> dict:
    body = _copy(r.choice([b for b in fixture_requests() if b.get("hook") == "patient-view"]))
    pid = body["context"]["patientId"]
    reports = [_for_patient(r.choice(pool["DiagnosticReport"]), pid) for _ in range(r.randint(1, 3))]
    body["prefetch"]["diagnosticReports"] = bundle(reports)
    observations = body["prefetch"].get("observations") or bundle([])
    for _ in range(r.randint(0, 3)):
        o = _for_patient(r.choice(pool["Observation"]), pid)
        text = next((v for k, v in o.items() if k == "valueString"), None)
        o = {k: v for k, v in o.items() if not k.startswith("value")}
        o["valueString"] = text if isinstance(text, str) else r.choice(pools()["text"])
        observations.setdefault("entry", []).append({"resource": o})
    body["prefetch"]["observations"] = observations
    if r.randrange(4) == 0:
        body = mutate_seeded(body, r, pool, 2)
    return body


SEEDED = {"patient-view": seeded_patient_view, "fixtures": seeded_fixture, "orders": seeded_order,
          "reports": seeded_report_text}
