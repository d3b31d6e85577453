"""``python -m service [COMMAND] [ARGS...]``

=================  ============================================================
(none) / ``serve``  serve the CDS service with gunicorn (``service.ops.serve``)
``check``           validate settings, trusted issuers and knowledge, then exit
``demo``            local demo: FHIR server with fixtures + service (``service.demo.runner``)
``demo-token``      mint a JWT for the local demo issuer (``service.demo.issuer``)
``explain``         the clinical picture and every rule's verdict for one patient (``service.ops.explain``)
``feedback-report`` summarise stored feedback (``service.feedback.report``)
``migrate``         create/upgrade the feedback database (``service.feedback.store``)
=================  ============================================================

Commands are imported lazily, so each one needs only its own modules. Exit status: 0 on
success, 2 on a configuration or knowledge error (with a message naming the problem).
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import Callable, Sequence

from service.errors import ConfigError, KnowledgeError

USAGE = """usage: python -m service [serve|check|demo|demo-token|explain|feedback-report|migrate] [ARGS...]

  serve            serve the CDS service (default)
  check            validate knowledge, configuration and trusted issuers, then exit
                   (--knowledge: the clinical knowledge alone)
  demo             run the local demo (FHIR server with fixtures + service)
  demo-token       print a JWT for the local demo issuer
  explain          print the clinical picture and every rule's verdict for one patient
                   (a hook request file, or --patient ID; --json for tools)
  feedback-report  summarise stored feedback
  migrate          create or upgrade the feedback database

Settings come from NETCDS_* environment variables (see README.md).
"""

# command -> "module:function"; the function takes argv (list[str]) and returns an exit code.
DELEGATED = {
    "demo": "service.demo.runner:main",
    "demo-token": "service.demo.issuer:main",
    "explain": "service.ops.explain:main",
    "feedback-report": "service.feedback.report:main",
    "migrate": "service.feedback.store:migrate_main",
}


def _resolve(target: str) -> Callable[[list[str]], int | None]:
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)


def check(argv: Sequence[str] = ()) -> int:
    """Validate the knowledge, then the settings and trusted issuers; print one line per part.

    The knowledge is checked even when the settings are incomplete (a clinician reviewing a YAML
    change needs no deployment settings): ``check --knowledge`` checks only the knowledge. Exit 0
    when every part checked is fine, 2 otherwise (each failure named on stderr).
    """
    import argparse
    from pathlib import Path

    from service.app import load_clinical, load_settings
    from service.config import Settings
    from service.ops.logs import configure_logging
    from service.protocol.auth import Verifier

    configure_logging("WARNING", "text")     # a person at a terminal: warnings only, readable
    parser = argparse.ArgumentParser(prog="python -m service check",
                                     description="Validate the knowledge, settings and trusted issuers, then exit.")
    parser.add_argument("--knowledge", action="store_true",
                        help="check only the clinical knowledge (cards/), not the deployment settings")
    args = parser.parse_args(list(argv))

    failed = False
    try:
        settings = load_settings()
        settings_error = None
    except ConfigError as exc:
        settings, settings_error = None, exc.message
    cards_dir = settings.cards_dir if settings is not None else _cards_dir_from_env()
    try:
        knowledge_settings = settings or Settings(auth_disabled=True, cards_dir=cards_dir)
        _terminology, knowledge = load_clinical(knowledge_settings)
        rules = getattr(knowledge, "rules", {}) or {}
        cards = getattr(knowledge, "cards", {}) or {}
        print(f"net-cds: knowledge OK: version {getattr(knowledge, 'version', '?')}, {len(rules)} rules, "
              f"{len(cards)} cards, from {Path(cards_dir)}")
    except KnowledgeError as exc:
        print(f"net-cds: knowledge error (the service would refuse to start): {exc.message}", file=sys.stderr)
        failed = True
    if args.knowledge:
        return 2 if failed else 0
    if settings_error is not None:
        print(f"net-cds: configuration error: {settings_error}", file=sys.stderr)
        print("  (development: NETCDS_AUTH_DISABLED=true, or `python -m service demo`, which writes its own; "
              "`python -m service check --knowledge` checks the knowledge alone)", file=sys.stderr)
        return 2
    try:
        Verifier.from_settings(settings)
    except ConfigError as exc:
        print(f"net-cds: configuration error: {exc.message}", file=sys.stderr)
        return 2
    issuers = "authentication disabled (development only)" if settings.auth_disabled else \
        f"trusted issuers from {settings.trusted_issuers_path}"
    print(f"net-cds: configuration OK; {issuers}; public base URL {settings.public_base_url}")
    return 2 if failed else 0


def _cards_dir_from_env():
    from pathlib import Path

    from service.config import Settings

    raw = os.environ.get("NETCDS_CARDS_DIR", "").strip()
    return Path(raw) if raw else Settings.cards_dir


def serve(argv: Sequence[str] = ()) -> int:
    from service.app import load_clinical, load_settings
    from service.protocol.auth import Verifier
    from service.ops.logs import configure_logging
    from service.ops.serve import serve as run_server

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    # Fail in the master, before forking, on anything a worker would fail on.
    Verifier.from_settings(settings)
    load_clinical(settings)
    run_server(settings)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else "serve"
    try:
        if command in ("-h", "--help", "help"):
            print(USAGE)
            return 0
        if command == "serve":
            return serve(args)
        if command == "check":
            return check(args)
        if command in DELEGATED:
            try:
                target = _resolve(DELEGATED[command])
            except (ImportError, AttributeError):
                print(f"net-cds: command {command!r} is not available in this installation "
                      f"({DELEGATED[command]})", file=sys.stderr)
                return 2
            result = target(args)
            return int(result or 0)
        print(f"net-cds: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"net-cds: configuration error: {exc.message}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"net-cds: knowledge error (refusing to start): {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
