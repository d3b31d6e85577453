"""``python -m service explain``: what the service saw for one patient, and what each rule made of it.

For a hook request file (``explain fhir_fixtures/hooks/net-04.json``), a fixture patient
(``explain --patient net-04``: its hook request under ``fhir_fixtures/hooks/``, dated as the
fixtures are) or a patient on a FHIR server (``explain --patient net-04 --fhir-server URL``, as
the demo prints), it runs the same stages as a hook call (data -> picture -> rules -> cards) and
prints:

- the clinical picture: every fact with its value, state (present / stale / contradictory /
  missing / unavailable), date, the FHIR resources it came from and their plain-text reading;
- every rule's verdict: fired (with its finding), needs data (with what is missing), not
  applicable (with the reason);
- the cards the service would answer, by summary.

``--json`` prints the same as one JSON object for tools. Nothing is stored or logged; the
output holds patient data, so it goes to the terminal only.
"""
from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
import time
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service.errors import NetCdsError

SERVICE_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_HOOKS = SERVICE_ROOT / "fhir_fixtures" / "hooks"
STATUS_ORDER = ("applicable", "insufficient-data", "not-applicable")
STATUS_HEADINGS = {
    "applicable": "Fired",
    "insufficient-data": "Needs data (cannot decide)",
    "not-applicable": "Not applicable",
}


class ExplainError(RuntimeError):
    """The request to explain cannot be read or run."""


# --------------------------------------------------------------------------- running the stages


@dataclasses.dataclass(frozen=True)
class Explanation:
    patient_id: str
    as_of: date
    sources: Mapping[str, str]
    unavailable: tuple[str, ...]
    incomplete: tuple[str, ...]
    picture: Any            # NetPicture
    outcomes: tuple[Any, ...]
    cards: tuple[dict, ...]


def explain_request(data: Mapping[str, Any], *, as_of: date, settings=None, fhir_policy=None,
                    clinical: tuple[Any, Any] | None = None) -> Explanation:
    """Run data -> picture -> rules -> cards for one hook request (a decoded JSON object).

    ``clinical`` is ``(terminology, knowledge)`` already loaded (else loaded from ``settings.cards_dir``);
    ``fhir_policy`` says which ``fhirServer`` may be read (else the settings' allowlist)."""
    from service.app import load_clinical, load_settings
    from service.data.fhir_client import FhirClient, FhirPolicy, new_session
    from service.data.prefetch import discovery_prefetch, gather
    from service.picture.build import build_picture
    from service.protocol.request import hook_request_from_json
    from service.render import render
    from service.rules import evaluate

    settings = settings or load_settings({"NETCDS_AUTH_DISABLED": "true"})
    terminology, knowledge = clinical or load_clinical(settings)
    hook_request = hook_request_from_json(dict(data), max_prefetch_resources=settings.max_prefetch_resources)
    policy = fhir_policy or FhirPolicy.from_settings(settings)
    session = new_session()
    try:
        client = FhirClient.for_request(hook_request, policy, session=session)
        record = gather(hook_request, client=client, templates=discovery_prefetch(terminology),
                        deadline=time.monotonic() + max(settings.hook_deadline_seconds, 5.0))
    finally:
        session.close()
    picture = build_picture(record, as_of=as_of, terminology=terminology)
    outcomes = evaluate(picture, as_of=as_of, knowledge=knowledge)
    counter = iter(range(1, 10_000))
    cards = render(outcomes, picture, knowledge=knowledge, uuid_factory=lambda: f"card-{next(counter)}")
    return Explanation(
        patient_id=record.patient_id, as_of=as_of, sources=dict(record.sources or {}),
        unavailable=tuple(sorted(record.unavailable)), incomplete=tuple(sorted(record.incomplete)),
        picture=picture, outcomes=tuple(outcomes), cards=tuple(cards),
    )


def fixture_as_of() -> date:
    """The date the committed fixtures are written against (``fhir_fixtures.fhir.AS_OF``)."""
    try:
        from fhir_fixtures.fhir import AS_OF
    except ImportError as exc:       # run from outside the repository
        raise ExplainError(f"the fixtures are not importable from here ({exc}); run from the repository root "
                           "or pass --as-of") from None
    return AS_OF


