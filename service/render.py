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
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from service.knowledge import (
    Amount,
    CardSpec,
    Citation,
    DrugSpec,
    Knowledge,
    OrderOption,
    RegimenSpec,
    ServiceSpec,
    fill,
    option_label,
)
from service.picture.model import Agent, Fact, NetPicture, Therapy, TherapyStatus
from service.rules.outcome import FactUse, Outcome, Status, age_words
from service.rules.predicates import beyond_critical, recent_critical


_AGENTS = frozenset(a.value for a in Agent)
TOPIC_SYSTEM = "https://net-cds.org/fhir/CodeSystem/card-topic"
OVERRIDE_SYSTEM = "https://net-cds.org/fhir/CodeSystem/override-reason"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
SERVICE_SYSTEM = "https://net-cds.org/fhir/CodeSystem/service-request"
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
EXTENSION_KEY = "net-cds"

# Merge precedence within a topic (lower wins) and card order in the response.
_PRECEDENCE = {"not-recommended": 0, "caution": 1, "recommend": 2, "consider": 3, "needs-data": 4, "info": 5}
_ORDER = {"recommend": 1, "consider": 2, "caution": 3, "not-recommended": 4, "needs-data": 5, "info": 6}
_INDICATOR_RANK = {"critical": 0, "warning": 1, "info": 2}

# How a UCUM unit of a dose reads in text (the structured quantity carries the UCUM code itself).
_UNIT_TEXT = {"ug": "µg", "mg/m2": "mg/m²", "ug/kg": "µg/kg", "10*6.[iU]": "million IU", "[iU]": "IU"}
_PERIOD_UNIT_TEXT = {"h": "hours", "d": "days", "wk": "weeks", "mo": "months"}

MAX_VALUE_LENGTH = 120
QUOTE_LENGTH = 200          # card contract: a report-text fact's quote is at most 200 characters
REPORT_TEXT = "report-text"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_DESCRIPTION_MAX = 300  # action descriptions name the whole order (knowledge text), never cut in practice
_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>&~")
# Each special -> backslash + itself, for str.translate (one pass in C instead of a Python loop per character).
_MARKDOWN_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _MARKDOWN_SPECIALS})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Unicode format characters (category Cf: soft hyphen, U+061C, zero-width spaces and joiners, U+2060-U+2064, bidi
# marks, embeddings, overrides and isolates, U+FEFF, tag characters U+E0000-U+E007F ...): invisible, they hide or
# reorder text and split words a later check reads ("java\u200bscript:"). Removed from every card field before
# anything else looks at the text. Computed from the Unicode database (planes 0-1 and the tag block hold them all).
_FORMAT_CHARS = dict.fromkeys(
    c for c in (*range(0x20000), *range(0xE0000, 0xE1000)) if unicodedata.category(chr(c)) == "Cf")


# The ":" ending a URL-scheme-like word (RFC 3986: a letter, then letters, digits, "+", "-", "."), wherever
# the word starts ("1javascript:" is caught at its "j"). At most 32 characters before the colon (no registered
# scheme is longer; a longer word still has its colon caught, from a later letter), so the pattern is linear.
_SCHEME_COLON = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}:")
# Schemes a browser executes: their ":" is neutralised in plain text even when a space follows.
_SCRIPT_SCHEMES = ("javascript", "vbscript", "livescript", "data")  # also as a word's ending ("xjavascript:")
_PLAIN_SIGNS = (("<=", "≤"), (">=", "≥"), ("->", "→"), ("<-", "←"))
# U+FF1C/U+FF1E: still read "less/greater than"; brackets become parentheses (no Markdown link or image); the other
# Markdown marks become their full-width (or mathematical) look-alikes: no emphasis, code, heading or table.
_PLAIN_MAP = str.maketrans({"<": "＜", ">": "＞", "[": "(", "]": ")", "*": "∗", "_": "＿", "`": "｀", "#": "＃",
                            "|": "｜", "~": "～"})
PLAIN_SCHEME_COLON = "："  # U+FF1A FULLWIDTH COLON: reads as a colon, is no URL scheme separator
# Autolinks (GitHub-flavoured Markdown's extension, markdown-it's linkify): an e-mail address, "www.", and a
# scheme followed by its colon become links even when escaped (the renderer unescapes the text node first, then
# links it). So the characters themselves are changed, to look-alikes a clinician reads the same way:
# "@" -> U+FF20 FULLWIDTH COMMERCIAL AT ("name＠example.org"), the "." after "www" -> U+2024 ONE DOT LEADER
# ("www․example.org"), and a scheme's ":" before a non-space -> U+FF1A ("https：//x", "mailto：a", "xmpp：b").
AT_SIGN = "＠"
WWW_DOT = "․"
_WWW = re.compile(r"(?<![A-Za-z0-9])(www)\.", re.IGNORECASE)


def _clean(text: object, max_length: int) -> str:
    """Format characters removed, control characters become spaces, whitespace runs collapse, long values are
    cut; then nothing in it can become an autolink (see ``AT_SIGN``, ``WWW_DOT``, ``PLAIN_SCHEME_COLON``)."""
    raw = str(text)
    if len(raw) > 8 * max_length + 1024:
        # bounded work for a 9 MB value; what is kept fills max_length unless the value starts with runs of
        # whitespace or invisible characters longer than this
        raw = raw[: 8 * max_length + 1024]
    cleaned = " ".join(_CONTROL.sub(" ", raw.translate(_FORMAT_CHARS)).split())
    if len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1].rstrip() + "…"
    if "@" in cleaned:
        cleaned = cleaned.replace("@", AT_SIGN)
    if "." in cleaned:
        cleaned = _WWW.sub(r"\1" + WWW_DOT, cleaned)
    if ":" in cleaned:
        cleaned = _SCHEME_COLON.sub(_defuse_colon, cleaned)
    return cleaned


def _defuse_colon(m: re.Match[str]) -> str:
    """A scheme's ":" -> U+FF1A when a link could follow (no space after it) or the scheme runs script."""
    word = m.group(0)[:-1]
    text, end = m.string, m.end()
    if word.lower().endswith(_SCRIPT_SCHEMES) or (end < len(text) and not text[end].isspace()):
        return word + PLAIN_SCHEME_COLON
    return m.group(0)


def escape_markdown(text: str, *, max_length: int = MAX_VALUE_LENGTH) -> str:
    """Make a patient-derived string inert in GitHub-flavoured Markdown.

    Format characters removed, control characters become spaces, runs of whitespace collapse, very long values
    are cut (with an ellipsis), nothing can become an autolink (``_clean``: "@", "www." and a scheme's ":" before
    a non-space become look-alikes), and every Markdown/HTML special character is backslash-escaped, as is any
    remaining ``:`` after a scheme-like word (``note\\: text``; renders as ``:``), so the value shows as typed
    and can never become a link, autolink, emphasis, heading or HTML.
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
    it as HTML or Markdown: format characters removed, control characters as spaces, bounded,
    ``<=``/``>=``/``->`` -> ``≤``/``≥``/``→``,
    any other ``<``/``>`` -> full-width ``＜``/``＞`` (a comparator still reads as one),
    ``[``/``]`` -> ``(``/``)`` (no link or image), ``* _ ` # | ~`` -> look-alikes (no emphasis, code, heading,
    table or strike-through), and nothing that autolinks: "@" -> "＠", "www." -> "www․", and a URL scheme's
    ``:`` -> ``：`` when a link could follow (no space after it) or the scheme runs script (``javascript``,
    ``vbscript``, ``data``): "note: text" keeps its colon, "javascript:alert(1)" reads "javascript：alert(1)".
    """
    cleaned = _clean(text, max_length)
    for pair, sign in _PLAIN_SIGNS:  # arrows and comparators keep their meaning, without "<" / ">"
        cleaned = cleaned.replace(pair, sign)
    return cleaned.translate(_PLAIN_MAP)


