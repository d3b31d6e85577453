"""Per-sentence readings of the facts that decide NEN therapy, from pathology and imaging report text.

Pathology: Ki-67 (per cent, ranges, bounds; "MIB-1", "proliferation index", hot spot), mitotic count (per 2 mm²
or per 10 HPF), differentiation and tumour-type words (NET, carcinoid, NEC, small-cell, large-cell NEC, MiNEN),
WHO grade. Imaging: SSTR uptake statements (against liver or spleen, Krenning score, non-avid lesions,
heterogeneity, whole-study negative), FDG avidity, response (progression, stable, improved).

Each reading carries its :class:`~service.picture.reports.cues.Modifiers`; ``service.picture.reports.read``
decides what a report says from them. A misread is worse than a miss: anything ambiguous (two values in one
clause, a grading table quoted in the report, a value next to another tumour's name) yields no reading.
All patterns have bounded quantifiers and run on one capped sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.picture.model import DiseaseStatus, Grade, Ki67
from service.picture.reports.cues import Lexicon, Modifiers, clause, modifiers
from service.picture.reports.gates import fold, folded, gate, lowered
from service.picture.reports.text import Sentence

# --------------------------------------------------------------------------- shared pieces

_NUM = r"(\d{1,3}(?:[.,]\d{1,2})?)"
_PCT = r"\s{0,2}(?:%|per\s?cent\b)"
_CMP = (r"(<=|>=|≤|≥|<|>|=|~|less\s{1,3}than|fewer\s{1,3}than|under|below|up\s{1,3}to|at\s{1,3}most|"
        r"more\s{1,3}than|greater\s{1,3}than|over|above|at\s{1,3}least|exceeds?|exceeding|in\s{1,3}excess\s{1,3}of|"
        r"approximately|approx\.?|about|around|roughly|circa|ca\.)?")
_CMP_MAP = {"<": "<", "less than": "<", "fewer than": "<", "under": "<", "below": "<",
            "<=": "<=", "≤": "<=", "up to": "<=", "at most": "<=",
            ">": ">", "more than": ">", "greater than": ">", "over": ">", "above": ">", "exceed": ">",
            "exceeds": ">", "exceeding": ">", "in excess of": ">",
            ">=": ">=", "≥": ">=", "at least": ">="}
_UNCHECKED = re.compile(r"^\s{0,4}(?:\[\s{0,2}\]|\(\s{0,2}\)|_{2,6}\s)")
NE_WORDS = re.compile(r"neuro[\s\-]?endocrine|(?-i:\b(?:Pan)?NETs?\b)|carcinoid|(?-i:\bNEC\b)|\bMiNEN|small[\s\-]cell\s{1,3}"
                      r"carcinoma|synaptophysin|chromogranin|INSM1|islet\s{1,3}cell|(?-i:\bPNET\b)", re.IGNORECASE)
#: words that name a neuroendocrine neoplasm as a diagnosis (markers alone do not)
NEN_DIAGNOSIS = re.compile(r"neuro[\s\-]?endocrine\s{1,3}(?:tumou?rs?|neoplasms?|carcinomas?|proliferation)|"
                           r"(?-i:\b(?:Pan)?NETs?\b)|carcinoids?\b|(?-i:\bNEC\b)|\bMiNENs?\b|\bMANEC\b|small[\s\-]{1,2}"
                           r"cell\s{1,3}carcinoma|(?-i:\bPNET\b)|islet\s{1,3}cell\s{1,3}tumou?r", re.IGNORECASE)


def _cmp(raw: str | None) -> str:
    if not raw:
        return "="
    key = " ".join(raw.lower().split())
    return _CMP_MAP.get(key, "=")


def _num(raw: str) -> float:
    return float(raw.replace(",", "."))


@dataclass(frozen=True, slots=True)
class Reading:
    field: str              # ki67 | mitoses | differentiation | grade | sstr | fdg | status
    value: Any
    display: str            # plain words of the value read
    sentence: Sentence
    start: int
    end: int
    mods: Modifiers
    specimen: str | None = None
    tag: str = ""           # a field-specific qualifier (Ki-67 "hot spot"; SSTR "study"/"lesion"; record hints)


# --------------------------------------------------------------------------- pathology

_KI67_LABEL = re.compile(r"(?<![A-Za-z0-9])(?:ki[\s\-]{0,2}67|mib[\s\-]{0,2}1|proliferat(?:ion|ive)\s{1,3}"
                         r"(?:index|fraction|rate)|labell?ing\s{1,3}index)(?![0-9])", re.IGNORECASE)
_KI67_RANGE = re.compile(_CMP + r"\s{0,3}" + _NUM + r"(?:" + _PCT + r")?\s{0,3}(?:-|–|—|to)\s{0,3}" + _NUM + _PCT,
                         re.IGNORECASE)
_KI67_SINGLE = re.compile(_CMP + r"\s{0,3}" + _NUM + _PCT, re.IGNORECASE)
_HOT_SPOT = re.compile(r"hot[\s\-]?spots?|hotspots?|highest|maximal|maximum", re.IGNORECASE)
_AVERAGE = re.compile(r"\baverage\b|\bmean\b|\boverall\b|\bglobal\b", re.IGNORECASE)
_GRADE_TOKEN = re.compile(r"(?<![A-Za-z0-9])G\s{0,1}[123](?![0-9A-Za-z])|\bgrade\s{0,2}(?:[123]|I{1,3})\b",
                          re.IGNORECASE)

_AREA = (r"(?P<area>2\s{0,2}(?:mm\s{0,2}(?:2|²|\^2)|sq\.?\s{0,2}mm|square\s{1,3}mm|square\s{1,3}millimet(?:er|re)s)"
         r"|10\s{0,2}(?:hpfs?|high[\s\-]{1,2}power[\s\-]{1,2}fields?)"
         r"|50\s{0,2}(?:hpfs?|high[\s\-]{1,2}power[\s\-]{1,2}fields?))")
_MIT_WORD = re.compile(r"mitos[ie]s|mitotic", re.IGNORECASE)
_MIT_VALUE = re.compile(_CMP + r"\s{0,3}(?P<n>\d{1,3}(?:[.,]\d)?)(?:\s{0,3}(?:-|–|to)\s{0,3}(?P<n2>\d{1,3}))?\s{0,3}"
                        r"(?:(?:mitos[ie]s|mitotic\s{1,3}figures?|mitoses\s{1,3}figures?)\s{0,3})?"
                        r"(?:/|per\b|in\b|every\b)\s{0,3}(?:the\s{1,2})?" + _AREA, re.IGNORECASE)
# "mitoses number 3 per 2 mm2", "there are more than 50 mitoses per 2 mm2" are caught above; "mitotic count: 4" is
# not (no area). This one: "mitoses exceed 20 per 2 mm2" written with the word between.
_MIT_WORDS_VALUE = re.compile(r"(?:mitos[ie]s|mitotic\s{1,3}(?:figures?|count|rate))\s{1,3}(?:number\s{1,3}|are\s{1,3}|"
                              r"is\s{1,3}|of\s{1,3})?" + _CMP + r"\s{0,3}(\d{1,3}(?:[.,]\d)?)\s{0,3}(?:/|per\b)\s{0,3}"
                              r"2\s{0,2}(?:mm\s{0,2}(?:2|²|\^2)|sq\.?\s{0,2}mm|square\s{1,3}mm)", re.IGNORECASE)
_MIT_NONE = re.compile(r"(?<![A-Za-z])(?:(?:mitos[ie]s|mitotic\s{1,3}figures?)\s{1,3}(?:are|were)\s{1,3}not\s{1,3}"
                       r"(?:identified|seen|found|present)|no\s{1,3}(?:mitos[ie]s|mitotic\s{1,3}figures?)(?:\s{1,3}(?:are|were|is))?"
                       r"(?:\s{1,3}(?:identified|seen|found|present|noted))?|(?:mitos[ie]s|mitotic\s{1,3}"
                       r"(?:figures?|count|rate))\s{0,3}:\s{0,3}(?:none|absent|nil)\b)(?![A-Za-z])", re.IGNORECASE)

_NET_TOKEN = r"(?-i:NETs?)\b"
_WELL = re.compile(
    r"well[\s\-]{1,2}differentiated(?:\s{1,3}(?:metastatic|primary|pancreatic|ileal|jejunal|small[\s\-]bowel|"
    r"rectal|gastric|duodenal|appendiceal|pulmonary|lung|thymic|residual|invasive))?\s{1,3}(?:neuro[\s\-]?endocrine"
    r"\s{1,3}(?:tumou?rs?|neoplasms?|carcinomas?)|" + _NET_TOKEN + r"|carcinoids?)"
    r"|(?:neuro[\s\-]?endocrine\s{1,3}(?:tumou?r|neoplasm)|" + _NET_TOKEN + r")\s{0,3}[,(]\s{0,3}well[\s\-]{1,2}"
    r"diff(?:erentiated\b|\b\.?)|\b(?:typical|atypical)\s{1,3}carcinoid|(?-i:\bWD)[\s\-]{0,2}(?:" + _NET_TOKEN
    + r"|neuro[\s\-]?endocrine\s{1,3}tumou?r)", re.IGNORECASE)
_POOR = re.compile(
    r"poorly[\s\-]{1,2}differentiated(?:\s{1,3}(?:metastatic|primary|invasive))?\s{1,3}(?:neuro[\s\-]?endocrine"
    r"\s{1,3}(?:carcinomas?|neoplasms?|tumou?rs?)|(?-i:NEC)\b|(?:large|small)[\s\-]{1,2}cell)"
    r"|(?:neuro[\s\-]?endocrine\s{1,3}carcinoma|(?-i:NEC)\b)\s{0,3}[,(]\s{0,3}poorly[\s\-]{1,2}differentiated"
    r"|\bsmall[\s\-]{1,2}cell\s{1,3}(?:neuro[\s\-]?endocrine\s{1,3})?carcinoma"
    r"|\blarge[\s\-]{1,2}cell\s{1,3}neuro[\s\-]?endocrine\s{1,3}carcinoma"
    r"|high[\s\-]{1,2}grade\s{1,3}neuro[\s\-]?endocrine\s{1,3}carcinoma|(?-i:\bPD)[\s\-]{0,2}(?-i:NEC)\b"
    r"|\bneuro[\s\-]?endocrine\s{1,3}carcinomas?\b", re.IGNORECASE)
_MIXED = re.compile(r"\bMiNENs?\b|mixed\s{1,3}neuro[\s\-]?endocrine[\s\-]{1,3}non[\s\-]{0,2}neuro[\s\-]?endocrine"
                    r"|\bMANEC\b|mixed\s{1,3}adeno[\s\-]?neuro[\s\-]?endocrine", re.IGNORECASE)
_DIFF_KV = re.compile(r"differentiation\s{0,3}:\s{0,3}(well|poorly|poor)\b", re.IGNORECASE)
_NOT_NE_DIFF = re.compile(r"(?:well|moderately)[\s\-]{1,2}differentiated\s{1,3}$|\bnon[\s\-]{1,2}$", re.IGNORECASE)

_GRADE_PREFIXED = re.compile(
    r"(?:" + _NET_TOKEN + r"[\s,]{0,3}|WHO\s{1,3}(?:20\d\d\s{1,3})?(?:grade\s{0,2}:?\s{0,3})?|histologic(?:al)?\s{1,3}grade"
    r"\s{0,3}:?\s{0,3}|tumou?r\s{1,3}grade\s{0,3}:?\s{0,3}|\bgrade\s{0,3}:?\s{0,3})"
    r"(?:G\s{0,1}([123])|([123])|(I{1,3})|(one|two|three))(?![0-9A-Za-z])", re.IGNORECASE)
_GRADE_BARE = re.compile(r"(?<![A-Za-z0-9])G([123])(?![0-9A-Za-z])")
_OTHER_GRADING = re.compile(r"gleason|nuclear\s{1,3}grade|fuhrman|nottingham|budding|fnclcc|isup|dysplasia|"
                            r"\bBloom|elston|\bG\d\s{0,1}P\d", re.IGNORECASE)
_AT_LEAST = re.compile(r"at\s{1,3}least\s{1,3}$|or\s{1,3}higher|or\s{1,3}above", re.IGNORECASE)
_ROMAN = {"I": "1", "II": "2", "III": "3", "ONE": "1", "TWO": "2", "THREE": "3"}


def _grade_definition(text: str) -> bool:
    """A clause that quotes the WHO grading table (a grade next to its Ki-67/mitosis limits)."""
    return _GRADE_TOKEN.search(text) is not None


def _ki67_value(m: re.Match[str], ranged: bool) -> Ki67 | None:
    if ranged:
        low, high = _num(m.group(2)), _num(m.group(3))
        if low > high:
            low, high = high, low
        if not (0 <= low <= 100 and 0 <= high <= 100):
            return None
        cmp = _cmp(m.group(1))
        if cmp != "=":
            return None           # "<2-3 %": not a reading
        return Ki67(percent=high, low=low)
    value = _num(m.group(2))
    if not 0 <= value <= 100:
        return None
    return Ki67(percent=value, comparator=_cmp(m.group(1)))


def _class_range(k: Ki67) -> bool:
    """A range that is a WHO grade class, not a count ("3-20 %"): never read as this tumour's index.

    Bounds ("<3 %", ">20 %") are kept: with their comparator they say no more than they mean."""
    return k.low is not None and (k.low, k.percent) in ((3.0, 20.0), (2.0, 20.0), (3.0, 19.0), (2.0, 19.0))


def _specimen_near(text: str, start: int, end: int, lex: Lexicon) -> str | None:
    """A site word right after the value ("12 % (liver)", "5 % in the lymph node") or just before it."""
    after = text[end:end + 32]
    m = lex.site_pattern.search(after)
    if m is not None and not re.search(r"[;.]|\d\s{0,2}%", after[:m.start()]):
        return m.group(0).lower()
    before = text[max(0, start - 28):start]
    hits = list(lex.site_pattern.finditer(before))
    if hits and not re.search(r"[;.]|\d\s{0,2}%", before[hits[-1].end():]):
        return hits[-1].group(0).lower()
    return None


def ki67_readings(s: Sentence, lex: Lexicon, year: int | None) -> list[Reading]:
    out: list[Reading] = []
    text = s.text
    asc = text.isascii()
    on = text.lower() if asc else text       # lower-cased ASCII: the patterns' case-sensitive twins run on it
    labels = list(_scan(_KI67_LABEL, on, asc).finditer(on))
    for n, label in enumerate(labels):
        stop = labels[n + 1].start() if n + 1 < len(labels) else len(text)
        a, b = clause(text, label.start(), label.end(), lex)
        stop = min(stop, label.end() + 110)
        window = on[label.end():stop]        # (the text's window, lower-cased when ASCII)
        found: list[tuple[int, int, Ki67]] = []
        taken: list[tuple[int, int]] = []
        if not _G_KI67_VALUE(fold(window)):
            continue             # no "%" / "per cent" after the label: no value (what both patterns need)
        for m in _scan(_KI67_RANGE, window, asc).finditer(window):
            k = _ki67_value(m, True)
            if k is not None:
                found.append((label.end() + m.start(), label.end() + m.end(), k))
                taken.append((m.start(), m.end()))
        for m in _scan(_KI67_SINGLE, window, asc).finditer(window):
            if any(x <= m.start() < y for x, y in taken):
                continue
            k = _ki67_value(m, False)
            if k is not None:
                found.append((label.end() + m.start(), label.end() + m.end(), k))
        if not found:
            continue
        for start, end, k in found:
            c_a, c_b = clause(text, start, end, lex)
            if _class_range(k) or (_who_bound(k) and _grade_definition(text)):
                continue         # "Ki-67 3-20 %", "G1 (Ki-67 <3 %)": the WHO class, not this tumour's index
            mods = modifiers(text, label.start(), end, lex, report_year=year)
            own = modifiers(text, start, end, lex, report_year=year)
            # a value is negated only by a cue inside "Ki-67 ... value" or right after it ("no necrosis, Ki-67
            # 2 %" is not a negated index)
            negated = bool(lex.negation_pre.search(text[label.start():start])
                           or lex.negation_post.search(text[end:end + 25]))
            mods = Modifiers(negated, mods.uncertain or own.uncertain,
                             own.historical or (mods.historical and c_a <= label.start()))
            tag = _value_tag(text, start, end, label.start())
            specimen = _specimen_near(text, start, end, lex) if len(found) > 1 else None
            out.append(Reading("ki67", k, _ki67_display(k), s, start, end, mods, specimen or s.specimen, tag))
    return out


def _who_bound(k: Ki67) -> bool:
    """A bound that is a WHO class limit ("<3 %", ">20 %")."""
    return k.low is None and (k.comparator, k.percent) in (("<", 3.0), (">", 20.0), ("<=", 2.0), (">=", 3.0))


def _value_tag(text: str, start: int, end: int, floor: int) -> str:
    """"hot spot" / "average" said of this value: right after it first ("4 % (hot spot)"), else just before."""
    after = text[end:end + 24]
    cut = re.search(r"[;]|\d\s{0,2}%", after)
    after = after[:cut.start()] if cut else after
    for pattern, tag in ((_HOT_SPOT, "hot spot"), (_AVERAGE, "average")):
        if pattern.search(after):
            return tag
    before = text[max(floor, start - 30):start]
    cut_b = list(re.finditer(r"[;]|\d\s{0,2}%", before))
    before = before[cut_b[-1].end():] if cut_b else before
    for pattern, tag in ((_HOT_SPOT, "hot spot"), (_AVERAGE, "average")):
        if pattern.search(before):
            return tag
    return ""


def _ki67_display(k: Ki67) -> str:
    if k.low is not None:
        return f"Ki-67 {k.low:g}-{k.percent:g} %"
    cmp = "" if k.comparator == "=" else k.comparator + " "
    return f"Ki-67 {cmp}{k.percent:g} %"


def mitosis_readings(s: Sentence, lex: Lexicon, year: int | None) -> list[Reading]:
    text = s.text
    asc = text.isascii()
    on = text.lower() if asc else text       # lower-cased ASCII: the patterns' case-sensitive twins run on it
    if _scan(_MIT_WORD, on, asc).search(on) is None:
        return []
    f = fold(text)
    out: list[Reading] = []
    for m in (_scan(_MIT_VALUE, on, asc).finditer(on) if _G_MIT_VALUE(f) else ()):
        area = " ".join(m.group("area").lower().split())
        if area.startswith("50"):
            continue                          # per 50 HPF (GIST convention): not an NEN area
        per_hpf = area.startswith("10")
        cmp = _cmp(m.group(1))
        n = _num(m.group("n"))
        n2 = m.group("n2")
        display_area = "10 HPF" if per_hpf else "2 mm2"
        if n2 is not None:
            if cmp != "=" or (n, int(n2)) in ((2.0, 20), (2.0, 10)):
                continue                      # "2-20 mitoses/2 mm2": a WHO class, not a count
            value, shown = float(n2), f"{n:g}-{n2}/{display_area}"
        elif cmp == "=":
            value, shown = n, f"{n:g}/{display_area}"
        elif cmp == "<" and n <= 2:
            value, shown = max(n - 1.0, 0.0), f"<{n:g}/{display_area}"   # below 2: the G1 class
        elif cmp == ">" and n >= 20:
            value, shown = max(n, 21.0), f">{n:g}/{display_area}"       # above 20: the G3 class
        else:
            continue                          # "<5", ">10": the class is not known
        if cmp != "=" and n in (2.0, 20.0) and _grade_definition(text):
            continue                          # "G1 (<2 mitoses/2 mm2 ...)": the WHO table
        mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
        disp = f"mitoses {shown}" + (" (taken as /2 mm2)" if per_hpf else "")
        out.append(Reading("mitoses", value, disp, s, m.start(), m.end(), mods, s.specimen,
                           "10hpf" if per_hpf else ""))
    if not out:
        for m in (_scan(_MIT_WORDS_VALUE, on, asc).finditer(on) if _G_MIT_WORDS_VALUE(f) else ()):
            mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
            n = _num(m.group(2))
            cmp = _cmp(m.group(1))
            if cmp == "=":
                value, shown = n, f"{n:g}/2 mm2"
            elif cmp == ">" and n >= 20:
                value, shown = max(n, 21.0), f">{n:g}/2 mm2"
            else:
                continue
            out.append(Reading("mitoses", value, f"mitoses {shown}", s, m.start(), m.end(), mods, s.specimen))
    if not out:
        for m in (_scan(_MIT_NONE, on, asc).finditer(on) if _G_MIT_NONE(f) else ()):
            mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
            # "no mitoses" is itself a negation: only uncertainty and history count
            mods = Modifiers(False, mods.uncertain, mods.historical)
            out.append(Reading("mitoses", 0.0, "no mitoses seen", s, m.start(), m.end(), mods, s.specimen, "none"))
    return out


def differentiation_readings(s: Sentence, lex: Lexicon, year: int | None) -> list[Reading]:
    text = s.text
    out: list[Reading] = []
    f = fold(text)
    for pattern, value, needs in ((_MIXED, "mixed", _G_MIXED), (_POOR, "poor", _G_POOR), (_WELL, "well", _G_WELL)):
        if not needs(f):
            continue
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 28):m.start()]
            if value == "poor" and _NOT_NE_DIFF.search(before):
                continue   # "well-differentiated neuroendocrine carcinoma" (old name of a NET), "non-small cell"
            if value == "well" and m.group(0).lower().startswith("well") and \
                    "carcinoma" in m.group(0).lower():
                pass       # old terminology: a well-differentiated NE carcinoma is a NET
            mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
            out.append(Reading("differentiation", value, _DIFF_LABEL[value], s, m.start(), m.end(), mods, s.specimen))
    if not out:
        m = _DIFF_KV.search(text) if _G_DIFF_KV(f) else None
        if m is not None:
            value = "well" if m.group(1).lower() == "well" else "poor"
            mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
            out.append(Reading("differentiation", value, _DIFF_LABEL[value], s, m.start(), m.end(), mods, s.specimen,
                               "key-value"))
    # a "poorly differentiated" span inside a matched well span etc. cannot happen: the patterns are disjoint
    return _drop_nested(out)


_DIFF_LABEL = {"well": "well differentiated", "poor": "poorly differentiated (NEC)", "mixed": "mixed (MiNEN)"}


def _drop_nested(readings: list[Reading]) -> list[Reading]:
    """Keep a reading unless another one's span contains it (MiNEN text also names its NEC component)."""
    keep = []
    for r in readings:
        inside = any(o is not r and o.start <= r.start and r.end <= o.end and (o.end - o.start) > (r.end - r.start)
                     for o in readings)
        if not inside:
            keep.append(r)
    return keep