def patient_request(patient_id: str, fhir_server: str, token: str | None = None) -> dict:
    """A patient-view request with no prefetch: everything is read from ``fhir_server``."""
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "00000000-0000-4000-8000-00000000e501",
        "context": {"userId": "Practitioner/explain", "patientId": patient_id},
        "fhirServer": fhir_server,
    }
    if token:
        body["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                     "scope": "user/*.read", "subject": "explain"}
    return body


# --------------------------------------------------------------------------- the picture as rows


def _plain(value: Any) -> Any:
    """A picture value as plain JSON (enums by value, dates ISO, dataclasses as dicts)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (frozenset, set)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) not in (None, (), "", frozenset())}
    return value


def _words(value: Any) -> str:
    """A picture value in plain words, as a clinician reads it."""
    from service.rules.outcome import _plain as outcome_words

    if value is None:
        return "-"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (frozenset, set, list, tuple)):
        return ", ".join(sorted(_words(v) for v in value)) or "none"
    return outcome_words(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


def picture_rows(picture: Any) -> list[dict]:
    """One row per fact of the picture, in the model's order: name, state, value, date, sources, note.

    Walks the dataclass generically, so a fact added to the model shows up without an edit here:
    ``Fact`` fields are facts; nested dataclasses (labs) are walked with a prefix; lists of therapies,
    procedures, medications, sizes and sources are listed with their own dates and references.
    """
    from service.picture.model import Fact, Source

    rows: list[dict] = []

    def source(src: Source) -> dict:
        return {"reference": src.reference, "date": _plain(src.date), "display": src.display}

    def walk(obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            name = f"{prefix}{f.name}"
            if f.name in ("patient_ref", "as_of") or (f.name in ("unavailable", "incomplete") and not value):
                continue       # the header says these
            if isinstance(value, Fact):
                rows.append({
                    "name": name, "kind": "fact", "state": value.state.value,
                    "value": _plain(value.value), "words": _words(value.value) if value.value is not None else "",
                    "date": _plain(value.date), "sources": [source(s) for s in value.sources], "note": value.note,
                })
            elif dataclasses.is_dataclass(value) and not isinstance(value, type):
                walk(value, f"{name}.")
            elif isinstance(value, enum.Enum):
                rows.append({"name": name, "kind": "value", "state": "present", "value": value.value,
                             "words": _words(value), "date": None, "sources": [], "note": ""})
            elif isinstance(value, tuple) and value and all(isinstance(v, Source) for v in value):
                rows.append({"name": name, "kind": "sources", "state": "present", "value": None, "words": "",
                             "date": None, "sources": [source(s) for s in value], "note": ""})
            elif isinstance(value, tuple):
                items = []
                for item in value:
                    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Source):
                        items.append({"value": _plain(item[0]), "words": _words(item[0]), **source(item[1])})
                    else:
                        items.append({"value": _plain(item), "words": _item_words(item)})
                rows.append({"name": name, "kind": "list", "state": "present" if value else "missing",
                             "value": [i["value"] for i in items], "items": items, "words": "",
                             "date": None, "sources": [], "note": ""})
            elif isinstance(value, frozenset):
                rows.append({"name": name, "kind": "set", "state": "present" if value else "missing",
                             "value": _plain(value), "words": _words(value) if value else "", "date": None,
                             "sources": [], "note": ""})
            else:
                rows.append({"name": name, "kind": "value", "state": "present", "value": _plain(value),
                             "words": _words(value), "date": None, "sources": [], "note": ""})

    walk(picture, "")
    return rows


def _item_words(item: Any) -> str:
    """One therapy / procedure / medication / grade assessment on a line."""
    if isinstance(item, str):
        return item
    if not dataclasses.is_dataclass(item):
        return _words(item)
    parts = []
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        if value in (None, (), "", frozenset()):
            continue
        if f.name in ("references", "reference"):
            refs = value if isinstance(value, tuple) else (value,)
            parts.append("[" + ", ".join(refs) + "]")
        elif f.name == "codes":
            continue
        else:
            parts.append(f"{_label(f.name)} {_words(value)}")
    return "; ".join(parts)


def outcome_rows(outcomes: Sequence[Any]) -> list[dict]:
    return [{
        "rule": o.rule_id, "status": o.status.value, "reason": o.reason, "missing": list(o.missing),
        "card": o.card,
        "facts": [{"name": f.name, "display": f.display, "date": _plain(f.date), "reference": f.reference}
                  for f in o.facts],
    } for o in outcomes]


def as_json(explanation: Explanation) -> dict:
    return {
        "patient": explanation.patient_id,
        "asOf": explanation.as_of.isoformat(),
        "data": {"sources": dict(explanation.sources), "unavailable": list(explanation.unavailable),
                 "incomplete": list(explanation.incomplete)},
        "scope": _plain(explanation.picture.scope),
        "picture": picture_rows(explanation.picture),
        "rules": outcome_rows(explanation.outcomes),
        "cards": [{"summary": c.get("summary"), "indicator": c.get("indicator"),
                   "rules": ((c.get("extension") or {}).get("net-cds") or {}).get("rules", [])}
                  for c in explanation.cards],
    }


# --------------------------------------------------------------------------- text for people


def _printable(text: str) -> str:
    """Patient text as inert characters for a terminal: control and format characters (ESC sequences,
    bidi overrides, zero-width marks) are shown as ``\\uXXXX`` instead of acting on the terminal."""
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t" else ch
                   for ch in text)


def _clip(text: str, width: int) -> str:
    text = _printable(" ".join(str(text).split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def as_text(explanation: Explanation, *, show_missing: bool = True) -> str:
    data = as_json(explanation)
    out: list[str] = []
    add = out.append
    add(f"Patient {data['patient']}, as of {data['asOf']}; scope: {data['scope']}")
    sources = ", ".join(f"{k} from {v}" for k, v in sorted(data["data"]["sources"].items())) or "none"
    add(f"Data read: {sources}")
    if data["data"]["unavailable"]:
        add(f"Could not be read (facts from it are 'unavailable', not negative): {', '.join(data['data']['unavailable'])}")
    if data["data"]["incomplete"]:
        add(f"Read only in part: {', '.join(data['data']['incomplete'])}")
    add("")
    add("CLINICAL PICTURE  (state: present / stale / contradictory / missing = not on record / unavailable)")
    missing_names = []
    for row in data["picture"]:
        if row["state"] == "missing" and not row["note"] and not row.get("sources"):
            missing_names.append(row["name"])
            continue
        label = _label(row["name"])
        if row["kind"] == "list":
            add(f"  {label}:")
            for item in row["items"]:
                when = f"{item['date']}  " if item.get("date") else ""
                ref = f"  {item['reference']}" if item.get("reference") else ""
                add(f"      - {when}{_clip(item['words'], 110)}{ref}")
            continue
        if row["kind"] == "sources":
            add(f"  {label}:")
            for src in row["sources"]:
                add(f"      - {src['date'] or 'no date':10}  {src['reference'] or '-'}  \"{_clip(src['display'], 70)}\"")
            continue
        value = row["words"] or "-"
        add(f"  {label:32} {_clip(value, 40):40} {row['state']:13} {row['date'] or ''}")
        for src in row["sources"]:
            add(f"      from {src['reference'] or '(no reference)'}  {src['date'] or 'no date'}  "
                f"\"{_clip(src['display'], 70)}\"")
        if row["note"]:
            add(f"      note: {_clip(row['note'], 110)}")
    if missing_names and show_missing:
        add(f"  Not on record (missing, never read as negative): {', '.join(_label(n) for n in missing_names)}")
    add("")
    add(f"RULES  ({len(data['rules'])} verdicts)")
    if not data["rules"]:
        add("  none run: the patient is not in this service's scope (no neuroendocrine neoplasm on record)")
    for status in STATUS_ORDER:
        rows = [r for r in data["rules"] if r["status"] == status]
        if not rows:
            continue
        add(f"  {STATUS_HEADINGS[status]} ({len(rows)}):")
        for r in rows:
            if status == "applicable":
                add(f"    {r['rule']:7} {_clip(r['reason'] or '(fires)', 110)}")
                for f in r["facts"]:
                    when = f" ({f['date']})" if f["date"] else ""
                    ref = f" {f['reference']}" if f["reference"] else ""
                    add(f"            uses {f['name']}: {_clip(f['display'], 60)}{when}{ref}")
                if r["missing"]:
                    add(f"            missing: {', '.join(r['missing'])}")
            elif status == "insufficient-data":
                why = f"  ({_clip(r['reason'], 80)})" if r["reason"] else ""
                add(f"    {r['rule']:7} needs: {', '.join(r['missing']) or '?'}{why}")
            else:
                add(f"    {r['rule']:7} {_clip(r['reason'], 110)}")
    add("")
    add(f"CARDS  ({len(data['cards'])})")
    for card in data["cards"]:
        add(f"  [{card['indicator']}] {_printable(str(card['summary']))}  ({', '.join(card['rules'])})")
    return "\n".join(_printable(line) for line in out) + "\n"


# --------------------------------------------------------------------------- CLI


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {raw!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m service explain",
        description="Print the clinical picture and every rule's verdict for one patient.",
        epilog="examples: python -m service explain fhir_fixtures/hooks/net-04.json | "
               "python -m service explain --patient net-04 | "
               "python -m service explain --patient net-04 --fhir-server http://127.0.0.1:PORT/fhir",
    )
    parser.add_argument("request", nargs="?", help="a CDS Hooks patient-view request (JSON file; - = stdin)")
    parser.add_argument("--patient", help="a patient id: a fixture patient, or one on --fhir-server")
    parser.add_argument("--fhir-server", help="read the patient from this FHIR server (e.g. the demo's)")
    parser.add_argument("--fhir-token", help="bearer token for --fhir-server (the demo's needs none)")
    parser.add_argument("--as-of", type=_parse_date,
                        help="the date to decide on (default: today; the fixtures' own date for a fixture)")
    parser.add_argument("--json", action="store_true", help="one JSON object, for tools")
    args = parser.parse_args(list(argv or []))

    if bool(args.request) == bool(args.patient):
        parser.error("give a request file or --patient (one of them)")
    try:
        policy = None
        if args.request:
            as_of = args.as_of or date.today()
            data = _read_request(args.request)
            if "fixture" in _origin(args.request) and args.as_of is None:
                as_of = fixture_as_of()
        elif args.fhir_server:
            as_of = args.as_of or date.today()
            data = patient_request(args.patient, args.fhir_server, args.fhir_token)
            from service.data.fhir_client import FhirPolicy

            policy = FhirPolicy.build([args.fhir_server], allow_http=True, allow_anonymous=True, timeout=10.0)
        else:
            path = FIXTURE_HOOKS / f"{args.patient}.json"
            if not path.is_file():
                raise ExplainError(f"no fixture patient {args.patient!r} (looked for {_rel(path)}); "
                                   "pass --fhir-server to read a patient from a FHIR server")
            data = _read_request(str(path))
            as_of = args.as_of or fixture_as_of()
        explanation = explain_request(data, as_of=as_of, fhir_policy=policy)
    except ExplainError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 2
    except NetCdsError as exc:
        where = f" (at {exc.expression})" if getattr(exc, "expression", None) else ""
        print(f"explain: the request was refused as the service would refuse it: {exc.message}{where}",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(explanation), indent=2, ensure_ascii=True))   # \\u escapes: nothing acts on a terminal
    else:
        sys.stdout.write(as_text(explanation))
    return 0


def _origin(path: str) -> str:
    try:
        resolved = Path(path).resolve()
    except OSError:
        return ""
    return "fixture" if FIXTURE_HOOKS in resolved.parents else ""


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_request(path: str) -> dict:
    from service.protocol.request import load_json

    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise ExplainError(f"cannot read {path}: {exc.strerror or exc}") from None
    data = load_json(raw)
    if not isinstance(data, dict):
        raise ExplainError(f"{path} is not a JSON object (a CDS Hooks request)")
    return data
