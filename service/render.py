"""Cards stage: applicable outcomes -> CDS Hooks 2.0 cards, per the card contract.

* One card per topic: outcomes of the same topic merge; the strongest statement wins
  (critical first, then not-recommended > caution > recommend > consider > needs-data > info;
  at equal strength a site/syndrome row leads over a universal gate G-row, whose card is
  generic), so a therapy that is not recommended is never also suggested. The merged card lists every
  contributing rule id, fact, missing datum and citation.
* Order: critical -> recommend -> consider -> caution -> not-recommended -> needs-data -> info.
* Patient-derived text goes through one of two sanitisers, whatever the field:
  :func:`escape_markdown` for Markdown (``detail``: every Markdown/HTML special backslash-escaped,
  the ``:`` after a scheme-like word too, so ``javascript:`` reads ``javascript\\:`` and can never be
  a link), :func:`plain_text` for plain-text fields (summary placeholders, the extension's facts and
  missing data, suggestion labels, action descriptions): control/bidi characters removed, ``<``/``>``
  shown as the full-width ``＜``/``＞``, ``[``/``]`` as ``(``/``)`` (no Markdown link or image), and the ``:`` of a
  URL scheme as the full-width ``：`` (``javascript：``), so no client that renders the field as
  HTML or Markdown can make markup, a link or a script of it.
* Outcomes that are not applicable make no card; insufficient outcomes make a card only
  when the rule named one (a needs-data card).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from service.knowledge import CardSpec, Citation, DrugSpec, Knowledge, ServiceSpec, fill
from service.picture.model import NetPicture
from service.rules.outcome import FactUse, Outcome, Status


TOPIC_SYSTEM = "https://net-cds.org/fhir/CodeSystem/card-topic"
OVERRIDE_SYSTEM = "https://net-cds.org/fhir/CodeSystem/override-reason"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
EXTENSION_KEY = "net-cds"

# Merge precedence within a topic (lower wins) and card order in the response.
_PRECEDENCE = {"not-recommended": 0, "caution": 1, "recommend": 2, "consider": 3, "needs-data": 4, "info": 5}
_ORDER = {"recommend": 1, "consider": 2, "caution": 3, "not-recommended": 4, "needs-data": 5, "info": 6}
_INDICATOR_RANK = {"critical": 0, "warning": 1, "info": 2}

# SNOMED CT route of administration codes for draft orders.
_ROUTES = {
    "oral": ("26643006", "Oral route"),
    "intravenous": ("47625008", "Intravenous route"),
    "intramuscular": ("78421000", "Intramuscular route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
}

MAX_VALUE_LENGTH = 120
QUOTE_LENGTH = 200          # card contract: a report-text fact's quote is at most 200 characters
REPORT_TEXT = "report-text"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_DESCRIPTION_MAX = 300  # action descriptions name the whole order (knowledge text), never cut in practice
_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>&~")
# Each special -> backslash + itself, for str.translate (one pass in C instead of a Python loop per character).
_MARKDOWN_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _MARKDOWN_SPECIALS})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


# The ":" ending a URL-scheme-like word (RFC 3986: a letter, then letters, digits, "+", "-", "."), wherever
# the word starts ("1javascript:" is caught at its "j").
_SCHEME_COLON = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Schemes a browser executes: their ":" is neutralised in plain text even when a space follows.
_SCRIPT_SCHEMES = ("javascript", "vbscript", "livescript", "data")  # also as a word's ending ("xjavascript:")
_PLAIN_SIGNS = (("<=", "≤"), (">=", "≥"), ("->", "→"), ("<-", "←"))
# U+FF1C/U+FF1E: still read "less/greater than"; brackets become parentheses (no Markdown link or image)
_PLAIN_MAP = str.maketrans({"<": "＜", ">": "＞", "[": "(", "]": ")"})
PLAIN_SCHEME_COLON = "："  # U+FF1A FULLWIDTH COLON: reads as a colon, is no URL scheme separator


def _clean(text: object, max_length: int) -> str:
    """Control and bidi characters become spaces, whitespace runs collapse, long values are cut."""
    cleaned = " ".join(_CONTROL.sub(" ", str(text)).split())
    if len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1].rstrip() + "…"
    return cleaned


def escape_markdown(text: str, *, max_length: int = MAX_VALUE_LENGTH) -> str:
    """Make a patient-derived string inert in GitHub-flavoured Markdown.

    Control and bidi characters become spaces, runs of whitespace collapse, very long values
    are cut (with an ellipsis) and every Markdown/HTML special character is backslash-escaped,
    as is the ``:`` after a scheme-like word (``javascript\\:``; renders as ``:``), so the value
    shows as typed and can never become a link, autolink, emphasis, heading or HTML.
    """
    cleaned = _clean(text, max_length)
    if ":" not in cleaned:  # the common case: one C-level pass over the string
        return cleaned.translate(_MARKDOWN_ESCAPES)
    # Escape between the scheme colons, and each scheme colon itself ("\\:"); other colons stay.
    out: list[str] = []
    start = 0
    for m in _SCHEME_COLON.finditer(cleaned):
        colon = m.end() - 1
        out.append(cleaned[start:colon].translate(_MARKDOWN_ESCAPES))
        out.append("\\:")
        start = colon + 1
    out.append(cleaned[start:].translate(_MARKDOWN_ESCAPES))
    return "".join(out)


def plain_text(text: str, *, max_length: int = MAX_VALUE_LENGTH) -> str:
    """Make a patient-derived string inert in a plain-text field (summary placeholders, the extension's
    facts and missing data, suggestion labels, action descriptions), even for a client that renders
    it as HTML or Markdown: control and bidi characters removed, bounded,
    ``<=``/``>=``/``->`` -> ``≤``/``≥``/``→``,
    any other ``<``/``>`` -> full-width ``＜``/``＞`` (a comparator still reads as one),
    ``[``/``]`` -> ``(``/``)`` (no link or image), and a URL scheme's ``:`` -> ``：`` when a
    link could follow (no space after it) or the scheme runs script (``javascript``, ``vbscript``,
    ``data``): "note: text" keeps its colon, "javascript:alert(1)" reads "javascript：alert(1)".
    """
    cleaned = _clean(text, max_length)
    for pair, sign in _PLAIN_SIGNS:  # arrows and comparators keep their meaning, without "<" / ">"
        cleaned = cleaned.replace(pair, sign)
    cleaned = cleaned.translate(_PLAIN_MAP)

    def neutralise(m: re.Match[str]) -> str:
        word = m.group(0)[:-1]
        following = cleaned[m.end():m.end() + 1]
        if word.lower().endswith(_SCRIPT_SCHEMES) or (following and not following.isspace()):
            return word + PLAIN_SCHEME_COLON
        return m.group(0)

    return _SCHEME_COLON.sub(neutralise, cleaned) if ":" in cleaned else cleaned


@dataclass
class _Group:
    topic: str
    lead: tuple[Outcome, CardSpec]
    members: list[tuple[Outcome, CardSpec]]


# --------------------------------------------------------------------------- constant parts, once per knowledge


@dataclass(frozen=True)
class CardTexts:
    """The constant parts of every card, sanitised/formatted once per knowledge instead of on every call.

    Only reviewed knowledge text is in here (never patient data): the knowledge's own ``missing``
    lists (plain text for the extension, Markdown for the detail), the row ids, suggestion labels,
    action descriptions and evidence lines. Each value is exactly what the call-time sanitiser
    gives for the same text (``tests/test_cards.py`` checks that), so a response is the same
    byte for byte; a string not in a table is sanitised at call time as before.
    """

    plain: Mapping[tuple[str, int], str]       # (knowledge text, max length) -> plain_text(text)
    markdown: Mapping[tuple[str, int], str]    # (knowledge text, max length) -> escape_markdown(text)
    labels: Mapping[str, str]                  # card id -> its suggestion's label
    descriptions: Mapping[str, str]            # "drug:<id>" / "service:<id>" -> action description
    evidence_lines: Mapping[str, str]          # evidence id -> its line under **Evidence**
    guideline_lines: Mapping[Citation, str]    # guideline citation -> its line under **Evidence**
    ranks: Mapping[str, tuple[int, int]]       # card id -> (critical first, merge precedence)
    symptom_groups: frozenset[str]
    placeholder_defaults: Mapping[str, str]    # placeholder -> its reviewed default


def card_texts(knowledge: Knowledge) -> CardTexts:
    """The knowledge's :class:`CardTexts` (built on first use, kept with the knowledge)."""
    return knowledge.derive("card_texts", _build_card_texts)