def grade_readings(s: Sentence, lex: Lexicon, year: int | None) -> list[Reading]:
    text = s.text
    f = fold(text)
    if _G_OTHER_GRADING(f) and _OTHER_GRADING.search(text):
        return []
    out: list[Reading] = []
    spans: list[tuple[int, int]] = []
    for m in (_GRADE_PREFIXED.finditer(text) if _G_GRADE_PREFIXED(f) else ()):
        digit = m.group(1) or m.group(2) or _ROMAN.get((m.group(3) or m.group(4) or "").upper())
        if digit is None:
            continue
        spans.append((m.start(), m.end()))
        if _AT_LEAST.search(text[max(0, m.start() - 14):m.start()]):
            continue         # "at least G2": a bound, not the grade
        mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
        out.append(Reading("grade", Grade(f"G{digit}"), f"WHO grade G{digit}", s, m.start(), m.end(), mods,
                           s.specimen))
    if True:     # bare "G2": pathology reads only reports that name a neuroendocrine neoplasm
        for m in (_GRADE_BARE.finditer(text) if ("G1" in text or "G2" in text or "G3" in text) else ()):
            if any(a <= m.start() < b for a, b in spans) or _AT_LEAST.search(text[max(0, m.start() - 14):m.start()]):
                continue
            mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
            out.append(Reading("grade", Grade(f"G{m.group(1)}"), f"WHO grade G{m.group(1)}", s, m.start(), m.end(),
                               mods, s.specimen))
    return out


