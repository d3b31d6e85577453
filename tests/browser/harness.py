"""A driver for the real CDS Hooks Sandbox in headless Chromium (Selenium + Debian's chromedriver).

Parameterised by :class:`Screen`: the patient-view screen today; the order screens (``rx-view`` with
``order-select``, ``rx-sign`` with ``order-sign``) are a new ``Screen`` with their launch parameters
and hook, nothing else (the card, network and feedback helpers do not depend on the hook).

Network: Chromium's performance log (the DevTools ``Network.*`` events) records every request the
page makes — discovery, each prefetch query against the FHIR server, the hook call, feedback —
with its status; the hook call's request and response bodies are read back through DevTools, so a
test compares what the page shows with what the service answered *in the same run*.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps", "--mute-audio",
    "--window-size=1400,1800", "--lang=en-US",
)
# Recorded before any page script runs: alert/confirm/prompt/print calls (active content would call them).
_TRAPS = """
(() => {
  window.__netcdsTraps = [];
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    const original = window[name];
    window[name] = function (...args) { window.__netcdsTraps.push([name, String(args[0])]); return null; };
  }
})();
"""


def find_executable(env_var: str, candidates: Iterable[str]) -> str | None:
    explicit = os.environ.get(env_var, "").strip()
    for path in ([explicit] if explicit else []) + list(candidates):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


@dataclass(frozen=True)
class Screen:
    """One Sandbox screen: its launch parameters and the hook it calls."""

    name: str
    hook: str
    params: Mapping[str, str] = field(default_factory=dict)

    def url(self, sandbox: str, *, fhir: str, discovery: str, patient_id: str) -> str:
        query = {"fhirServiceUrl": fhir, "serviceDiscoveryURL": discovery, "patientId": patient_id, **self.params}
        return f"{sandbox.rstrip('/')}/?{urlencode(query)}"


PATIENT_VIEW = Screen("patient-view", "patient-view")


def rx_screen(name: str, hook: str) -> Screen:
    """The Sandbox's order screens: Rx View calls order-select, Rx Sign order-sign (on "Sign Order")."""
    screen = "rx-view" if hook == "order-select" else "rx-sign"
    return Screen(name, hook, {"screen": screen, "hook": hook})


@dataclass
class Exchange:
    """One HTTP exchange the page made."""

    request_id: str
    method: str
    url: str
    status: int | None = None
    finished: bool = False
    failed: str | None = None


@dataclass
class RenderedCard:
    summary: str
    text: str
    index: int