def _build_card_texts(knowledge: Knowledge) -> CardTexts:
    constant = {*knowledge.rules, *(m for c in knowledge.cards.values() for m in c.missing)}
    labels: dict[str, str] = {}
    for spec in knowledge.cards.values():
        if spec.order is not None:
            names = [knowledge.drugs[d].display for d in spec.order.medications] + [
                knowledge.services[sv].display for sv in spec.order.services]
            label = spec.suggestion_label or ("Draft order: " + " + ".join(names))
            labels[spec.id] = plain_text(label, max_length=80)
    return CardTexts(
        plain={(t, MAX_VALUE_LENGTH): plain_text(t) for t in constant},
        markdown={(t, MAX_VALUE_LENGTH): escape_markdown(t) for t in constant},
        labels=labels,
        descriptions={
            **{f"drug:{d.id}": plain_text(f"Draft order: {d.display}", max_length=_DESCRIPTION_MAX)
               for d in knowledge.drugs.values()},
            **{f"service:{sv.id}": plain_text(f"Draft request: {sv.display}", max_length=_DESCRIPTION_MAX)
               for sv in knowledge.services.values()},
        },
        evidence_lines={e.id: f"- [{e.label}]({e.url}): {e.citation}" + (f" — {e.result}" if e.result else "")
                        for e in knowledge.evidence.values()},
        guideline_lines={g: f"- [{g.label}]({g.url}): {g.citation}"
                         for c in knowledge.cards.values() for g in c.guideline},
        ranks={c.id: (0 if c.indicator == "critical" else 1, _PRECEDENCE[c.strength]) for c in knowledge.cards.values()},
        symptom_groups=frozenset(knowledge.lists.get("symptom_control_rule_groups", ())),
        placeholder_defaults={name: p.default for name, p in knowledge.placeholders.items()},
    )


