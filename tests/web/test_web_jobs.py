"""The portfolio recomputation page and the job page through TestClient.

Starting goes through ``services.portfolio.submit_recomputation`` on the app's job runner; the
job page and its JSON status read ``services.jobs.get_job``. A refused start stores no job.
(No ``with TestClient(...)``: leaving it would run the app's shutdown, which stops the runner.)
"""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from web_support import App, demo_actor, signed_in

from batterycarbon.services.jobs import JobQuery, find_jobs, get_job
from batterycarbon.services.portfolio import JOB_KIND
from batterycarbon.store import session_factory

OLD_RELEASE = "whitepaper-2023"


def recompute_jobs(app: App, username: str) -> int:
    """How many portfolio jobs ``username``'s organization has, read through the service."""
    with session_factory(app[0].state.engine)() as session:
        actor = demo_actor(session, app[1], username)
        return find_jobs(session, actor, JobQuery(kind=JOB_KIND)).total


def test_portfolio_page_needs_a_manufacturer(demo_app: App) -> None:
    anonymous = TestClient(demo_app[0]).get("/web/portfolio", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/sign-in"
    client, token = signed_in(demo_app, "cam")
    assert client.get("/web/portfolio").status_code == 403
    refused = client.post("/web/portfolio/recompute", data={"csrf_token": token})
    assert refused.status_code == 403 and "recompute a portfolio" in refused.text
    assert recompute_jobs(demo_app, "cam") == 0
    maker, _ = signed_in(demo_app, "cell")
    page = maker.get("/web/portfolio").text
    assert '<label for="factor_release">Factor release</label>' in page
    assert f'<option value="{OLD_RELEASE}">' in page
    assert 'href="/web/portfolio"' in page  # in the navigation


def test_bad_release_or_missing_token_stores_no_job(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cell")
    before = recompute_jobs(demo_app, "cell")
    bad = client.post(
        "/web/portfolio/recompute", data={"csrf_token": token, "factor_release": "open-1999"}
    )
    assert bad.status_code == 422
    assert "factor_release: &#39;open-1999&#39; is not an imported release" in bad.text
    assert re.search(
        r'<select id="factor_release" name="factor_release" aria-invalid="true"', bad.text
    )
    forged = client.post(
        "/web/portfolio/recompute", data={"csrf_token": "forged", "factor_release": OLD_RELEASE}
    )
    assert forged.status_code == 403
    assert recompute_jobs(demo_app, "cell") == before


def test_recompute_runs_as_a_job_and_the_page_shows_its_result(demo_app: App) -> None:
    app = demo_app[0]
    client, token = signed_in(demo_app, "cell")
    before = recompute_jobs(demo_app, "cell")
    started = client.post(
        "/web/portfolio/recompute", data={"csrf_token": token, "factor_release": OLD_RELEASE}
    )
    match = re.fullmatch(r"http://testserver/web/jobs/([0-9a-f-]{36})", str(started.url))
    assert match, started.url
    job_id = uuid.UUID(match.group(1))
    assert recompute_jobs(demo_app, "cell") == before + 1
    app.state.jobs.wait(job_id, timeout=60)

    status = client.get(f"/web/jobs/{job_id}/status")
    assert status.status_code == 200 and status.headers["cache-control"] == "no-store"
    assert status.json()["state"] == "succeeded" and status.json()["progress"] == 1.0
    with session_factory(app.state.engine)() as session:
        actor = demo_actor(session, demo_app[1], "cell")
        report = get_job(session, actor, job_id).result
    assert report is not None and report["factor_release"] == OLD_RELEASE
    assert report["recomputed"] >= 1  # the demo's product was calculated under the active one

    page = client.get(f"/web/jobs/{job_id}").text
    assert (
        'data-state="succeeded"' in page
        and '<progress id="job-progress" max="1" value="1.0">' in page
    )
    assert f'<span id="recomputed-count">{report["recomputed"]}</span>' in page
    rows = re.findall(
        r'<tr class="(recomputed|unchanged|skipped)"><th scope="row"><a href="/web/products/([^"]+)">',
        page,
    )
    assert rows == [(c["status"], c["product_id"]) for c in report["changes"]]
    for change in report["changes"]:
        if change["status"] == "recomputed":
            assert f"{change['new_total_kgco2e_per_kwh']:.2f}" in page
            assert f"{change['change_percent']:+.1f} %" in page
    listing = client.get("/web/portfolio").text
    assert f'href="/web/jobs/{job_id}"' in listing


def test_a_job_is_only_its_organizations(demo_app: App) -> None:
    app = demo_app[0]
    client, token = signed_in(demo_app, "cell")
    started = client.post("/web/portfolio/recompute", data={"csrf_token": token})
    job_id = str(started.url).rsplit("/", 1)[1]
    app.state.jobs.wait(uuid.UUID(job_id), timeout=60)
    other, _ = signed_in(demo_app, "oem")
    assert other.get(f"/web/jobs/{job_id}").status_code == 404
    assert other.get(f"/web/jobs/{job_id}/status").status_code == 404
    assert TestClient(app).get(f"/web/jobs/{job_id}/status").status_code == 401
    assert client.get(f"/web/jobs/{uuid.uuid4()}").status_code == 404
    assert client.get("/web/jobs/not-a-uuid").status_code == 422
