"""Report text: attachments decoded, markup stripped, length capped, then cut into sections, specimens and
sentences. Every step is a single left-to-right scan (``str.find``/``split``) or a bounded pattern on one line.

- ``text/plain`` and ``text/html`` attachments are read (base64 ``data``, decoded only up to the cap); any other
  type (PDF, RTF, images) or an attachment only held at a URL is *unread* and named as such;
- HTML: no parser that runs anything; tags are dropped by a scan for ``<`` and ``>``, ``script``/``style``
  bodies are skipped, block tags become line breaks, entities are unescaped (``html.unescape``);
- sections: a line that is a known header ("FINAL DIAGNOSIS:", "Impression", "Clinical history:") opens a
  section; sections that are not findings of this report (history, indication, technique, comparison, gross
  description) are kept apart and never read for facts;
- specimens (pathology): "A. Liver, segment 6, core biopsy:", "Part 2: lymph node", "Specimen B - ileum" open a
  specimen whose site word (liver, lymph node ...) labels the values read under it;
- sentences: lines, cut at ". " and "? " (not at a decimal point), at most ``MAX_SENTENCE`` characters each.
"""
from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from service.data.fhir_adapter import AttachmentRec
from service.picture.reports.gates import fold, gate

MAX_SENTENCE = 600
TEXT_TYPES = ("text/plain", "text/html")

_BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
                         "section", "article", "header", "footer", "pre", "blockquote", "dt", "dd", "hr"})
_SKIP_TAGS = ("script", "style", "head", "title")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    section: str          # normalised header of the section it is in ("" before any header)
    finding: bool         # False in history / indication / technique / comparison / gross sections
    specimen: str | None  # site word of the specimen it is under (pathology), if any


_NEW = object.__new__
_SET_TEXT, _SET_SECTION, _SET_FINDING, _SET_SPECIMEN = (Sentence.text.__set__, Sentence.section.__set__,  # type: ignore[attr-defined]
                                                        Sentence.finding.__set__, Sentence.specimen.__set__)  # type: ignore[attr-defined]


def make_sentence(text: str, section: str, finding: bool, specimen: str | None) -> Sentence:
    """``Sentence(text, section, finding, specimen)``, built by its slots directly (the frozen class's own
    ``__init__`` sets each field through ``object.__setattr__``: a third of cutting a report into sentences)."""
    s = _NEW(Sentence)
    _SET_TEXT(s, text)
    _SET_SECTION(s, section)
    _SET_FINDING(s, finding)
    _SET_SPECIMEN(s, specimen)
    return s


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str | None      # plain text, or None when the attachment could not be read
    why: str = ""         # why not read ("application/pdf attachment", "held at a URL that was not fetched")


def decode(att: AttachmentRec, cap: int) -> Decoded:
    """The plain text of one attachment (at most ``cap`` characters), or why it was not read."""
    ctype = att.content_type or ""
    if att.data is None:
        kind = ctype or "attachment"
        return Decoded(None, f"{kind} held at a URL that was not fetched" if att.url else f"{kind} without content")
    if ctype not in TEXT_TYPES:
        return Decoded(None, f"{ctype or 'untyped'} attachment (not text)")
    # base64: 4 characters -> 3 bytes; decode only what the cap can use (an HTML page needs more: markup)
    budget = cap * (8 if ctype == "text/html" else 2)
    raw = att.data[: budget - budget % 4] if len(att.data) > budget else att.data
    try:
        data = base64.b64decode(raw, validate=False)
    except (binascii.Error, ValueError):
        return Decoded(None, f"{ctype} attachment that is not valid base64")
    text = data.decode("utf-8", errors="replace")
    if ctype == "text/html":
        text = strip_html(text)
    return Decoded(text[:cap])


