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
import threading
from itertools import accumulate, compress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.picture.terminology import Terminology

WINDOW = 90
_YEAR = re.compile(r"(?<![0-9])(19[5-9][0-9]|20[0-9][0-9])(?![0-9])")
_DIGIT = re.compile(r"[0-9]")
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


_TOKEN = re.compile(r"[A-Za-z0-9]+|\?")


class Phrases:
    """Whole-word phrase lists matched on a sentence's tokens: one dictionary look-up per token and phrase
    length, leftmost-longest, non-overlapping (what an alternation regex would find, without trying every
    alternative at every character)."""

    __slots__ = ("by_first", "prefixes", "single", "multi", "needles")

    def __init__(self, words, *, prefix: bool = False) -> None:
        by_first: dict[str, list[tuple[str, ...]]] = {}
        prefixes: list[str] = []
        needles: set[str] = set()
        for w in {str(x).strip().lower() for x in words if str(x).strip()}:
            toks = tuple(t.lower() for t in _TOKEN.findall(w))
            if not toks:
                continue
            needles.add(max(toks, key=len))
            if prefix and len(toks) == 1:
                prefixes.append(toks[0])          # "prostat" also finds "prostatic"
            else:
                by_first.setdefault(toks[0], []).append(toks)
        for v in by_first.values():
            v.sort(key=len, reverse=True)
        self.by_first = by_first
        self.prefixes = tuple(" " + p for p in sorted(prefixes))   # " prostat" in " ... prostatic ... "
        self.single = frozenset(t[0] for v in by_first.values() for t in v if len(t) == 1)
        self.multi = tuple(" " + " ".join(t) + " " for v in by_first.values() for t in v if len(t) > 1)
        # a phrase found in a text has each of its words in the lower-cased text (as a substring): its longest
        # word is tested before the text is cut into tokens
        self.needles = tuple(sorted(needles, key=len, reverse=True))

    def found_in(self, text: str) -> bool:
        """Does any phrase occur in ``text`` (as whole words; a prefix word as the start of a word)?
        Token set and joined-token substring tests: C-level work, no per-token Python loop."""
        return self.found_in_low(text.lower())

    def may_be_in(self, low: str) -> bool:
        """False when no phrase can be in the lower-cased text ``low`` (none of their longest words is in it)."""
        for needle in self.needles:
            if needle in low:
                return True
        return False

    def found_in_low(self, low: str) -> bool:
        """:meth:`found_in` of text already lower-cased."""
        return self.may_be_in(low) and self.found_in_tokens(_TOKEN.findall(low))

    def found_in_any(self, texts: list[str]) -> bool:
        """``any(self.found_in(t) for t in texts)``: first one test over the tokens of all the texts (a phrase
        in any text is found there too), and only when that finds something, text by text (a phrase of two
        words could be the last word of one text and the first of the next)."""
        if not texts or not self.found_in_low("\n".join(texts).lower()):
            return False
        return any(self.found_in(t) for t in texts)

    def found_in_tokens(self, toks: list[str]) -> bool:
        """:meth:`found_in` for text already cut into lower-case tokens (``tokens(text)``)."""
        if self.single.intersection(toks):
            return True
        if not self.prefixes and not self.multi:
            return False
        joined = " " + " ".join(toks) + " "         # substring tests in C, no loop over the tokens
        if self.prefixes and any(p in joined for p in self.prefixes):
            return True
        return any(m in joined for m in self.multi)

    def spans(self, tokens: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        i, n = 0, len(tokens)
        by_first = self.by_first
        while i < n:
            cands = by_first.get(tokens[i][2])
            if cands:
                for phrase in cands:
                    k = len(phrase)
                    if i + k <= n and all(tokens[i + j][2] == phrase[j] for j in range(1, k)):
                        out.append((tokens[i][0], tokens[i + k - 1][1]))
                        i += k
                        break
                else:
                    i += 1
                continue
            i += 1
        return out


def tokens(text: str) -> list[str]:
    """The lower-case word tokens of ``text`` (for :meth:`Phrases.found_in_tokens`)."""
    return _TOKEN.findall(text.lower())


class CueIndex:
    """All the cue lists in one index: a single pass over a sentence's tokens finds the spans of each list
    (within a list leftmost-longest and non-overlapping, as :class:`Phrases` does; lists overlap freely)."""

    __slots__ = ("lists", "by_first", "singles", "pairs")

    def __init__(self, lists: dict[str, Phrases]) -> None:
        self.lists = tuple(lists)
        by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name, phrases_ in lists.items():
            for first, cands in phrases_.by_first.items():
                by_first.setdefault(first, []).extend((name, c) for c in cands)
        for v in by_first.values():
            v.sort(key=lambda item: len(item[1]), reverse=True)
        # (list name, phrase length, the phrase's later words as a list: one C-level slice comparison)
        self.by_first = {first: tuple((name, len(c), list(c[1:])) for name, c in v) for first, v in by_first.items()}
        # for spans_of: the one-word cues of a first word; the longer ones by their first two words (same order)
        self.singles = {first: tuple(name for name, k, _ in v if k == 1) for first, v in self.by_first.items()}
        self.pairs: dict[tuple[str, str], tuple[tuple[str, int, list[str]], ...]] = {}
        for first, v in self.by_first.items():
            for name, k, tail in v:
                if k > 1:
                    self.pairs[first, tail[0]] = self.pairs.get((first, tail[0]), ()) + ((name, k, tail),)

    def spans_of(self, words: list[str], starts: list[int], ends: list[int]) -> dict[str, list[tuple[int, int]]]:
        """:meth:`spans` of tokens given as three lists (word, start, end); only the tokens that start a cue are
        visited (picked in C: ``compress`` over a membership map)."""
        out: dict[str, list[tuple[int, int]]] = {name: [] for name in self.lists}
        pairs, singles = self.pairs, self.singles
        taken: dict[str, int] = {}
        n = len(words)
        # the candidates of :meth:`spans` at token i, in its order (longest first): a phrase of several words
        # can only match when its second word is the next token; then the one-word cues
        for i in compress(range(n), map(self.by_first.__contains__, words)):
            w = words[i]
            done: set[str] = set()
            longer = pairs.get((w, words[i + 1])) if i + 1 < n else None
            if longer:
                for name, k, tail in longer:
                    if name in done or taken.get(name, 0) > i:
                        continue
                    if i + k <= n and words[i + 1:i + k] == tail:
                        out[name].append((starts[i], ends[i + k - 1]))
                        taken[name] = i + k
                        done.add(name)
            for name in singles[w]:
                if name in done or taken.get(name, 0) > i:
                    continue
                out[name].append((starts[i], ends[i]))
                taken[name] = i + 1
                done.add(name)
        return out

    def spans(self, tokens: list[tuple[int, int, str]]) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = {name: [] for name in self.lists}
        taken: dict[str, int] = {}           # list -> token index where its last match ended
        n = len(tokens)
        by_first = self.by_first
        words = [t[2] for t in tokens]
        for i in range(n):
            cands = by_first.get(words[i])
            if not cands:
                continue
            done: set[str] = set()
            for name, k, tail in cands:
                if name in done or taken.get(name, 0) > i:
                    continue
                if k == 1 or (i + k <= n and words[i + 1:i + k] == tail):
                    out[name].append((tokens[i][0], tokens[i + k - 1][1]))
                    taken[name] = i + k
                    done.add(name)
        return out


@dataclass(frozen=True)
class Lexicon:
    negation_pre: re.Pattern[str]
    negation_post: re.Pattern[str]
    uncertainty: re.Pattern[str]
    history: re.Pattern[str]
    history_response: re.Pattern[str]
    terminators: re.Pattern[str]
    cue_lists: dict[str, Phrases]
    cue_index: CueIndex
    non_finding: frozenset[str]
    sstr_tracers: Phrases
    fdg_tracers: Phrases
    sites: tuple[str, ...]
    site_pattern: re.Pattern[str]
    synonyms: dict[str, str]
    other_tumour: Phrases
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
    cue_lists = {"negation_pre": Phrases(p("negation_pre")), "negation_post": Phrases(p("negation_post")),
                 "uncertainty": Phrases(p("uncertainty")), "history": Phrases(history),
                 "history_response": Phrases([w for w in history if str(w).lower() not in not_for_response]),
                 "terminators": Phrases(p("terminators"))}
    return Lexicon(
        cue_lists=cue_lists,
        cue_index=CueIndex(cue_lists),
        negation_pre=phrases(p("negation_pre")),
        negation_post=phrases(p("negation_post")),
        uncertainty=phrases(p("uncertainty")),
        history=phrases(history),
        history_response=phrases([w for w in history if str(w).lower() not in not_for_response]),
        terminators=phrases(p("terminators")),
        non_finding=frozenset(" ".join(str(w).lower().replace("-", " ").split()) for w in p("non_finding_sections")),
        sstr_tracers=Phrases(p("sstr_tracers")),
        fdg_tracers=Phrases(p("fdg_tracers")),
        sites=tuple(str(s).lower() for s in p("specimen_sites")),
        site_pattern=phrases(p("specimen_sites")),
        synonyms={str(k).lower(): str(v) for k, v in dict(p("specimen_synonyms")).items()},
        other_tumour=Phrases(p("other_tumour_words"), prefix=True),
        record_codes=dict(p("record_codes")),
        record_texts=dict(p("record_texts")),
        max_age_days=int(p("report_max_age_days")),
        text_cap=int(p("report_text_cap_chars")),
        total_cap=int(p("report_total_cap_chars")),
        quote_chars=int(p("report_quote_chars")),
    )


class _Marks:
    """Where the cues of one sentence are (each pattern run once over it); spans are (start, end)."""

    __slots__ = ("bounds", "neg_pre", "neg_post", "uncertain", "history", "history_response", "years", "questions")

    def __init__(self, sentence: str, lex: "Lexicon") -> None:
        if sentence.isascii():      # lower() keeps every position: one lower-casing for the whole sentence
            # the tokens and the gaps between them, their positions summed from their lengths: no match object
            # and no Python step per token (see CueIndex.spans_of)
            low = sentence.lower()
            words = _TOKEN.findall(low)
            parts: list[str] = [""] * (2 * len(words) + 1)   # gap, token, gap, ..., gap (slices filled in C)
            parts[0::2] = _TOKEN.split(low)
            parts[1::2] = words
            ends = list(accumulate(map(len, parts)))
            found = lex.cue_index.spans_of(words, ends[0:-1:2], ends[1::2])
        else:                       # "İ".lower() is two characters: lower each (ASCII) token instead
            tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN.finditer(sentence)]
            found = lex.cue_index.spans(tokens)      # every cue list in one pass over the tokens
        self.bounds = found["terminators"]
        if ";" in sentence or "-" in sentence or "\u2013" in sentence or "\u2014" in sentence:   # what it needs
            self.bounds = self.bounds + [(m.start(), m.end()) for m in _CLAUSE_MARKS.finditer(sentence)]
        self.neg_pre = found["negation_pre"]
        self.neg_post = found["negation_post"]
        self.uncertain = [(a, b) for a, b in found["uncertainty"]
                          if not (sentence[a:b].lower() in ("vs", "versus") and _COMPARED.match(sentence[b:b + 16]))]
        self.history = found["history"]
        self.history_response = found["history_response"]
        # a year needs "19" or "20" in the sentence
        self.years = [(m.start(), int(m.group(1))) for m in _YEAR.finditer(sentence)
                      if not _EDITION.search(sentence[max(0, m.start() - 8):m.start()])] \
            if ("19" in sentence or "20" in sentence) else []
        self.questions = [i for i, ch in enumerate(sentence) if ch == "?"] if "?" in sentence else []