def _has(low: str, words: tuple[str, ...]) -> bool:
    """A cheap gate: does the lower-cased sentence contain any of ``words`` (C-level substring search)?"""
    for w in words:
        if w in low:
            return True
    return False


_KI67_GATE = ("ki-67", "ki67", "ki 67", "ki- 67", "ki -67", "mib", "prolif", "labeling index", "labelling index")
_MITOSIS_GATE = ("mitos", "mitotic")
_DIFF_GATE = ("differentiat", "carcino", "minen", "manec", "small cell", "small-cell", "large cell", "large-cell",
              "mixed", "neuroendocrine", "neuro-endocrine")
_NET_WORD = re.compile(r"\b(?:Pan)?NE[TC]s?\b|\b[WP]D\b")


def _may_name_net(text: str) -> bool:
    """What ``_NET_WORD`` (case-sensitive) needs: "NET" / "NEC" / "WD" / "PD" in the text."""
    return "NET" in text or "NEC" in text or "WD" in text or "PD" in text
_GRADE_GATE = ("grade", "g1", "g2", "g3", "g 1", "g 2", "g 3")
SSTR_GATE = ("uptake", "avid", "krenning", "liver", "hepatic", "spleen", "splenic", "heterogen", "mixed", "discordan",
             "mismatch", "photopenic", "negative", "express", "positive", "variable", "accumulat", "intens",
             "activity", "study", "scan", "take up", "concentrate", "lack", "sstr", "receptor", "tracer", "dotat",
             "octreo", ">", "<", "=")
