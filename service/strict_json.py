"""One strict JSON reader for everything the service parses from outside: request bodies
(``service.protocol.request``), JWT headers and payloads (``service.protocol.auth``) and FHIR
server responses (``service.data.fhir_client``).

``loads(body)`` returns the decoded value or raises :class:`JsonError` (a ``ValueError``) whose
``message`` names the problem (never the value) and whose ``key`` is the duplicated key, if that
was the problem. Refused: invalid UTF-8 and lone surrogate escapes, ``NaN``/``Infinity``, numbers
beyond the double range (an integer of more than ~309 digits; the stdlib explanation path bounds
integers at :data:`MAX_INT_DIGITS` digits too, below Python's 4,300-digit conversion limit, so no
``ValueError`` of the interpreter escapes), nesting deeper than :data:`MAX_DEPTH`, duplicate keys
in any object. A leading UTF-8 BOM is ignored.

Fast: one orjson parse wrapped so that orjson's own (C-speed) nesting limit bounds the depth,
one orjson encode to count the keys that survived, and a few ``bytes.count`` scans, all linear
and in C; the slow stdlib parse runs only to explain a refusal of a body up to
:data:`EXPLAIN_MAX_BYTES`.
"""
from __future__ import annotations

import json
import re
from typing import Any

import orjson

MAX_DEPTH = 100
#: The stdlib explanation path refuses longer integers (Python's own limit is 4,300 digits).
MAX_INT_DIGITS = 1_000
#: Client-chosen text (a duplicated key) quoted in an error is cut to this many characters.
MAX_QUOTED_CHARS = 200
EMPTY = "The JSON text is empty."


class JsonError(ValueError):
    """Refused JSON: ``message`` names the problem, ``key`` the duplicated key (truncated), if any."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.key = key


def truncate(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """Client-chosen text cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# Bodies up to this size get the slow, stdlib-based explanation of what is wrong with them
# (which key is duplicated, NaN, ...). Larger broken bodies get orjson's position only, so a
# hostile body never costs more than one fast parse plus a few C-speed scans.
EXPLAIN_MAX_BYTES = 1_000_000
_BOM = b"\xef\xbb\xbf"


def _orjson_depth_limit() -> int:
    """The deepest nesting orjson accepts, measured once: 1024 since orjson 3.9, unbounded before."""
    low, high = 1, 1 << 16          # low parses, high does not
    if _parses_nested(high):
        return high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if _parses_nested(mid) else (low, mid)
    return low


def _parses_nested(depth: int) -> bool:
    try:
        orjson.loads(b"[" * depth + b"]" * depth)
        return True
    except orjson.JSONDecodeError:
        return False


_ORJSON_LIMIT = _orjson_depth_limit()
# orjson >= 3.9 refuses nesting beyond 1024 levels itself (an error, in C, before its stack is at
# risk). Older versions have no limit and crash the process (SIGSEGV) on a few million "[".
_ORJSON_GUARDS_ITS_STACK = _ORJSON_LIMIT <= 4096