def strip_html(markup: str) -> str:
    """Text of an HTML fragment: tags dropped, block tags as line breaks, script/style skipped, entities decoded."""
    out: list[str] = []
    i, n = 0, len(markup)
    lower = markup.lower()
    while i < n:
        lt = markup.find("<", i)
        if lt < 0:
            out.append(markup[i:])
            break
        out.append(markup[i:lt])
        gt = markup.find(">", lt + 1)
        if gt < 0:
            break                         # an unclosed tag: the rest is markup, not text
        tag = lower[lt + 1:gt].strip()
        name = tag.lstrip("/").split(None, 1)[0].rstrip("/") if tag.lstrip("/") else ""
        if tag.startswith("!--"):
            end = markup.find("-->", lt + 4)
            i = n if end < 0 else end + 3
            continue
        if name in _SKIP_TAGS and not tag.startswith("/"):
            end = lower.find(f"</{name}", gt + 1)
            if end < 0:
                break
            close = markup.find(">", end)
            i = n if close < 0 else close + 1
            continue
        if name in _BLOCK_TAGS:
            out.append("\n")
        elif name in ("td", "th"):
            out.append(" ")
        i = gt + 1
    return html.unescape("".join(out))


# --------------------------------------------------------------------------- sections and sentences

_HEADER = re.compile(r"^\s{0,8}([A-Za-z][A-Za-z /&()\-]{1,48}?)\s{0,4}(?::|-{1,2}|\.)?\s{0,4}$|"
                     r"^\s{0,8}([A-Za-z][A-Za-z /&()\-]{1,48}?)\s{0,4}:\s{0,4}(.{0,4000})$")
_FINDING_HEADERS = frozenset({
    "diagnosis", "final diagnosis", "diagnoses", "pathologic diagnosis", "pathological diagnosis",
    "histopathological diagnosis", "interpretation", "impression", "impressions", "conclusion", "conclusions",
    "summary", "findings", "finding", "result", "results", "report", "comment", "comments", "note", "notes",
    "addendum", "addendum comment", "amended report", "microscopic", "microscopic description", "microscopy",
    "immunohistochemistry", "ancillary studies", "special studies", "synoptic report", "cancer case summary",
    "synoptic", "tumor", "tumour", "opinion", "body", "abdomen", "chest", "pelvis", "liver", "pancreas",
    "neck", "bones", "skeleton", "lymph nodes", "musculoskeletal", "thorax", "abdomen and pelvis",
})
_SPECIMEN = re.compile(r"^\s{0,6}(?:specimen|part|sample)?\s{0,2}\(?([A-Ha-h]|[1-9])\)?\s{0,2}[.):\-]\s{1,4}"
                       r"([A-Za-z][^:\n]{2,80}?)\s{0,4}(?::|-\s|$)", re.IGNORECASE)
_SPECIMEN_NAMED = re.compile(r"^\s{0,6}(?:specimen(?:\s{1,3}(?:site|type|source|received))?|site of biopsy)"
                             r"\s{0,3}:\s{0,4}([^\n]{2,120})$", re.IGNORECASE)
# "Liver bx:", "LN, mesenteric:", "Panc tail:", "Ovary, R:" - a short site label opening a terse report line
_SPECIMEN_TERSE = re.compile(r"^\s{0,6}([A-Za-z][A-Za-z0-9 ,()/\-]{1,40}?)\s{0,3}:\s", re.IGNORECASE)
_NOT_SPECIMEN = re.compile(r"ki[\s\-]?67|mitos|mitotic|grade|type|diagnos|impression|comment|histolog|margin|"
                           r"size|stage|invasion|note|clinical|history|result|addendum|interpretation|dx\b|"
                           r"necrosis|procedure|technique|finding", re.IGNORECASE)


_NOT_SPECIMEN_NEEDS = gate(_NOT_SPECIMEN)      # the words _NOT_SPECIMEN cannot match without (see gates)


