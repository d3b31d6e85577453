"""The real CDS Hooks Sandbox, in headless Chromium, against ``python -m service demo``.

The Sandbox is built from its source (``../shared/cds-hooks-sandbox`` or ``$CDS_SANDBOX_DIR``,
cached under ``.netcds/sandbox/``) and served by the demo itself; each patient is opened with the
local Sandbox link the demo printed. For six fixture patients across pathways the test checks what
a user relies on: discovery, the prefetch queries the *browser* runs against the demo's FHIR
server, the hook call, every card the service returned shown with its summary, and nothing from
patient text able to run in the page; then feedback for a dismissal, a dismissal with an override
reason and an accepted suggestion, stored in the demo's database; and the demo's ``/demo/`` page.
The page is compared with what the service answered in the same run, never with pinned goldens.
A screenshot per patient goes to the folder printed at the end of the run.
"""
from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from tests.browser.harness import PATIENT_VIEW, Exchange, SandboxBrowser, Screen, rx_screen, same_endpoint

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.fhirserver]

# One patient per pathway the issue names; the reason is what the patient stands for.
PATIENTS = {
    "net-04": "PRRT candidate: midgut NET progressing on an SSA, SSTR-positive",
    "net-12": "pancreatic NET progressing on lanreotide",
    "net-07": "refractory carcinoid syndrome",
    "net-32": "Ki-67 missing",
    "net-39": "no neuroendocrine neoplasm: no cards",
    "net-05": "hostile text in the patient's name and notes",
}
# (screen, patient): the order screens join this list when the service offers their hooks, e.g.
# (RX_VIEW, "net-35") for order-select; every check below is written for any screen.
CASES = [(PATIENT_VIEW, patient_id) for patient_id in PATIENTS]
APP_SCRIPTS = {"./fhir-client.min.js", "./app.bundle.js"}
REQUIRED_PREFETCH = ("patient", "conditions")


def _hook_url(demo, service_id: str = "net-treatment") -> str:
    return f"{demo.discovery}/{service_id}"


def _service_urls(browser: SandboxBrowser, demo, screen: Screen) -> list[str]:
    """The hook URLs of the services the discovery answer offers for ``screen``'s hook."""
    found = [e for e in browser.calls(lambda e: e.method == "GET" and same_endpoint(e.url, demo.discovery))
             if e.status == 200 and e.finished]
    if not found:
        return []
    services = browser.response_body(found[-1]).get("services", [])
    return [_hook_url(demo, s["id"]) for s in services if s.get("hook") == screen.hook]


def open_patient(browser: SandboxBrowser, demo, patient_id: str,
                 screen: Screen = PATIENT_VIEW) -> tuple[Exchange, dict, dict]:
    """Open the patient on ``screen`` (patient view: with the demo's printed link); return the hook
    call, its request and its response."""
    link = screen.url(demo.web, fhir=demo.fhir, discovery=demo.discovery, patient_id=patient_id)
    if screen == PATIENT_VIEW:
        assert demo.local_link(patient_id) == link, f"the demo printed no local Sandbox link for {patient_id}"
    browser.fresh_origin(demo.web)
    browser.open(link)
    hook_urls = browser.wait_for(lambda: _service_urls(browser, demo, screen), timeout=60,
                                 what=f"discovery offering a {screen.hook} service")

    def answered_hook_calls():
        calls = browser.calls(lambda e: e.method == "POST" and any(same_endpoint(e.url, u) for u in hook_urls))
        return [c for c in calls if c.finished or c.failed] if calls else None

    browser.wait_for(answered_hook_calls, timeout=90, what=f"the Sandbox's {screen.hook} call for {patient_id}")
    # The Sandbox may call again once the patient is loaded: wait until it is quiet, take the last call.
    settled = None
    for _ in range(20):
        calls = answered_hook_calls()
        if settled is not None and len(calls) == settled:
            break
        settled = len(calls)
        time.sleep(0.5)
    hook = answered_hook_calls()[-1]
    assert hook.failed is None, f"the hook call failed in the browser: {hook.failed}"
    assert hook.status == 200, f"hook call status {hook.status}"
    request = browser.request_body(hook)
    response = browser.response_body(hook)
    return hook, request, response