class _Sanitiser:
    """The two sanitisers for one render call, each distinct string escaped once.

    A patient's facts and placeholder values recur on several cards of one response; constant
    knowledge text comes pre-sanitised from :class:`CardTexts`. The memo lives for this call only:
    no patient text is kept across requests.
    """

    __slots__ = ("texts", "_plain", "_markdown", "_fact_json", "_fact_line")

    def __init__(self, texts: CardTexts):
        self.texts = texts
        self._plain: dict[tuple[str, int], str] = {}
        self._markdown: dict[tuple[str, int], str] = {}
        self._fact_json: dict[FactUse, dict[str, str]] = {}
        self._fact_line: dict[FactUse, str] = {}

    def plain(self, text: str, max_length: int = MAX_VALUE_LENGTH) -> str:
        return self._sanitised(text, max_length, self._plain, self.texts.plain, plain_text)

    def markdown(self, text: str, max_length: int = MAX_VALUE_LENGTH) -> str:
        return self._sanitised(text, max_length, self._markdown, self.texts.markdown, escape_markdown)

    @staticmethod
    def _sanitised(text: str, max_length: int, memo: dict[tuple[str, int], str],
                   constant: Mapping[tuple[str, int], str], sanitise: Callable[..., str]) -> str:
        """``sanitise(text)``: this response's memo, then the knowledge's pre-sanitised text, then the call."""
        if type(text) is not str:
            return sanitise(text, max_length=max_length)
        key = (text, max_length)
        out = memo.get(key)
        if out is None:
            out = constant.get(key)
            if out is None:
                out = sanitise(text, max_length=max_length)
            memo[key] = out
        return out

    def fact_json(self, fact: FactUse) -> dict[str, str]:
        out = self._fact_json.get(fact)
        if out is None:
            out = self._fact_json[fact] = _fact_json(fact, self)
        return dict(out)  # every card gets its own dict

    def fact_line(self, fact: FactUse) -> str:
        out = self._fact_line.get(fact)
        if out is None:
            bits = [f"- {self.markdown(fact.name)}: {self.markdown(fact.display)}"]
            if fact.date is not None:
                bits.append(f"({fact.date.isoformat()})")
            reference = _reference(fact)
            if reference:
                bits.append(f"— {self.markdown(reference)}")
            if fact.source == REPORT_TEXT and fact.quote:
                bits.append(f"— read from report text: “{self.markdown(fact.quote, QUOTE_LENGTH)}”")
            out = self._fact_line[fact] = " ".join(bits)
        return out