def normalise_header(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


# A gate before ``_HEADER`` (a few microseconds a line): a header the reader acts on is, normalised, one of
# ``non_finding`` or ``_FINDING_HEADERS``; its name starts the (stripped) line and ends before a blank, ":", "-",
# "." or the line's end, so the line's leading run of ASCII letters is the header's first word. A line whose
# first word starts no known header is not matched at all (the match would be ignored anyway).
_LEAD = re.compile(r"[A-Za-z]{1,49}")     # (a header's first word is shorter: a longer run is no header's)


@lru_cache(maxsize=8)
def _header_firsts(non_finding: frozenset[str]) -> frozenset[str]:
    """The first words (leading runs of letters) of the headers that open a section."""
    out = set()
    for header in non_finding | _FINDING_HEADERS:
        lead = re.match(r"[a-z]+", header)
        if lead is not None:
            out.add(lead.group())
    return frozenset(out)


@lru_cache(maxsize=8)
def _site_index(sites: tuple[str, ...]) -> tuple[dict[str, int], tuple[int, ...]]:
    """(ASCII one-word site -> its position in ``sites``, the positions of the other sites)."""
    words: dict[str, int] = {}
    others: list[int] = []
    for n, site in enumerate(sites):
        if site.isascii() and site.isalpha() and site == site.lower() and len(site) <= _MAX_RUN:
            words.setdefault(site, n)
        else:
            others.append(n)
    return words, tuple(others)


_MAX_RUN = 64
# runs of letters (a longer run is cut in pieces: no site of up to _MAX_RUN letters is a whole word there, and a
# piece that happens to be a site is only tried: the scan below still asks for a whole word)
_LETTERS = re.compile(r"[a-z]{1,64}")


def _site_of(text: str, sites: tuple[str, ...]) -> str | None:
    """The first site word in ``text`` (whole words; the longest at a position)."""
    low = text.lower()
    if low.isascii():
        # in ASCII text a one-word site occurs as a whole word only as one of the text's runs of letters: only
        # those sites, and the others (several words, non-letters) found as substrings, are tried, in their order
        words, others = _site_index(sites)
        found = {words[w] for w in _LETTERS.findall(low) if w in words}
        found.update(n for n in others if sites[n] in low)
        tried: Iterable[str] = [sites[n] for n in sorted(found)]
    else:
        tried = filter(low.__contains__, sites)       # (in C: the sites in the text, in their order)
    best: tuple[int, int, str] | None = None
    for site in tried:
        at = low.find(site)
        while at >= 0:
            end = at + len(site)
            if (at == 0 or not low[at - 1].isalpha()) and (end == len(low) or not low[end].isalpha()):
                if best is None or (at, -len(site)) < (best[0], -best[1]):
                    best = (at, len(site), site)
                break
            at = low.find(site, at + 1)
    return best[2] if best else None


def sentences(text: str, *, non_finding: frozenset[str], sites: tuple[str, ...], pathology: bool) -> list[Sentence]:
    """Cut capped report text into sentences with their section, finding flag and specimen."""
    out: list[Sentence] = []
    section, finding, specimen = "", True, None
    firsts = _header_firsts(non_finding)
    lead_match, header_match, append = _LEAD.match, _HEADER.match, out.append
    new_sentence = make_sentence
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        specimen_line = pathology and _may_open_specimen(line) and _specimen_label(line, sites)
        if specimen_line:
            specimen = specimen_line[0]
        if len(line) <= MAX_SENTENCE and "." not in line and "?" not in line and "!" not in line:
            pieces: list[str] = [line]           # _split's own first test, without the call
        else:
            pieces = _split(line)
        for piece in pieces:
            body = piece
            m = None
            if len(piece) <= 52 or 0 <= piece.find(":", 0, 53):
                lead = lead_match(piece)         # a header's first word must be one of the known headers'
                if lead is not None and lead.group().lower() in firsts:
                    m = header_match(piece)
            if m is not None:
                header = normalise_header(m.group(1) or m.group(2))
                if header in non_finding or header in _FINDING_HEADERS:
                    section, finding = header, header not in non_finding
                    if header in non_finding and pathology:
                        specimen = None
                    body = (m.group(3) or "").strip() if m.group(2) else ""
                    if not body:
                        continue
                    if pathology and not specimen_line:
                        label = _specimen_label(body, sites)
                        if label:
                            specimen = label[0]
            append(new_sentence(body, section, finding, specimen))
    return out


def _may_open_specimen(line: str) -> bool:
    """A cheap gate before the specimen patterns: a label ("A.", "B)", "1:") or a colon early in the line."""
    return (len(line) > 2 and line[1] in ".):-" ) or (len(line) > 3 and line[0] == "(") or \
        0 <= line.find(":", 0, 60) or line[:8].lower().startswith(("specimen", "part", "sample"))


def _specimen_label(line: str, sites: tuple[str, ...]) -> tuple[str | None] | None:
    """(site,) when ``line`` opens a specimen ("A. Liver, core biopsy:", "Specimen: lymph node"), else None."""
    s = _SPECIMEN.match(line)
    named = _SPECIMEN_NAMED.match(line) if s is None else None
    label = s.group(2) if s is not None else named.group(1) if named is not None else None
    if label is None:
        terse = _SPECIMEN_TERSE.match(line)
        if terse is None or (_NOT_SPECIMEN_NEEDS(fold(terse.group(1))) and _NOT_SPECIMEN.search(terse.group(1))):
            return None
        site = _site_of(terse.group(1), sites)
        return (site,) if site is not None else None
    site = _site_of(label, sites)
    return (site,) if site is not None or s is not None else None


# a "." / "?" / "!" ends a sentence only when a blank follows it (see :func:`_ends_sentence`): only those are tried
_PUNCT = re.compile(r"[.?!](?=\s)")


def _ends_sentence(line: str, i: int) -> bool:
    """Is the "." / "?" / "!" at ``i`` the end of a sentence? (not "2.5", "approx. 5", "e.g. the", "Dr. X")"""
    n = len(line)
    j = i + 1
    if j < n and not line[j].isspace():
        return False                          # "2.5", "mm2.", "a.m."
    k = j
    while k < n and line[k].isspace() and k - j < 8:
        k += 1
    if k >= n:
        return False                          # the line's end ends it anyway
    if k - j >= 2 and i > 0 and line[i - 1] in ".?!":
        return True
    prev = line[i - 1] if i > 0 else ""
    nxt = line[k]
    if prev.isalnum() or prev in "%)]":
        if nxt.isupper() or nxt in "(-\u2022*":
            return True
        if nxt.islower() and i >= 4 and line[i - 4:i].isalpha() and line[i - 4:i].islower():
            return True                       # dictated text: "... percent. the tumour ..."
    return False


def _split(line: str) -> list[str]:
    """``line`` cut into sentences at ". " / "? " / "! " (see :func:`_ends_sentence`), each at most
    ``MAX_SENTENCE`` characters. A scan over the line's punctuation marks: linear, no pattern."""
    if len(line) <= MAX_SENTENCE and "." not in line and "?" not in line and "!" not in line:
        return [line]
    ends = _PUNCT.search(line)
    if ends is None and len(line) <= MAX_SENTENCE:
        rest = line.strip()                   # no mark followed by a blank: nothing ends before the line's end
        return [rest] if rest else []
    parts: list[str] = []
    start = 0
    for m in _PUNCT.finditer(line, ends.start() if ends is not None else len(line)):
        i = m.start()
        if _ends_sentence(line, i):
            piece = line[start:i + 1].strip()
            if piece:
                parts.append(piece)
            start = i + 1
    rest = line[start:].strip()
    if rest:
        parts.append(rest)
    out: list[str] = []
    for piece in parts:
        if len(piece) <= MAX_SENTENCE:
            out.append(piece)                    # stripped, not empty, short: kept as it is
            continue
        start, n = 0, len(piece)
        while n - start > MAX_SENTENCE:          # cut by position: no copy of the rest per cut
            cut = piece.rfind(" ", start, start + MAX_SENTENCE)
            cut = start + MAX_SENTENCE if cut < start + MAX_SENTENCE // 2 else cut
            chunk = piece[start:cut].strip()
            if chunk:
                out.append(chunk)
            start = cut
        rest = piece[start:].strip()
        if rest:
            out.append(rest)
    return out


def quote_of(sentence: str, start: int, end: int, limit: int) -> str:
    """The sentence (whitespace collapsed) or, when longer than ``limit``, a window around [start, end)."""
    if len(sentence) <= limit:
        return " ".join(sentence.split())
    half = max(0, (limit - (end - start)) // 2)
    a = max(0, start - half)
    b = min(len(sentence), a + limit - 2)
    a = max(0, b - (limit - 2))
    piece = " ".join(sentence[a:b].split())
    return ("…" if a > 0 else "") + piece + ("…" if b < len(sentence) else "")