FDG_GATE = ("fdg", "avid", "hypermetab", "uptake", "photopenic", "metabolic", "activity", "metabolism")
RESPONSE_GATE = ("progress", "stable", "unchanged", "new", "increase", "enlarg", "growth", "grow", "recist",
                 "response", "decrease", "regress", "smaller", "shrunk", "shrink", "resol", "longer", "change",
                 "pd", "similar", "same", "additional", "reduction")


def pathology_readings(sentences: list[Sentence], lex: Lexicon, year: int | None, *,
                       other_tumour: bool | None = None) -> list[Reading]:
    """``other_tumour``: whether any finding sentence names another tumour (False: no sentence is tested)."""
    out: list[Reading] = []
    for s in sentences:
        if not s.finding or _UNCHECKED.match(s.text):
            continue
        low = s.text.lower()
        found: list[Reading] = []
        if _has(low, _KI67_GATE):
            found += ki67_readings(s, lex, year)
        if _has(low, _MITOSIS_GATE):
            found += mitosis_readings(s, lex, year)
        if _has(low, _DIFF_GATE) or (_may_name_net(s.text) and _NET_WORD.search(s.text) is not None):
            found += differentiation_readings(s, lex, year)
        if _has(low, _GRADE_GATE):
            found += grade_readings(s, lex, year)
        if found and other_tumour is not False and lex.other_tumour.found_in(s.text):
            continue                 # a sentence about another tumour (breast, prostate ...): nothing read
        out += found
    return out


