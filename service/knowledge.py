"""Load and validate the reviewed clinical knowledge (``cards/knowledge/*.yaml``).

Every file is checked against ``cards/schema/knowledge.schema.json``; then the files are
merged (a duplicate id across files is an error) and the loader checks what a schema cannot:

* every registered rule has knowledge and every rule in the knowledge is registered;
* rules and cards name each other consistently; every evidence, drug and service id resolves;
* recommend/consider cards about a drug topic carry an order (the card's suggestion);
* every ``{placeholder}`` in card text is declared, and every summary stays under 140
  characters with each placeholder at its declared worst-case length.

Any problem raises :class:`service.errors.KnowledgeError` naming the file and the problem,
so the service refuses to start on broken knowledge. Each loaded rule is logged as
``rule@version``.
"""
from __future__ import annotations

import json
import logging
import re
import string
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

import jsonschema
import yaml

from service.errors import KnowledgeError

logger = logging.getLogger(__name__)

SUMMARY_MAX = 139
_RAW_HTML = re.compile(r"<[A-Za-z/!?]")  # CDS Hooks: summary "<140 characters"

# Card topics whose recommend/consider cards must offer a draft order.
DRUG_TOPICS = frozenset({
    "somatostatin-analog", "telotristat", "everolimus", "sunitinib", "cabozantinib", "prrt", "captem",
    "streptozocin-chemotherapy", "platinum-etoposide", "other-chemotherapy", "immunotherapy",
    "interferon-alpha", "belzutifan", "diazoxide", "proton-pump-inhibitor",
})
SUGGESTING_STRENGTHS = frozenset({"recommend", "consider"})
_SECTIONS = ("thresholds", "lists", "evidence", "drugs", "services", "cards", "rules", "placeholders", "regimens",
             "routes")


@dataclass(frozen=True)
class Threshold:
    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class Citation:
    label: str
    citation: str
    url: str


@dataclass(frozen=True)
class Evidence:
    id: str
    label: str
    citation: str
    url: str
    result: str = ""