def render(
    outcomes: list[Outcome],
    picture: NetPicture,
    *,
    knowledge: Knowledge,
    uuid_factory: Callable[[], str],
) -> list[dict[str, Any]]:
    """Render the outcomes that make cards into CDS Hooks cards, one per topic, in card order."""
    texts = card_texts(knowledge)
    rule_cards = knowledge.rules
    card_specs = knowledge.cards
    shown: list[tuple[Outcome, CardSpec]] = []
    for outcome in outcomes:
        if outcome.status is Status.NOT_APPLICABLE:
            continue
        if outcome.status is Status.INSUFFICIENT and outcome.card is None:
            continue
        own_cards = rule_cards[outcome.rule_id].cards
        card_id = outcome.card or (own_cards[0] if own_cards else None)
        if card_id is not None:  # rows without a card (G-07) only steer the order
            shown.append((outcome, card_specs[card_id]))

    groups: dict[str, _Group] = {}
    ranks = texts.ranks
    for outcome, spec in shown:
        group = groups.get(spec.topic)
        if group is None:
            groups[spec.topic] = _Group(spec.topic, (outcome, spec), [(outcome, spec)])
            continue
        group.members.append((outcome, spec))
        if _rank(spec, outcome, ranks) < _rank(group.lead[1], group.lead[0], ranks):
            group.lead = (outcome, spec)

    # G-07: with a functional syndrome, symptom-control (F-row) cards lead within their rank.
    symptom_first = any(o.rule_id == "G-07" and o.status is Status.APPLICABLE for o in outcomes)
    symptom_groups = texts.symptom_groups

    def symptom_rank(g: _Group) -> int:
        return 0 if symptom_first and any(o.rule_id.split("-", 1)[0] in symptom_groups for o, _ in g.members) else 1

    ordered = sorted(groups.values(), key=lambda g: (_order(g), symptom_rank(g), g.topic))
    sanitiser = _Sanitiser(texts)
    # No log line here: the request's one access line carries the card count, uuids, rule ids and
    # knowledge version (service/app.py).
    return [_card(g, picture, knowledge, uuid_factory, sanitiser) for g in ordered]


def _rank(spec: CardSpec, outcome: Outcome | None = None,
          ranks: Mapping[str, tuple[int, int]] | None = None) -> tuple[int, int, int]:
    """Lower leads. Equal strength: a site/syndrome row leads over a universal gate (G-rows), whose
    card is generic (e.g. G-01 "refer for resection" vs O-04 "endoscopic resection" for a small rectal NET)."""
    gate = 1 if outcome is not None and outcome.rule_id.split("-", 1)[0] == "G" else 0
    critical, precedence = (ranks[spec.id] if ranks is not None and spec.id in ranks else
                            (0 if spec.indicator == "critical" else 1, _PRECEDENCE[spec.strength]))
    return (critical, precedence, gate)


def _indicator(group: _Group) -> str:
    return min((spec.indicator for _, spec in group.members), key=_INDICATOR_RANK.__getitem__)