# --------------------------------------------------------------------------- imaging

_LIVER = r"(?:the\s{1,3})?(?:normal\s{1,3}|background\s{1,3}|physiologic(?:al)?\s{1,3})?(?:liver|hepatic)(?:\s{1,3}(?:parenchyma|background|uptake))?"
_SPLEEN = r"(?:the\s{1,3})?(?:normal\s{1,3})?(?:spleen|splenic)(?:\s{1,3}(?:parenchyma|uptake))?"
_UPTAKE = r"(?:uptake|avidity|activity|expression|intensity|tracer\s{1,3}accumulation|accumulation|avid)"
_HIGHER = re.compile(
    r"(?:greater|higher|more\s{1,3}intense|more\s{1,3}avid|stronger|above|in\s{1,3}excess\s{1,3}of|exceed(?:s|ing|ed)?)"
    r"\s{0,3}(?:than\s{1,3})?(?:that\s{1,3}of\s{1,3})?(?:" + _LIVER + "|" + _SPLEEN + r")"
    r"|(?:liver|hepatic)[\s\-]{0,2}(?:uptake\s{1,3})?(?:exceeding|surpassing)|>\s{0,2}(?:liver|spleen)", re.IGNORECASE)
_EQUAL = re.compile(r"(?:similar|equal|comparable|equivalent|iso(?:intense)?|identical)\s{0,3}(?:to|with)\s{1,3}"
                    + _LIVER + r"|(?:=|≈)\s{0,2}liver|same\s{1,3}as\s{1,3}" + _LIVER, re.IGNORECASE)
_LOWER = re.compile(r"(?:less|lower|below|weaker|fainter|lesser)\s{0,3}(?:than|to)?\s{1,3}(?:that\s{1,3}of\s{1,3})?"
                    + _LIVER + r"|<\s{0,2}liver|sub[\s\-]?hepatic\s{1,3}uptake", re.IGNORECASE)
_KRENNING = re.compile(r"krenning\s{0,3}(?:score|grade|scale)?\s{0,3}(?:of|:|=)?\s{0,3}([0-4])(?:\s{0,3}(?:-|–|to|/)"
                       r"\s{0,3}([0-4]))?(?![0-9])", re.IGNORECASE)
_NONAVID = re.compile(
    r"(?:non|not)[\s\-]{1,2}(?:(?:sstr|somatostatin[\s\-]receptor|dotatate|dotatoc|tracer)[\s\-]{1,2})?avid"
    r"|without\s{1,3}(?:(?:significant|appreciable|any|definite)\s{1,3})?(?:(?:tracer|dotatate|dotatoc|dotanoc|"
    r"radiotracer|sstr|somatostatin[\s\-]receptor)\s{1,3})?(?:uptake|avidity|expression|tracer\s{1,3}accumulation)"
    r"|(?:lack|lacks|lacking|absence\s{1,3}of)\s{1,3}(?:(?:tracer|somatostatin[\s\-]receptor|sstr)\s{1,3})?"
    r"(?:uptake|avidity|expression)"
    r"|(?:sstr|somatostatin[\s\-]receptor)[\s\-]{1,2}negative|photopenic"
    r"|does\s{1,3}not\s{1,3}(?:take\s{1,3}up|demonstrate\s{1,3}(?:any\s{1,3})?uptake|show\s{1,3}(?:any\s{1,3})?uptake|"
    r"concentrate)|no\s{1,3}(?:significant\s{1,3}|appreciable\s{1,3})?(?:tracer\s{1,3}|dotatate\s{1,3}|"
    r"radiotracer\s{1,3})?(?:uptake|avidity)", re.IGNORECASE)