@dataclass(frozen=True)
class Amount:
    """A dose or an amount in a UCUM unit: ``value``, or the range ``low``-``high``."""

    unit: str
    value: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high); both the value for a single amount."""
        if self.value is not None:
            return (self.value, self.value)
        assert self.low is not None and self.high is not None
        return (self.low, self.high)

    @property
    def per(self) -> str | None:
        """'m2' / 'kg' for a dose per body surface area / body weight, else None."""
        return self.unit.rsplit("/", 1)[1] if "/" in self.unit else None


@dataclass(frozen=True)
class RouteSpec:
    id: str
    code: str
    display: str


@dataclass(frozen=True)
class DrugSpec:
    """One draft medication order, as structured fields (cards/knowledge/drugs.yaml)."""

    id: str
    display: str
    rxnorm: str
    rxnorm_display: str
    dosage: str
    timing: Mapping[str, Any] | None = None
    route: str | None = None
    rxnorm_tty: str = "SCD"
    label: str = ""
    agent: str = ""
    long_acting: bool | None = None
    dose: Amount | None = None
    strength: Amount | None = None
    max_per_day: Amount | None = None
    as_needed: str = ""
    rxnorm_reason: str = ""
    file: str = ""
    # why the dose is a range: the order is titrated within it (the dosage text says so); empty = one dose
    titration: str = ""
    # a short-acting cover given only with the first injection of a depot ordered in the same suggestion
    bridge: bool = False
    #: the order's own schedule gives the somatostatin analogue (PRRT: LAR after each dose): a current depot
    #: order is ended by the same suggestion (never a second live SSA schedule; no depot in the 4 weeks before a dose)
    replaces_depot: bool = False
    #: how long one administration runs (value, "min" | "h"): an infusion over 2 h, a continuous infusion over
    #: 46 h; None = no stated duration (oral, injection, bolus). Rendered as Timing.repeat.duration/durationUnit
    infusion: tuple[float, str] | None = None


@dataclass(frozen=True)
class RegimenSpec:
    """A cyclic regimen: its drugs, the days of the cycle each is given, cycle length, cycles per draft."""

    id: str
    label: str
    display: str
    cycle_days: int
    cycles: int
    days: Mapping[str, tuple[int, int]]   # drug id -> (first day, last day) within the cycle
    note: str = ""
    file: str = ""
    #: drug id -> the drug of the same day whose administration ends before it starts (leucovorin, then the
    #: fluorouracil bolus, then the 46-h infusion)
    after: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceSpec:
    id: str
    display: str
    code: Mapping[str, str] | None = None
    category: Mapping[str, str] | None = None
    label: str = ""
    lab_facts: tuple[str, ...] = ()   # a lab request: the picture labs it measures (service.picture.model Labs)
    recent_within: str = ""           # threshold (days): a value this recent on record makes the request unnecessary


@dataclass(frozen=True)
class OrderOption:
    """One suggestion of a card: the drugs (a single drug, or a whole regimen) and/or tests it drafts."""

    medications: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    regimen: str | None = None  # the regimen when the medications are exactly one regimen's drugs
    label: str = ""             # the option's own suggestion label (options of several items)


@dataclass(frozen=True)
class OrderSpec:
    """What a card offers: one option, or several equivalent ones (one suggestion each, at most one chosen)."""

    options: tuple[OrderOption, ...] = ()

    @property
    def medications(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for o in self.options for d in o.medications))

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(sv for o in self.options for sv in o.services))


@dataclass(frozen=True)
class StopSpec:
    """The card advises stopping current drugs: its suggestion deletes their current orders."""

    agents: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    label: str = ""
    # drugs the card holds instead, as its first (preferred) suggestion: e.g. everolimus for the course of an
    # interacting antibiotic the infection needs (the stop of the interacting drug becomes the alternative)
    holds: tuple[str, ...] = ()
    hold_label: str = ""


@dataclass(frozen=True)
class CardSpec:
    id: str
    rules: tuple[str, ...]
    topic: str
    strength: str
    indicator: str
    summary: str
    why: str
    dose: str = ""
    cautions: tuple[str, ...] = ()
    monitoring: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    guideline: tuple[Citation, ...] = ()
    order: OrderSpec | None = None
    suggestion_label: str = ""
    file: str = ""
    decision: str = ""               # choice key: cards of one decision make one choice card (default: topic)
    changes_current: bool = False    # drafts replace the current order of the same class (delete + create)
    stops: StopSpec | None = None
    choice_summary: str = ""         # summary when it leads a choice card of two or more options


@dataclass(frozen=True)
class RuleMeta:
    id: str
    version: int
    title: str
    when: str
    then: str
    cards: tuple[str, ...]
    file: str = ""


@dataclass(frozen=True)
class Placeholder:
    name: str
    max_length: int
    default: str


@dataclass(frozen=True)
class Knowledge:
    version: str
    guideline_versions: tuple[str, ...]
    source_label: str
    source_url: str
    thresholds: Mapping[str, Threshold]
    lists: Mapping[str, tuple[str, ...]]
    evidence: Mapping[str, Evidence]
    drugs: Mapping[str, DrugSpec]
    services: Mapping[str, ServiceSpec]
    regimens: Mapping[str, RegimenSpec]
    routes: Mapping[str, RouteSpec]
    cards: Mapping[str, CardSpec]
    rules: Mapping[str, RuleMeta]
    placeholders: Mapping[str, Placeholder]
    override_reasons: tuple[tuple[str, str], ...]  # (code, display)
    files: tuple[str, ...]
    # Tables derived once from this (immutable) knowledge by the stages that read it per call: the rules'
    # run plan, the cards' pre-escaped constant text. Filled at load (``load_knowledge``) or on first use;
    # never part of equality or the repr.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def for_rule(self, rule_id: str) -> RuleKnowledge:
        """The knowledge row ``rule_id`` may read (one shared, stateless view per row)."""
        views = self.derived.get("rule_views")
        if views is None:
            views = self.derived["rule_views"] = {}
        view = views.get(rule_id)
        if view is None:
            view = views[rule_id] = RuleKnowledge(self, rule_id)
        return view

    def pairs(self, name: str) -> Mapping[str, str]:
        """A list of ``key=value`` entries (``choice_option_words``, ``report_record_card``, ...) as a mapping,
        parsed once per knowledge (the first ``=`` separates; an absent list is empty)."""
        return self.derive(f"pairs:{name}", lambda k: MappingProxyType(
            dict(v.split("=", 1) for v in k.lists.get(name, ()))))

    def derive(self, name: str, build: "Callable[[Knowledge], Any]") -> Any:
        """``build(self)``, computed once per knowledge and kept (the knowledge never changes after load)."""
        value = self.derived.get(name)
        if value is None:
            value = self.derived[name] = build(self)
        return value


class RuleKnowledge:
    """The knowledge a rule may read: thresholds, value lists, cards, drugs, services."""

    def __init__(self, knowledge: Knowledge, rule_id: str):
        self._knowledge = knowledge
        self.rule_id = rule_id

    @property
    def version(self) -> int:
        return self._knowledge.rules[self.rule_id].version

    @property
    def whole(self) -> Knowledge:
        """The whole knowledge, for a review row that re-runs the rows on a variant of the picture (KR-01:
        the two ends of a Ki-67 range). A row reads its own numbers through ``threshold``/``values``."""
        return self._knowledge

    @property
    def default_card(self) -> str:
        return self._knowledge.rules[self.rule_id].cards[0]

    def threshold(self, name: str) -> float:
        try:
            return self._knowledge.thresholds[name].value
        except KeyError:
            raise KnowledgeError(f"rule {self.rule_id}: unknown threshold {name!r}") from None

    def values(self, name: str) -> tuple[str, ...]:
        """A named list of codes/words from the knowledge (e.g. medication flags)."""
        try:
            return self._knowledge.lists[name]
        except KeyError:
            raise KnowledgeError(f"rule {self.rule_id}: unknown list {name!r}") from None

    def pairs(self, name: str) -> Mapping[str, str]:
        """A named ``key=value`` list as a mapping (:meth:`Knowledge.pairs`); unknown list: KnowledgeError."""
        self.values(name)
        return self._knowledge.pairs(name)

    @property
    def own_cards(self) -> tuple[CardSpec, ...]:
        """The cards this row may emit, in the knowledge's order."""
        return tuple(self._knowledge.cards[c] for c in self._knowledge.rules[self.rule_id].cards)

    def card_of(self, outcome: Any) -> CardSpec | None:
        """The card an outcome of any row renders (its named card, else the row's first card).

        ``outcome`` is a rules-stage ``Outcome``; only its ``rule_id`` and ``card`` are read."""
        cards = self._knowledge.rules[outcome.rule_id].cards
        card_id = outcome.card or (cards[0] if cards else None)
        return self._knowledge.cards[card_id] if card_id is not None else None

    def card(self, card_id: str) -> CardSpec:
        try:
            return self._knowledge.cards[card_id]
        except KeyError:
            raise KnowledgeError(f"rule {self.rule_id}: unknown card {card_id!r}") from None

    def drug(self, drug_id: str) -> DrugSpec:
        try:
            return self._knowledge.drugs[drug_id]
        except KeyError:
            raise KnowledgeError(f"rule {self.rule_id}: unknown drug {drug_id!r}") from None

    def service(self, service_id: str) -> ServiceSpec:
        try:
            return self._knowledge.services[service_id]
        except KeyError:
            raise KnowledgeError(f"rule {self.rule_id}: unknown service {service_id!r}") from None