class SandboxBrowser:
    """One headless Chromium with a fresh profile, driving the Sandbox."""

    def __init__(self, *, chromium: str, chromedriver: str):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = Path(tempfile.mkdtemp(prefix="netcds-chromium-"))
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
        self.driver.set_page_load_timeout(60)
        self.driver.execute_cdp_cmd("Network.enable", {"maxPostDataSize": 20_000_000})
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _TRAPS})
        self.exchanges: dict[str, Exchange] = {}

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- navigation
    def fresh_origin(self, origin: str) -> None:
        """Forget what the Sandbox persisted (localStorage) for ``origin`` and the network log."""
        self.driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        self.drain()
        self.exchanges.clear()

    def open(self, url: str) -> None:
        self.driver.get(url)

    # -- network
    def drain(self) -> None:
        """Read new DevTools network events into :attr:`exchanges`."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method", ""), message.get("params", {})
            if method == "Network.requestWillBeSent":
                request = params["request"]
                self.exchanges[params["requestId"]] = Exchange(params["requestId"], request["method"], request["url"])
            elif method == "Network.responseReceived":
                exchange = self.exchanges.get(params["requestId"])
                if exchange is not None:
                    exchange.status = params["response"]["status"]
            elif method == "Network.loadingFinished":
                exchange = self.exchanges.get(params["requestId"])
                if exchange is not None:
                    exchange.finished = True
            elif method == "Network.loadingFailed":
                exchange = self.exchanges.get(params["requestId"])
                if exchange is not None:
                    exchange.failed = params.get("errorText", "failed")

    def calls(self, predicate: Callable[[Exchange], bool]) -> list[Exchange]:
        self.drain()
        return [e for e in self.exchanges.values() if predicate(e)]

    def request_body(self, exchange: Exchange) -> Any:
        data = self.driver.execute_cdp_cmd("Network.getRequestPostData", {"requestId": exchange.request_id})
        return json.loads(data["postData"])

    def response_body(self, exchange: Exchange) -> Any:
        data = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": exchange.request_id})
        return json.loads(data["body"])

    def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 60, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.25)

    # -- cards
    def cards(self) -> list[RenderedCard]:
        from selenium.webdriver.common.by import By

        out = []
        for index, element in enumerate(self.driver.find_elements(By.CSS_SELECTOR, "[class*='decision-card']")):
            summary = element.find_element(By.TAG_NAME, "p").text.strip()
            out.append(RenderedCard(summary=summary, text=element.text, index=index))
        return out

    def card_element(self, summary: str):
        from selenium.webdriver.common.by import By

        for element in self.driver.find_elements(By.CSS_SELECTOR, "[class*='decision-card']"):
            if element.find_element(By.TAG_NAME, "p").text.strip() == summary.strip():
                return element
        raise AssertionError(f"no card with summary {summary!r} on the page")

    def no_recommendations_shown(self) -> bool:
        return "No recommendations to display" in self.driver.find_element("tag name", "body").text

    def click_button(self, container, label: str) -> None:
        from selenium.webdriver.common.by import By

        for button in container.find_elements(By.TAG_NAME, "button"):
            if button.text.strip() == label:
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
                button.click()
                return
        raise AssertionError(f"no button {label!r} in {container.text[:80]!r}")

    def choose_medication(self, typed: str, name: str) -> None:
        """Rx View / Rx Sign: type into the Medication field and pick ``name`` from the Sandbox's list."""
        from selenium.webdriver.common.by import By

        def field():
            return self.wait_for(lambda: next(iter(self.driver.find_elements(
                By.CSS_SELECTOR, "input[name='medication-input']")), None), timeout=60, what="the Medication field")

        # The field is a controlled React input re-rendered on every change (keys typed one by one are lost):
        # set the whole value as a user's paste would, through the native setter, and fire one input event.
        self.driver.execute_script(
            "const el = arguments[0];"
            "const set = Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, 'value').set;"
            "set.call(el, arguments[1]); el.dispatchEvent(new Event('input', {bubbles: true}));",
            field(), typed)
        def listed():
            for element in self.driver.find_elements(By.CSS_SELECTOR, "[role='button'], li, .MuiListItemButton-root"):
                if element.text.strip().lower() == name.lower():
                    return element
            return None

        try:
            item = self.wait_for(listed, timeout=30, what=f"{name!r} in the list")
        except AssertionError:
            shown = [e.text.strip() for e in self.driver.find_elements(By.CSS_SELECTOR, ".MuiListItemButton-root, li")][:15]
            raise AssertionError(f"{name!r} not offered after typing {typed!r}; the list shows {shown}") from None
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", item)
        item.click()

    def click_page_button(self, label: str) -> None:
        self.click_button(self.driver.find_element("tag name", "body"), label)

    def dismiss(self, summary: str) -> None:
        self.click_button(self.card_element(summary), "Dismiss")

    def dismiss_with_reason(self, summary: str, reason_display: str) -> None:
        from selenium.webdriver.common.by import By

        card = self.card_element(summary)
        arrow = card.find_element(By.CSS_SELECTOR, "button[aria-label='select dismiss reason']")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", arrow)
        arrow.click()
        wanted = f"Override: {reason_display}"
        item = self.wait_for(lambda: next((i for i in self.driver.find_elements(By.CSS_SELECTOR, "[role='menuitem']")
                                           if i.text.strip() == wanted), None), timeout=10, what=wanted)
        item.click()

    def accept_suggestion(self, summary: str, label: str) -> None:
        self.click_button(self.card_element(summary), label)

    # -- page safety
    def active_content(self) -> dict[str, Any]:
        """What on the page could run: scripts, inline handlers, script URLs, frames, and trapped dialogs."""
        return self.driver.execute_script("""
            const all = Array.from(document.querySelectorAll('*'));
            const handlers = [];
            for (const el of all) {
              for (const attr of Array.from(el.attributes)) {
                if (attr.name.toLowerCase().startsWith('on')) handlers.push(el.tagName + '[' + attr.name + ']');
              }
            }
            const scriptUrls = Array.from(document.querySelectorAll('[href],[src],[action],[formaction]'))
              .map(el => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action')
                         || el.getAttribute('formaction') || '')
              .filter(v => /^\\s*(javascript|vbscript|data:text\\/html)/i.test(v));
            return {
              scripts: Array.from(document.scripts).map(s => s.getAttribute('src') || ('inline:' + s.text.slice(0, 40))),
              handlers: handlers,
              scriptUrls: scriptUrls,
              frames: document.querySelectorAll('iframe,frame,object,embed').length,
              traps: window.__netcdsTraps || [],
            };
        """)

    def screenshot(self, path: Path, *, full: bool = True) -> Path:
        """A PNG of the page: the whole page (``full``, up to 6000 px high) or the first 1280 x 860."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if full:
            height = self.driver.execute_script("return Math.min(document.body.scrollHeight, 6000)") or 1800
            self.driver.set_window_size(1400, max(900, int(height) + 100))
        else:
            self.driver.set_window_size(1280, 860)
        self.driver.save_screenshot(str(path))
        return path


def same_endpoint(url: str, endpoint: str) -> bool:
    a, b = urlsplit(url), urlsplit(endpoint)
    return (a.scheme, a.netloc, a.path.rstrip("/")) == (b.scheme, b.netloc, b.path.rstrip("/"))