_STUDY_NEGATIVE = re.compile(
    r"no\s{1,3}(?:evidence\s{1,3}of\s{1,3})?(?:(?:abnormal|pathologic(?:al)?|definite|convincing|significant)\s{1,3})?"
    r"(?:somatostatin[\s\-]{1,2}"
    r"receptor|sstr|dotatate|dotatoc|dotanoc|octreotide)[\s\-]{1,2}(?:avid|positive|expressing|receptor[\s\-]positive)"
    r"\s{1,3}(?:disease|lesions?|tumou?rs?|malignancy|metasta\w{0,5}|neoplasm)"
    r"|no\s{1,3}(?:evidence\s{1,3}of\s{1,3})?(?:abnormal|pathologic(?:al)?|suspicious)\s{1,3}(?:tracer\s{1,3}|"
    r"dotatate\s{1,3}|radiotracer\s{1,3})?(?:uptake|avidity|foci)"
    r"|(?:negative|normal)\s{1,3}(?:somatostatin[\s\-]receptor|sstr|dotatate|dotatoc|octreotide|pet)\s{0,3}"
    r"(?:pet(?:/ct)?\s{1,3})?(?:scan|study|imaging|examination)", re.IGNORECASE)
_HETERO = re.compile(r"heterogene\w{0,5}|mixed\s{1,3}(?:uptake|avidity|response\s{1,3}pattern)|discordan\w{1,4}|"
                     r"mismatch\w{0,3}|variable\s{1,3}(?:uptake|avidity|expression|intensity)", re.IGNORECASE)
_POSITIVE = re.compile(
    r"(?:somatostatin[\s\-]{1,2}receptor|sstr|dotatate|dotatoc|dotanoc|octreotide|tracer)[\s\-]{1,2}"
    r"(?:avid|positive|expressing)|(?:intense|avid|marked|strong)\s{1,3}(?:tracer\s{1,3})?(?:uptake|avidity)"
    r"|(?<![\s\-]non[\s\-])(?<![\s\-]not\s)\bavid\s{1,3}(?:[a-z]{2,15}\s{1,3}){0,2}(?:disease|lesions?|metasta\w{0,5}|"
    r"deposits?|nodes?|tumou?rs?|mass(?:es)?|primary)|positive\s{1,3}(?:study|scan|examination)", re.IGNORECASE)
_NEW_OR_OTHER = re.compile(r"\b(?:new|other|additional|further|remaining|elsewhere)\b", re.IGNORECASE)
_PHYSIOLOGIC = re.compile(r"physiolog\w{0,6}|\bexpected\b|normal\s{1,3}(?:biodistribution|distribution)|"
                          r"\buncinate\b|adrenal\s{1,3}glands?\s{1,3}(?:are|is)\s{1,3}normal", re.IGNORECASE)

_LIVER_WORDS = ("liver", "hepatic", "spleen", "splenic", "<", ">", "=", "≈")
_SSTR_PATTERNS = (                      # (pattern, signal, words it needs: a cheap gate before the pattern)
    (_LOWER, "lower", _LIVER_WORDS + ("sub",)), (_EQUAL, "equal", _LIVER_WORDS + ("same",)),
    (_HIGHER, "higher", _LIVER_WORDS), (_NONAVID, "nonavid", ("avid", "uptake", "express", "negative", "photopenic",
                                                             "take up", "concentrate", "accumulation")),
    (_HETERO, "heterogeneous", ("heterogen", "mixed", "discordan", "mismatch", "variable")),
    (_POSITIVE, "positive", ("avid", "positive", "expressing", "uptake", "avidity")),
)
_FDG_AVID = re.compile(r"(?:fdg|18f[\s\-]?fdg)[\s\-]{1,2}avid(?:ity)?|hypermetabolic|hypermetabolism|increased\s{1,3}"
                       r"(?:fdg\s{1,3})?(?:uptake|metabolic\s{1,3}activity|metabolism)|(?<![\s\-]non[\s\-])"
                       r"(?<![\s\-]not\s)\bavid\b", re.IGNORECASE)
_FDG_NOT = re.compile(r"non[\s\-]{1,2}(?:fdg[\s\-]{1,2})?avid|not\s{1,3}(?:fdg[\s\-]{1,2})?avid|no\s{1,3}"
                      r"(?:evidence\s{1,3}of\s{1,3})?(?:fdg[\s\-]{1,2})?(?:avid|hypermetabolic)|no\s{1,3}(?:abnormal|"
                      r"increased|pathologic(?:al)?|significant|suspicious)\s{1,3}(?:fdg\s{1,3})?(?:uptake|avidity|"
                      r"metabolic\s{1,3}activity|hypermetabolism)|without\s{1,3}(?:significant\s{1,3}|increased\s{1,3})?"
                      r"(?:fdg\s{1,3})?(?:uptake|avidity)|fdg[\s\-]{1,2}negative|photopenic|no\s{1,3}longer\s{1,3}"
                      r"(?:fdg[\s\-]{1,2})?(?:avid|hypermetabolic)", re.IGNORECASE)
_FDG_WEAK = re.compile(r"(?:mild|mildly|faint|low[\s\-]grade|minimal|low[\s\-]level|slight|slightly)\s{0,3}"
                       r"(?:fdg[\s\-]{0,2})?(?:avid|uptake|hypermetabolic|increased|activity)", re.IGNORECASE)

_PROGRESSION = re.compile(
    r"progressi(?:ve|on)\s{1,3}(?:of\s{1,3}(?:the\s{1,3})?)?(?:disease|metasta\w{0,5}|hepatic|liver|nodal|osseous|"
    r"skeletal|pulmonary|peritoneal|tumou?r|neoplas\w{0,4}|lesions?)|disease\s{1,3}progression|interval\s{1,3}"
    r"progression|(?:has|have)\s{1,3}progressed|progressed\b|(?:new|additional)\s{1,3}(?:[\w.]{1,12}\s{1,3}){0,3}?"
    r"(?:metasta\w{0,5}|lesions?|deposits?|nodules?|foci|sites\s{1,3}of\s{1,3}disease)|(?:increase[ds]?|enlarg\w{1,5}"
    r"|growth)\s{1,3}(?:in\s{1,3}(?:the\s{1,3})?)?(?:size\s{1,3}and\s{1,3}number|number\s{1,3}and\s{1,3}size|size|"
    r"number)|recist[^.;]{0,30}?(?:\bPD\b|progressive)|\bPD\b\s{0,3}(?:per|by)\s{1,3}recist"
    r"|\bprogression\b(?![\s\-]{1,2}free)", re.IGNORECASE)
