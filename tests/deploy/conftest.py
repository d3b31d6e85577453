"""Helpers for the deploy tests: the manifests and Dockerfile as parsed data."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"

_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9, "": 1}


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def load_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def memory_bytes(quantity: str) -> int:
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|K|M|G|)", str(quantity))
    assert m, f"unexpected memory quantity {quantity!r}"
    return int(m.group(1)) * _UNITS[m.group(2)]


def cpu_millis(quantity: str) -> int:
    text = str(quantity)
    return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)


class Manifests:
    """Every object in deploy/k8s, by kind and name."""

    def __init__(self) -> None:
        self.objects = [(path, doc) for path in manifest_files() for doc in load_docs(path)]

    def one(self, kind: str, name: str | None = None) -> dict:
        found = [d for _, d in self.objects if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
        return found[0]

    def all(self, kind: str) -> list[dict]:
        return [d for _, d in self.objects if d["kind"] == kind]


@pytest.fixture(scope="session")
def manifests() -> Manifests:
    return Manifests()