def wait_for_rendered(browser: SandboxBrowser, expected: int):
    if expected == 0:
        return browser.wait_for(browser.no_recommendations_shown, timeout=30, what="'No recommendations' shown")
    return browser.wait_for(lambda: len(browser.cards()) == expected and all(c.summary for c in browser.cards()),
                            timeout=30, what=f"{expected} cards rendered")


def access_line(demo, hook_instance: str) -> dict:
    for line in demo.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and hook_instance in line:
            entry = json.loads(line)
            if entry.get("message") == "request" and entry.get("hook_instance") == hook_instance:
                return entry
    raise AssertionError(f"no access line for hookInstance {hook_instance} in the demo's log")


@pytest.mark.parametrize(("screen", "patient_id"), CASES, ids=[f"{s.name}-{p}" for s, p in CASES])
def test_the_sandbox_shows_every_card_the_service_returned(screen, patient_id, running_demo, browser, screenshot_dir):
    demo = running_demo
    hook, request, response = open_patient(browser, demo, patient_id, screen)

    # Discovery, from the browser, authenticated with the Sandbox's own JWT.
    discovery = browser.calls(lambda e: e.method == "GET" and same_endpoint(e.url, demo.discovery))
    assert discovery and discovery[-1].status == 200, f"discovery: {[(d.url, d.status) for d in discovery]}"

    # Prefetch: run by the browser against the demo's FHIR server, sent with the hook call.
    fhir_calls = browser.calls(lambda e: e.url.startswith(demo.fhir + "/") and e.method in ("GET", "POST"))
    answered = [c for c in fhir_calls if c.status == 200]
    assert len(answered) >= len(REQUIRED_PREFETCH), f"FHIR calls from the browser: {[(c.url, c.status) for c in fhir_calls]}"
    assert request["hook"] == screen.hook and request["context"]["patientId"] == patient_id
    assert request["fhirServer"] == demo.fhir
    prefetch = request.get("prefetch") or {}
    assert prefetch.get("patient", {}).get("id") == patient_id, "the browser did not prefetch the patient"
    assert prefetch.get("conditions", {}).get("resourceType") == "Bundle"
    # The service used the browser's prefetch, not its own FHIR calls, for what was prefetched.
    line = access_line(demo, request["hookInstance"])
    sources = line.get("data_sources") or {}
    assert all(sources.get(key) == "prefetch" for key in REQUIRED_PREFETCH), sources
    assert line["status"] == 200 and line["card_count"] == len(response["cards"])

    # Every card the service returned, on the page, with its summary (compared with this run's answer).
    returned = response["cards"]
    wait_for_rendered(browser, len(returned))
    shown = browser.cards()
    assert Counter(c.summary for c in shown) == Counter(card["summary"].strip() for card in returned)
    for card in returned:
        element_text = browser.card_element(card["summary"]).text
        assert card["source"]["label"] in element_text
        for suggestion in card.get("suggestions") or []:
            assert suggestion["label"] in element_text
    if patient_id == "net-39":
        assert returned == [] and browser.no_recommendations_shown()
    else:
        assert returned, f"{patient_id} ({PATIENTS[patient_id]}) got no cards"

    # Nothing from patient text (or anywhere) can run: only the Sandbox's own two scripts.
    safety = browser.active_content()
    assert set(safety["scripts"]) == APP_SCRIPTS, safety["scripts"]
    assert safety["handlers"] == [] and safety["scriptUrls"] == [] and safety["frames"] == 0, safety
    assert safety["traps"] == [], f"page called {safety['traps']}"
    if patient_id == "net-05":      # the hostile name reached the page, shown as text
        assert "<script>alert(1)</script>" in browser.driver.find_element("tag name", "body").text

    if patient_id == "net-04":      # a small one, as docs/sandbox-net-04.png in the README
        browser.screenshot(screenshot_dir / f"{screen.name}-{patient_id}-first-screen.png", full=False)
    shot = browser.screenshot(screenshot_dir / f"{screen.name}-{patient_id}.png")
    assert shot.stat().st_size > 10_000


# The order screens: (screen, patient, what to type, the Sandbox's drug name, the row that must speak about it)
ORDER_CASES = [
    (rx_screen("rx-view", "order-select"), "net-04", "sunitinib", "sunitinib 37.5 MG Oral Capsule", "NR-01"),
    (rx_screen("rx-sign", "order-sign"), "net-35", "Clarithromycin 500", "Clarithromycin 500 MG Oral Tablet", "NR-19"),
]


