"""The rule registry: ``@rule("M-04")`` registers a decision-table row.

A rule is a pure function ``(picture, as_of, knowledge) -> Outcome`` (or a tuple of
outcomes, all with the rule's own id). A *review* row (``@rule(id, review=True)``) runs after
every other row: ``(picture, as_of, knowledge, outcomes) -> outcomes`` returns the whole list,
in which it may only withdraw other rows' outcomes (same row, NOT_APPLICABLE with a reason) and
add outcomes of its own (PD-01: therapies the patient declined). It reads its numbers and words through the
``RuleKnowledge`` it is given, never from Python literals. The registry is filled once, at
import of the rule modules (``service.rules`` imports every module of the package), and is
read-only afterwards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Union

from service.knowledge import RuleKnowledge
from service.picture.model import Scope
from service.rules.outcome import Outcome


RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]{2}$")

# Scopes a rule runs in unless it says otherwise. NONE never reaches a rule; SCLC and EXCLUDED reach only
# the rules registered for them (G-03's out-of-scope card).
TUMOUR_SCOPES: frozenset[Scope] = frozenset({Scope.NET, Scope.NEC, Scope.MINEN})

RuleResult = Union[Outcome, tuple[Outcome, ...]]
RuleFunction = Callable[..., RuleResult]


@dataclass(frozen=True)
class RegisteredRule:
    rule_id: str
    function: RuleFunction
    module: str
    scopes: frozenset[Scope]
    review: bool = False


_RULES: dict[str, RegisteredRule] = {}


def rule(rule_id: str, *, scopes: Iterable[Scope] = TUMOUR_SCOPES,
         review: bool = False) -> Callable[[RuleFunction], RuleFunction]:
    """Register ``function`` as the logic of decision-table row ``rule_id`` (``review``: runs after the others)."""
    if not RULE_ID.match(rule_id):
        raise ValueError(f"rule id {rule_id!r} does not look like a decision-table row id (e.g. 'M-04')")
    scope_set = frozenset(scopes)

    def register(function: RuleFunction) -> RuleFunction:
        existing = _RULES.get(rule_id)
        if existing is not None and (existing.module, existing.function.__qualname__) != (
            function.__module__, function.__qualname__
        ):
            raise ValueError(f"rule {rule_id} registered twice ({existing.module} and {function.__module__})")
        _RULES[rule_id] = RegisteredRule(rule_id, function, function.__module__, scope_set, review)
        return function

    return register


def registered_rules() -> dict[str, RegisteredRule]:
    """Every registered rule by id (a copy; import ``service.rules`` first to load them all)."""
    return dict(_RULES)


__all__ = ["RULE_ID", "TUMOUR_SCOPES", "RegisteredRule", "RuleFunction", "RuleKnowledge", "RuleResult",
           "registered_rules", "rule"]
