"""Rules stage: run every decision-table row over one ``NetPicture``.

Every module in this package registers its rows with ``@rule`` at import; ``load_rules``
imports them all (pkgutil), so a new group module needs no edit here. Scope comes first:

* ``Scope.NONE``: no outcomes at all (no neuroendocrine neoplasm: the service is not for them);
* ``Scope.SCLC`` / ``Scope.EXCLUDED``: only the rows registered for that scope (G-03's one out-of-scope card
  naming the pathway: small-cell lung cancer, Merkel cell carcinoma, paraganglioma/phaeochromocytoma);
* otherwise every row registered for the picture's scope, in row-id order; then G-02's NEC
  suppression; then the review rows (``@rule(id, review=True)``, in row-id order: FT-01 fitness and
  age, KR-01 Ki-67 ranges, PD-01 declined therapies, TC-01 therapy course), which see every outcome and may
  only withdraw other rows' outcomes, amend them (``Outcome.amended``: a note on the finding, facts and
  missing data appended) or add their own.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from datetime import date
from typing import TYPE_CHECKING

from service.picture.model import NetPicture, Scope
from service.rules.outcome import FactUse, Outcome, Status
from service.rules.registry import RegisteredRule, RuleFunction, RuleKnowledge, registered_rules, rule

if TYPE_CHECKING:  # pragma: no cover
    from service.knowledge import Knowledge

__all__ = ["evaluate", "load_rules", "rule", "Outcome", "Status", "FactUse", "RuleKnowledge"]

_NO_CARDS = frozenset({Scope.NONE})
_FRAMEWORK = frozenset({"outcome", "registry"})


def load_rules() -> dict[str, RegisteredRule]:
    """Import every rule module of this package and return the registered rules by id."""
    _import_rule_modules()
    return registered_rules()


@functools.cache
def _import_rule_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _FRAMEWORK and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


def evaluate(picture: NetPicture, *, as_of: date, knowledge: "Knowledge") -> list[Outcome]:
    """All outcomes (applicable, not applicable, insufficient) for one picture."""
    scope = picture.scope
    if scope in _NO_CARDS:
        return []
    rows, reviews = rule_plan(knowledge)[scope]
    outcomes: list[Outcome] = []
    append = outcomes.append
    for rule_id, function, view in rows:
        result = function(picture, as_of, view)
        if type(result) is Outcome and result.rule_id == rule_id:  # the common case: one outcome
            append(result)
            continue
        for outcome in result if isinstance(result, tuple) else (result,):
            if not isinstance(outcome, Outcome) or outcome.rule_id != rule_id:
                raise TypeError(f"rule {rule_id} returned {outcome!r}, not an Outcome of its own row")
            append(outcome)
    outcomes = _suppress_for_nec(outcomes, knowledge)
    for registered, view in reviews:
        outcomes = _review(registered, picture, as_of, view, outcomes)
    return outcomes


_Row = tuple[str, RuleFunction, RuleKnowledge]
_Plan = dict[Scope, tuple[tuple[_Row, ...], tuple[tuple[RegisteredRule, RuleKnowledge], ...]]]


def rule_plan(knowledge: "Knowledge") -> _Plan:
    """Per scope: the rows to run, in row-id order, each with its knowledge view; then the review rows.
    Worked out once per knowledge (the registry is read-only after import), not on every call."""
    return knowledge.derive("rule_plan", _build_plan)


def _build_plan(knowledge: "Knowledge") -> _Plan:
    registered = sorted(load_rules().items())
    plan: _Plan = {}
    for scope in Scope:
        if scope in _NO_CARDS:
            continue
        rows = tuple((rule_id, r.function, knowledge.for_rule(rule_id))
                     for rule_id, r in registered if scope in r.scopes and not r.review)
        reviews = tuple((r, knowledge.for_rule(rule_id)) for rule_id, r in registered if scope in r.scopes and r.review)
        plan[scope] = (rows, reviews)
    return plan


def _amends(before: Outcome, after: Outcome) -> bool:
    """``after`` is ``before`` amended (``Outcome.amended``): same row, status, card and params; the finding,
    facts and missing data only extended."""
    return (after.rule_id == before.rule_id and after.status is before.status and after.card == before.card
            and after.params == before.params and after.reason.startswith(before.reason)
            and after.facts[:len(before.facts)] == before.facts
            and after.missing[:len(before.missing)] == before.missing)


def _review(registered: RegisteredRule, picture: NetPicture, as_of: date, view: RuleKnowledge,
            outcomes: list[Outcome]) -> list[Outcome]:
    """Run one review row; it may only withdraw or amend other rows' outcomes and add outcomes of its own."""
    rule_id = registered.rule_id
    given = tuple(outcomes)
    result = registered.function(picture, as_of, view, given)
    if result is given:  # nothing to review (the common case): no check needed
        return outcomes
    revised = list(result)
    others = [o for o in revised if not (isinstance(o, Outcome) and o.rule_id == rule_id)]
    if len(others) != len(outcomes):
        raise TypeError(f"review row {rule_id} added or dropped outcomes of other rows")
    for before, after in zip(outcomes, others):
        if after is before:  # untouched (the common case): nothing to check
            continue
        if not isinstance(after, Outcome) or after.rule_id != before.rule_id or (
                after != before and after.status is not Status.NOT_APPLICABLE and not _amends(before, after)):
            raise TypeError(f"review row {rule_id} may only withdraw or amend {before.rule_id}, "
                            f"not turn it into {after!r}")
    return revised


def rule_group(rule_id: str) -> str:
    """The decision-table group of a row id: "M-04" -> "M", "G3-01" -> "G3"."""
    return rule_id.split("-", 1)[0]


def _suppress_for_nec(outcomes: list[Outcome], knowledge: "Knowledge") -> list[Outcome]:
    """G-02: a NEC gets no WD-NET antiproliferative suggestion (recommend/consider card of a site row)."""
    for o in outcomes:
        if o.rule_id == "G-02" and o.status is Status.APPLICABLE:
            break
    else:
        return outcomes
    groups = set(knowledge.lists.get("nec_suppressed_rule_groups", ()))
    kept: list[Outcome] = []
    for o in outcomes:
        if o.status is Status.APPLICABLE and rule_group(o.rule_id) in groups:
            cards = knowledge.rules[o.rule_id].cards
            card_id = o.card or (cards[0] if cards else None)
            if card_id is not None and knowledge.cards[card_id].strength in ("recommend", "consider"):
                o = Outcome.not_applicable(o.rule_id, "suppressed by G-02: poorly differentiated NEC")
        kept.append(o)
    return kept