@pytest.mark.parametrize(("screen", "patient_id", "typed", "drug", "row"), ORDER_CASES,
                         ids=[s.name for s, *_ in ORDER_CASES])
def test_the_order_screens_call_the_order_hooks(screen, patient_id, typed, drug, row, running_demo, browser,
                                                screenshot_dir):
    """Rx View (order-select) and Rx Sign (order-sign, on "Sign Order"): the clinician picks a drug, the Sandbox
    sends its draft MedicationRequest, the service answers a concern card about that draft, and the page shows
    every card returned."""
    demo = running_demo
    link = screen.url(demo.web, fhir=demo.fhir, discovery=demo.discovery, patient_id=patient_id)
    browser.fresh_origin(demo.web)
    browser.open(link)
    hook_urls = browser.wait_for(lambda: _service_urls(browser, demo, screen), timeout=60,
                                 what=f"discovery offering a {screen.hook} service")
    browser.choose_medication(typed, drug)

    def drafts_of(call: Exchange) -> list[dict]:
        body = browser.request_body(call) or {}
        return [e.get("resource", {}) for e in (body.get("context", {}).get("draftOrders") or {}).get("entry", [])]

    def with_drug():
        calls = [c for c in browser.calls(lambda e: e.method == "POST" and any(same_endpoint(e.url, u) for u in hook_urls))
                 if c.finished]
        chosen = [c for c in calls if any("medicationCodeableConcept" in d for d in drafts_of(c))]
        return chosen[-1] if chosen else None

    if screen.hook == "order-sign":
        # "Sign Order" once the chosen drug shows in the form; press again if the first press was too early
        for _press in range(3):
            time.sleep(1.0)
            browser.click_page_button("Sign Order")
            try:
                browser.wait_for(with_drug, timeout=20, what="an order-sign call with the drug")
                break
            except AssertionError:
                continue
    hook = browser.wait_for(with_drug, timeout=90, what=f"the Sandbox's {screen.hook} call with {drug}")
    assert hook.status == 200, f"hook call status {hook.status}"
    request, response = browser.request_body(hook), browser.response_body(hook)
    assert request["hook"] == screen.hook
    draft = request["context"]["draftOrders"]["entry"][0]["resource"]
    assert draft["medicationCodeableConcept"]["text"] == drug or \
        draft["medicationCodeableConcept"]["coding"][0]["display"] == drug
    if screen.hook == "order-select":
        assert request["context"]["selections"] == [f"MedicationRequest/{draft['id']}"]
    cards = response["cards"]
    ref = f"MedicationRequest/{draft['id']}"
    about = [c for c in cards if ref in c["extension"]["net-cds"].get("draftOrders", [])]
    assert about and row in {r for c in about for r in c["extension"]["net-cds"]["rules"]}, [c["summary"] for c in cards]
    wait_for_rendered(browser, len(cards))
    assert Counter(c.summary for c in browser.cards()) == Counter(card["summary"].strip() for card in cards)
    for card in about:
        assert "Remove the draft order" in browser.card_element(card["summary"]).text
    safety = browser.active_content()
    assert set(safety["scripts"]) == APP_SCRIPTS and safety["handlers"] == [] and safety["traps"] == [], safety
    shot = browser.screenshot(screenshot_dir / f"{screen.name}-{patient_id}.png")
    assert shot.stat().st_size > 10_000


