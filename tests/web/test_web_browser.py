"""Browser tests: Playwright drives Debian's headless Chromium against a real uvicorn server.

- The whole workflow, one role after the other: a supplier uploads a CSV with an error, sees
  the row error in place, fixes and submits it and shares the dataset; the cell maker creates a
  design through the form (live validation), calculates it and submits it for verification, and
  moves a green-power slider in the scenario explorer; the verifier reviews and approves; the
  regulator sees the verified figure.
- Accessibility of every page: axe-core (vendored in ``fixtures/``) finds no serious or critical
  violation and no skipped heading level, and keyboard focus is visible on each focusable
  element met by tabbing. Each page's screenshot is saved to a temporary folder, or to the folder
  named by ``BATTERYCARBON_SCREENSHOTS`` (``make screenshots`` sets it to ``docs/screenshots/``).
- The Excel template: downloaded in the browser, filled in with a bad row, uploaded; the row
  error is shown in place (checked for accessibility too).
- The portfolio recomputation: started from its page, followed on the job page, which polls the
  job's state and shows the result when done (pages checked for accessibility too).
- The Content-Security-Policy: no page's script, style or request is refused by it (every page
  of the workflow and of the accessibility check), and the API documentation (``/docs``,
  ``/redoc``) renders from this server alone, with no request to any other host.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_support import require_module, require_program
from passport_support import passport_request
from server_support import running_server
from web_support import App, demo_actor, password_of

from batterycarbon.api.limits import UPLOAD_BODY_BYTES
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.dataset_review import revise_dataset
from batterycarbon.services.demo import DemoResult
from batterycarbon.services.jobs import submit_job
from batterycarbon.services.passports import PassportIn, issue_passport
from batterycarbon.store import session_factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = Path(__file__).parent / "fixtures" / "axe.min.js"


@pytest.fixture(scope="module")
def base_url(demo_app: App) -> Iterator[str]:
    """The demo application served, once per database; the policy refusals recorded on the
    other database's server are not this one's (ReDoc's logo, checked by the docs test)."""
    CSP_REFUSALS.clear()
    with running_server(demo_app[0]) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; missing, the tests skip (locally) or fail (CI)."""
    executable = require_program(CHROMIUM, "chromium")
    sync_api = require_module("playwright.sync_api", "test")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


#: What the browser reported the Content-Security-Policy refused, on every page opened by
#: :func:`new_page` (checked at the end of the tests that open them).
CSP_REFUSALS: list[str] = []


def new_page(browser: Any) -> Any:
    """A page of a fresh browser context whose Content-Security-Policy refusals are recorded."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("console", lambda message: _record_csp_refusal(page, message.text))
    return page


def _record_csp_refusal(page: Any, text: str) -> None:
    if "Content Security Policy" in text:
        CSP_REFUSALS.append(f"{page.url}: {text[:300]}")


def signed_in(browser: Any, base_url: str, demo: DemoResult, username: str) -> Any:
    """A page of a fresh browser context, signed in as ``username`` through the form."""
    page = new_page(browser)
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password_of(demo, username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/dashboard")
    return page


@functools.cache
def screenshots() -> Path:
    """Where screenshots go: ``make screenshots`` names docs/screenshots; a plain test run keeps
    the tree clean and writes them to a temporary folder."""
    named = os.environ.get("BATTERYCARBON_SCREENSHOTS")
    folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="batterycarbon-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(screenshots() / f"{name}.png"), full_page=True)


def test_workflow_supplier_manufacturer_verifier_regulator(
    browser: Any, base_url: str, demo_app: App
) -> None:
    demo = demo_app[1]
    # Supplier: an upload with a bad row is refused row by row; fixed, it is stored and shared.
    supplier = signed_in(browser, base_url, demo, "cam")
    supplier.goto(f"{base_url}/web/datasets")
    header = "flow,value,unit,region,year,dqr,evidence,activity.electricity_kwh_per_kg"
    good = (
        "cam_ncm811,26.8,kg CO2e / kg,KR,2024,1.4,hanil-2024.pdf;hanil-meter-readings-2024.csv,19.5"
    )
    csv = f"{header}\n{good}\ncam_ncm811,-2,kg CO2e / kg,KR,2024,1.4,hanil-2024.pdf;hanil-meter-readings-2024.csv,19.5\n"
    supplier.get_by_label("CSV or JSON file").set_input_files(
        files=[{"name": "hanil-2024.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    supplier.get_by_role("button", name="Submit datasets").click()
    bad_row = supplier.locator('tr.bad[data-line="3"]')
    assert "value: Input should be greater than 0" in bad_row.inner_text()
    assert supplier.locator("tr.bad").count() == 1
    shoot(supplier, "supplier-upload-row-error")
    supplier.get_by_label("… or paste (and fix) the data here").fill(f"{header}\n{good}\n")
    supplier.get_by_role("button", name="Submit datasets").click()
    assert "1 dataset(s) submitted" in supplier.locator("#upload-ok").inner_text()
    supplier.locator("#own-datasets a", has_text="cam_ncm811").last.click()
    assert "19.5" in supplier.locator("main").inner_text()  # the owner sees the activity data
    supplier.get_by_label("Share with").select_option(label="Danube Cell Works")
    supplier.get_by_role("button", name="Share", exact=True).click()
    assert supplier.get_by_role("button", name="Revoke access of Danube Cell Works").is_visible()

    # Manufacturer: a design through the form, validated live, calculated and submitted.
    maker = signed_in(browser, base_url, demo, "cell")
    maker.goto(f"{base_url}/web/products/new")
    maker.get_by_label("Product name").first.fill("Browser pack NCM811")
    maker.get_by_label("Cell capacity (Ah)").fill("-4")
    error = maker.locator("#err-cell-capacity_ah")
    error.filter(has_text="greater than or equal to 0.01").wait_for()
    assert maker.get_by_label("Cell capacity (Ah)").get_attribute("aria-invalid") == "true"
    shoot(maker, "design-editor-live-validation")
    maker.get_by_label("Cell capacity (Ah)").fill("105")
    maker.get_by_label("Production year").fill("2024")
    # The bill of materials: the cathode material from the supplier that shared it, at the
    # design's cathode plant (moving the plant moves the row's plant with it).
    maker.get_by_label("Source of the cathode active material").select_option(
        "Hanil Cathode Materials"
    )
    maker.get_by_label("Cathode plant").fill("HU")
    plant = maker.get_by_label("Plant of the cathode active material")
    assert plant.input_value() == "HU"
    note = maker.locator("#note-supply-cathode_active_material")
    note.filter(has_text="the design's cathode plant is HU").wait_for()  # refused, said live
    assert note.inner_text().startswith("a calculation would be refused")
    maker.get_by_label("Cathode plant").fill("KR")
    note.filter(has_text="a calculation now uses dataset").wait_for()
    maker.locator('#problems[data-valid="true"]').wait_for()
    assert "capacity_ah: '105'" in maker.locator("#yaml-text").input_value()
    assert "supplier: Hanil Cathode Materials" in maker.locator("#yaml-text").input_value()
    shoot(maker, "design-editor-supply")
    problems = accessibility_problems(maker, "design-editor-supply")
    maker.get_by_role("button", name="Create product", exact=True).click()
    maker.get_by_role("heading", name="Browser pack NCM811").wait_for()
    maker.get_by_role("button", name="Calculate version 1").click()
    maker.locator("#sankey-chart .main-svg").first.wait_for()
    used = maker.locator("#supplier-data tbody tr")
    assert "Hanil Cathode Materials\tKR" in used.inner_text() and "version 1" in used.inner_text()
    dataset_id = used.locator("code").inner_text()
    # The supplier revises that dataset (e.g. answering a data request): the product says so,
    # and the recalculation uses the revision.
    app = demo_app[0]
    with session_factory(app.state.engine)() as session:
        cam = demo_actor(session, demo, "cam")
        evidence = ["hanil-2024-rev2.pdf", "hanil-meter-readings-2024.csv"]
        revision = DatasetIn(
            flow="cam_ncm811",
            value=25.9,
            region="KR",
            year=2024,
            dqr=1.4,
            evidence=evidence,
            activity_data={"electricity_kwh_per_kg": 19.5},
        )
        revised = revise_dataset(session, cam, uuid.UUID(dataset_id), revision)
    maker.reload()
    banner = maker.locator("#newer-data")
    assert f"Hanil Cathode Materials has dataset {revised.id} version 2" in banner.inner_text()
    shoot(maker, "product-newer-data")
    problems += accessibility_problems(maker, "product-newer-data")
    banner.get_by_role("button", name="Recalculate version 1").click()
    maker.locator("#sankey-chart .main-svg").first.wait_for()
    assert f"{revised.id} version 2" in maker.locator("#supplier-data").inner_text()
    assert maker.locator("#newer-data").count() == 0
    assert not problems, "\n".join(problems)
    total = float(maker.locator("#total-per-kwh").inner_text().split()[0])
    maker.get_by_role("button", name="Submit for verification").click()
    assert maker.locator("td.state").first.inner_text() == "submitted"

    maker.goto(f"{base_url}/web/scenarios")
    summary = maker.locator("#pathway-summary[data-final]")
    summary.wait_for()
    before = float(summary.get_attribute("data-final") or "nan")
    maker.get_by_label("Cell", exact=True).press("End")  # keyboard: the slider to 100 %
    maker.wait_for_function(
        "b => Number(document.querySelector('#pathway-summary').dataset.final) < b", arg=before
    )
    assert maker.locator("#out-green-cell").inner_text() == "100 %"
    assert maker.locator("#waterfall-chart g.trace").count() >= 1
    assert "green power" in maker.locator("#pathway-rows").inner_text()
    # A recycling route under a rule set that counts end of life by the CFF: a bar and a figure.
    maker.get_by_label("Rule set").select_option("jrc-cfb-ev-2023")
    maker.get_by_label("Recycling route").select_option("hydro")
    counted = maker.locator("#end-of-life-summary[data-counted]")
    counted.wait_for()
    assert float(counted.get_attribute("data-counted") or "nan") < 0
    assert "cff method" in counted.inner_text()

    # Verifier: the queue, the review with the supplier's activity data, a finding, approval.
    verifier = signed_in(browser, base_url, demo, "verifier")
    verifier.goto(f"{base_url}/web/verifications")
    verifier.locator("#queue a").first.click()
    verifier.get_by_role("button", name="Start the review").click()
    assert verifier.locator("#verification-state").inner_text() == "in_review"
    assert "electricity_kwh_per_kg = 19.5" in verifier.locator("#datasets-used").inner_text()
    verifier.get_by_label("Severity").select_option("minor")
    verifier.get_by_label("Finding", exact=True).fill(
        "Cell plant grid factor is for 2023, production 2024."
    )
    verifier.get_by_role("button", name="Record the finding").click()
    verifier.get_by_label("Note (required to reject without findings)").fill(
        "Verified with one minor finding."
    )
    verifier.get_by_role("button", name="Approve").click()
    assert verifier.locator("#verification-state").inner_text() == "approved"

    # Regulator: the state, neither the figure (no passport has made it public) nor findings.
    regulator = signed_in(browser, base_url, demo, "regulator")
    regulator.goto(f"{base_url}/web/statistics")
    rows = regulator.locator("#verified tbody tr", has_text="approved").all_inner_texts()
    assert rows and all(row.split("\t")[3] == "not public" for row in rows), rows
    assert not any(f"{total:.1f}" in row for row in rows), (total, rows)
    assert "grid factor is for 2023" not in regulator.content()


def pages_by_role(demo: DemoResult, passport_id: str) -> dict[str | None, list[tuple[str, str]]]:
    """Every page, as (screenshot name, path), grouped by the role that opens it."""
    product, calc, verification = demo.product_id, demo.calculation_id, demo.verification_id
    declaration = "manufacturer=Danube+Cell+Works&manufacturer_address=2+Works+Road%2C+9027+Gy%C5%91r&plant_address=1+Pack+Street%2C+01067+Dresden&study_url=https%3A%2F%2Fexample.org%2Fstudy.pdf&use.usable_capacity_kwh=56&use.vehicle_category=M1&use.warranty_years=8"
    return {
        None: [
            ("sign-in", "/sign-in"),
            ("reference-designs", "/designs"),
            ("design-page", "/designs/ncm811-prismatic"),
            ("factor-library", "/factors?q=electricity_grid+CN+2023"),
            ("passport-public", f"/p/{passport_id}"),
        ],
        "cell": [
            ("dashboard-manufacturer", "/dashboard"),
            ("products", "/web/products"),
            ("product-page", f"/web/products/{product}"),
            ("design-editor", f"/web/products/{product}/edit"),
            ("scenario-explorer", "/web/scenarios"),
            ("declaration", f"/web/calculations/{calc}/declaration?{declaration}"),
            ("data-requests-manufacturer", "/web/requests"),
        ],
        "lithium": [
            ("dashboard-supplier", "/dashboard"),
            ("supplier-datasets", "/web/datasets"),
            ("data-requests-inbox", "/web/requests"),
            ("account-password", "/web/account/password"),
        ],
        "verifier": [
            ("dashboard-verifier", "/dashboard"),
            ("verification-queue", "/web/verifications"),
            ("verification-review", f"/web/verifications/{verification}"),
        ],
        "regulator": [
            ("dashboard-regulator", "/dashboard"),
            ("regulator-statistics", "/web/statistics"),
            ("factor-release-diff", "/factors/diff?old=whitepaper-2023&new=open-2024.1&q=graphite"),
        ],
    }


AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({ id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }));
}"""
#: Focus must show: an outline, or a box shadow (what plotly's own controls use).
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const s = getComputedStyle(el);
  const shown = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
  return { shown, what: el.tagName + (el.id ? "#" + el.id : "") + " " + (el.textContent || "").trim().slice(0, 30) };
}"""
TABS_PER_PAGE = 12


def accessibility_problems(page: Any, name: str) -> list[str]:
    # Not add_script_tag: that is an inline script, which the pages' policy refuses; evaluate
    # runs through the DevTools protocol, outside the page's policy.
    page.evaluate(AXE.read_text())
    problems = [
        f"{name}: axe {v['id']} ({v['impact']}) at {v['nodes']}"
        for v in page.evaluate(AXE_RUN)
        if v["impact"] in ("serious", "critical") or v["id"] == "heading-order"
    ]
    page.locator("body").focus()
    for _ in range(TABS_PER_PAGE):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_VISIBLE)
        if focus is not None and not focus["shown"]:
            problems.append(f"{name}: no visible keyboard focus on {focus['what']}")
    return problems


def test_every_page_is_accessible_and_screenshotted(
    browser: Any, base_url: str, demo_app: App
) -> None:
    problems: list[str] = []
    app, demo = demo_app
    with session_factory(app.state.engine)() as session:  # the demo data issue no passport
        maker = demo_actor(session, demo, "cell")
        passport = issue_passport(
            session,
            maker,
            PassportIn.model_validate(passport_request(demo.calculation_id, unit="SN-AXE-1")),
            "https://passports.example.org",
        )
    for role, pages in pages_by_role(demo, str(passport.id)).items():
        if role is None:
            page = new_page(browser)
        else:
            page = signed_in(browser, base_url, demo_app[1], role)
        for name, path in pages:
            response = page.goto(f"{base_url}{path}")
            assert response is not None and response.status == 200, (
                name,
                response and response.status,
            )
            if page.locator(".chart").count():
                page.locator(".chart .main-svg").first.wait_for()
            if name == "scenario-explorer":  # with levers set, so the waterfall has steps
                page.locator("#pathway-summary[data-final]").wait_for()
                page.get_by_label("Cell", exact=True).press("End")
                page.get_by_label("Cathode", exact=True).press("End")
                page.get_by_label("Recycled content").select_option("eu-2031")
                page.locator("#pathway-rows tr").nth(2).wait_for()
            assert re.search(r"\S", page.locator("h1").first.inner_text())
            shoot(page, name)
            problems += accessibility_problems(page, name)
        page.context.close()
    assert not problems, "\n".join(problems)
    assert (screenshots() / "product-page.png").stat().st_size > 10_000
    assert not CSP_REFUSALS, "\n".join(CSP_REFUSALS)


def test_api_docs_render_from_this_server_alone(browser: Any, base_url: str) -> None:
    page = new_page(browser)
    fetched: list[str] = []  # responses received (a request the policy blocks gets none)
    page.on("response", lambda response: fetched.append(response.url))
    page.goto(f"{base_url}/docs")
    page.locator(".swagger-ui .info .title", has_text="batterycarbon").wait_for()
    page.locator(".opblock-summary-path", has_text="/auth/token").first.wait_for()
    page.goto(f"{base_url}/redoc")
    page.get_by_text("Request samples").first.wait_for()
    page.context.close()
    elsewhere = [url for url in fetched if not url.startswith((base_url, f"blob:{base_url}"))]
    assert elsewhere == []
    # ReDoc's "powered by" logo is an image on its CDN: refused, never fetched.
    refused = [r for r in CSP_REFUSALS if "cdn.redoc.ly" not in r]
    assert refused == [], "\n".join(refused)


def test_excel_template_upload_shows_the_row_error_in_place(
    browser: Any, base_url: str, demo_app: App
) -> None:
    openpyxl = require_module("openpyxl", "test")
    supplier = signed_in(browser, base_url, demo_app[1], "lithium")
    supplier.goto(f"{base_url}/web/datasets")
    with supplier.expect_download() as download:
        supplier.get_by_role("link", name="Download the Excel template").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    workbook["datasets"].append(
        ["lithium_hydroxide_brine", 9.1, "kg CO2e / kg", "CL", 2024, 7, "pcf-2024.pdf"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    supplier.get_by_label("Filled-in Excel template (.xlsx)").set_input_files(
        files=[
            {
                "name": "lithium-2024.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": buffer.getvalue(),
            }
        ]
    )
    supplier.get_by_role("button", name="Upload workbook").click()
    bad_row = supplier.locator('tr.bad[data-line="2"]')
    assert "dqr: Input should be less than or equal to 5" in bad_row.inner_text()
    assert "Nothing was stored" in supplier.locator("#upload-problems").inner_text()
    supplier.locator("#upload-problems").scroll_into_view_if_needed()
    shoot(supplier, "supplier-upload-xlsx-row-error")
    problems = accessibility_problems(supplier, "supplier-upload-xlsx-row-error")
    assert not problems, "\n".join(problems)


def test_portfolio_recompute_job_page_updates_itself(
    browser: Any, base_url: str, demo_app: App
) -> None:
    """The job is held in the queue (the runner's one worker busy) so that the page is first
    rendered unfinished: only its polling can then bring the result."""
    app, demo = demo_app
    release_worker = threading.Event()
    with session_factory(app.state.engine)() as session:
        actor = demo_actor(session, demo, "cell")
        blocker = submit_job(
            session,
            actor,
            "test.hold",
            {},
            lambda _: {"held": release_worker.wait(60)},
            app.state.jobs,
        )
    try:
        maker = signed_in(browser, base_url, demo, "cell")
        maker.get_by_role("link", name="Portfolio").click()
        maker.get_by_label("Factor release").select_option("whitepaper-2023")
        shoot(maker, "portfolio-recompute")
        problems = accessibility_problems(maker, "portfolio-recompute")
        maker.get_by_role("button", name="Start the recomputation").click()
        maker.wait_for_url(re.compile(r".*/web/jobs/[0-9a-f-]{36}$"))
        assert maker.locator("#job").get_attribute("data-state") == "queued"
        assert maker.locator("#job-state").inner_text() == "queued"
        shoot(maker, "job-progress")
        problems += accessibility_problems(maker, "job-progress")
    finally:
        release_worker.set()
    app.state.jobs.wait(blocker.id, timeout=60)
    maker.locator("#job-result").wait_for(timeout=30_000)  # polled, then reloaded
    assert maker.locator("#job").get_attribute("data-state") == "succeeded"
    assert maker.locator("#job-progress").get_attribute("value") == "1.0"
    recomputed = int(maker.locator("#recomputed-count").inner_text())
    assert recomputed == maker.locator("#result-rows tr.recomputed").count() >= 1
    shoot(maker, "job-result")
    problems += accessibility_problems(maker, "job-result")
    assert not problems, "\n".join(problems)


def test_refused_forms_show_the_error_page_in_the_browser(
    browser: Any, base_url: str, demo_app: App
) -> None:
    """A field holding a NUL (422) and an upload over the body limit (413), sent by Chromium:
    the site's error page, styled, naming the problem, with a link back to the form."""
    refusals_before = len(CSP_REFUSALS)  # the other tests' (ReDoc's logo) are theirs to check
    visitor = new_page(browser)
    visitor.goto(f"{base_url}/sign-in")
    visitor.get_by_label("User name").fill("cell\x00")
    visitor.get_by_label("Password").fill("not the password")
    with visitor.expect_response(f"{base_url}/sign-in") as answer:
        visitor.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 422
    assert visitor.locator("h1").inner_text() == "Invalid input"
    assert (
        "Form field “username”: holds the control character U+0000"
        in visitor.locator("[role=alert]").inner_text()
    )
    shoot(visitor, "error-invalid-input")
    problems = accessibility_problems(visitor, "error-invalid-input")
    visitor.get_by_role("link", name="Back to the previous page").click()
    visitor.wait_for_url(f"{base_url}/sign-in")
    visitor.context.close()

    supplier = signed_in(browser, base_url, demo_app[1], "cam")
    supplier.goto(f"{base_url}/web/datasets")
    big = {"name": "big.csv", "mimeType": "text/csv", "buffer": b"x" * UPLOAD_BODY_BYTES}
    supplier.get_by_label("CSV or JSON file").set_input_files(files=[big])
    with supplier.expect_response(f"{base_url}/web/datasets/upload") as answer:
        supplier.get_by_role("button", name="Submit datasets").click()
    assert answer.value.status == 413
    assert supplier.locator("h1").inner_text() == "Too large to send"
    assert "a file upload may have at most" in supplier.locator("[role=alert]").inner_text()
    # The site's stylesheet applies (the navigation bar's background).
    nav = supplier.evaluate(
        "getComputedStyle(document.querySelector('header nav')).backgroundColor"
    )
    assert nav == "rgb(242, 245, 248)"
    shoot(supplier, "error-too-large")
    problems += accessibility_problems(supplier, "error-too-large")
    supplier.get_by_role("link", name="Back to the previous page").click()
    supplier.wait_for_url(f"{base_url}/web/datasets")
    supplier.context.close()
    assert not problems, "\n".join(problems)
    assert CSP_REFUSALS[refusals_before:] == []