def _order(group: _Group) -> int:
    return 0 if _indicator(group) == "critical" else _ORDER[group.lead[1].strength]


def _params(outcome: Outcome, knowledge: Knowledge, *, markdown: bool = False,
            sanitiser: _Sanitiser | None = None) -> dict[str, str]:
    """Placeholder values: the outcome's (patient-derived) through the sanitiser of the field they fill,
    plain text for the summary, Markdown for the detail; the reviewed defaults otherwise."""
    if sanitiser is None:
        sanitise: Callable[..., str] = escape_markdown if markdown else plain_text
    else:
        sanitise = sanitiser.markdown if markdown else sanitiser.plain
    placeholders = knowledge.placeholders
    values = dict(card_texts(knowledge).placeholder_defaults)
    for name, raw in outcome.params.items():  # usually 2-3 values (site, grade, Ki-67)
        placeholder = placeholders.get(name)
        if raw and placeholder is not None:
            values[name] = sanitise(raw, max_length=placeholder.max_length)
    return values


def _card(group: _Group, picture: NetPicture, knowledge: Knowledge, uuid_factory: Callable[[], str],
          sanitiser: _Sanitiser | None = None) -> dict[str, Any]:
    if sanitiser is None:
        sanitiser = _Sanitiser(card_texts(knowledge))
    lead_outcome, lead = group.lead
    params = _params(lead_outcome, knowledge, sanitiser=sanitiser)
    md_params = _params(lead_outcome, knowledge, markdown=True, sanitiser=sanitiser)

    members = group.members
    rules = sorted({o.rule_id for o, _ in members})
    facts = _unique(f for o, _ in members for f in o.facts)
    # What the rules found missing; a card's own `missing` list is the fallback for rules
    # that name none.
    missing = _unique(m for o, s in members for m in (o.missing or s.missing))
    evidence_ids = _unique(e for _, s in members for e in s.evidence)
    evidence = [knowledge.evidence[e] for e in evidence_ids]
    guideline = _unique(g for _, s in members for g in s.guideline)

    card: dict[str, Any] = {
        "uuid": uuid_factory(),
        "summary": fill(lead.summary, params),
        "indicator": _indicator(group),
        "detail": _detail(group, md_params, facts, missing, evidence, guideline, knowledge, sanitiser),
        "source": {
            "label": knowledge.source_label,
            "url": knowledge.source_url,
            "topic": {"system": TOPIC_SYSTEM, "code": group.topic, "display": group.topic.replace("-", " ")},
        },
    }
    # A recommend/consider card offers its one order. A needs-data card offers every test its
    # merged rows ask for (independent requests: "any").
    offering = [lead] if lead.strength != "needs-data" else _unique(s for _, s in members
                                                                   if s.strength == "needs-data")
    suggestions = [x for x in (_suggestion(s, picture, knowledge, uuid_factory, sanitiser.texts) for s in offering)
                   if x is not None]
    suggestions += _record_suggestions(facts, picture, uuid_factory, sanitiser)
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one" if len(suggestions) == 1 else "any"
    card["overrideReasons"] = [
        {"system": OVERRIDE_SYSTEM, "code": code, "display": display} for code, display in knowledge.override_reasons
    ]
    links = _unique([*({"label": e.label, "url": e.url, "type": "absolute"} for e in evidence),
                     *({"label": g.label, "url": g.url, "type": "absolute"} for g in guideline)],
                    key=lambda link: link["url"])
    if links:
        card["links"] = links
    extension: dict[str, Any] = {
        "topic": group.topic,
        "strength": lead.strength,
        "rules": rules,
        "knowledgeVersion": knowledge.version,
        "evidence": [{"label": e.label, "citation": e.citation, "url": e.url} for e in evidence]
        + [{"label": g.label, "citation": g.citation, "url": g.url} for g in guideline],
        "facts": [sanitiser.fact_json(f) for f in facts],
    }
    if missing:
        extension["missing"] = [sanitiser.plain(m) for m in missing]
    card["extension"] = {EXTENSION_KEY: _drop_empty(extension, keep={"evidence", "facts", "rules"})}
    return card


