"""One browser test: Playwright drives Debian's headless Chromium against a real uvicorn server.

Signs in as the demo cell maker, opens a reference design and checks the plotly chart was drawn;
the page's screenshot is saved to docs/screenshots/design-page.png.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from conftest import password_of
from fastapi import FastAPI

from batterycarbon.services.demo import DemoResult

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="chromium not installed (.ci/run installs it)"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(demo_app: tuple[FastAPI, DemoResult]) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(demo_app[0], host="127.0.0.1", port=port, log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_sign_in_and_see_design_page(base_url: str, demo_app: tuple[FastAPI, DemoResult]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"{base_url}/sign-in")
            page.get_by_label("User name").fill("cell")
            page.get_by_label("Password").fill(password_of(demo_app[1], "cell"))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base_url}/dashboard")
            assert page.get_by_role("heading", name="Products and latest footprints").is_visible()

            page.goto(f"{base_url}/designs/ncm811-prismatic")
            page.wait_for_selector("#breakdown-chart .main-svg", timeout=15_000)
            assert "kg CO₂e/kWh" in page.locator("#total-per-kwh").inner_text()
            assert page.locator("#breakdown-chart g.trace.bars").count() >= 5
            assert page.get_by_text("Signed in as").is_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "design-page.png"), full_page=True)
        finally:
            browser.close()
    assert (SCREENSHOTS / "design-page.png").stat().st_size > 10_000
