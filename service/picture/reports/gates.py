"""Cheap gates before report patterns: the words a pattern cannot match without, derived from the pattern itself.

A pattern over a sentence costs microseconds (an ``IGNORECASE`` alternation is tried at nearly every character);
a substring test (``"liver" in low``) costs tens of nanoseconds. :func:`gate` reads a compiled pattern's parse
tree and returns clauses of literal words such that *every* match of the pattern contains, for each clause, at
least one of its words (lower-cased). A sentence whose folded lower-case text (:func:`fold`) fails a clause
cannot match: the pattern is not run. The gate is a necessary condition only - when it passes the pattern still
decides - so gating never changes what is read, only what is tried.

How the clauses are found (a parse-tree walk, no guessing):

- a run of literal characters in a sequence is a word the match must contain (a class of up to four literal
  characters makes the run one of a few words: ``[<>]=`` is "<=" or ">=");
- a group, or an item repeated at least once, must match: its clauses hold;
- an alternation holds a clause made of one clause of each branch (one word of it is in whichever branch
  matched); a branch without any clause (an empty or all-optional branch) leaves the alternation without one;
- anything else (character classes, optional items, lookarounds, anchors) gives nothing and breaks a run.

Case: ``IGNORECASE`` lets ASCII letters also match "İ", "ı", "ſ" and the Kelvin sign; :func:`fold` maps those
(after ``str.lower``) to the ASCII letter they match, so a folded text contains a word whenever a match does.
"""
from __future__ import annotations

import itertools
import re
import re._constants as _c
import re._parser as _p

_MAX_CLAUSES = 16         # clauses kept per node (the most selective first)
_GATE_CLAUSES = 4         # clauses a gate tests
_MAX_WORDS = 24           # words per clause: a longer clause tests more than it saves
_FOLD = {0x307: None, 0x131: "i", 0x17F: "s"}   # "İ".lower() is "i" + U+0307; "ı" and "ſ" match "i" and "s"


def fold(text: str) -> str:
    """``text`` lower-cased for gates: every character an ``IGNORECASE`` ASCII literal matches becomes it."""
    return folded(text.lower())


def folded(low: str) -> str:
    """:func:`fold` of text already lower-cased (``text.lower()``)."""
    return low if low.isascii() else low.translate(_FOLD)


Clause = tuple[str, ...]


def _rank(clause: Clause) -> tuple[int, int]:
    """Most selective first: longer shortest word (a sign such as ">" or "%" counts as rare), then fewer words."""
    return (-min(len(w) if w.isalnum() or len(w) > 1 else 5 for w in clause), len(clause))


def _prune(clauses: list[Clause]) -> list[Clause]:
    """Drop clauses implied by a kept one (a superset of its words), long ones, duplicates; best first."""
    out: list[Clause] = []
    for c in sorted({tuple(sorted(set(c))) for c in clauses if c and len(set(c)) <= _MAX_WORDS}, key=_rank):
        words = set(c)
        if any(set(k) <= words for k in out):
            continue
        # a word containing another word of the clause adds nothing ("avid" covers "avidity")
        reduced = tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))
        out.append(reduced)
    return sorted(set(out), key=_rank)[:_MAX_CLAUSES]


# non-ASCII characters a literal may be: uncased signs (IGNORECASE matches them only as themselves)
_SIGNS = frozenset("\u2248\u00b2\u2013\u2014\u2264\u2265\u00b0\u00b1\u00d7")
_MAX_RUN = 16             # alternatives of one literal run ("[<>]=" is two)


def _chars(op, av) -> tuple[str, ...] | None:
    """The characters one parse item matches when it is a literal or a small class of literals, else None."""
    if op is _c.LITERAL:
        c = chr(av)
        return (c,) if av < 128 or c in _SIGNS else None
    if op is _c.IN and 0 < len(av) <= 4 and all(o is _c.LITERAL for o, _ in av):
        cs = tuple(chr(v) for _, v in av)
        return cs if all(ord(c) < 128 or c in _SIGNS for c in cs) else None
    return None


def _clauses(items) -> list[Clause] | None:
    """Clauses of a sequence of parse items; None when nothing is required."""
    found: list[Clause] = []
    run: list[str] = []           # the strings the literal run so far may be (one per class choice)

    def flush() -> None:
        if run and run[0]:
            found.append(tuple(r.lower() for r in run))
        run.clear()

    for op, av in items:
        chars = _chars(op, av)
        if chars is not None:
            grown = [r + c for r in (run or [""]) for c in chars]
            if len(grown) <= _MAX_RUN:
                run[:] = grown
                continue
            flush()
            run[:] = list(chars)
            continue
        flush()
        if op is _c.SUBPATTERN:
            sub = _clauses(av[3])
            if sub:
                found += sub
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, _high, body = av
            if low >= 1:
                sub = _clauses(body)
                if sub:
                    found += sub
        elif op is _c.ATOMIC_GROUP:
            sub = _clauses(av)
            if sub:
                found += sub
        elif op is _c.BRANCH:
            branches = [_clauses(b) for b in av[1]]
            if all(branches):
                combos = itertools.islice(itertools.product(*branches), 64)
                found += [tuple(w for c in combo for w in c) for combo in combos]
        # other classes, ANY, AT, ASSERT, ASSERT_NOT, GROUPREF, NOT_LITERAL, CATEGORY ...: nothing required
    flush()
    pruned = _prune(found)
    return pruned or None