_REFERENCE = re.compile(r"^[A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


def _reference(fact: FactUse) -> str | None:
    """A relative FHIR reference ("Observation/123"), or None when the value is not one."""
    return fact.reference if fact.reference and _REFERENCE.match(fact.reference) else None


def _fact_json(fact: FactUse, sanitiser: _Sanitiser | None = None) -> dict[str, str]:
    plain = plain_text if sanitiser is None else sanitiser.plain
    out = {"name": plain(fact.name) or "fact", "display": plain(fact.display) or "recorded",
           "source": REPORT_TEXT if fact.source == REPORT_TEXT else "coded"}
    if fact.date is not None:
        out["date"] = fact.date.isoformat()
    reference = _reference(fact)
    if reference:
        out["reference"] = reference
    if fact.source == REPORT_TEXT and fact.quote:
        out["quote"] = plain(fact.quote, QUOTE_LENGTH)
    return out


def _drop_empty(mapping: dict[str, Any], *, keep: set[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k in keep or v not in (None, "", [], {})}


def _unique(items: Iterable[Any], key: Callable[[Any], Any] | None = None) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        marker = key(item) if key else item
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


# --------------------------------------------------------------------------- detail


def _detail(
    group: _Group,
    md_params: Mapping[str, str],
    facts: list[FactUse],
    missing: list[str],
    evidence: list[Any],
    guideline: list[Any],
    knowledge: Knowledge,
    sanitiser: _Sanitiser | None = None,
) -> str:
    if sanitiser is None:
        sanitiser = _Sanitiser(card_texts(knowledge))
    texts = sanitiser.texts
    md = sanitiser.markdown
    lead_outcome, lead = group.lead
    parts: list[str] = ["**Why**", "", fill(lead.why, md_params)]
    if lead_outcome.reason:
        parts += ["", "Finding: " + md(lead_outcome.reason, 300)]
    others = _unique(((o, s) for o, s in group.members if (o, s) != group.lead),
                     key=lambda member: (member[0].rule_id, member[1].id))
    if others:
        parts += ["", "Also on this topic:"]
        for o, s in others:
            summary = fill(s.summary, _params(o, knowledge, sanitiser=sanitiser))
            parts.append(f"- {md(o.rule_id)}: {md(summary, 200)}")
    parts += ["", "**Patient facts used**", ""]
    if facts:
        parts += [sanitiser.fact_line(f) for f in facts]
    else:
        parts.append("- none recorded for this card")
    if evidence or guideline:
        parts += ["", "**Evidence**", ""]
        for e in evidence:
            line = texts.evidence_lines.get(e.id)
            if line is None:
                result = f" — {e.result}" if e.result else ""
                line = f"- [{e.label}]({e.url}): {e.citation}{result}"
            parts.append(line)
        for g in guideline:
            line = texts.guideline_lines.get(g)
            parts.append(line if line is not None else f"- [{g.label}]({g.url}): {g.citation}")
    if lead.dose and lead.strength in ("recommend", "consider", "caution"):
        parts += ["", "**Dose and schedule**", "", fill(lead.dose, md_params)]
    cautions = _unique([*(c for _, s in group.members for c in s.cautions)])
    monitoring = _unique([*(m for _, s in group.members for m in s.monitoring)])
    if cautions or monitoring:
        parts += ["", "**Cautions and monitoring**", ""]
        parts += [f"- {fill(c, md_params)}" for c in cautions]
        parts += [f"- Monitor: {fill(m, md_params)}" for m in monitoring]
    if missing:
        parts += ["", "**Missing data**", ""]
        parts += [f"- {md(m)}" for m in missing]
    read = _unique(r["detail"] for r in (_record(f) for f in facts) if r and isinstance(r.get("detail"), str))
    if read:
        parts += ["", "**Read from report text**", ""]
        parts += [f"- {md(d, 400)}" for d in read]
    return "\n".join(parts).strip()


# --------------------------------------------------------------------------- suggestions


def _suggestion(
    spec: CardSpec, picture: NetPicture, knowledge: Knowledge, uuid_factory: Callable[[], str],
    texts: CardTexts | None = None,
) -> dict[str, Any] | None:
    if spec.order is None or spec.strength not in ("recommend", "consider", "needs-data"):
        return None
    if texts is None:
        texts = card_texts(knowledge)
    actions = [_medication_action(knowledge.drugs[d], picture, texts) for d in spec.order.medications]
    actions += [_service_action(knowledge.services[s], picture, texts) for s in spec.order.services]
    return {"label": texts.labels[spec.id], "uuid": uuid_factory(), "isRecommended": True, "actions": actions}


def _subject(picture: NetPicture) -> dict[str, str]:
    return {"reference": picture.patient_ref}


def _medication_action(drug: DrugSpec, picture: NetPicture, texts: CardTexts) -> dict[str, Any]:
    dosage: dict[str, Any] = {"text": drug.dosage}
    if drug.timing:
        repeat: dict[str, Any] = {
            "frequency": drug.timing["frequency"],
            "period": drug.timing["period"],
            "periodUnit": drug.timing["period_unit"],
        }
        if "count" in drug.timing:
            repeat["count"] = drug.timing["count"]
        dosage["timing"] = {"repeat": repeat}
    if drug.route:
        code, display = _ROUTES[drug.route]
        dosage["route"] = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    resource = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "subject": _subject(picture),
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": drug.rxnorm, "display": drug.rxnorm_display}],
            "text": drug.display,
        },
        "dosageInstruction": [dosage],
    }
    description = texts.descriptions[f"drug:{drug.id}"]
    return {"type": "create", "description": description, "resource": resource}