def test_feedback_from_the_sandbox_is_stored(running_demo, browser, screenshot_dir):
    """Dismiss, dismiss with an override reason, accept a suggestion: each sends feedback that is stored."""
    from service.feedback.store import FeedbackStore

    demo = running_demo
    # a patient with several cards (net-07, refractory carcinoid syndrome: five cards, four with suggestions)
    _hook, _request, response = open_patient(browser, demo, "net-07")
    cards = response["cards"]
    wait_for_rendered(browser, len(cards))
    with_suggestion = next(c for c in cards if any(s.get("uuid") for s in c.get("suggestions") or []))
    others = [c for c in cards if c is not with_suggestion and c.get("overrideReasons")]
    assert len(others) >= 2, "net-07 needs two cards with override reasons besides the one with a suggestion"
    plain, with_reason = others[0], others[1]
    reason = with_reason["overrideReasons"][0]
    suggestion = next(s for s in with_suggestion["suggestions"] if s.get("uuid"))

    feedback_url = f"{_hook_url(demo)}/feedback"

    def feedback_posts(count: int):
        posts = browser.calls(lambda e: e.method == "POST" and same_endpoint(e.url, feedback_url))
        done = [p for p in posts if p.finished or p.failed]
        return done if len(done) >= count else None

    browser.dismiss(plain["summary"])
    browser.wait_for(lambda: feedback_posts(1), timeout=30, what="feedback for the dismissal")
    browser.dismiss_with_reason(with_reason["summary"], reason["display"])
    browser.wait_for(lambda: feedback_posts(2), timeout=30, what="feedback for the override")
    browser.accept_suggestion(with_suggestion["summary"], suggestion["label"])
    posts = browser.wait_for(lambda: feedback_posts(3), timeout=30, what="feedback for the accepted suggestion")
    assert [p.status for p in posts] == [200, 200, 200], [(p.url, p.status, p.failed) for p in posts]
    browser.screenshot(screenshot_dir / "net-07-after-feedback.png")

    with FeedbackStore(f"sqlite:///{demo.database}") as store:
        stored = {f.item.card_uuid: f.item for f in store.list_feedback("net-treatment")}
    assert stored[plain["uuid"]].outcome == "overridden"
    assert stored[plain["uuid"]].override_reason_code is None
    assert stored[with_reason["uuid"]].outcome == "overridden"
    assert stored[with_reason["uuid"]].override_reason_code == reason["code"]
    assert stored[with_suggestion["uuid"]].outcome == "accepted"
    assert suggestion["uuid"] in stored[with_suggestion["uuid"]].accepted_suggestions


def test_the_demo_page_lists_patients_and_renders_cards_and_explain(running_demo, browser, screenshot_dir):
    from selenium.webdriver.common.by import By

    demo = running_demo
    driver = browser.driver
    driver.get(f"{demo.web}/demo/")
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    listed = {row.find_element(By.TAG_NAME, "td").text: row.text for row in rows}
    assert set(PATIENTS) <= set(listed)
    assert "pancreatic NET" in listed["net-12"] and "no neuroendocrine neoplasm" in listed["net-39"]
    browser.screenshot(screenshot_dir / "demo-index.png")

    # The hostile-text patient: its cards as the service answers them now, Markdown rendered, nothing runnable.
    _hook, _request, response = open_patient(browser, demo, "net-05")
    driver.get(f"{demo.web}/demo/patient/net-05")
    summaries = [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "#cards .summary")]
    assert Counter(summaries) == Counter(c["summary"].strip() for c in response["cards"])
    assert driver.find_elements(By.CSS_SELECTOR, "#cards .detail strong"), "card Markdown was not rendered"
    explain = driver.find_element(By.CSS_SELECTOR, "#explain pre").text
    assert "CLINICAL PICTURE" in explain and "RULES" in explain and "Patient net-05" in explain
    for card in response["cards"]:
        for rule in card["extension"]["net-cds"]["rules"]:
            assert rule in explain
    safety = browser.active_content()
    assert safety["scripts"] == [] and safety["handlers"] == [] and safety["scriptUrls"] == [], safety
    assert safety["traps"] == []
    browser.screenshot(screenshot_dir / "demo-net-05.png")


def test_every_command_the_demo_printed_works_verbatim_from_the_repository_root(running_demo):
    """The curl call (with its token minted inline) and the explain command, copied from the demo's output."""
    import shutil
    import subprocess

    from tests.browser.conftest import REPO

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    text = running_demo.output
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("curl "))
    block = [lines[start]]
    while block[-1].rstrip().endswith("\\"):
        block.append(lines[start + len(block)])
    curl = "\n".join(block)
    explain = next(line.strip() for line in lines if " -m service explain " in line)

    for _ in range(2):                    # a fresh token each time: the same command works again
        done = subprocess.run(["bash", "-c", curl], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        cards = json.loads(done.stdout)["cards"]
        assert cards and all(c["summary"] for c in cards)
    done = subprocess.run(["bash", "-c", explain], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "CLINICAL PICTURE" in done.stdout and "Fired (" in done.stdout
    for card in cards:
        assert card["summary"] in done.stdout
