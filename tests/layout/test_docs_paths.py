"""Every repository path and ``service.*`` module named in the README and the docs exists.

A moved or renamed module must take its documentation with it. Paths with placeholders
(``<group>``, ``*``, ``{...}``) are patterns, not paths, and are skipped.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted({REPO / "README.md", *REPO.glob("docs/**/*.md"), REPO / "deploy" / "README.md",
               REPO / "bench" / "README.md", REPO / "fhir_fixtures" / "README.md",
               *REPO.glob("cards/**/README.md")})
ROOTS = ("service", "tests", "cards", "deploy", "bench", "fhir_fixtures", "docs", ".ci")
_PATH = re.compile(r"(?<![\w./-])((?:%s)/[A-Za-z0-9_./-]*)" % "|".join(re.escape(r) for r in ROOTS))
_MODULE = re.compile(r"(?<![\w./-])(service(?:\.[a-z_][a-z0-9_]*)+)")
_PATTERN = re.compile(r"[<>*{}]")
GENERATED = ("tests/golden/", ".netcds/")      # written by tools; may be absent on a fresh clone


def _named(pattern: re.Pattern[str], text: str) -> set[str]:
    found = set()
    for match in pattern.finditer(text):
        end = match.end()
        if end < len(text) and _PATTERN.match(text[end]):
            continue
        found.add(match.group(1).rstrip(".,:;)`'\""))
    return found


def _module_exists(dotted: str) -> bool:
    # "service.rules.outcome.Outcome" names a class in a module: accept any existing prefix module
    # whose next part is an attribute of it.
    parts = dotted.split(".")
    for cut in range(1, len(parts) + 1):
        name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:     # the parent is a module, not a package
            found = False
        if not found:
            if cut == 1:
                return False
            module = importlib.import_module(".".join(parts[:cut - 1]))
            return hasattr(module, parts[cut - 1])
    return True


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_named_paths_exist(doc: Path):
    text = doc.read_text(encoding="utf-8")
    missing = sorted(p for p in _named(_PATH, text)
                     if not p.startswith(GENERATED) and not (REPO / p).exists())
    assert not missing, f"{doc.relative_to(REPO)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_named_modules_exist(doc: Path):
    text = doc.read_text(encoding="utf-8")
    missing = sorted(m for m in _named(_MODULE, text) if not _module_exists(m))
    assert not missing, f"{doc.relative_to(REPO)} names modules that do not exist: {missing}"


def test_checker_catches_a_stale_path(tmp_path):
    assert _named(_PATH, "see `service/hooks.py` and service/rules/<group>.py") == {"service/hooks.py"}
    assert not (REPO / "service/hooks.py").exists()
    assert not _module_exists("service.hooks")
    assert _module_exists("service.protocol.routes")
