"""The "Run a larger Monte Carlo" form of a stored product page and the job page's statistics,
through TestClient on the demo chain (``services.uncertainty.submit_uncertainty`` on the app's
job runner). Refused starts (bad runs or seed, a forged form, someone else's calculation) store
no job. (No ``with TestClient(...)``: leaving it would stop the app's job runner.)"""

from __future__ import annotations

import html
import re
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from web_support import App, demo_actor, signed_in

from batterycarbon.battery import Design
from batterycarbon.battery.uncertainty import monte_carlo, summary
from batterycarbon.services.calculations import get_calculation
from batterycarbon.services.factor_releases import library_for
from batterycarbon.services.jobs import JobQuery, find_jobs
from batterycarbon.services.uncertainty import JOB_KIND
from batterycarbon.store import session_factory


def uncertainty_jobs(app: App, username: str = "cell") -> int:
    """How many Monte Carlo jobs ``username``'s organization has, read through the service."""
    with session_factory(app[0].state.engine)() as session:
        actor = demo_actor(session, app[1], username)
        return find_jobs(session, actor, JobQuery(kind=JOB_KIND)).total


def start(client: TestClient, app: App, token: str, runs: str, seed: str) -> httpx.Response:
    url = f"/web/calculations/{app[1].calculation_id}/uncertainty"
    return client.post(url, data={"csrf_token": token, "runs": runs, "seed": seed})


def test_the_product_page_offers_the_form_to_the_calculations_maker_only(demo_app: App) -> None:
    demo = demo_app[1]
    client, _ = signed_in(demo_app, "cell")
    page = client.get(f"/web/products/{demo.product_id}?calculation={demo.calculation_id}").text
    form = re.search(
        r'<form method="post" action="/web/calculations/([^"]+)/uncertainty" class="stack" id="monte-carlo-form">(.*?)</form>',
        page,
        re.S,
    )
    assert form and form.group(1) == str(demo.calculation_id)
    assert 'name="csrf_token"' in form.group(2)
    assert '<label for="runs">Runs (100 to 1,000,000)</label>' in form.group(2)
    assert re.search(
        r'<input id="runs" name="runs" type="number" min="100" max="1000000" step="1" required value="100000"',
        form.group(2),
    )
    assert re.search(
        r'<input id="seed" name="seed" type="number" min="0" step="1" required value="42"',
        form.group(2),
    )
    # The verifier's review page shows the same calculation partial, without the form.
    reviewer, _ = signed_in(demo_app, "verifier")
    review = reviewer.get(f"/web/verifications/{demo.verification_id}")
    assert review.status_code == 200 and 'id="uncertainty-band"' in review.text
    assert "monte-carlo-form" not in review.text


def test_the_form_starts_a_job_whose_page_shows_the_statistics(demo_app: App) -> None:
    app, demo = demo_app
    client, token = signed_in(demo_app, "cell")
    before = uncertainty_jobs(demo_app)
    started = start(client, demo_app, token, "5000", "9")
    match = re.fullmatch(r"http://testserver/web/jobs/([0-9a-f-]{36})", str(started.url))
    assert match, started.url
    assert '<progress id="job-progress"' in started.text
    assert uncertainty_jobs(demo_app) == before + 1
    job_id = uuid.UUID(match.group(1))
    app.state.jobs.wait(job_id, timeout=120)

    status = client.get(f"/web/jobs/{job_id}/status").json()
    assert status["state"] == "succeeded" and (status["done"], status["total"]) == (5000, 5000)
    page = client.get(f"/web/jobs/{job_id}").text
    assert "<h1>Monte Carlo of a calculation</h1>" in page
    assert '<dd id="job-runs">5,000</dd>' in page and '<dd id="job-seed">9</dd>' in page
    assert '<progress id="job-progress" max="1" value="1.0">' in page
    # The figures are a Monte Carlo of the stored calculation computed here, not the job's.
    with session_factory(app.state.engine)() as session:
        actor = demo_actor(session, demo, "cell")
        calc = get_calculation(session, actor, demo.calculation_id)
    samples = monte_carlo(
        Design.model_validate(calc.inputs["design"]),
        library_for(calc.factor_release),
        runs=5000,
        seed=9,
        level=calc.inputs["level"],
        rule_set_id=calc.rule_set,
    )
    expected = {"total": (samples.total, samples.deterministic["total"])}
    for stage, values in samples.stages.items():
        expected[stage] = (values, samples.point("stages", stage))
    assert set(expected) == {"total", "raw_materials", "production"}
    for key, (values, deterministic) in expected.items():
        row = re.search(rf'<tr id="stat-{key}"><th scope="row">[^<]+</th>(.*?)</tr>', page)
        assert row, key
        shown = re.findall(r'<td class="num">([^<]+)</td>', row.group(1))
        stats = summary(values)
        figures = [stats["mean"], stats["median"], stats["p2_5"], stats["p97_5"], deterministic]
        assert shown == [f"{v:.2f}" for v in figures], key
    assert f'href="/web/products/{demo.product_id}?calculation={demo.calculation_id}"' in page


