"""``python -m service feedback-report [--database-url URL] [--format table|json]``.

Prints acceptance and override rates per card topic and rule from the feedback store
(see ``service.feedback.store.ReportRow`` for the definitions). Read-only: it never creates
or migrates a database. Exit codes: 0 printed, 1 database unavailable, 2 no schema / bad URL.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from service.errors import ConfigError, FeedbackStoreError
from service.feedback.store import (
    DEFAULT_DATABASE_URL,
    FeedbackStore,
    ReportRow,
    _sqlite_file,
    _url_from_args,
    current_revision,
    head_revision,
    normalise_url,
)

COLUMNS = ("topic", "rule", "issued", "feedback", "accepted", "overridden", "accept rate", "override rate",
           "top override reasons")


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _reasons(row: ReportRow) -> str:
    return ", ".join(f"{r.code} ({r.count})" for r in row.top_override_reasons) or "-"


def render_table(rows: Sequence[ReportRow]) -> str:
    body = [
        (r.topic, r.rule, str(r.cards_issued), str(r.feedback_items), str(r.accepted), str(r.overridden),
         _rate(r.acceptance_rate), _rate(r.override_rate), _reasons(r))
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(COLUMNS)]
    numeric = {2, 3, 4, 5, 6, 7}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    out = [line(COLUMNS), line(["-" * w for w in widths])]
    out += [line(b) for b in body]
    if not body:
        out.append("(no cards issued and no feedback recorded)")
    return "\n".join(out) + "\n"


def render_json(rows: Sequence[ReportRow]) -> str:
    return json.dumps({"rows": [r.as_dict() for r in rows]}, indent=2) + "\n"


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="python -m service feedback-report",
        description="Acceptance and override rates of net-cds cards per topic and rule.",
    )
    parser.add_argument("--database-url", help="default: $NETCDS_DATABASE_URL or " + DEFAULT_DATABASE_URL)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)

    url = _url_from_args(args.database_url)
    try:
        parsed = normalise_url(url)
        path = _sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
        if path is not None and not path.exists():
            print(f"feedback-report: no feedback database at {path}", file=err)
            return 2
        revision = current_revision(parsed)
        if revision != head_revision():
            print("feedback-report: the feedback database has no current schema; "
                  "run `python -m service migrate` first", file=err)
            return 2
        with FeedbackStore(parsed) as store:
            rows = store.report()
    except ConfigError as exc:
        print(f"feedback-report: {exc.message}", file=err)
        return 2
    except FeedbackStoreError as exc:
        print(f"feedback-report: {exc.message}", file=err)
        return 1
    out.write(render_json(rows) if args.format == "json" else render_table(rows))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