class Gate:
    """The clauses of one pattern: ``gate(low)`` is False only when the pattern cannot match the text whose
    :func:`fold` is ``low``."""

    __slots__ = ("clauses", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        if not isinstance(pattern.pattern, str) or pattern.flags & re.VERBOSE:
            self.clauses: tuple[Clause, ...] = ()
        else:
            # a few clauses: a sentence that passes (the one the pattern then scans) pays for every clause
            self.clauses = tuple((_clauses(_p.parse(pattern.pattern, pattern.flags)) or [])[:_GATE_CLAUSES])
        self.pattern = pattern.pattern

    def __call__(self, low: str) -> bool:
        for clause in self.clauses:
            for word in clause:
                if word in low:
                    break
            else:
                return False
        return True

    def __repr__(self) -> str:
        return f"Gate({self.clauses!r})"


def gate(pattern: re.Pattern[str]) -> Gate:
    return Gate(pattern)


# --------------------------------------------------------------------------- case-sensitive twins
#
# An IGNORECASE pattern tries every alternative at nearly every character, lower-casing as it goes; the same
# pattern with its letters lower-cased and without IGNORECASE, run on the lower-cased text, finds the same spans
# two to four times faster (the engine can skip to the characters a match starts with). For ASCII text only:
# there ``str.lower`` keeps every position and IGNORECASE matches a letter exactly when the lower-cased text has
# the lower-case letter; non-ASCII text ("İ", "ſ", the Kelvin sign fold onto ASCII letters) uses the original.
# The twin is checked against the original's parse tree (same tree, letters lower-cased) or not made at all.


def lowered(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The case-sensitive twin of an IGNORECASE ``pattern`` for lower-cased ASCII text, or None when there is
    none (inline case flags, named groups, an escaped backslash, a class range mixing letters and others)."""
    src, flags = pattern.pattern, pattern.flags
    if not flags & re.IGNORECASE or flags & (re.VERBOSE | re.LOCALE) or "(?" in src.replace("(?:", "").replace(
            "(?<!", "").replace("(?<=", "").replace("(?!", "").replace("(?=", "").replace("(?P<", "") \
            or "\\\\" in src:
        return None
    # letters lower-cased, not after a backslash (escapes: \S, \B ...) nor after "?" ("(?P<name>")
    twin_src = re.sub(r"(?<![\\?])[A-Z]", lambda m: m.group().lower(), src)
    try:
        twin = re.compile(twin_src, flags & ~re.IGNORECASE)
        same = _shape(_p.parse(src, flags), True) == _shape(_p.parse(twin_src, flags & ~re.IGNORECASE), False)
    except (re.error, ValueError):
        return None
    return twin if same and twin.groupindex == pattern.groupindex else None


class _Unsafe(ValueError):
    pass


def _shape(items, lower: bool):
    """A parse tree as nested tuples; with ``lower``, letters lower-cased (a range only within A-Z or a-z)."""
    out = []
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL):
            out.append((op, ord(chr(av).lower()) if lower and 65 <= av <= 90 else av))
        elif op is _c.RANGE:
            lo, hi = av
            if lower and 65 <= lo <= hi <= 90:
                av = (lo + 32, hi + 32)
            elif lo <= 122 and hi >= 65 and not (97 <= lo <= hi <= 122):
                raise _Unsafe(av)                      # a range mixing letters and other characters
            out.append((op, av))
        elif op is _c.IN:
            out.append((op, frozenset(_shape(av, lower))))    # a set: its order and repeats do not count
        elif op is _c.SUBPATTERN:
            group, add, dele, sub = av
            if add or dele:
                raise _Unsafe(av)
            out.append((op, group, tuple(_shape(sub, lower))))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            out.append((op, av[0], av[1], tuple(_shape(av[2], lower))))
        elif op is _c.BRANCH:
            out.append((op, tuple(tuple(_shape(b, lower)) for b in av[1])))
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            out.append((op, av[0], tuple(_shape(av[1], lower))))
        elif op is _c.ATOMIC_GROUP:
            out.append((op, tuple(_shape(av, lower))))
        elif op in (_c.AT, _c.ANY, _c.CATEGORY, _c.NEGATE):
            out.append((op, av))
        else:
            raise _Unsafe(op)                          # group references, conditionals ...: no twin
    return out