def _service_action(service: ServiceSpec, picture: NetPicture, texts: CardTexts) -> dict[str, Any]:
    code: dict[str, Any] = {"text": service.display}
    if service.code:
        code["coding"] = [dict(service.code)]
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "subject": _subject(picture),
        "code": code,
    }
    if service.category:
        resource["category"] = [{"coding": [dict(service.category)]}]
    description = texts.descriptions[f"service:{service.id}"]
    return {"type": "create", "description": description, "resource": resource}


# --------------------------------------------------------------------------- facts read from report text


def _record(fact: FactUse) -> dict[str, Any] | None:
    """The coded Observation a report-text fact would be recorded as (built by the picture), or None."""
    if fact.source != REPORT_TEXT or not fact.record:
        return None
    try:
        record = json.loads(fact.record)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("code"), dict) else None


def _record_suggestions(facts: list[FactUse], picture: NetPicture, uuid_factory: Callable[[], str],
                        sanitiser: _Sanitiser) -> list[dict[str, Any]]:
    """One suggestion per fact read from report text: record it as a coded Observation, for the clinician to
    confirm (card contract, "Facts read from report text"). Never pre-selected (``isRecommended`` false)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str | None]] = set()
    for fact in facts:
        record = _record(fact)
        reference = _reference(fact)
        if record is None or reference is None or fact.date is None or (reference, fact.record) in seen:
            continue
        seen.add((reference, fact.record))
        resource: dict[str, Any] = {"resourceType": "Observation", "status": "final"}
        if isinstance(record.get("category"), str):
            resource["category"] = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": record["category"]}]}]
        resource["code"] = record["code"]
        resource["subject"] = _subject(picture)
        resource["effectiveDateTime"] = fact.date.isoformat()
        for key in ("valueQuantity", "valueCodeableConcept", "valueRange", "interpretation"):
            if key in record:
                resource[key] = record[key]
        resource["derivedFrom"] = [{"reference": reference}]
        if isinstance(record.get("note"), str):
            resource["note"] = [{"text": sanitiser.plain(record["note"], 400)}]
        label = sanitiser.plain(str(record.get("label") or "Record the value read from the report"), 160)
        out.append({"label": label, "uuid": uuid_factory(), "isRecommended": False,
                    "actions": [{"type": "create", "description": label, "resource": resource}]})
    return out
