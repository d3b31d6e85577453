"""Whole-response goldens of the fixture patients: ``tests/golden/cards/<id>.json``.

Each ``fhir_fixtures/hooks/<id>.json`` request (and each order-hook situation, ``fhir_fixtures/orders/ord-*.json``,
pinned in ``tests/golden/orders/``) is sent through the real application
(``service.app.create_app`` with auth disabled, a throwaway SQLite feedback store, the fixed
fixture clock 2026-11-22 and a counting uuid factory restarted for every request), and the
whole ``{"cards": [...]}`` body is pinned.

Regenerating is an explicit, reviewed act -- never done by the test run itself::

    python -m tests.golden_cards_regen            # rewrite every golden
    NETCDS_REGEN_GOLDENS=1 python -m pytest tests/test_golden_cards.py   # same, from pytest

Review every diff as a clinical change (docs/rules.md) before committing it.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HOOKS_DIR = REPO / "fhir_fixtures" / "hooks"
GOLDEN_DIR = REPO / "tests" / "golden" / "cards"
SERVICE_PATH = "/cds-services/net-treatment"
#: The fixtures' "today" (fhir_fixtures/README.md).
FIXED_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)
REGEN_VARIABLE = "NETCDS_REGEN_GOLDENS"


def hook_files() -> list[Path]:
    """Every fixture hook request, discovered (new patients need no edit here)."""
    return sorted(HOOKS_DIR.glob("*.json"))


class CountingUuids:
    """Deterministic uuids 00000000-0000-4000-8000-000000000001, ...; ``restart()`` per request."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return str(uuid.UUID(f"00000000-0000-4000-8000-{next(self._counter):012x}"))


@contextmanager
def golden_client() -> Iterator[tuple[Any, CountingUuids]]:
    """A test client of the real app with a fixed clock and a restartable uuid factory."""
    from service.app import create_app

    uuids = CountingUuids()
    saved = {k: v for k, v in os.environ.items() if k.startswith("NETCDS_")}
    for name in saved:  # a developer's shell must not change the goldens
        del os.environ[name]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(
                {
                    "NETCDS_AUTH_DISABLED": "true",
                    "NETCDS_DATABASE_URL": f"sqlite:///{Path(tmp) / 'feedback.sqlite3'}",
                    "NETCDS_LOG_LEVEL": "WARNING",
                },
                clock=lambda: FIXED_NOW,
                uuid_factory=uuids,
            )
            try:
                yield app.test_client(), uuids
            finally:
                app.extensions["netcds"].close()
    finally:
        os.environ.update(saved)


def response_for(client: Any, uuids: CountingUuids, hook_file: Path) -> dict:
    """POST one fixture hook request; return the JSON body (status must be 200)."""
    uuids.restart()
    body = json.loads(hook_file.read_text(encoding="utf-8"))
    response = client.post(SERVICE_PATH, json=body)
    if response.status_code != 200:
        raise AssertionError(f"{hook_file.stem}: HTTP {response.status_code}: {response.get_data(as_text=True)[:500]}")
    return response.get_json()


def golden_text(body: dict) -> str:
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


ORDERS_DIR = REPO / "fhir_fixtures" / "orders"
ORDER_GOLDEN_DIR = REPO / "tests" / "golden" / "orders"
ORDER_PATHS = {"order-select": "/cds-services/net-order-select", "order-sign": "/cds-services/net-order-sign"}


def order_files() -> list[Path]:
    """Every order-hook situation request (``fhir_fixtures/orders/ord-*.json``)."""
    return sorted(ORDERS_DIR.glob("ord-*.json"))


def order_response_for(client: Any, uuids: CountingUuids, order_file: Path) -> dict:
    """POST one order-hook situation to its service; return the JSON body (status must be 200)."""
    uuids.restart()
    body = json.loads(order_file.read_text(encoding="utf-8"))
    response = client.post(ORDER_PATHS[body["hook"]], json=body)
    if response.status_code != 200:
        raise AssertionError(f"{order_file.stem}: HTTP {response.status_code}: {response.get_data(as_text=True)[:500]}")
    return response.get_json()


def regenerate(only: list[str] | None = None) -> list[str]:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    with golden_client() as (client, uuids):
        for hook_file in hook_files():
            if only and hook_file.stem not in only:
                continue
            text = golden_text(response_for(client, uuids, hook_file))
            target = GOLDEN_DIR / f"{hook_file.stem}.json"
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                written.append(hook_file.stem)
        ORDER_GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        for order_file in order_files():
            if only and order_file.stem not in only:
                continue
            text = golden_text(order_response_for(client, uuids, order_file))
            target = ORDER_GOLDEN_DIR / f"{order_file.stem}.json"
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                written.append(order_file.stem)
    return written


def main(argv: list[str]) -> None:
    written = regenerate(argv or None)
    print("rewrote: " + (", ".join(written) if written else "nothing (all goldens up to date)"))


if __name__ == "__main__":
    main(sys.argv[1:])