_STABLE = re.compile(r"stable\s{1,3}disease|no\s{1,3}(?:(?:significant|interval|appreciable|substantial|"
                     r"measurable)\s{1,3}){0,2}(?:change|progression)|no\s{1,3}evidence\s{1,3}of\s{1,3}(?:disease\s{1,3}"
                     r"progression|progressive\s{1,3}disease|progression)|recist[^.;]{0,30}?(?:\bSD\b|stable)", re.IGNORECASE)
# "stable", "unchanged" count only when they describe the tumour ("stable hepatic metastases", "lesions unchanged")
_STABLE_WORD = re.compile(r"\bstable\b|\bunchanged\b|similar\s{1,3}to\s{1,3}prior|essentially\s{1,3}the\s{1,3}same",
                          re.IGNORECASE)
_TUMOUR_NOUN = re.compile(r"metasta|lesion|\bdisease\b|\bmass(?:es)?\b|tumou?r|deposit|\bnodes?\b|nodal|appearance",
                          re.IGNORECASE)
_PD_ALONE = re.compile(r"^\s{0,3}(?:impression\s{0,2}:\s{0,3})?PD\s{0,2}\.?\s{0,2}$")
_IMPROVED = re.compile(r"partial\s{1,3}response|complete\s{1,3}(?:response|resolution)|resolution\s{1,3}of|resolved|"
                       r"no\s{1,3}longer\s{1,3}(?:fdg[\s\-]{1,2})?(?:avid|hypermetabolic)|"
                       r"(?:interval\s{1,3})?decrease[ds]?\s{1,3}in\s{1,3}"
                       r"(?:the\s{1,3})?(?:size|number|extent)|regress(?:ion|ed|ing)|(?:smaller|shrunk|shrinking|"
                       r"reduction\s{1,3}in\s{1,3}size)|recist[^.;]{0,30}?(?:\bPR\b|\bCR\b|partial)", re.IGNORECASE)
_RESPONSE_PATTERNS = (                 # (pattern, status, words it needs: a cheap gate before the pattern)
    (_STABLE, DiseaseStatus.STABLE, ("stable", "no ", "recist")),
    (_IMPROVED, DiseaseStatus.IMPROVED, ("response", "resol", "no longer", "decrease", "regress", "smaller", "shrunk",
                                         "shrink", "reduction", "recist")),
    (_PROGRESSION, DiseaseStatus.PROGRESSIVE, ("progress", "new", "additional", "increase", "enlarg", "growth",
                                               "recist", " pd")),
)
_COMPARISON = re.compile(r"compar\w{2,6}|\bsince\b|\binterval\b|\bprior\b|\bprevious\w{0,2}|\bbaseline\b|"
                         r"\bfollow[\s\-]?up\b|\brestaging\b", re.IGNORECASE)
_RESPONSE_HISTORY = re.compile(r"previously\s{1,3}(?:documented|noted|described|seen|known|reported)|"
                               r"(?:documented|noted|reported)\s{1,3}(?:on|in)\s{1,3}(?:the\s{1,3})?(?:prior|previous)",
                               re.IGNORECASE)


_LESION_WORD = re.compile(r"lesion|metasta|tumou?r|node|mass|deposit", re.IGNORECASE)


def _sstr_signal(text: str, m: re.Match[str], signal: str, s: Sentence, lex: Lexicon, year: int | None,
                 value: str | None = None) -> Reading:
    mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
    return Reading("sstr", value or signal, signal, s, m.start(), m.end(), mods, tag=signal)


def sstr_readings(s: Sentence, lex: Lexicon, year: int | None, *, dual: bool, low: str | None = None) -> list[Reading]:
    """``low``: ``s.text.lower()`` when the caller has it."""
    text = s.text
    low = text.lower() if low is None else low
    f = folded(low)
    if dual and (not lex.sstr_tracers.found_in(text) or lex.fdg_tracers.found_in(text)):
        return []       # a PET/CT with two tracers: only sentences that name the SSTR tracer alone
    # ASCII text: the case-sensitive twins run on the lower-cased text (same spans, see gates.lowered)
    on, asc = (low, True) if text.isascii() else (text, False)
    if _G_PHYSIOLOGIC(f) and _scan(_PHYSIOLOGIC, on, asc).search(on) and not _LESION_WORD.search(text):
        return []
    out: list[Reading] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    study = _scan(_STUDY_NEGATIVE, on, asc).finditer(on) if ("no" in low or "negative" in low or "normal" in low) \
        and _G_STUDY_NEGATIVE(f) else ()
    for m in study:
        before = text[max(0, m.start() - 4):m.start() + 30]
        if _NEW_OR_OTHER.search(before):
            continue            # "no new SSTR-avid lesions", "no other avid disease": not a negative study
        taken.append((m.start(), m.end()))
        mods = modifiers(text, m.end(), m.end(), lex, report_year=year)
        out.append(Reading("sstr", "negative-study", "negative-study", s, m.start(), m.end(),
                           Modifiers(False, mods.uncertain, mods.historical), tag="negative-study"))
    for m in (_KRENNING.finditer(text) if "krenning" in low else ()):
        grades = {int(m.group(1))} | ({int(m.group(2))} if m.group(2) else set())
        taken.append((m.start(), m.end()))
        for g in sorted(grades):
            signal = "higher" if g >= 3 else "equal" if g == 2 else "lower" if g == 1 else "nonavid"
            out.append(_sstr_signal(text, m, signal, s, lex, year))
    for pattern, signal, words, needs in _SSTR_PATTERNS:
        if not _has(low, words) or not needs(f):
            continue                 # the words this pattern needs are not in the sentence
        for m in _scan(pattern, on, asc).finditer(on):
            if not free(m):
                continue
            if signal == "nonavid" and _NEW_OR_OTHER.search(text[max(0, m.start() - 3):m.end() + 25]):
                continue        # "no new areas of uptake"
            taken.append((m.start(), m.end()))
            out.append(_sstr_signal(text, m, signal, s, lex, year))
    return out