_local = threading.local()


def _marks(sentence: str, lex: "Lexicon") -> _Marks:
    """The cue marks of ``sentence``, computed once per reading of a report (a per-thread, per-call memo)."""
    memo = getattr(_local, "memo", None)
    if memo is None:
        memo = _local.memo = {}
    key = (id(lex), sentence)
    found = memo.get(key)
    if found is None:
        if len(memo) > 512:
            memo.clear()
        found = memo[key] = _Marks(sentence, lex)
    return found


def forget() -> None:
    """Drop this thread's memo of sentence marks (at the end of each report: no patient text is kept)."""
    memo = getattr(_local, "memo", None)
    if memo:
        memo.clear()


def clause(sentence: str, start: int, end: int, lex: Lexicon) -> tuple[int, int]:
    """[a, b): the clause of ``sentence`` holding the span [start, end)."""
    a, b = 0, len(sentence)
    for m_start, m_end in _marks(sentence, lex).bounds:
        if m_end <= start and m_end > a:
            a = m_end
        elif m_start >= end and m_start < b:
            b = m_start
    return a, b


def _within(spans: list[tuple[int, int]], lo: int, hi: int) -> bool:
    for s, e in spans:
        if lo <= s and e <= hi:
            return True
    return False


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
    marks = _marks(sentence, lex)
    a, b = 0, len(sentence)                  # the clause (see :func:`clause`), from the same marks
    for m_start, m_end in marks.bounds:
        if m_end <= start and m_end > a:
            a = m_end
        elif m_start >= end and m_start < b:
            b = m_start
    lo, hi = max(a, start - WINDOW), min(b, end + WINDOW)
    # (most sentences have no cue of a kind: an empty list is not searched)
    negated = bool(marks.neg_pre and _within(marks.neg_pre, lo, start)
                   or marks.neg_post and _within(marks.neg_post, end, hi))
    spans = marks.uncertain
    uncertain = bool(spans and (_within(spans, lo, start) or _within(spans, end, hi))
                     or marks.questions and any(a <= q < b for q in marks.questions))
    history = marks.history_response if response else marks.history
    historical = bool(history and (_within(history, lo, start) or _within(history, end, hi)))
    if not historical and report_year is not None and marks.years:
        historical = any(a <= at < b and year != report_year for at, year in marks.years)
    return _MODIFIERS[negated, uncertain, historical]


_MODIFIERS = {(n, u, h): Modifiers(n, u, h) for n in (False, True) for u in (False, True) for h in (False, True)}

_COMPARED = re.compile(r"^\.?\s{0,3}(?:the\s{1,3})?(?:prior|previous|baseline|last|earlier|\d)", re.IGNORECASE)

