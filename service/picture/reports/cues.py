"""ConText-style modifiers for report sentences: negation, uncertainty, history, and clause scope.

A cue scopes over its clause only: clauses end at the terminators of the lexicon ("but", "however", ";" ...).
For a target span, a *pre* cue must stand in the clause before it (within ``WINDOW`` characters) and a *post*
cue after it; uncertainty counts on either side, and so does a question mark in the clause. A year in the
clause that is not the report's own year marks the statement as historical ("the 2019 biopsy showed ...").

The word lists are reviewed knowledge (``cards/terminology/reports.yaml``): compiled once per terminology into
alternations of literal phrases (escaped), so matching is linear in the clause length.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.picture.terminology import Terminology

WINDOW = 90
_YEAR = re.compile(r"(?<![0-9])(19[5-9][0-9]|20[0-9][0-9])(?![0-9])")
_CLAUSE_MARKS = re.compile(r";|\s[-\u2013\u2014]\s")
_EDITION = re.compile(r"(?:WHO|AJCC|ENETS|UICC|TNM)[\s\-]{1,2}$", re.IGNORECASE)


def phrases(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``words`` as whole words (spaces match 1-3 blanks)."""
    parts = []
    for w in sorted({str(x).strip().lower() for x in words if str(x).strip()}, key=len, reverse=True):
        parts.append(r"\s{1,3}".join(re.escape(piece) for piece in w.split()))
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + r")(?![A-Za-z0-9])", re.IGNORECASE)


def fragments(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """Like :func:`phrases`, but a word may be the start of a longer word ("prostat" matches "prostatic")."""
    parts = [r"\s{1,3}".join(re.escape(p) for p in str(w).strip().lower().split())
             for w in sorted({str(x) for x in words if str(x).strip()}, key=len, reverse=True)]
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + r")", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    negation_pre: re.Pattern[str]
    negation_post: re.Pattern[str]
    uncertainty: re.Pattern[str]
    history: re.Pattern[str]
    history_response: re.Pattern[str]
    terminators: re.Pattern[str]
    non_finding: frozenset[str]
    sstr_tracers: re.Pattern[str]
    fdg_tracers: re.Pattern[str]
    sites: tuple[str, ...]
    site_pattern: re.Pattern[str]
    synonyms: dict[str, str]
    other_tumour: re.Pattern[str]
    record_codes: dict[str, Any]
    record_texts: dict[str, Any]
    max_age_days: int
    text_cap: int
    total_cap: int
    quote_chars: int


def site_name(word: str | None, lex: "Lexicon") -> str | None:
    """The site word shown on cards for a specimen word ("LN" -> "lymph node", "hepatic" -> "liver")."""
    if word is None:
        return None
    w = " ".join(word.lower().split())
    return lex.synonyms.get(w, w)


@lru_cache(maxsize=8)
def lexicon(term: Terminology) -> Lexicon:
    """The compiled cue lists of one (immutable) terminology."""
    p = term.parameter
    history = list(p("history"))
    not_for_response = {str(w).lower() for w in p("history_not_for_response")}
    return Lexicon(
        negation_pre=phrases(p("negation_pre")),
        negation_post=phrases(p("negation_post")),
        uncertainty=phrases(p("uncertainty")),
        history=phrases(history),
        history_response=phrases([w for w in history if str(w).lower() not in not_for_response]),
        terminators=phrases(p("terminators")),
        non_finding=frozenset(" ".join(str(w).lower().replace("-", " ").split()) for w in p("non_finding_sections")),
        sstr_tracers=phrases(p("sstr_tracers")),
        fdg_tracers=phrases(p("fdg_tracers")),
        sites=tuple(str(s).lower() for s in p("specimen_sites")),
        site_pattern=phrases(p("specimen_sites")),
        synonyms={str(k).lower(): str(v) for k, v in dict(p("specimen_synonyms")).items()},
        other_tumour=fragments(p("other_tumour_words")),
        record_codes=dict(p("record_codes")),
        record_texts=dict(p("record_texts")),
        max_age_days=int(p("report_max_age_days")),
        text_cap=int(p("report_text_cap_chars")),
        total_cap=int(p("report_total_cap_chars")),
        quote_chars=int(p("report_quote_chars")),
    )


def clause(sentence: str, start: int, end: int, lex: Lexicon) -> tuple[int, int]:
    """[a, b): the clause of ``sentence`` holding the span [start, end)."""
    a, b = 0, len(sentence)
    for pattern in (lex.terminators, _CLAUSE_MARKS):
        for m in pattern.finditer(sentence):
            if m.end() <= start and m.end() > a:
                a = m.end()
            elif m.start() >= end and m.start() < b:
                b = m.start()
    return a, b


@dataclass(frozen=True, slots=True)
class Modifiers:
    negated: bool = False
    uncertain: bool = False
    historical: bool = False

    @property
    def plain(self) -> bool:
        """An affirmed, certain, current statement."""
        return not (self.negated or self.uncertain or self.historical)


def modifiers(sentence: str, start: int, end: int, lex: Lexicon, *, report_year: int | None,
              response: bool = False) -> Modifiers:
    """Negation, uncertainty and history of the statement at [start, end) of ``sentence``."""
    a, b = clause(sentence, start, end, lex)
    pre = sentence[max(a, start - WINDOW):start]
    post = sentence[end:min(b, end + WINDOW)]
    negated = bool(lex.negation_pre.search(pre) or lex.negation_post.search(post))
    uncertain = _hedged(pre, lex) or _hedged(post, lex) or "?" in sentence[a:b]
    history = lex.history_response if response else lex.history
    historical = bool(history.search(pre) or history.search(post))
    if not historical and report_year is not None:
        for m in _YEAR.finditer(sentence, a, b):
            if int(m.group(1)) != report_year and not _EDITION.search(sentence[max(0, m.start() - 8):m.start()]):
                historical = True    # "the 2019 biopsy"; not "WHO 2019" (a classification's edition)
                break
    return Modifiers(negated, uncertain, historical)


_COMPARED = re.compile(r"^\.?\s{0,3}(?:the\s{1,3})?(?:prior|previous|baseline|last|earlier|\d)", re.IGNORECASE)


def _hedged(text: str, lex: Lexicon) -> bool:
    """An uncertainty cue in ``text``; "vs"/"versus" before a prior study ("CT vs prior") is a comparison."""
    for m in lex.uncertainty.finditer(text):
        if m.group(0).lower() in ("vs", "versus") and _COMPARED.match(text[m.end():m.end() + 16]):
            continue
        return True
    return False