# --------------------------------------------------------------------------- loading


def load_knowledge(cards_dir: Path, *, rule_ids: Iterable[str]) -> Knowledge:
    """Load, validate and merge every ``cards_dir/knowledge/*.yaml``.

    ``rule_ids`` are the rows the code implements (the caller asks the rules stage: this loader
    imports nothing of the stages that use the knowledge); each must have knowledge and each
    rule in the knowledge must be one of them.
    """
    schema = _load_schema(cards_dir / "schema" / "knowledge.schema.json")
    files = sorted((cards_dir / "knowledge").glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"no knowledge files in {cards_dir.name}/knowledge")

    merged: dict[str, dict[str, tuple[str, Any]]] = {section: {} for section in _SECTIONS}
    meta: tuple[str, Mapping[str, Any]] | None = None
    override_reasons: tuple[str, list[Mapping[str, str]]] | None = None
    for path in files:
        document = _load_yaml(path)
        _validate(document, schema, path.name)
        if "knowledge" in document:
            if meta is not None:
                raise KnowledgeError(f"{path.name}: 'knowledge' metadata already given in {meta[0]}")
            meta = (path.name, document["knowledge"])
        if "override_reasons" in document:
            if override_reasons is not None:
                raise KnowledgeError(f"{path.name}: 'override_reasons' already given in {override_reasons[0]}")
            override_reasons = (path.name, document["override_reasons"])
        for section in _SECTIONS:
            for key, value in (document.get(section) or {}).items():
                if key in merged[section]:
                    raise KnowledgeError(
                        f"{path.name}: duplicate {section} id {key!r} (already in {merged[section][key][0]})"
                    )
                merged[section][key] = (path.name, value)
    if meta is None:
        raise KnowledgeError("no file gives the 'knowledge' metadata (version, guideline_versions, source)")
    if override_reasons is None:
        raise KnowledgeError("no file gives 'override_reasons'")

    knowledge = _build(merged, meta[1], override_reasons[1], tuple(p.name for p in files))
    _check(knowledge, set(rule_ids))
    if logger.isEnabledFor(logging.DEBUG):      # one line per rule only when asked for
        for rule_meta in sorted(knowledge.rules.values(), key=lambda r: r.id):
            logger.debug(
                "rule loaded %s@%s", rule_meta.id, rule_meta.version,
                extra={"rule_id": rule_meta.id, "rule_version": rule_meta.version,
                       "knowledge_version": knowledge.version},
            )
    logger.info(
        "knowledge loaded version %s: %d rules, %d cards", knowledge.version, len(knowledge.rules),
        len(knowledge.cards), extra={"knowledge_version": knowledge.version,
                                     "rules": [f"{r.id}@{r.version}" for r in
                                               sorted(knowledge.rules.values(), key=lambda r: r.id)]},
    )
    return knowledge