def fdg_readings(s: Sentence, lex: Lexicon, year: int | None, *, dual: bool, low: str | None = None) -> list[Reading]:
    text = s.text
    if dual and (not lex.fdg_tracers.found_in(text) or lex.sstr_tracers.found_in(text)):
        return []
    low = text.lower() if low is None else low
    f = folded(low)
    on, asc = (low, True) if text.isascii() else (text, False)
    if _G_PHYSIOLOGIC(f) and _scan(_PHYSIOLOGIC, on, asc).search(on) and not _LESION_WORD.search(text):
        return []
    out: list[Reading] = []
    taken: list[tuple[int, int]] = []
    for m in (_scan(_FDG_NOT, on, asc).finditer(on) if _G_FDG_NOT(f) else ()):
        if _NEW_OR_OTHER.search(text[max(0, m.start() - 3):m.end() + 20]):
            continue
        taken.append((m.start(), m.end()))
        mods = modifiers(text, m.end(), m.end(), lex, report_year=year)
        out.append(Reading("fdg", False, "not FDG-avid", s, m.start(), m.end(),
                           Modifiers(False, mods.uncertain, mods.historical)))
    for m in (_scan(_FDG_WEAK, on, asc).finditer(on) if _G_FDG_WEAK(f) else ()):
        taken.append((m.start(), m.end()))
        out.append(Reading("fdg", True, "FDG-avid", s, m.start(), m.end(), Modifiers(False, True, False), tag="weak"))
    for m in (_scan(_FDG_AVID, on, asc).finditer(on) if _G_FDG_AVID(f) else ()):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        mods = modifiers(text, m.start(), m.end(), lex, report_year=year)
        out.append(Reading("fdg", True, "FDG-avid", s, m.start(), m.end(), mods))
    return out


def response_readings(s: Sentence, lex: Lexicon, year: int | None, *, low: str | None = None) -> list[Reading]:
    text = s.text
    out: list[Reading] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], status: DiseaseStatus) -> None:
        taken.append((m.start(), m.end()))
        mods = modifiers(text, m.start(), m.end(), lex, report_year=year, response=True)
        if status is DiseaseStatus.STABLE:
            mods = Modifiers(False, mods.uncertain, mods.historical)   # "no progression" is the reading
        if status is DiseaseStatus.PROGRESSIVE:
            around = text[max(0, m.start() - 60):m.end() + 60]
            if _G_RESPONSE_HISTORY(fold(around)) and _RESPONSE_HISTORY.search(around) is not None:
                mods = Modifiers(mods.negated, mods.uncertain, True)
        out.append(Reading("status", status, f"disease status: {status.value}", s, m.start(), m.end(), mods,
                           tag=m.group(0).lower()))

    low = text.lower() if low is None else low
    f = folded(low)
    on, asc = (low, True) if text.isascii() else (text, False)
    for pattern, status, words, needs in _RESPONSE_PATTERNS:
        if not _has(low, words) or not needs(f):
            continue
        for m in _scan(pattern, on, asc).finditer(on):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                add(m, status)
    for m in (_scan(_STABLE_WORD, on, asc).finditer(on) if _has(low, ("stable", "unchanged", "similar", "same"))
              and _G_STABLE_WORD(f) else ()):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        a, b = clause(text, m.start(), m.end(), lex)
        if _G_TUMOUR_NOUN(fold(text[a:b])) and _TUMOUR_NOUN.search(text[a:b]):
            add(m, DiseaseStatus.STABLE)
    m_pd = _PD_ALONE.match(text)
    if m_pd is not None:
        add(m_pd, DiseaseStatus.PROGRESSIVE)
    return out


def report_compares(sentences: list[Sentence]) -> bool:
    """Does the report compare with an earlier study (a comparison section or words)?"""
    return any(s.section in ("comparison", "comparisons", "prior studies", "previous studies")
               or (_G_COMPARISON(fold(s.text)) and _COMPARISON.search(s.text) is not None) for s in sentences)


# --------------------------------------------------------------------------- gates (see ``gates``)
# The words each pattern cannot match without, read from the pattern: a sentence without them is not scanned.

_G_KI67_VALUE = gate(_KI67_SINGLE)           # _KI67_RANGE ends with the same per-cent sign
_G_MIT_VALUE, _G_MIT_WORDS_VALUE, _G_MIT_NONE = gate(_MIT_VALUE), gate(_MIT_WORDS_VALUE), gate(_MIT_NONE)
_G_MIXED, _G_POOR, _G_WELL, _G_DIFF_KV = gate(_MIXED), gate(_POOR), gate(_WELL), gate(_DIFF_KV)
_G_OTHER_GRADING, _G_GRADE_PREFIXED = gate(_OTHER_GRADING), gate(_GRADE_PREFIXED)
_G_PHYSIOLOGIC, _G_STUDY_NEGATIVE = gate(_PHYSIOLOGIC), gate(_STUDY_NEGATIVE)
_G_FDG_NOT, _G_FDG_WEAK, _G_FDG_AVID = gate(_FDG_NOT), gate(_FDG_WEAK), gate(_FDG_AVID)
_G_STABLE_WORD, _G_COMPARISON = gate(_STABLE_WORD), gate(_COMPARISON)
_G_RESPONSE_HISTORY, _G_TUMOUR_NOUN = gate(_RESPONSE_HISTORY), gate(_TUMOUR_NOUN)

# case-sensitive twins of the field patterns, for lower-cased ASCII sentences (see ``gates.lowered``)
_TWINS: dict[re.Pattern[str], re.Pattern[str]] = {}
for _p in (_PHYSIOLOGIC, _STUDY_NEGATIVE, _FDG_NOT, _FDG_WEAK, _FDG_AVID, _STABLE_WORD,
           *(p for p, *_ in _SSTR_PATTERNS), *(p for p, *_ in _RESPONSE_PATTERNS),
           _KI67_LABEL, _KI67_RANGE, _KI67_SINGLE, _MIT_WORD, _MIT_VALUE, _MIT_WORDS_VALUE, _MIT_NONE):
    _twin = lowered(_p)
    if _twin is not None:
        _TWINS[_p] = _twin
del _p, _twin


def _scan(pattern: re.Pattern[str], on: str, ascii_lowered: bool) -> re.Pattern[str]:
    """The pattern to run on ``on``: its twin when ``on`` is a lower-cased ASCII sentence, else itself."""
    return _TWINS.get(pattern, pattern) if ascii_lowered else pattern
_SSTR_PATTERNS = tuple((p, signal, words, gate(p)) for p, signal, words in _SSTR_PATTERNS)
_RESPONSE_PATTERNS = tuple((p, status, words, gate(p)) for p, status, words in _RESPONSE_PATTERNS)
