"""The demo's development web server (``python -m service demo`` only; never part of the service).

One loopback port, two things:

- ``/`` the CDS Hooks Sandbox, built locally from its source (:mod:`service.demo.sandbox`), when
  it is available; its origin is one the demo service allows (CORS);
- ``/demo/`` a page listing the fixture patients with their pathway, and per patient
  (``/demo/patient/<id>``) the cards the running service answers for them, rendered as an EHR
  would (Markdown to HTML with raw HTML escaped, unsafe links dropped), next to the ``explain``
  view of the same patient (:mod:`service.ops.explain`). The page carries a Content-Security-
  Policy that forbids every script: whatever a card holds, nothing on it can run.

The cards come from a real hook call to the demo service (a fresh demo-issuer token, no
prefetch: the service reads the demo FHIR server), so the page shows what an EHR would get.
"""
from __future__ import annotations

import html
import json
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from service.demo.sandbox import SandboxError, QuietHandler

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
_PATIENT_PATH = re.compile(r"^/demo/patient/([A-Za-z0-9\-.]{1,64})$")
_INDICATOR_COLOURS = {"critical": "#c00", "warning": "#b36b00", "info": "#0079be"}


@dataclass(frozen=True)
class DemoPatient:
    id: str
    title: str
    pathway: str
    rows: tuple[str, ...]
    story: str


def pathway_of(entry: dict) -> str:
    """The clinical pathway of a fixture patient in a few words (from its expected picture)."""
    expect = entry.get("expect") or {}
    scope = expect.get("scope")
    if scope in (None, "none"):
        return "no neuroendocrine neoplasm"
    if scope == "sclc":
        return "small-cell lung carcinoma (out of scope)"
    if scope in ("nec", "minen"):
        return {"nec": "neuroendocrine carcinoma", "minen": "MiNEN"}[scope]
    site = {"pancreas": "pancreatic NET", "midgut": "midgut NET", "lung_thymus": "lung / thymic NET",
            "other_gi": "other GI NET", "unknown": "NET of unknown primary"}.get(expect.get("site"), "NET")
    extras = []
    if expect.get("grade") == "G3":
        site = f"G3 {site}"
    if expect.get("syndromes"):
        extras.append("functional: " + ", ".join(s.replace("_", " ") for s in expect["syndromes"]))
    if expect.get("hereditary"):
        extras.append("hereditary: " + ", ".join(expect["hereditary"]))
    return site + (f" ({'; '.join(extras)})" if extras else "")


def load_patients(index_path: Path) -> list[DemoPatient]:
    data = json.loads(index_path.read_text(encoding="utf-8"))
    return [DemoPatient(id=e["id"], title=e.get("title", ""), pathway=pathway_of(e), rows=tuple(e.get("rows", ())),
                        story=e.get("story", "")) for e in data.get("patients", [])]


# --------------------------------------------------------------------------- rendering


def _markdown() -> Callable[[str], str]:
    try:
        from markdown_it import MarkdownIt
    except ImportError:      # the page still works, showing the Markdown source
        return lambda text: f"<pre>{html.escape(text)}</pre>"
    engine = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
    return engine.render


def _safe_url(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("http", "https") else None


def render_card(card: dict, markdown: Callable[[str], str]) -> str:
    """One CDS Hooks card as HTML, as an EHR shows it; every text escaped, Markdown rendered safely."""
    e = html.escape
    indicator = str(card.get("indicator", "info"))
    colour = _INDICATOR_COLOURS.get(indicator, "#333")
    parts = [f'<article class="card card-{e(indicator)}" style="border-left:6px solid {colour}">',
             f'<h3 class="summary" style="color:{colour}">{e(str(card.get("summary", "")))}</h3>']
    source = card.get("source") or {}
    if source.get("label"):
        url = _safe_url(source.get("url"))
        label = e(str(source["label"]))
        link = f'<a href="{e(url)}" rel="noopener noreferrer">{label}</a>' if url else label
        parts.append(f'<p class="source">Source: {link}</p>')
    if card.get("detail"):
        parts.append(f'<div class="detail">{markdown(str(card["detail"]))}</div>')
    suggestions = card.get("suggestions") or []
    if suggestions:
        parts.append('<p class="suggestions">' + " ".join(
            f'<button type="button" disabled>{e(str(s.get("label", "")))}</button>' for s in suggestions) + "</p>")
    links = card.get("links") or []
    if links:
        items = []
        for link in links:
            url = _safe_url(link.get("url"))
            label = e(str(link.get("label", "")))
            items.append(f'<li><a href="{e(url)}" rel="noopener noreferrer">{label}</a></li>' if url
                         else f"<li>{label}</li>")
        parts.append('<ul class="links">' + "".join(items) + "</ul>")
    reasons = card.get("overrideReasons") or []
    if reasons:
        parts.append('<p class="override">Dismiss reasons: ' + ", ".join(
            e(str(r.get("display") or r.get("code") or "")) for r in reasons) + "</p>")
    parts.append("</article>")
    return "\n".join(parts)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:90rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.2fr);gap:1.5rem}