def _load_schema(path: Path) -> Mapping[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise KnowledgeError(f"schema/{path.name}: cannot load: {exc}") from exc
    return schema


def _load_yaml(path: Path) -> Mapping[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path.name}: invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise KnowledgeError(f"{path.name}: top level must be a mapping")
    return document


def _validate(document: Mapping[str, Any], schema: Mapping[str, Any], filename: str) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise KnowledgeError(f"{filename}: {where}: {first.message}")


def _build(
    merged: Mapping[str, Mapping[str, tuple[str, Any]]],
    meta: Mapping[str, Any],
    override_reasons: list[Mapping[str, str]],
    files: tuple[str, ...],
) -> Knowledge:
    def section(name: str) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
        return ((key, filename, value) for key, (filename, value) in merged[name].items())

    regimen_of_set = {frozenset(v["drugs"]): k for k, _, v in section("regimens")}

    def option(o: Mapping[str, Any]) -> OrderOption:
        meds = tuple(o["medications"]) if "medications" in o else ((o["medication"],) if "medication" in o else ())
        return OrderOption(medications=meds, services=(o["service"],) if "service" in o else (),
                           regimen=regimen_of_set.get(frozenset(meds)) if meds else None, label=o.get("label", ""))

    cards: dict[str, CardSpec] = {}
    for key, filename, c in section("cards"):
        order = None
        if "order" in c:
            o = c["order"]
            order = OrderSpec(options=tuple(option(x) for x in o["options"]) if "options" in o else (option(o),))
        stops = None
        if "stops" in c:
            st = c["stops"]
            stops = StopSpec(tuple(st.get("agents", ())), tuple(st.get("flags", ())), st.get("label", ""),
                             tuple(st.get("holds", ())), st.get("hold_label", ""))
        cards[key] = CardSpec(
            id=key, rules=tuple(c["rules"]), topic=c["topic"], strength=c["strength"],
            indicator=c["indicator"], summary=c["summary"].strip(), why=c["why"].strip(),
            dose=c.get("dose", "").strip(), cautions=tuple(c.get("cautions", ())),
            monitoring=tuple(c.get("monitoring", ())), missing=tuple(c.get("missing", ())),
            evidence=tuple(c.get("evidence", ())),
            guideline=tuple(Citation(g["label"], g["citation"], g["url"]) for g in c.get("guideline", ())),
            order=order, suggestion_label=c.get("suggestion_label", ""), file=filename,
            decision=c.get("decision", ""), changes_current=bool(c.get("changes_current", False)), stops=stops,
            choice_summary=c.get("choice_summary", "").strip(),
        )
    return Knowledge(
        version=meta["version"],
        guideline_versions=tuple(meta["guideline_versions"]),
        source_label=meta["source"]["label"],
        source_url=meta["source"]["url"],
        thresholds={k: Threshold(float(v["value"]), v["unit"], v["source"]) for k, _, v in section("thresholds")},
        lists={k: tuple(v["values"]) for k, _, v in section("lists")},
        evidence={k: Evidence(k, v["label"], v["citation"], v["url"], v.get("result", ""))
                  for k, _, v in section("evidence")},
        drugs={k: DrugSpec(k, v["display"], v["rxnorm"], v["rxnorm_display"], v["dosage"],
                           v.get("timing"), v.get("route"), v.get("rxnorm_tty", "SCD"),
                           label=v.get("label", ""), agent=v.get("agent", ""), long_acting=v.get("long_acting"),
                           dose=_amount(v.get("dose")), strength=_amount(v.get("strength")),
                           max_per_day=_amount(v.get("max_per_day")), as_needed=v.get("as_needed", ""),
                           rxnorm_reason=v.get("rxnorm_reason", ""), file=f,
                           titration=v.get("titration", ""), bridge=bool(v.get("bridge", False)),
                           replaces_depot=bool(v.get("replaces_depot", False)),
                           infusion=(float(v["infusion"]["value"]), v["infusion"]["unit"]) if "infusion" in v else None)
                for k, f, v in section("drugs")},
        services={k: ServiceSpec(k, v["display"], v.get("code"), v.get("category"), v.get("label", ""),
                                 tuple(v.get("lab", {}).get("facts", ())), v.get("lab", {}).get("recent_within", ""))
                  for k, _, v in section("services")},
        regimens={k: RegimenSpec(k, v["label"], v["display"], int(v["cycle_days"]), int(v["cycles"]),
                                 {d: (int(x["first_day"]), int(x["last_day"])) for d, x in v["drugs"].items()},
                                 v.get("note", ""), f,
                                 {d: x["after"] for d, x in v["drugs"].items() if "after" in x})
                  for k, f, v in section("regimens")},
        routes={k: RouteSpec(k, v["code"], v["display"]) for k, _, v in section("routes")},
        cards=cards,
        rules={k: RuleMeta(k, v["version"], v["title"], v["when"], v["then"], tuple(v["cards"]), f)
               for k, f, v in section("rules")},
        placeholders={k: Placeholder(k, v["max_length"], v["default"]) for k, _, v in section("placeholders")},
        override_reasons=tuple((r["code"], r["display"]) for r in override_reasons),
        files=files,
    )


def _amount(value: Mapping[str, Any] | None) -> Amount | None:
    if value is None:
        return None
    return Amount(unit=str(value["unit"]), value=value.get("value"), low=value.get("low"), high=value.get("high"))


# --------------------------------------------------------------------------- cross-checks


def template_fields(template: str) -> set[str]:
    """The ``{placeholder}`` names used in a template."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError as exc:
        raise KnowledgeError(f"malformed template {template[:40]!r}: {exc}") from exc


def fill(template: str, values: Mapping[str, str]) -> str:
    """Substitute ``{placeholders}`` (all must be in ``values``)."""
    return template.format_map(dict(values))


def worst_case_values(knowledge: Knowledge) -> dict[str, str]:
    return {name: "W" * p.max_length for name, p in knowledge.placeholders.items()}


def _check(k: Knowledge, rule_ids: set[str]) -> None:
    for rule_id in sorted(rule_ids - set(k.rules)):
        raise KnowledgeError(f"rule {rule_id} is implemented but has no entry under 'rules' in any knowledge file")
    for rule_id in sorted(set(k.rules) - rule_ids):
        raise KnowledgeError(f"{k.rules[rule_id].file}: rules/{rule_id} has knowledge but no implementation")

    for meta in k.rules.values():
        for card_id in meta.cards:
            card = k.cards.get(card_id)
            if card is None:
                raise KnowledgeError(f"{meta.file}: rules/{meta.id}: unknown card {card_id!r}")
            if meta.id not in card.rules:
                raise KnowledgeError(f"{card.file}: cards/{card_id}: rules must list {meta.id} (which emits it)")

    worst = worst_case_values(k)
    for card in k.cards.values():
        where = f"{card.file}: cards/{card.id}"
        for rule_id in card.rules:
            if rule_id not in k.rules:
                raise KnowledgeError(f"{where}: unknown rule {rule_id!r}")
            if card.id not in k.rules[rule_id].cards:
                raise KnowledgeError(f"{where}: rule {rule_id} does not list this card under 'cards'")
        for evidence_id in card.evidence:
            if evidence_id not in k.evidence:
                raise KnowledgeError(f"{where}: unknown evidence id {evidence_id!r}")
        if card.order is not None:
            for drug_id in card.order.medications:
                if drug_id not in k.drugs:
                    raise KnowledgeError(f"{where}: unknown drug id {drug_id!r}")
            for service_id in card.order.services:
                if service_id not in k.services:
                    raise KnowledgeError(f"{where}: unknown service id {service_id!r}")
        if card.topic in DRUG_TOPICS and card.strength in SUGGESTING_STRENGTHS and card.order is None:
            raise KnowledgeError(f"{where}: a {card.strength} card about {card.topic} needs an order")
        if card.order is not None and card.strength not in SUGGESTING_STRENGTHS | {"needs-data"}:
            # a caution/not-recommended card may ask for tests (a QT hazard: ECG, potassium, magnesium), never a drug
            if card.strength not in ("caution", "not-recommended") or card.order.medications or any(
                    o.regimen for o in card.order.options):
                raise KnowledgeError(f"{where}: a {card.strength} card must not offer an order (tests only)")
        texts = (card.summary, card.choice_summary, card.why, card.dose, *card.cautions, *card.monitoring)
        for text in texts:
            for name in template_fields(text):
                if name not in k.placeholders:
                    raise KnowledgeError(f"{where}: unknown placeholder {{{name}}}")
        for text in texts:
            if _RAW_HTML.search(text):
                raise KnowledgeError(f"{where}: raw HTML is not allowed in card text ({_RAW_HTML.search(text).group(0)!r})")
        for summary in (card.summary, card.choice_summary):
            rendered = fill(summary, worst)
            if len(rendered) > SUMMARY_MAX:
                raise KnowledgeError(
                    f"{where}: summary is {len(rendered)} characters with worst-case placeholders (max {SUMMARY_MAX})"
                )
    _check_orders(k)


_NUMBER_IN_TEXT = re.compile(r"\d+(?:\.\d+)?")


def _fmt(x: float) -> str:
    return f"{x:g}"


def option_label(k: Knowledge, card: CardSpec, option: OrderOption) -> str | None:
    """The suggestion label of one order option: the drug's, regimen's or service's own short label;
    the card's ``suggestion_label`` for a single option of several items; None when there is none."""
    items = len(option.medications) + len(option.services)
    if option.label:
        return option.label
    if card.suggestion_label and (card.order is None or len(card.order.options) == 1):
        return card.suggestion_label
    if option.regimen is not None:
        return k.regimens[option.regimen].label
    if items == 1 and option.medications:
        return k.drugs[option.medications[0]].label
    if items == 1 and option.services:
        return k.services[option.services[0]].label
    return None


def _check_orders(k: Knowledge) -> None:
    """Draft orders the loader can prove executable: structured dose in a known unit that agrees with the
    product strength and with the order's own text, a coded route, bounded cyclic drugs, short labels."""
    for drug in k.drugs.values():
        where = f"{drug.file}: drugs/{drug.id}"
        if drug.route is not None and drug.route not in k.routes:
            raise KnowledgeError(f"{where}: route {drug.route!r} has no code under 'routes'")
        if drug.dose is None:
            raise KnowledgeError(f"{where}: no structured dose")
        numbers = set(_NUMBER_IN_TEXT.findall(drug.dosage))
        for bound in drug.dose.bounds:
            if _fmt(bound) not in numbers:
                raise KnowledgeError(f"{where}: the dosage text does not state the structured dose {_fmt(bound)} "
                                     f"{drug.dose.unit}")
        if drug.strength is not None and drug.strength.unit == drug.dose.unit:
            unit = drug.strength.bounds[0]
            for bound in drug.dose.bounds:
                units = bound / unit
                if abs(units - round(units)) > 1e-9 or round(units) < 1:
                    raise KnowledgeError(f"{where}: dose {_fmt(bound)} {drug.dose.unit} is not a whole number of "
                                         f"{_fmt(unit)} {drug.strength.unit} units")
        if drug.infusion is not None:
            if drug.route != "intravenous":
                raise KnowledgeError(f"{where}: an infusion duration is for an intravenous drug")
            if _fmt(drug.infusion[0]) not in numbers:
                raise KnowledgeError(f"{where}: the dosage text does not state the infusion duration "
                                     f"{_fmt(drug.infusion[0])} {drug.infusion[1]}")
        if drug.as_needed and drug.max_per_day is None:
            raise KnowledgeError(f"{where}: an as-needed drug needs max_per_day")
        low, high = drug.dose.bounds
        if low != high and not drug.titration:
            # a signable order carries one dose; a range only for an order titrated within it (and saying so)
            raise KnowledgeError(f"{where}: a dose range needs `titration` (why the order is titrated within it); "
                                 "otherwise choose one dose and say why in `dose_choice`")
        if low != high:
            # an order is signed as one dose: the titration is said in the text, each step a new order (specialist
            # review: the scheduled short-acting octreotide draft carried 100-250 micrograms; review D: so did the
            # as-needed rescue draft, timed once a day beside "up to three times a day")
            raise KnowledgeError(f"{where}: an order carries one dose (scheduled or as needed); start at one dose "
                                 "and say the titration in the dosage text")
        if drug.as_needed and drug.timing is not None and drug.max_per_day is not None:
            # the timing of an as-needed order is its shortest interval: the doses it allows in a day, times the
            # dose, is the maximum per day (net-02: frequency 1 a day beside a maximum of three doses a day)
            t = drug.timing
            per_day = t["frequency"] * {"h": 24, "d": 1}.get(t["period_unit"], 0) / t["period"]
            if "frequency_max" in t or abs(per_day * low - drug.max_per_day.bounds[0]) > 1e-9:
                raise KnowledgeError(f"{where}: an as-needed order's timing (its shortest interval, no frequencyMax) "
                                     f"allows {per_day:g} doses a day of {_fmt(low)}, but max_per_day is "
                                     f"{_fmt(drug.max_per_day.bounds[0])}")
    from service.picture.model import Labs  # the picture's lab names (a lab request names the labs it measures)
    lab_names = {f.name for f in fields(Labs)}
    for service in k.services.values():
        if not service.lab_facts:
            continue
        where = f"services/{service.id}"
        unknown_labs = [f for f in service.lab_facts if f not in lab_names]
        if unknown_labs:
            raise KnowledgeError(f"{where}: lab {unknown_labs[0]!r} is not a lab of the picture")
        if service.recent_within not in k.thresholds or k.thresholds[service.recent_within].unit != "days":
            raise KnowledgeError(f"{where}: lab.recent_within {service.recent_within!r} is not a threshold in days")
    regimen_drugs: dict[str, str] = {}
    for regimen in k.regimens.values():
        where = f"{regimen.file}: regimens/{regimen.id}"
        for drug_id, (first, last) in regimen.days.items():
            drug = k.drugs.get(drug_id)
            if drug is None:
                raise KnowledgeError(f"{where}: unknown drug {drug_id!r}")
            if drug_id in regimen_drugs:
                raise KnowledgeError(f"{where}: drug {drug_id!r} is already in regimen {regimen_drugs[drug_id]!r}")
            regimen_drugs[drug_id] = regimen.id
            if not 1 <= first <= last <= regimen.cycle_days:
                raise KnowledgeError(f"{where}: days {first}-{last} of {drug_id} fall outside the "
                                     f"{regimen.cycle_days}-day cycle")
            timing = drug.timing or {}
            if timing.get("period_unit") != "d" or timing.get("period") != 1 or "count" in timing \
                    or "duration_days" in timing:
                raise KnowledgeError(f"{drug.file}: drugs/{drug_id}: a regimen drug's timing is doses per day; the regimen "
                                     "bounds it to its days of the cycle")
        for drug_id, before in regimen.after.items():
            if before not in regimen.days or before == drug_id:
                raise KnowledgeError(f"{where}: {drug_id} comes after {before!r}, which is not another drug of the regimen")
            if regimen.days[before][0] != regimen.days[drug_id][0]:
                raise KnowledgeError(f"{where}: {drug_id} comes after {before}, which starts on another day")
        if not any(first == 1 for first, _ in regimen.days.values()):
            raise KnowledgeError(f"{where}: no drug starts on day 1 of the cycle")
    for card in k.cards.values():
        if card.order is None:
            continue
        where = f"{card.file}: cards/{card.id}"
        for option in card.order.options:
            cyclic = [d for d in option.medications if d in regimen_drugs]
            if cyclic and option.regimen is None:
                raise KnowledgeError(f"{where}: cyclic drug {cyclic[0]!r} is ordered outside its regimen "
                                     f"{regimen_drugs[cyclic[0]]!r} (order the whole regimen)")
            if card.order.options and option_label(k, card, option) is None:
                raise KnowledgeError(f"{where}: an option of several items needs a suggestion_label "
                                     "(single-option cards) or must be one drug, regimen or service")
        if card.decision and card.strength not in SUGGESTING_STRENGTHS:
            raise KnowledgeError(f"{where}: only recommend/consider cards take part in a choice (decision)")
    for card in k.cards.values():
        if card.stops is not None and card.stops.agents and not card.stops.label:
            raise KnowledgeError(f"{card.file}: cards/{card.id}: stops needs a label")
        if card.stops is not None and card.stops.holds and not card.stops.hold_label:
            raise KnowledgeError(f"{card.file}: cards/{card.id}: stops.holds needs a hold_label")