def test_bad_runs_or_seed_answer_422_naming_the_field_and_store_no_job(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cell")
    before = uncertainty_jobs(demo_app)
    for runs, seed, field, problem in [
        ("50", "1", "runs", "runs: must be between 100 and 1000000 (got 50)"),
        ("2000000", "1", "runs", "runs: must be between 100 and 1000000 (got 2000000)"),
        ("many", "1", "runs", "runs: 'many' is not a whole number"),
        ("1000", "-3", "seed", "seed: must be 0 or more (got -3)"),
    ]:
        page = start(client, demo_app, token, runs, seed)
        assert page.status_code == 422, (runs, seed)
        text = html.unescape(page.text)
        assert f'<li class="error">{problem}</li>' in text
        assert re.search(
            rf'<input id="{field}" name="{field}" [^>]*value="{re.escape(runs if field == "runs" else seed)}" aria-describedby="err-{field}" aria-invalid="true">',
            text,
        ), field
        assert 'id="uncertainty-band"' in text  # the product page again, with the calculation
    forged = client.post(
        f"/web/calculations/{demo_app[1].calculation_id}/uncertainty",
        data={"csrf_token": "forged", "runs": "1000", "seed": "1"},
    )
    assert forged.status_code == 403
    assert uncertainty_jobs(demo_app) == before


def test_someone_elses_calculation_starts_nothing(demo_app: App) -> None:
    before = {
        username: uncertainty_jobs(demo_app, username) for username in ("oem", "verifier", "cell")
    }
    oem, oem_token = signed_in(demo_app, "oem")
    assert start(oem, demo_app, oem_token, "1000", "1").status_code == 404
    assert start(oem, demo_app, oem_token, "50", "1").status_code == 404
    verifier, verifier_token = signed_in(demo_app, "verifier")
    refused = start(verifier, demo_app, verifier_token, "1000", "1")
    assert refused.status_code == 403 and "calculation_id: only the organization" in refused.text
    client, token = signed_in(demo_app, "cell")
    missing = client.post(
        f"/web/calculations/{uuid.uuid4()}/uncertainty",
        data={"csrf_token": token, "runs": "1000", "seed": "1"},
    )
    assert missing.status_code == 404
    assert {username: uncertainty_jobs(demo_app, username) for username in before} == before
    anonymous = TestClient(demo_app[0]).post(
        f"/web/calculations/{demo_app[1].calculation_id}/uncertainty",
        data={"runs": "1000", "seed": "1"},
        follow_redirects=False,
    )
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/sign-in"


def test_a_server_without_a_job_runner_says_so_and_starts_nothing(
    demo_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = uncertainty_jobs(demo_app)
    client, token = signed_in(demo_app, "cell")
    monkeypatch.delattr(demo_app[0].state, "jobs")
    for refused in (
        start(client, demo_app, token, "1000", "1"),
        client.post("/web/portfolio/recompute", data={"csrf_token": token}),
    ):
        assert refused.status_code == 503
        assert "This server runs no background jobs" in refused.text
    assert uncertainty_jobs(demo_app) == before