# The body is parsed inside WRAP extra arrays, so orjson's own (C-speed) nesting limit refuses
# anything deeper than MAX_DEPTH: no pre-scan, no walk over the decoded structure. The wrapper
# costs ~0.1 ms per call (the arrays are parsed and unwrapped in C-speed steps); a Python walk of
# the decoded body, the alternative, costs several times that on a typical request.
_WRAP = _ORJSON_LIMIT - MAX_DEPTH if _ORJSON_GUARDS_ITS_STACK else 0
_PREFIX, _SUFFIX = b"[" * _WRAP, b"]" * _WRAP
_NOT_WRAPPED = object()
# Bodies up to this size are counted for openers first (two memchr-speed scans): with at most
# MAX_DEPTH of them they cannot nest deeper than MAX_DEPTH and skip the wrapper.
_SHALLOW_MAX_BYTES = 16_384
# Without orjson's limit (orjson < 3.9, e.g. a shared interpreter): bodies with fewer openers than
# this cannot be deep enough to hurt orjson and are parsed, then walked; larger ones are scanned first.
_LEGACY_SAFE_OPENERS = 20_000
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def loads(body: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON text strictly; any problem is a :class:`JsonError`.

    Refused: invalid UTF-8 (and lone surrogate escapes), ``NaN``/``Infinity``, numbers out of
    the double range, nesting deeper than :data:`MAX_DEPTH`, duplicate keys in any object. A
    leading UTF-8 BOM is ignored. Cost: one orjson parse, one orjson encode (to count the keys
    that survived) and a few ``bytes.count`` scans, all linear and in C; no copy of the body
    beyond the wrapper's.
    """
    if isinstance(body, str):
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError:
            raise JsonError("The JSON text is not valid UTF-8.") from None
    elif not isinstance(body, bytes):
        body = bytes(body)
    if body.startswith(_BOM):
        body = body[len(_BOM):]
    if not body or body.isspace():
        raise JsonError(EMPTY)
    if len(body) <= _SHALLOW_MAX_BYTES and body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        # Too few openers to nest deeper than MAX_DEPTH (JWT headers and payloads, small FHIR
        # answers): parsed as it is, without the wrapper arrays (~924 levels to unwrap in Python).
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _explain(body) from None
    elif _ORJSON_GUARDS_ITS_STACK:
        try:
            value = _unwrap(orjson.loads(_PREFIX + body + _SUFFIX))
        except orjson.JSONDecodeError:
            value = _NOT_WRAPPED
        if value is _NOT_WRAPPED:
            raise _explain(body)
    else:
        value = _legacy_load(body)
    if _pairs_dropped(body, value):
        # orjson keeps the last of duplicate keys; the stdlib parser names the key (exact, slower,
        # only ever run on a body that has duplicates or spells a colon as an escape).
        error = _strict_stdlib_error(body)
        if error is not None:
            raise error
    return value


def _pairs_dropped(body: bytes, value: Any) -> bool:
    """Might decoding have dropped a key-value pair (a duplicate key)?

    Every pair has one ``:`` outside strings and the colons inside strings survive orjson's
    compact re-encoding, so the body has more colons than the re-encoding exactly when a pair
    was dropped. A colon escaped as ``\\u003a`` is counted as one (a literal backslash before
    ``u003a`` then counts too: a false alarm the exact check clears). Two C-speed scans.
    """
    colons = body.count(b":")
    # An escaped colon needs a backslash: one memchr (~µs) spares the substring search (~0.2 ms on
    # a typical body) for the usual body that has no escapes at all.
    if b"\\" in body and b"\\u003" in body:
        colons += body.count(b"\\u003a") + body.count(b"\\u003A")
    return colons != orjson.dumps(value).count(b":")


def _unwrap(wrapped: Any) -> Any:
    """The body's value from inside the wrapper arrays (``_NOT_WRAPPED`` if the body broke out of them).

    A body that closes a wrapper array early (``1],[2``) leaves some level with a sibling, so
    every level must be a list of exactly one element.
    """
    value = wrapped
    for _ in range(_WRAP):
        if type(value) is not list or len(value) != 1:
            return _NOT_WRAPPED
        value = value[0]
    return value


def _legacy_load(body: bytes) -> Any:
    """orjson < 3.9 (no nesting limit of its own): bound the depth before parsing, then check it exactly."""
    if body.count(b"[") + body.count(b"{") > _LEGACY_SAFE_OPENERS and not _brackets_within(body, MAX_DEPTH):
        raise _too_deep_error()
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _explain(body) from None
    if _deeper_than(value, MAX_DEPTH):
        raise _too_deep_error()
    return value


def _brackets_within(body: bytes, depth: int) -> bool:
    """Do the brackets outside strings nest at most ``depth`` deep (and match)? C-speed passes only."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    for _ in range(depth):
        if not brackets:
            return True
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            return False          # unbalanced: malformed, and not to be handed to orjson
        brackets = shorter
    return not brackets


def _deeper_than(value: Any, limit: int) -> bool:
    """Iterative depth check of decoded JSON (legacy path only)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if type(item) is dict:
            stack.extend((v, depth + 1) for v in item.values() if type(v) in (dict, list))
        elif type(item) is list:
            stack.extend((v, depth + 1) for v in item if type(v) in (dict, list))
    return False


def _explain(body: bytes) -> JsonError:
    """The 400 for a body orjson refused (or that broke out of the wrapper)."""
    if not _ORJSON_GUARDS_ITS_STACK and body.count(b"[") + body.count(b"{") > _LEGACY_SAFE_OPENERS \
            and not _brackets_within(body, MAX_DEPTH):
        return _too_deep_error()
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth" in exc.msg or "recursion" in exc.msg.lower():
            return _too_deep_error()
        if "infinity when parsed" in exc.msg:
            # a number beyond the double range (e.g. an integer of thousands of digits, or 1e999)
            return JsonError(f"A number in the JSON at line {exc.lineno} column {exc.colno} is too large "
                             "(beyond the range of a double).")
        if len(body) <= EXPLAIN_MAX_BYTES:
            strict = _strict_stdlib_error(body)
            if strict is not None:
                return strict
        return JsonError(f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.")
    return _too_deep_error()     # valid alone, refused wrapped: only the depth differs


def _too_deep_error() -> JsonError:
    return JsonError(f"JSON is nested deeper than {MAX_DEPTH} levels.")


def _strict_stdlib_error(body: bytes) -> JsonError | None:
    """The stdlib's detailed complaint about a (small) body, or None if it has none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return JsonError("The JSON text is not valid UTF-8.")
    try:
        json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                   parse_int=_bounded_int, parse_float=_finite_float)
    except JsonError as exc:
        return exc
    except RecursionError:
        return _too_deep_error()
    except json.JSONDecodeError as exc:
        return JsonError(f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.")
    except ValueError:      # the interpreter's own integer-conversion limit, should one slip past
        return JsonError(f"An integer has more than {MAX_INT_DIGITS} digits.")
    return None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonError("Duplicate key in JSON object.", key=truncate(key))
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise JsonError(f"{name} is not valid JSON.")


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS + 1:          # + 1: a minus sign
        raise JsonError(f"An integer has more than {MAX_INT_DIGITS} digits.")
    return int(digits)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonError("A number is too large (beyond the range of a double).")
    return value