@dataclass
class _Group:
    topic: str
    lead: tuple[Outcome, CardSpec]
    members: list[tuple[Outcome, CardSpec]]
    decision: str = ""  # set for a choice card (cards of one decision, possibly of several topics)
    order_reason: str = ""  # XC-02: why the options are in this order (a choice across rows)


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
    labels: Mapping[tuple[str, int], str]      # (card id, option index) -> that suggestion's label
    descriptions: Mapping[str, str]            # "drug:<id>" / "service:<id>" / "regimen:<id>" -> action text
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
    labels: dict[tuple[str, int], str] = {}
    for spec in knowledge.cards.values():
        if spec.order is not None:
            for i, option in enumerate(spec.order.options):
                # short by design: the loader guarantees a label of at most 80 characters, never cut
                labels[(spec.id, i)] = plain_text(option_label(knowledge, spec, option) or spec.id, max_length=80)
        if spec.stops is not None and spec.stops.label:
            labels[(spec.id, -1)] = plain_text(spec.stops.label, max_length=80)
        if spec.stops is not None and spec.stops.hold_label:
            labels[(spec.id, -2)] = plain_text(spec.stops.hold_label, max_length=80)
    return CardTexts(
        plain={(t, MAX_VALUE_LENGTH): plain_text(t) for t in constant},
        markdown={(t, MAX_VALUE_LENGTH): escape_markdown(t) for t in constant},
        labels=labels,
        descriptions={
            **{f"drug:{d.id}": plain_text(f"Draft order: {d.display}", max_length=_DESCRIPTION_MAX)
               for d in knowledge.drugs.values()},
            **{f"service:{sv.id}": plain_text(f"Draft request: {sv.display}", max_length=_DESCRIPTION_MAX)
               for sv in knowledge.services.values()},
            **{f"regimen:{r.id}": plain_text(f"Draft regimen: {r.display}", max_length=_DESCRIPTION_MAX)
               for r in knowledge.regimens.values()},
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

    __slots__ = ("texts", "as_of", "_plain", "_markdown", "_fact_json", "_fact_line")

    def __init__(self, texts: CardTexts, as_of: date | None = None):
        self.texts = texts
        self.as_of = as_of  # the call's date: a fact line shows how old its datum is
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
                age = f", {age_words(fact.date, self.as_of)}" if self.as_of is not None else ""
                bits.append(f"({fact.date.isoformat()}{age})")
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
    """Render the outcomes that make cards into CDS Hooks cards, one per topic (or per decision), in card order."""
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

    # A topic that a caution or not-recommended card speaks about is never suggested: every card on it
    # (a choice's option included) merges into that topic's card, where the strongest statement leads.
    # Other cards of one decision make one choice card; the rest merge by topic -- except drug-safety, where
    # each row is its own hazard (an interaction, a pregnancy caution, a washout before PRRT) and keeps its
    # own card: merging would put one hazard's summary over another's.
    # A topic that a card outside any decision also suggests (an SSA for syndrome control, F-01) stays on that
    # topic's card, so one drug is never drafted on two cards (a change of the current order, SSA escalation,
    # is another decision and keeps its own card).
    blocked = {spec.topic for _, spec in shown if spec.strength in ("not-recommended", "caution")}
    started = {a for _, spec in shown if not spec.decision and spec.strength in ("recommend", "consider")
               for a in _agents(spec, knowledge)}
    # XC-02: the options of each decision in order for this patient (card ids) and why
    orders = {o.params["decision"]: (o.params["order"].split(","), o.reason) for o in outcomes
              if o.rule_id == "XC-02" and o.status is Status.APPLICABLE and "decision" in o.params}
    groups: dict[str, _Group] = {}
    ranks = texts.ranks
    for outcome, spec in shown:
        decision = (spec.decision if spec.decision and spec.topic not in blocked
                    and (spec.changes_current or not _agents(spec, knowledge) & started) else "")
        key = ("decision:" + decision if decision
               else f"{spec.topic}:{outcome.rule_id}" if spec.topic == "drug-safety" else spec.topic)
        group = groups.get(key)
        if group is None:
            groups[key] = _Group(spec.topic, (outcome, spec), [(outcome, spec)], decision)
            continue
        group.members.append((outcome, spec))
        if _rank(spec, outcome, ranks) < _rank(group.lead[1], group.lead[0], ranks):
            group.lead = (outcome, spec)
            group.topic = spec.topic
    for group in groups.values():
        if group.decision and group.decision in orders:
            _order_choice(group, *orders[group.decision])
    # a needs-data card asking for the tests before a therapy (SB-15: labs before everolimus) joins the card that
    # suggests that therapy, where its missing data are listed; a card with that one option also offers its tests
    # beside the order ("any"); on a choice of several options ("at most one") the tests are listed, not offered
    for key, group in list(groups.items()):
        if group.decision or any(s.strength != "needs-data" for _, s in group.members):
            continue
        home = [g for g in groups.values() if g.decision
                and group.topic in {s.topic for _, s in g.members if s.strength in ("recommend", "consider")}]
        if len(home) == 1:
            home[0].members.extend(group.members)
            del groups[key]

    # G-07: with a functional syndrome, symptom-control (F-row) cards lead within their rank.
    symptom_first = any(o.rule_id == "G-07" and o.status is Status.APPLICABLE for o in outcomes)
    symptom_groups = texts.symptom_groups

    def symptom_rank(g: _Group) -> int:
        return 0 if symptom_first and any(o.rule_id.split("-", 1)[0] in symptom_groups for o, _ in g.members) else 1

    ordered = sorted(groups.values(), key=lambda g: (_order(g), symptom_rank(g), g.topic, g.decision))
    sanitiser = _Sanitiser(texts, picture.as_of)
    # No log line here: the request's one access line carries the card count, uuids, rule ids and
    # knowledge version (service/app.py).
    deferred: list[tuple[list, list, set[str]]] = []
    cards = [_card(g, picture, knowledge, uuid_factory, sanitiser, deferred) for g in ordered]
    if deferred:
        cards.append(_records_card(deferred, picture, knowledge, uuid_factory, sanitiser))
    return cards


def _recorded_value(label: str) -> str:
    """The value a record suggestion's label names: "Record from the pathology report: Ki-67 8 %" -> "Ki-67 8 %",
    "Record Ki-67 12 % as a coded Ki-67 result (...)" -> "Ki-67 12 %"."""
    if ": " in label:
        return label.split(": ", 1)[1]
    if label.startswith("Record ") and " as a coded " in label:
        return label[len("Record "):label.index(" as a coded ")]
    return label


def _records_card(deferred: list[tuple[list, list, set[str]]], picture: NetPicture, knowledge: Knowledge,
                  uuid_factory: Callable[[], str], sanitiser: _Sanitiser) -> dict[str, Any]:
    """One card with the record suggestions of the report-text facts the answer's cards use: each value once,
    any of them may be accepted (card contract, "Facts read from report text"). Its wording is reviewed knowledge
    (list ``report_record_card``)."""
    words = knowledge.pairs("report_record_card")
    records: list[dict[str, Any]] = []
    facts: list[dict[str, str]] = []
    lines: list[str] = []
    seen: set[str] = set()
    rows: set[str] = set()
    for card_records, card_facts, card_rows in deferred:
        rows |= card_rows
        for fact, line in card_facts:
            if fact not in facts:
                facts.append(fact)
                lines.append(line)
        for record in card_records:
            key = json.dumps(record["actions"], sort_keys=True)
            if key not in seen:
                seen.add(key)
                records.append(record)
    values = "; ".join(_recorded_value(r["label"]) for r in records)
    summary = plain_text(f"{words.get('summary', 'Confirm values read from report text')}: {values}", max_length=140)
    detail = "\n".join(["**Why**", "", sanitiser.markdown(words.get("why", ""), 600), "",
                        "**Patient facts used**", "", *lines])
    card: dict[str, Any] = {
        "uuid": uuid_factory(),
        "summary": summary,
        "indicator": "info",
        "detail": detail,
        "source": {"label": knowledge.source_label, "url": knowledge.source_url,
                   "topic": {"system": TOPIC_SYSTEM, "code": "data-gap", "display": "data gap"}},
    }
    card["suggestions"] = records
    card["selectionBehavior"] = "any"
    card["overrideReasons"] = [
        {"system": OVERRIDE_SYSTEM, "code": code, "display": display} for code, display in knowledge.override_reasons
    ]
    card["extension"] = {EXTENSION_KEY: {"topic": "data-gap", "strength": "info", "rules": sorted(rows),
                                         "knowledgeVersion": knowledge.version, "evidence": [], "facts": facts}}
    return card


def _agents(spec: CardSpec, knowledge: Knowledge) -> frozenset[str]:
    """The therapy classes a card's draft orders start (an SSA drafted for the syndrome and for antiproliferation
    is one class)."""
    if spec.order is None:
        return frozenset()
    return frozenset(knowledge.drugs[d].agent for o in spec.order.options for d in o.medications
                     if knowledge.drugs[d].agent)


def _order_choice(group: _Group, order: list[str], reason: str) -> None:
    """Put a choice card's members in XC-02's order for this patient (the first option leads) and keep its reason
    for the detail's "Order:" line."""
    place = {card_id: n for n, card_id in enumerate(order)}
    group.members.sort(key=lambda m: place.get(m[1].id, len(place)))
    group.lead = group.members[0]
    group.topic = group.lead[1].topic
    group.order_reason = reason


def _rank(spec: CardSpec, outcome: Outcome | None = None,
          ranks: Mapping[str, tuple[int, int]] | None = None) -> tuple[int, int, int]:
    """Lower leads. Equal strength: a site/syndrome row leads over a universal gate (G-rows), whose
    card is generic (e.g. G-01 "refer for resection" vs O-04 "endoscopic resection" for a small rectal NET).
    Within a choice, equal rank keeps the rule's order (the option the rule prefers for this patient first)."""
    gate = 1 if outcome is not None and outcome.rule_id.split("-", 1)[0] == "G" else 0
    critical, precedence = (ranks[spec.id] if ranks is not None and spec.id in ranks else
                            (0 if spec.indicator == "critical" else 1, _PRECEDENCE[spec.strength]))
    return (critical, precedence, gate)


def _indicator(group: _Group) -> str:
    """The most urgent indicator of the merged cards; "critical" whenever a fact the card cites is at a critical
    value (a lab beyond the knowledge's critical limits, e.g. potassium 2.8 mmol/L, glucose 41 mg/dL)."""
    if any(f.critical for o, _ in group.members for f in o.facts):
        return "critical"
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



def _options(group: _Group) -> list[tuple[Outcome, CardSpec]]:
    """The cards whose orders this card offers: the lead; for a choice card every option, in order (the lead,
    then the others as the rule ordered them), one entry per card."""
    lead_outcome, lead = group.lead
    if lead.strength not in ("recommend", "consider"):
        return []
    if not group.decision:
        return [group.lead]
    out = [group.lead]
    seen = {lead.topic}  # one option per topic (M-05 and M-06 both offering everolimus: one option)
    for outcome, spec in group.members:
        if spec.topic not in seen and spec.decision == group.decision and spec.strength in ("recommend", "consider"):
            seen.add(spec.topic)
            out.append((outcome, spec))
    return out


def _choice_summary(options: list[tuple[Outcome, CardSpec]], params: Mapping[str, str],
                    knowledge: Knowledge) -> str:
    """The summary of a choice card: the lead's own ``choice_summary`` when every option comes from the lead's row
    (written for that pair); else the options by name, the first preferred for this patient, with the lead's
    context (the words after its dash), kept under the summary limit."""
    (_, lead), others = options[0], options[1:]
    if lead.choice_summary and all(s.rules == lead.rules for _, s in others):
        return fill(lead.choice_summary, params)
    words = knowledge.pairs("choice_option_words")
    names = [words.get(s.topic, s.topic.replace("-", " ")) for _, s in options]
    if len(names) == 2:
        listed = f"{names[0]} (first here) or {names[1]}"
    else:
        listed = f"{names[0]} (first here), " + ", ".join(names[1:-1]) + f" or {names[-1]}"
    verb = "Choose one" if lead.strength == "recommend" else "Consider one"
    text = f"{verb}: {listed}"
    context = fill(lead.summary, params).split(" — ", 1)
    if len(context) == 2 and len(text) + 3 + len(context[1]) < 140:
        text += " — " + context[1]
    return text


def _card(group: _Group, picture: NetPicture, knowledge: Knowledge, uuid_factory: Callable[[], str],
          sanitiser: _Sanitiser | None = None, deferred: list[tuple[list, list, set[str]]] | None = None
          ) -> dict[str, Any]:
    """One card. ``deferred``, when given, receives the record suggestions of report-text facts, with the facts
    they record and the card's rows; :func:`render` puts them on one card of the answer (each value once; never
    beside a choice's alternatives). Without ``deferred`` the records stay on the card."""
    if sanitiser is None:
        sanitiser = _Sanitiser(card_texts(knowledge))
    lead_outcome, lead = group.lead
    params = _params(lead_outcome, knowledge, sanitiser=sanitiser)
    md_params = _params(lead_outcome, knowledge, markdown=True, sanitiser=sanitiser)

    card_uuid = uuid_factory()  # the card's uuid first, then its suggestions' (in order)
    members = group.members
    options = _options(group)
    choice = len(options) > 1
    drafts = _Drafts(picture, knowledge, sanitiser, uuid_factory)
    suggestions: list[dict[str, Any]] = []
    suggested_topics: list[str] = []
    independent = False
    if lead.strength == "needs-data":
        # A needs-data card offers every test its merged rows ask for (independent requests: "any").
        for spec in _unique(s for _, s in members if s.strength == "needs-data"):
            if spec.order is not None:
                suggestions += [x for i, o in enumerate(spec.order.options)
                                if (x := drafts.suggestion(spec, i, o)) is not None]
        independent = True
    for _, spec in options:
        if spec.order is None:
            continue
        made = [x for i, o in enumerate(spec.order.options) if (x := drafts.suggestion(spec, i, o)) is not None]
        if made:
            suggestions += made
            suggested_topics.append(spec.topic)
    if (lead.strength in ("recommend", "consider") and not choice and lead.order is not None
            and all(not o.medications and o.services and all(
                (knowledge.services[sv].category or {}).get("code") != _REFERRAL_CATEGORY for sv in o.services)
                for o in lead.order.options)):
        # a card whose options are all tests (labs, an ECG: F-09's critical electrolytes) asks for independent
        # requests that may all be taken ("any"), not alternatives (review D: potassium OR magnesium OR the ECG)
        independent = True
    if lead.strength in ("recommend", "consider") and not choice:
        # the tests a merged needs-data row asks for before the suggested therapy (SB-15: baseline labs before
        # everolimus) go beside the order: independent requests, both may be taken ("any")
        for spec in _unique(s for _, s in members if s.strength == "needs-data" and s.order is not None):
            tests = [x for i, o in enumerate(spec.order.options) if not o.medications
                     and (x := drafts.suggestion(spec, i, o)) is not None]
            if tests:
                suggestions += tests
                independent = True
    if lead.strength in ("caution", "not-recommended"):
        # a caution or not-recommended card offers what a clinician does about it: its tests (an ECG, potassium and
        # magnesium for a QT hazard), independent requests ("any"); the loader allows tests only here, never a drug
        for spec in _unique(s for _, s in members if s.strength in ("caution", "not-recommended") and s.order):
            assert spec.order is not None
            suggestions += [x for i, o in enumerate(spec.order.options) if not o.medications
                            and (x := drafts.suggestion(spec, i, o)) is not None]
        independent = True
    stops = [x for spec in _unique(s for _, s in members if s.stops is not None)
             for x in drafts.stop_suggestions(spec)]
    # advice against a therapy class the patient has in force acts on it: a not-recommended card about a drug
    # topic with no `stops` of its own stops that drug's current records (reviews A M1, B U7)
    stops += [x for spec in _unique(s for _, s in members if s.stops is None and s.strength == "not-recommended")
              if (x := drafts.topic_stop_suggestion(spec)) is not None
              and not any(_action_target(a) in {_action_target(b) for st in stops for b in st["actions"]}
                          for a in x["actions"])]
    # one suggestion per record: two rows stopping the same drug (a not-recommended row and its safety row) must
    # not offer the same stop twice (review D: "Stop sunitinib" twice on net-52)
    # (a hold and the stop of one record are different actions, both kept: they are the alternatives)
    seen_actions: set = set()
    unique_stops = []
    for st in stops:
        acts = {(a["type"], _action_target(a), (a.get("resource") or {}).get("status")) for a in st["actions"]}
        if acts and acts <= seen_actions:
            continue
        seen_actions |= acts
        unique_stops.append(st)
    stops = unique_stops
    if stops:
        suggestions += stops
        # a hold and the stop it replaces are alternatives (at most one); plain stops are independent
        independent = (independent or not options) and not any(s.get("_hold") for s in stops)
        for s_ in stops:
            s_.pop("_hold", None)

    rules = sorted({o.rule_id for o, _ in members})
    facts = _unique([*(f for o, _ in members for f in o.facts), *drafts.facts])
    # What the rules found missing; a card's own `missing` list is the fallback for rules
    # that name none.
    missing = _unique([*(m for o, s in members for m in (o.missing or s.missing)), *drafts.missing])
    # "any" only when every suggestion may be taken together (independent requests); alternatives (two options of
    # one decision, a hold and the stop it replaces) stay "at-most-one". The records of report-text facts go on
    # one card of the answer (``deferred``): never an alternative to a therapy, and each value offered once even
    # when several cards use it (review 2026-12 D: the same record on three cards, recorded three times).
    together = independent or len(suggestions) <= 1
    records_elsewhere = deferred is not None and any(_record(f) for f in facts)
    evidence_ids = _unique(e for _, s in members for e in s.evidence)
    evidence = [knowledge.evidence[e] for e in evidence_ids]
    # each source cited once: a guideline citation of a source already cited as evidence is dropped
    cited = {e.url for e in evidence} | {e.label for e in evidence}
    guideline = _unique((g for _, s in members for g in s.guideline if g.url not in cited and g.label not in cited),
                        key=lambda g: g.url)

    card: dict[str, Any] = {
        "uuid": card_uuid,
        "summary": _choice_summary(options, params, knowledge) if choice else fill(lead.summary, params),
        "indicator": _indicator(group),
        "detail": _detail(group, md_params, facts, missing, evidence, guideline, knowledge, sanitiser,
                          options=options if choice else [], drafts=drafts.notes,
                          pregnancy_possible=_pregnancy_possible(picture, knowledge),
                          inducers=_enzyme_inducers(picture, knowledge),
                          absent=_absent_conditions(picture), records_elsewhere=records_elsewhere,
                          drafted=_drafted_drugs(suggestions, knowledge)),
        "source": {
            "label": knowledge.source_label,
            "url": knowledge.source_url,
            "topic": {"system": TOPIC_SYSTEM, "code": group.topic, "display": group.topic.replace("-", " ")},
        },
    }
    # facts read from report text: a suggestion each that records the value as a coded Observation
    records = _record_suggestions(facts, picture, uuid_factory, sanitiser)
    if records_elsewhere:
        deferred.append((records, [(sanitiser.fact_json(f), sanitiser.fact_line(f)) for f in facts if _record(f)],  # type: ignore[union-attr]
                         {o.rule_id for o, _ in members}))
        records = []
    if suggestions or records:
        # CDS Hooks: at most one suggestion of a card is the recommended one -- the first (the option preferred
        # for this patient in a choice; the first test of a needs-data card); a record suggestion never is
        for i, suggestion in enumerate(suggestions):
            suggestion["isRecommended"] = i == 0
        card["suggestions"] = suggestions + records
        card["selectionBehavior"] = "any" if together and len(card["suggestions"]) > 1 else "at-most-one"
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
    alternatives = _unique(t for t in suggested_topics if t != group.topic)
    if alternatives:
        extension["alternatives"] = alternatives
    if missing:
        extension["missing"] = [sanitiser.plain(m) for m in missing]
    card["extension"] = {EXTENSION_KEY: _drop_empty(extension, keep={"evidence", "facts", "rules"})}
    return card


def _pregnancy_possible(picture: NetPicture, knowledge: Knowledge) -> bool:
    """Pregnancy/breast-feeding lines only for a patient who could be pregnant (``predicates.pregnancy_possible``:
    never a man; a woman of child-bearing age in knowledge, or with a pregnancy/breast-feeding on record)."""
    from service.rules.predicates import pregnancy_possible
    return pregnancy_possible(picture, knowledge.thresholds["childbearing_age_min"].value,
                              knowledge.thresholds["childbearing_age_max"].value)


def _enzyme_inducers(picture: NetPicture, knowledge: Knowledge) -> tuple[str, ...]:
    """The names of the current medications that carry a strong CYP3A4 (enzyme) inducer flag (SB-11's flags,
    knowledge ``strong_cyp3a4_inducer_flags``): they make hormonal contraception unreliable (review 2026-12 D,
    net-270: rifampicin with no contraception advice)."""
    from service.rules.interactions import flag_name
    flags = knowledge.lists.get("strong_cyp3a4_inducer_flags", ())
    wanted = set(flags)
    return tuple(dict.fromkeys(flag_name(m, flags) for m in picture.current_medications if m.flags & wanted))


def _absent_conditions(picture: NetPicture) -> frozenset[str]:
    """The conditions of ``conditional_caution_clauses`` the record shows NOT to hold for this patient (a caution
    clause written for them is dropped). Unknown is not absent: a clause stays when the record cannot say
    (procedures unreadable). NEC review 2026-12: the functional-pNET PRRT line for a non-functional pNET (net-14),
    the anastomosis line with no anastomosis on record (net-48)."""
    from service.rules.predicates import any_functional, has_bilio_enteric_anastomosis
    absent = set()
    if not any_functional(picture):
        absent.add("functional")
    if has_bilio_enteric_anastomosis(picture) is False:
        absent.add("anastomosis")
    return frozenset(absent)


def _clauses(line: str) -> list[str]:
    """The "; "-separated clauses of a caution line, outside parentheses ("a (b; c); d" -> ["a (b; c)", "d"])."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0 and line[i + 1:i + 2] == " ":
            out.append(line[start:i])
            start = i + 2
    out.append(line[start:])
    return out


_PREGNANCY_ONLY = ("pregnancy:", "breast-feeding:")  # knowledge cautions shown only where pregnancy is possible
_PREGNANCY_WORDS = re.compile(r"pregnan|contracept|breast-?feed|childbearing", re.IGNORECASE)
_CONTRACEPTION = re.compile(r"contracept", re.IGNORECASE)
_HORMONAL_CONTRACEPTION = re.compile(r"(?<!non-)hormonal contracept", re.IGNORECASE)
#: how a choice card names the option a caution belongs to
_TOPIC_WORDS = {"prrt": "PRRT", "captem": "CAPTEM", "somatostatin-analog": "SSA", "everolimus": "Everolimus",
                "sunitinib": "Sunitinib", "cabozantinib": "Cabozantinib", "belzutifan": "Belzutifan",
                "platinum-etoposide": "Platinum-etoposide"}
_REFERENCE = re.compile(r"^[A-Za-z]{1,64}/[A-Za-z0-9\-.]{1,64}$")


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


_REFERRAL_CATEGORY = "3457005"   # SNOMED CT "Patient referral": a service of this category is a referral, not a test


def _action_target(action: Mapping[str, Any]) -> str:
    """The record an action acts on: ``resourceId`` of a delete, ``Type/id`` of an update's resource."""
    if "resourceId" in action:
        return str(action["resourceId"])
    resource = action.get("resource") or {}
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _drafted_drugs(suggestions: list[dict[str, Any]], knowledge: Knowledge) -> tuple[str, ...]:
    """The knowledge drug ids of the medications a card's suggestions draft (matched by RxNorm code)."""
    codes = {c.get("code") for s in suggestions for a in s.get("actions", ())
             if a.get("type") == "create" and (a.get("resource") or {}).get("resourceType") == "MedicationRequest"
             for c in a["resource"].get("medicationCodeableConcept", {}).get("coding", ())}
    return tuple(d for d, drug in knowledge.drugs.items() if drug.rxnorm and drug.rxnorm in codes)


def _instead_of(spec: CardSpec, drafted: tuple[str, ...], knowledge: Knowledge) -> str:
    """The words that lead a merged line ("Also on this topic") naming a drug of the same class as one the card
    drafts but not that drug (review D net-278: octreotide LAR drafted, "Start lanreotide 120 mg" merged below
    it, so two long-acting SSAs could be started): the line is an alternative to the draft, never an addition.
    Empty when the line names no drug, or only drugs the card drafts."""
    if spec.order is None or not spec.order.medications or not drafted:
        return ""
    own = [knowledge.drugs[d] for d in spec.order.medications if d in knowledge.drugs]
    if any(d in drafted for d in spec.order.medications):
        return ""
    same = [knowledge.drugs[d] for d in drafted
            if any(knowledge.drugs[d].agent == o.agent and knowledge.drugs[d].long_acting == o.long_acting
                   for o in own)]
    if not same:
        return ""
    words = knowledge.pairs("merged_alternative_line")
    return words.get("prefix", "Alternative to {drug}, not in addition:").replace("{drug}", same[0].label).rstrip() + " "


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
    *,
    options: list[tuple[Outcome, CardSpec]] | None = None,
    drafts: list[str] | None = None,
    pregnancy_possible: bool = True,
    inducers: tuple[str, ...] = (),
    absent: frozenset[str] = frozenset(),
    records_elsewhere: bool = False,
    drafted: tuple[str, ...] = (),
) -> str:
    if sanitiser is None:
        sanitiser = _Sanitiser(card_texts(knowledge))
    texts = sanitiser.texts
    md = sanitiser.markdown
    lead_outcome, lead = group.lead
    parts: list[str] = ["**Why**", "", fill(lead.why, md_params)]
    if options:
        parts += ["", "**Options for this patient, in order** (choose one)", ""]
        for n, (o, s) in enumerate(options, 1):
            summary = fill(s.summary, _params(o, knowledge, sanitiser=sanitiser))
            parts.append(f"{n}. {md(summary, 200)}")
        order_reason = group.order_reason or lead_outcome.reason
        if order_reason:
            parts += ["", "Order: " + md(order_reason, 700)]
        # Each further option keeps its own reasons, caveats (label status, timing) and schedule: a choice
        # card never drops what the option's own card would have said.
        for n, (o, s) in enumerate(options, 1):
            if s.id == lead.id:
                continue
            o_params = _params(o, knowledge, markdown=True, sanitiser=sanitiser)
            parts += ["", f"**Option {n}: why and when**", "", fill(s.why, o_params)]
            if o.reason:
                parts += ["", "Finding: " + md(o.reason, 300)]
            if s.dose:
                parts += ["", f"Schedule of option {n}: " + fill(s.dose, o_params)]
    elif lead_outcome.reason:
        parts += ["", "Finding: " + md(lead_outcome.reason, 300)]
    shown_ids = {lead.id, *(s.id for _, s in options or ())}
    # Under a caution or not-recommended lead, the merged suggestions it overrules are not repeated as advice
    # ("Refer for PRRT" under "PRRT only after MDT review"): their rows and facts stay on the card.
    overruled = lead.strength in ("caution", "not-recommended") or _indicator(group) == "critical"
    others = _unique(((o, s) for o, s in group.members if (o, s) != group.lead and s.id not in shown_ids
                      and not (overruled and s.strength in ("recommend", "consider"))),
                     key=lambda member: member[1].id)
    if others:
        parts += ["", "Also on this topic:"]
        for o, s in others:
            summary = fill(s.summary, _params(o, knowledge, sanitiser=sanitiser))
            instead = _instead_of(s, drafted, knowledge)
            parts.append(f"- {md(instead + summary, 260)}" if instead else f"- {md(summary, 200)}")
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
        parts += ["", "**Dose and schedule**" + (" (option 1)" if options and len(options) > 1 else ""), "",
                  fill(lead.dose, md_params)]
    if drafts:
        parts += ["", "**Draft orders**", ""]
        parts += [f"- {line}" for line in drafts]
    # a caution written for pregnancy ("pregnancy: ...") only where pregnancy is possible (review 2026-12 B-Wd1:
    # pregnancy advice to a 17-year-old boy)
    # (and any line about pregnancy, contraception or breast-feeding); on a choice card each line names the
    # option it belongs to (review 2026-12 C: everolimus liver doses under a cabozantinib-first card)
    several = bool(options) and len(options) > 1

    # a clause written for a condition ("functional pNET: ...", "bilio-enteric anastomosis: ...") only where the
    # condition is not known to be absent (knowledge list conditional_caution_clauses)
    dropped_prefixes = tuple(prefix.lower() for prefix, _, condition in
                             (v.rpartition("=") for v in knowledge.lists.get("conditional_caution_clauses", ()))
                             if condition in absent)

    def kept(line: str) -> str | None:
        """The line as shown: where pregnancy is not possible, a line about pregnancy is dropped, and from a
        line of several clauses ("myelosuppression ...; pregnancy test before each dose") only the pregnancy
        clauses are dropped -- the other hazards of the line stay (NEC review 2026-12)."""
        if pregnancy_possible and not dropped_prefixes:
            return line
        if not pregnancy_possible and line.startswith(_PREGNANCY_ONLY):
            return None
        every = _clauses(line)
        clauses = [c for c in every
                   if not (not pregnancy_possible and _PREGNANCY_WORDS.search(c))
                   and not c.lower().startswith(dropped_prefixes)]
        if len(clauses) == len(every):
            return line
        if not clauses:
            return None
        out = "; ".join(clauses)
        return out if out.endswith(".") or not line.endswith(".") else out + "."

    def whose(s: CardSpec, line: str) -> str:
        name = _TOPIC_WORDS.get(s.topic, s.topic.replace("-", " "))
        return f"{name[:1].upper()}{name[1:]}: {line}" if several else line

    cautions = _unique([whose(s, k) for _, s in group.members for c in s.cautions if (k := kept(c))])
    monitoring = _unique([whose(s, k) for _, s in group.members for m in s.monitoring if (k := kept(m))])
    # where a contraception line is shown and an enzyme inducer is current: hormonal contraception is unreliable
    # (review 2026-12 D, net-270: rifampicin) -- unless a shown line already says hormonal methods may fail
    inducer_lines: list[str] = []
    if pregnancy_possible and inducers and any(_CONTRACEPTION.search(x) for x in cautions + monitoring) \
            and not any(_HORMONAL_CONTRACEPTION.search(x) for x in cautions + monitoring):
        inducer_lines = [fill(t, {"drug": md(" and ".join(inducers), 80)})
                         for t in knowledge.lists.get("inducer_contraception_line", ())]
    if cautions or monitoring:
        parts += ["", "**Cautions and monitoring**", ""]
        parts += [f"- {fill(c, md_params)}" for c in cautions]
        # on a choice card it concerns every option (each other line names its own)
        parts += [f"- {'All options: ' if several else ''}{line}" for line in inducer_lines]
        parts += [f"- Monitor: {fill(m, md_params)}" for m in monitoring]
    if missing:
        parts += ["", "**Missing data**", ""]
        parts += [f"- {md(m)}" for m in missing]
    read = _unique(r["detail"] for r in (_record(f) for f in facts) if r and isinstance(r.get("detail"), str))
    if read:
        parts += ["", "**Read from report text**", ""]
        parts += [f"- {md(d, 400)}" for d in read]
    if records_elsewhere:
        words = knowledge.pairs("report_record_card")
        parts += ["", md(words.get("pointer", ""), 400)]
    return "\n".join(parts).strip()


# --------------------------------------------------------------------------- draft orders


def _subject(picture: NetPicture) -> dict[str, str]:
    return {"reference": picture.patient_ref}


def _num(x: float) -> str:
    return f"{x:g}"


def _unit_text(unit: str) -> str:
    return _UNIT_TEXT.get(unit, unit)


def _quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM quantity (the code is the UCUM unit; ``unit`` is how it reads)."""
    return {"value": value, "unit": _unit_text(unit), "system": UCUM, "code": unit}


def _days(n: int) -> dict[str, Any]:
    return {"value": n, "unit": "days", "system": UCUM, "code": "d"}


def _dose_and_rate(amount: Amount, kind: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": {"coding": [{"system": DOSE_RATE_TYPE, "code": kind,
                                                  "display": kind.capitalize()}]}}
    if amount.value is not None:
        entry["doseQuantity"] = _quantity(amount.value, amount.unit)
    else:
        low, high = amount.bounds
        entry["doseRange"] = {"low": _quantity(low, amount.unit), "high": _quantity(high, amount.unit)}
    return entry


def _amount_text(amount: Amount) -> str:
    low, high = amount.bounds
    number = _num(low) if low == high else f"{_num(low)}-{_num(high)}"
    return f"{number} {_unit_text(amount.unit)}"


def _current(picture: NetPicture, drug: DrugSpec) -> list[Therapy]:
    """The patient's exposures in the draft's therapy class that are in force (taken now, or ordered and not
    yet started). An SSA depot and the short-acting form are different classes; an SSA of unknown form is
    counted against both (a duplicate is the worse error)."""
    out = []
    for t in picture.therapies:
        if t.agent.value != drug.agent or t.status not in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED):
            continue
        if drug.long_acting is not None and t.long_acting is not None and t.long_acting != drug.long_acting:
            continue
        out.append(t)
    return out


def _therapy_words(t: Therapy, markdown: Callable[..., str]) -> str:
    """The exposure in words for the detail: its (patient-derived, escaped) name, state and orders."""
    state = "ordered, not yet started" if t.status is TherapyStatus.PLANNED else "current"
    orders = f", {', '.join(markdown(r) for r in t.orders)}" if t.orders else ""
    return f"{markdown(t.drug)} ({state}{orders})"


def medication_create(drug_id: str, picture: NetPicture, *, knowledge: Knowledge) -> dict[str, Any]:
    """The ``create`` action of the knowledge's standard order ``drug_id`` for this patient (the structured
    dose, route and timing every draft of that drug carries): the corrected order an order-hook card offers
    in place of a draft it advises against."""
    drafts = _Drafts(picture, knowledge, _Sanitiser(card_texts(knowledge), picture.as_of), lambda: "")
    return drafts._medication_action(knowledge.drugs[drug_id])


class _Drafts:
    """Builds one card's suggestions from the knowledge's orders, for this patient: structured doses (and the
    dose computed from height and weight when on record), a regimen as one RequestGroup, a change of the
    current order where the card replaces it, no duplicate of a drug class the patient is already on, and
    deletes of current orders where the card says to stop a drug. ``notes`` (Markdown) and ``facts`` /
    ``missing`` say what was done for the detail and the extension."""

    def __init__(self, picture: NetPicture, knowledge: Knowledge, sanitiser: _Sanitiser,
                 uuid_factory: Callable[[], str]):
        self.picture = picture
        self.knowledge = knowledge
        self.sanitiser = sanitiser
        self.uuid_factory = uuid_factory
        self.notes: list[str] = []
        self.facts: list[FactUse] = []
        self.missing: list[str] = []

    # ---- suggestions

    def suggestion(self, spec: CardSpec, index: int, option: OrderOption) -> dict[str, Any] | None:
        k = self.knowledge
        actions: list[dict[str, Any]] = []
        deletes: list[dict[str, Any]] = []
        skipped: list[str] = []
        for drug_id in option.medications:
            drug = k.drugs[drug_id]
            current = _current(self.picture, drug)
            if not current:
                continue
            # the change acts on the regimen the patient takes (its active orders, and a regimen recorded only as a
            # statement) and on any pending draft of the class: never two live schedules
            orders = [ref for t in current for ref in (*t.statements, *t.orders)]
            names = ", ".join(_therapy_words(t, self.sanitiser.markdown) for t in current)
            if not spec.changes_current:
                # a drug of a class the patient is already on is never drafted again (a duplicate order)
                self._note(f"No new order for {drug.display}: the patient already has {names}.")
                skipped.append(drug_id)
                continue
            if not orders:
                self._note(f"No draft to change {names}: it is recorded without an order in this record "
                           "(change it where it is prescribed).")
                skipped.append(drug_id)
                continue
            self._note(f"{drug.display} replaces {names}: the suggestion deletes the current order.")
            for ref in orders:
                what = "Stop the current regimen" if ref.startswith("MedicationStatement/") else "Stop the current order"
                end = self.end_action(ref, "stopped", f"{what} {ref} ({current[0].drug}); the draft below replaces it")
                if end is not None:
                    deletes.append(end)
        # a PRRT schedule that gives its own SSA (LAR after each dose) ends the current depot in the same suggestion:
        # never two live SSA schedules, and no depot in the 4 weeks before a PRRT dose (NR-17)
        for drug_id in option.medications:
            if not k.drugs[drug_id].replaces_depot:
                continue
            depots = [t for t in self.picture.therapies if t.agent.value == "somatostatin-analog"
                      and t.long_acting is not False
                      and t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)]
            refs = _unique([ref for t in depots for ref in (*t.statements, *t.orders)])
            if not refs:
                continue
            names = ", ".join(_therapy_words(t, self.sanitiser.markdown) for t in depots)
            self._note(f"PRRT: the suggestion puts {names} on hold; the SSA resumes 4-24 h after each PRRT dose and as maintenance. "
                       "The last depot injection must be at least 4 weeks before the first PRRT dose; "
                       "short-acting octreotide covers symptoms until 24 h before it.")
            for ref in refs:
                # on hold, not stopped: the SSA resumes after each dose and as maintenance (review E)
                end = self.end_action(ref, "on-hold",
                                      f"Hold the current long-acting SSA {ref} before PRRT: no depot in the 4 weeks "
                                      "before a dose; the SSA resumes 4-24 h after each dose and as maintenance")
                if end is not None:
                    deletes.append(end)
        # a bridge (short-acting cover while a first depot takes effect) goes only with a depot drafted here: for a
        # patient already on the depot it would be an add-on that silently stops after its bridging days
        depot_drafted = any(k.drugs[d].long_acting for d in option.medications if d not in skipped)
        for drug_id in option.medications:
            if k.drugs[drug_id].bridge and not depot_drafted and drug_id not in skipped:
                self._note(f"No order for {k.drugs[drug_id].display}: it bridges the first injection of a depot, "
                           "and no new depot is started here.")
                skipped.append(drug_id)
        if option.regimen is not None:
            if skipped:
                return None  # part of a regimen is never drafted
            actions.append(self._regimen_action(k.regimens[option.regimen]))
        else:
            actions += [self._medication_action(k.drugs[d]) for d in option.medications if d not in skipped]
        actions += [self._service_action(k.services[sv]) for sv in option.services if not self._lab_recent(k.services[sv])]
        if not actions:
            return None
        label = self.sanitiser.texts.labels.get((spec.id, index)) or plain_text(spec.id, max_length=80)
        return {"label": label, "uuid": self.uuid_factory(), "isRecommended": True,
                "actions": _unique(deletes, key=_action_target) + actions}

    def stop_suggestions(self, spec: CardSpec) -> list[dict[str, Any]]:
        """The card's stop suggestion, led by its hold suggestion when it holds a current drug instead (the
        preferred action, ``isRecommended``; the stop is then the alternative)."""
        stop = self.stop_suggestion(spec)
        hold = self.hold_suggestion(spec)
        if hold is None:
            return [stop] if stop is not None else []
        return [hold, *([{**stop, "isRecommended": False}] if stop is not None else [])]

    def hold_suggestion(self, spec: CardSpec) -> dict[str, Any] | None:
        """Hold the current orders of ``stops.holds`` (e.g. everolimus for an antibiotic course): the suggestion
        ends the current order; the text says to re-order after the course."""
        stop = spec.stops
        if stop is None or not stop.holds:
            return None
        refs: list[tuple[str, str]] = []
        for t in self.picture.therapies:
            if t.agent.value in stop.holds and t.status is TherapyStatus.ACTIVE:
                refs += [(ref, t.drug) for ref in (*t.orders, *t.statements)]
        refs = _unique(refs, key=lambda r: r[0])
        if not refs:
            return None
        actions = [a for ref, name in refs
                   if (a := self.end_action(ref, "on-hold",
                                            f"Hold {name}: put the current order {ref} on hold for the course of the "
                                            "interacting drug; resume it after the course")) is not None]
        if not actions:
            return None
        label = self.sanitiser.texts.labels.get((spec.id, -2)) or plain_text(spec.id, max_length=80)
        return {"label": label, "uuid": self.uuid_factory(), "isRecommended": True, "actions": actions, "_hold": True}

    def topic_stop_suggestion(self, spec: CardSpec) -> dict[str, Any] | None:
        """A not-recommended card about a therapy class (its topic) that the patient has in force: stop those
        records (active orders, an active statement, an order not yet started)."""
        if spec.topic not in _AGENTS:
            return None
        current = [t for t in self.picture.therapies
                   if t.agent.value == spec.topic and t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)]
        refs = _unique([(ref, t.drug) for t in current for ref in (*t.orders, *t.statements)], key=lambda r: r[0])
        if not refs:
            return None
        actions = [a for ref, name in refs
                   if (a := self.end_action(
                       ref, "stopped",
                       f"Stop the current {'regimen' if ref.startswith('MedicationStatement/') else 'order'} {ref} "
                       f"({name})")) is not None]
        if not actions:
            return None
        names = " and ".join(_unique(name for _, name in refs))
        label = self.sanitiser.plain(f"Stop {names}", 80)
        return {"label": label, "uuid": self.uuid_factory(), "isRecommended": True, "actions": actions}

    def stop_suggestion(self, spec: CardSpec) -> dict[str, Any] | None:
        """A card that says to stop or avoid a current drug deletes that drug's current orders."""
        stop = spec.stops
        assert stop is not None
        refs: list[tuple[str, str]] = []
        for t in self.picture.therapies:
            if t.agent.value in stop.agents and t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED):
                refs += [(ref, t.drug) for ref in (*t.orders, *t.statements)]
        for m in self.picture.current_medications:
            if stop.flags and m.flags & set(stop.flags) and m.reference and m.reference.startswith("MedicationRequest/"):
                refs.append((m.reference, m.name))
        refs = _unique(refs, key=lambda r: r[0])
        if not refs:
            return None
        actions = [a for ref, name in refs
                   if (a := self.end_action(
                       ref, "stopped",
                       f"Stop the current {'regimen' if ref.startswith('MedicationStatement/') else 'order'} {ref} "
                       f"({name})")) is not None]
        if not actions:
            return None
        label = self.sanitiser.texts.labels.get((spec.id, -1)) or plain_text(spec.id, max_length=80)
        return {"label": label, "uuid": self.uuid_factory(), "isRecommended": True, "actions": actions}

    def _lab_recent(self, service: ServiceSpec) -> bool:
        """A lab request is not drafted when a value of what it measures is on record within its
        ``recent_within`` days (the card cites that value with its date; an older one does not count) -- unless
        that value is beyond a critical limit of the knowledge (``critical_<lab>_below``/``_above``): a critical
        value is re-checked (review D: potassium 2.8 mmol/L four days ago was "recent" and not requested)."""
        if not service.lab_facts:
            return False
        if self._critical_lab():
            # one critical value changes what the others mean (magnesium before potassium can be corrected; renal
            # function before IV replacement): every lab the card asks for is repeated together (review E)
            return False
        max_days = self.knowledge.thresholds[service.recent_within].value
        for name in service.lab_facts:
            fact = getattr(self.picture.labs, name)
            if fact.known and fact.date is not None and 0 <= (self.picture.as_of - fact.date).days <= max_days:
                if beyond_critical(self.knowledge.thresholds, name, float(fact.value)) is not None:  # type: ignore[arg-type]
                    continue   # a recent value beyond a critical limit is repeated now (after replacement), never skipped
                self._note(f"No request for {service.display}: a value from {fact.date.isoformat()} is on record "
                           f"(within {max_days:g} days).")
                return True
        return False

    def _critical_lab(self) -> bool:
        """A lab requested by knowledge (``lab.facts`` of any service) is on record recently and beyond a critical
        limit."""
        for service in self.knowledge.services.values():
            if not service.lab_facts or not service.recent_within:
                continue
            max_days = self.knowledge.thresholds[service.recent_within].value
            if any(recent_critical(self.knowledge.thresholds, name, getattr(self.picture.labs, name),
                                   self.picture.as_of, max_days) for name in service.lab_facts):
                return True
        return False

    def end_action(self, ref: str, status: str, description: str) -> dict[str, Any] | None:
        """The action that ends (``stopped``) or holds (``on-hold``) a record in force: an ``update`` of the whole
        recorded resource with its new status (its history stays), never a ``delete``. A draft of this order-hook
        call is not yet a record: removing it is a ``delete``. None when the record itself is not at hand (an
        update must carry the whole resource: a partial one would erase what the record holds)."""
        resource = self.picture.medication_record(ref)
        if (ref in self.picture.all_drafts or ref in self.picture.order_drafts
                or (resource is not None and resource.get("status") == "draft")):
            return {"type": "delete", "resourceId": ref,
                    "description": self.sanitiser.plain(f"Remove the draft order {ref} (never signed)",
                                                        _DESCRIPTION_MAX)}
        if resource is None:
            self._note(f"{self.sanitiser.markdown(ref)} is not in the data sent: stop or hold it where it is "
                       "prescribed.")
            return None
        if (status == "stopped" and ref.startswith("MedicationRequest/")
                and any(ref in t.orders and t.status is TherapyStatus.PLANNED for t in self.picture.therapies)):
            status = "cancelled"  # an order withdrawn before any dose was given (FHIR MedicationRequest.status)
        resource["status"] = status
        words = {"stopped": "status stopped", "on-hold": "status on-hold", "cancelled": "status cancelled"}[status]
        return {"type": "update", "description": self.sanitiser.plain(f"{description} ({words})", _DESCRIPTION_MAX),
                "resource": resource}

    def _note(self, line: str) -> None:
        """A line for the detail's **Draft orders**: knowledge text and numbers as written, patient-derived
        words already escaped by the caller."""
        if line not in self.notes:
            self.notes.append(line)

    # ---- resources

    def _medication_request(self, drug: DrugSpec, *, cycle_days: tuple[int, int] | None = None,
                            contained_id: str | None = None) -> dict[str, Any]:
        dosage: dict[str, Any] = {"sequence": 1, "text": drug.dosage}
        assert drug.timing is not None and drug.dose is not None
        t = drug.timing
        repeat: dict[str, Any] = {"frequency": t["frequency"], "period": t["period"], "periodUnit": t["period_unit"]}
        if "frequency_max" in t:
            repeat["frequencyMax"] = t["frequency_max"]
        bound = (cycle_days[1] - cycle_days[0] + 1) if cycle_days is not None else t.get("duration_days")
        if bound:
            # bounded: this many days, and exactly the doses they hold (never continuous use)
            repeat["boundsDuration"] = _days(int(bound))
            repeat["count"] = int(t["frequency"] * bound / t["period"])
        elif "count" in t:
            repeat["count"] = t["count"]
        if drug.infusion is not None:
            # how long each administration runs (an infusion over 2 h; a continuous infusion over 46 h)
            repeat["duration"] = int(drug.infusion[0]) if drug.infusion[0] == int(drug.infusion[0]) else drug.infusion[0]
            repeat["durationUnit"] = drug.infusion[1]
        dosage["timing"] = {"repeat": repeat}
        if drug.as_needed:
            dosage["asNeededCodeableConcept"] = {"text": drug.as_needed}
        if drug.route:
            route = self.knowledge.routes[drug.route]
            dosage["route"] = {"coding": [{"system": SNOMED, "code": route.code, "display": route.display}]}
        dose_and_rate = [_dose_and_rate(drug.dose, "ordered")]
        computed = self._computed_dose(drug)
        if computed is not None:
            amount, words = computed
            dose_and_rate.append(_dose_and_rate(amount, "calculated"))
            dosage["text"] = f"{drug.dosage}. {words}"
        dosage["doseAndRate"] = dose_and_rate
        if drug.max_per_day is not None:
            dosage["maxDosePerPeriod"] = {"numerator": _quantity(drug.max_per_day.bounds[0], drug.max_per_day.unit),
                                          "denominator": _quantity(1, "d") | {"unit": "day"}}
        resource: dict[str, Any] = {"resourceType": "MedicationRequest"}
        if contained_id is not None:
            resource["id"] = contained_id
        resource.update({
            "status": "draft",
            "intent": "proposal",
            "subject": _subject(self.picture),
            "medicationCodeableConcept": {
                "coding": [{"system": RXNORM, "code": drug.rxnorm, "display": drug.rxnorm_display}],
                "text": drug.display,
            },
            "dosageInstruction": [dosage],
        })
        return resource

    def _medication_action(self, drug: DrugSpec) -> dict[str, Any]:
        return {"type": "create", "description": self.sanitiser.texts.descriptions[f"drug:{drug.id}"],
                "resource": self._medication_request(drug)}

    def _regimen_action(self, regimen: RegimenSpec) -> dict[str, Any]:
        """A cyclic regimen as one RequestGroup: a contained MedicationRequest per drug, bounded to its days of the
        cycle; the drugs that start after day 1 are offset from the day-1 drug; the cycle repeats ``cycles``
        times every ``cycle_days`` days."""
        k = self.knowledge
        contained = []
        sub_actions = []
        anchor = next(d for d, (first, _) in regimen.days.items() if first == 1)
        for drug_id, (first, last) in regimen.days.items():
            drug = k.drugs[drug_id]
            contained.append(self._medication_request(drug, cycle_days=(first, last), contained_id=drug_id))
            action: dict[str, Any] = {
                "id": drug_id,
                "title": drug.display,
                "description": f"days {first}-{last} of each {regimen.cycle_days}-day cycle" if first != last
                else f"day {first} of each {regimen.cycle_days}-day cycle",
                "resource": {"reference": f"#{drug_id}"},
            }
            if drug_id in regimen.after:
                # same day, in sequence: starts when the named drug's administration has ended
                action["relatedAction"] = [{"actionId": regimen.after[drug_id], "relationship": "after-end"}]
            elif first > 1:
                action["relatedAction"] = [{"actionId": anchor, "relationship": "after-start",
                                            "offsetDuration": _days(first - 1)}]
            sub_actions.append(action)
        resource = {
            "resourceType": "RequestGroup",
            "contained": contained,
            "status": "draft",
            "intent": "proposal",
            "subject": _subject(self.picture),
            "code": {"text": regimen.display},
            "action": [{
                "title": regimen.label,
                "description": regimen.display,
                "timingTiming": {"repeat": {"count": regimen.cycles, "frequency": 1, "period": regimen.cycle_days,
                                            "periodUnit": "d"}},
                "selectionBehavior": "all",
                "requiredBehavior": "must",
                "action": sub_actions,
            }],
        }
        if regimen.note:
            resource["note"] = [{"text": regimen.note}]
        return {"type": "create", "description": self.sanitiser.texts.descriptions[f"regimen:{regimen.id}"],
                "resource": resource}

    def _service_action(self, service: ServiceSpec) -> dict[str, Any]:
        codings = [dict(service.code)] if service.code else []
        codings.append({"system": SERVICE_SYSTEM, "code": service.id, "display": service.label})
        resource: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "proposal",
            "subject": _subject(self.picture),
            "code": {"coding": codings, "text": service.display},
        }
        if service.category:
            resource["category"] = [{"coding": [dict(service.category)]}]
        return {"type": "create", "description": self.sanitiser.texts.descriptions[f"service:{service.id}"],
                "resource": resource}

    # ---- doses per m2 / per kg

    def _computed_dose(self, drug: DrugSpec) -> tuple[Amount, str] | None:
        """The dose for this patient when it is per m2 (Mosteller BSA from height and a recent weight) or per kg
        (recent weight); None, with a note and the missing datum, when the measurements are not on record."""
        assert drug.dose is not None
        per = drug.dose.per
        if per not in ("m2", "kg"):
            return None
        labs = self.picture.labs
        height, weight = labs.body_height, labs.body_weight
        max_age = int(self.knowledge.thresholds["dose_weight_max_age_days"].value)
        as_of = self.picture.as_of
        recent = weight.known and weight.date is not None and (as_of - weight.date).days <= max_age
        need = [] if recent else [f"body weight from the last {max_age} days (dose per {per})"]
        if per == "m2" and not height.known:
            need.insert(0, "body height (dose per m2)")
        if need:
            for n in need:
                if n not in self.missing:
                    self.missing.append(n)
            what = " and ".join(need)
            self._note(f"{drug.display}: the dose per {per} is not computed: {what} not on record.")
            return None
        w = float(weight.value)  # type: ignore[arg-type]
        facts = [FactUse.of("Body weight", weight, f"{w:g} kg")]
        if per == "m2":
            h = float(height.value)  # type: ignore[arg-type]
            factor = round(math.sqrt(h * w / 3600), 2)
            facts.insert(0, FactUse.of("Body height", height, f"{h:g} cm"))
            times = f"{factor:.2f} m²"
            basis = (f"body surface area by Mosteller from height {h:g} cm on {_date(height)} and weight {w:g} kg "
                     f"on {_date(weight)}")
        else:
            factor = w
            times = f"{w:g} kg"
            basis = f"weight {w:g} kg on {_date(weight)}"
        unit = drug.dose.unit.rsplit("/", 1)[0]
        low, high = (_round_dose(b * factor) for b in drug.dose.bounds)
        amount = Amount(unit=unit, value=low) if low == high else Amount(unit=unit, low=low, high=high)
        words = (f"Computed for this patient: {_amount_text(drug.dose)} × {times} = {_amount_text(amount)} per "
                 f"dose ({basis}); round to whole tablets or vials per local policy")
        self.facts += [f for f in facts if f not in self.facts]
        self._note(f"{drug.display}: {words}.")
        return amount, words


def _round_dose(x: float) -> float | int:
    """A computed dose: whole units from 10 up, one decimal below."""
    return int(round(x)) if x >= 10 else round(x, 1)


def _date(fact: Fact[Any]) -> str:
    return fact.date.isoformat() if fact.date is not None else "date not recorded"


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
        if record.get("resourceType") == "Condition":
            # a diagnosis read from a problem-list text: the coded Condition, unconfirmed until the clinician signs
            label = sanitiser.plain(str(record.get("label") or "Record the diagnosis read from the text"), 160)
            condition: dict[str, Any] = {
                "resourceType": "Condition",
                "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
                "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
                "code": record["code"], "subject": _subject(picture),
                "onsetDateTime": fact.date.isoformat(),
                "evidence": [{"detail": [{"reference": reference}]}]}
            if isinstance(record.get("note"), str):
                condition["note"] = [{"text": sanitiser.plain(record["note"], 400)}]
            out.append({"label": label, "uuid": uuid_factory(), "isRecommended": False,
                        "actions": [{"type": "create", "description": label, "resource": condition}]})
            continue
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