.card{background:#fafafa;margin:0 0 1rem;padding:.5rem 1rem;border-radius:4px}
.card h3{margin:.3rem 0}.detail{font-size:.92rem}
pre{white-space:pre;overflow-x:auto;font-size:.75rem;background:#f4f4f4;padding:.75rem}
.note{color:#555;font-size:.9rem}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def index_page(patients: Sequence[DemoPatient], *, sandbox_links: Callable[[str], dict[str, str]]) -> str:
    e = html.escape
    rows = []
    for p in patients:
        links = sandbox_links(p.id)
        sandbox = " ".join(f'<a href="{e(url)}">{e(name)}</a>' for name, url in links.items())
        rows.append(f'<tr><td><a href="/demo/patient/{quote(p.id)}">{e(p.id)}</a></td><td>{e(p.pathway)}</td>'
                    f"<td>{e(p.title)}</td><td>{e(', '.join(p.rows) or '(no cards)')}</td><td>{sandbox}</td></tr>")
    body = ("<h1>net-cds demo: fixture patients</h1>"
            '<p class="note">Development page of <code>python -m service demo</code> (synthetic patients only). '
            "Each patient page shows the cards the running service answers, as an EHR renders them, "
            "and the explain view: every fact it read and every rule's verdict.</p>"
            "<table><thead><tr><th>patient</th><th>pathway</th><th>story</th><th>rows expected to fire</th>"
            "<th>open in the Sandbox</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return _page("net-cds demo", body)


def patient_page(patient: DemoPatient | None, patient_id: str, cards: list[dict] | None, error: str | None,
                 explain_text: str, *, sandbox_links: dict[str, str]) -> str:
    e = html.escape
    markdown = _markdown()
    title = f"{patient_id}: {patient.title}" if patient else patient_id
    head = (f'<p><a href="/demo/">all patients</a> · ' +
            " · ".join(f'<a href="{e(url)}">open in the {e(name)}</a>' for name, url in sandbox_links.items()) +
            f"</p><h1>{e(title)}</h1>")
    if patient:
        head += f'<p class="note">{e(patient.pathway)}. {e(patient.story)}</p>'
    if error:
        cards_html = f'<p class="error">The service did not answer with cards: {e(error)}</p>'
    elif not cards:
        cards_html = '<p class="no-cards">No cards: the service has no advice for this patient.</p>'
    else:
        cards_html = "\n".join(render_card(card, markdown) for card in cards)
    body = (head + '<div class="cols"><section id="cards"><h2>Cards (' + str(len(cards or [])) + ")</h2>"
            + cards_html + '</section><section id="explain"><h2>Explain</h2><pre>' + e(explain_text)
            + "</pre></section></div>")
    return _page(title, body)


# --------------------------------------------------------------------------- server


class DemoWeb:
    """``/`` the built Sandbox (when there is one), ``/demo/`` the patients page; 127.0.0.1 only."""

    def __init__(self, *, port: int, sandbox_dir: Path | None, patients: Sequence[DemoPatient],
                 hook_url: str, fhir_url: str, fhir_token: str, mint_token: Callable[[str], str],
                 sandbox_links: Callable[[str], dict[str, str]], as_of: Callable[[], date] = date.today):
        self.patients = {p.id: p for p in patients}
        self._ordered = list(patients)
        self.sandbox_dir = sandbox_dir
        self.hook_url = hook_url
        self.fhir_url = fhir_url
        self.fhir_token = fhir_token
        self.mint_token = mint_token
        self.sandbox_links = sandbox_links
        self.as_of = as_of
        self._clinical: tuple[Any, Any] | None = None
        self._lock = threading.Lock()
        web = self
        directory = str(sandbox_dir) if sandbox_dir else str(Path(__file__).parent)

        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                web.handle(self)

            def do_HEAD(self):  # noqa: N802
                web.handle(self)

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=directory))
        except OSError as exc:
            raise SandboxError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-web", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "DemoWeb":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- requests
    def handle(self, handler: QuietHandler) -> None:
        path = unquote(urlsplit(handler.path).path)
        if path in ("/demo", "/demo/"):
            return self._send(handler, 200, index_page(self._ordered, sandbox_links=self.sandbox_links))
        match = _PATIENT_PATH.match(path)
        if match:
            return self._send(handler, 200, self.render_patient(match.group(1)))
        if path.startswith("/demo/"):
            return self._send(handler, 404, _page("not found", "<p>No such demo page.</p>"))
        if self.sandbox_dir is None:
            handler.send_response(302)
            handler.send_header("Location", "/demo/")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        return (http_get if handler.command == "GET" else http_head)(handler)

    def _send(self, handler: QuietHandler, status: int, text: str) -> None:
        body = text.encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Content-Security-Policy", CSP)
        handler.send_header("X-Content-Type-Options", "nosniff")
        handler.send_header("Referrer-Policy", "no-referrer")
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def render_patient(self, patient_id: str) -> str:
        cards, error = self.call_service(patient_id)
        explain_text = self.explain(patient_id)
        return patient_page(self.patients.get(patient_id), patient_id, cards, error, explain_text,
                            sandbox_links=self.sandbox_links(patient_id))

    def call_service(self, patient_id: str) -> tuple[list[dict] | None, str | None]:
        """A real hook call to the demo service (no prefetch: it reads the demo FHIR server)."""
        body = {
            "hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/demo-page", "patientId": patient_id},
            "fhirServer": self.fhir_url,
            "fhirAuthorization": {"access_token": self.fhir_token, "token_type": "Bearer", "expires_in": 300,
                                  "scope": "user/*.read", "subject": "net-cds-demo-page"},
        }
        try:
            with requests.Session() as http:
                http.trust_env = False
                response = http.post(self.hook_url, json=body, timeout=30, headers={
                    "Authorization": f"Bearer {self.mint_token(self.hook_url)}"})
        except requests.RequestException as exc:
            return None, f"the service could not be reached ({type(exc).__name__})"
        if response.status_code != 200:
            try:
                diagnostics = response.json()["issue"][0].get("diagnostics", "")
            except (ValueError, KeyError, IndexError, TypeError):
                diagnostics = ""
            return None, f"HTTP {response.status_code} {diagnostics}".strip()
        return list(response.json().get("cards", [])), None

    def explain(self, patient_id: str) -> str:
        from service.data.fhir_client import FhirPolicy
        from service.ops.explain import as_text, explain_request, patient_request

        policy = FhirPolicy.build([self.fhir_url], allow_http=True, allow_anonymous=True, timeout=10.0)
        try:
            with self._lock:
                explanation = explain_request(patient_request(patient_id, self.fhir_url, self.fhir_token),
                                              as_of=self.as_of(), fhir_policy=policy, clinical=self._load())
        except Exception as exc:  # noqa: BLE001 - a development page says what failed and goes on
            return f"explain failed: {type(exc).__name__}: {getattr(exc, 'message', '')}"
        return as_text(explanation)

    def _load(self) -> tuple[Any, Any]:
        if self._clinical is None:
            from service.app import load_clinical, load_settings

            self._clinical = load_clinical(load_settings({"NETCDS_AUTH_DISABLED": "true"}))
        return self._clinical


def http_get(handler: QuietHandler) -> None:
    QuietHandler.do_GET(handler)


def http_head(handler: QuietHandler) -> None:
    QuietHandler.do_HEAD(handler)
