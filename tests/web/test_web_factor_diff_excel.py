"""The factor-release diff page and the supplier Excel template through TestClient.

The diff page must show what ``factors.diff_releases`` finds (not a copy of it), with each
factor's source; the Excel upload must go through the service: a bad row is named in place and
nothing is stored, a good workbook is stored whole.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_support import App, own_dataset_rows, signed_in

from batterycarbon.factors import DEFAULT_RELEASE, diff_releases, load_release
from batterycarbon.services.dataset_excel import XLSX_MEDIA_TYPE

OLD, NEW = "whitepaper-2023", DEFAULT_RELEASE


def diff_table_rows(page: str) -> dict[str, str]:
    """factor id -> its row's HTML, from the diff table."""
    return dict(re.findall(r'<tr class="(?:added|removed|changed)" data-factor="([^"]+)">(.*?)</tr>', page, re.S))  # fmt: skip


# --- factor release diff ------------------------------------------------------------------------


def test_diff_page_needs_sign_in(demo_app: App) -> None:
    response = TestClient(demo_app[0]).get("/factors/diff", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_diff_form_offers_the_imported_releases(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cell")
    page = client.get("/factors/diff").text
    assert '<label for="old">Older release</label>' in page and '<label for="new">' in page
    assert re.search(rf'<select id="new" name="new"[^>]*>.*?<option value="{re.escape(NEW)}" selected>', page, re.S)  # fmt: skip
    assert re.search(rf'<select id="old" name="old"[^>]*>.*?<option value="{re.escape(OLD)}" selected>', page, re.S)  # fmt: skip
    assert 'id="diff-rows"' not in page  # nothing compared yet
    assert 'href="/factors/diff"' in client.get("/factors").text


def test_diff_shows_every_change_of_the_library_diff_with_values_and_sources(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "regulator")
    old, new = load_release(OLD), load_release(NEW)
    expected = diff_releases(old, new)
    counts = Counter(c.kind for c in expected)
    assert counts["changed"] and counts["removed"]  # else this test would test little
    page = client.get("/factors/diff", params={"old": OLD, "new": NEW, "kind": "changed"})
    assert page.status_code == 200
    summary = re.search(r'<p id="diff-summary" data-added="(\d+)" data-removed="(\d+)" data-changed="(\d+)"', page.text)  # fmt: skip
    assert summary and tuple(map(int, summary.groups())) == (counts["added"], counts["removed"], counts["changed"])  # fmt: skip
    rows = diff_table_rows(page.text)
    assert sorted(rows) == [c.factor_id for c in expected if c.kind == "changed"]
    for change in (c for c in expected if c.kind == "changed"):
        row = html.unescape(rows[change.factor_id])
        assert change.old_value is not None and change.new_value is not None
        assert change.relative_change is not None
        assert f'<td class="num old">{change.old_value:.4g}</td>' in row
        assert f'<td class="num new">{change.new_value:.4g}</td>' in row
        assert f'<td class="num rel">{change.relative_change * 100:+.1f} %</td>' in row
        assert new.factors[change.factor_id].source.citation in row
        if old.factors[change.factor_id].source != new.factors[change.factor_id].source:
            assert "was: " + old.factors[change.factor_id].source.citation in row


def test_diff_removed_factors_cite_the_old_source_and_filter_by_text(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cell")
    old = load_release(OLD)
    removed = [c for c in diff_releases(old, load_release(NEW)) if c.kind == "removed"]
    target = removed[0]
    words = target.factor_id.split(":")[0]
    page = client.get("/factors/diff", params={"old": OLD, "new": NEW, "kind": "removed", "q": words}).text  # fmt: skip
    rows = diff_table_rows(page)
    assert sorted(rows) == sorted(c.factor_id for c in removed if words in c.factor_id or words in old.factors[c.factor_id].name.lower())  # fmt: skip
    row = html.unescape(rows[target.factor_id])
    assert old.factors[target.factor_id].source.citation in row
    assert '<td class="num new">–</td>' in row and '<td class="num rel">–</td>' in row


def test_diff_bad_input_names_the_field(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cell")
    unknown = client.get("/factors/diff", params={"old": "nope-1", "new": NEW})
    assert unknown.status_code == 422
    assert "old: &#39;nope-1&#39; is not an imported release" in unknown.text
    assert re.search(r'<select id="old" name="old" aria-invalid="true"', unknown.text)
    assert 'id="diff-rows"' not in unknown.text
    same = client.get("/factors/diff", params={"old": NEW, "new": NEW})
    assert same.status_code == 422 and "new: is the same release as old" in same.text
    kind = client.get("/factors/diff", params={"old": OLD, "new": NEW, "kind": "renamed"})
    assert (
        kind.status_code == 422 and "kind: &#39;renamed&#39; is not a kind of change" in kind.text
    )
    missing = client.get("/factors/diff", params={"old": OLD})
    assert missing.status_code == 422 and "new: choose a release" in missing.text


# --- Excel template -----------------------------------------------------------------------------


def filled_template(client: TestClient, rows: list[list[object]]) -> bytes:
    template = client.get("/web/datasets/template.xlsx")
    assert template.status_code == 200
    assert template.headers["content-type"] == XLSX_MEDIA_TYPE
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook["datasets"]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = ["cam_ncm811", 27.5, "kg CO2e / kg", "KR", 2024, 2.2, "pcf-report-2024.pdf", 20.5]
BAD = ["cam_ncm811", -1, "kg CO2e / kg", "Korea", 2024, 2.2, "pcf-report-2024.pdf", 20.5]


def test_datasets_page_links_the_template_and_has_the_xlsx_form(demo_app: App) -> None:
    client, _ = signed_in(demo_app, "cam")
    page = client.get("/web/datasets").text
    assert 'href="/web/datasets/template.xlsx"' in page
    assert 'action="/web/datasets/upload-xlsx"' in page
    assert '<label for="xlsx-file">' in page and 'id="xlsx-file" name="workbook"' in page
    template = load_workbook(io.BytesIO(client.get("/web/datasets/template.xlsx").content))
    assert [c.value for c in template["datasets"][1]][:6] == ["flow", "value", "unit", "region", "year", "dqr"]  # fmt: skip
    assert TestClient(demo_app[0]).get("/web/datasets/template.xlsx", follow_redirects=False).status_code == 303  # fmt: skip


def test_xlsx_upload_shows_row_errors_in_place_and_stores_nothing_then_stores(
    demo_app: App,
) -> None:
    client, token = signed_in(demo_app, "cam")
    before = own_dataset_rows(client)
    content = filled_template(client, [GOOD, BAD])
    page = client.post("/web/datasets/upload-xlsx", data={"csrf_token": token}, files={"workbook": ("hanil.xlsx", content, XLSX_MEDIA_TYPE)})  # fmt: skip
    assert page.status_code == 422
    bad_row = re.search(r'<tr class="bad" data-line="3">(.*?)</tr>', page.text, re.S)
    assert bad_row, page.text
    assert "value: Input should be greater than 0" in bad_row.group(1)
    assert "region: " in bad_row.group(1) and "<td>Korea</td>" in bad_row.group(1)
    assert 'data-line="2"' not in page.text
    assert own_dataset_rows(client) == before
    fixed = filled_template(client, [GOOD, [*GOOD[:1], 29.0, *GOOD[2:]]])
    page = client.post("/web/datasets/upload-xlsx", data={"csrf_token": token}, files={"workbook": ("hanil.xlsx", fixed, XLSX_MEDIA_TYPE)})  # fmt: skip
    assert page.status_code == 200 and "2 dataset(s) submitted" in page.text
    assert own_dataset_rows(client) == before + 2


def test_xlsx_upload_without_a_workbook_or_token_is_refused(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cam")
    before = own_dataset_rows(client)
    none = client.post("/web/datasets/upload-xlsx", data={"csrf_token": token})
    assert none.status_code == 422 and "workbook: choose a filled-in .xlsx template" in none.text
    not_excel = client.post("/web/datasets/upload-xlsx", data={"csrf_token": token}, files={"workbook": ("data.xlsx", b"flow,value\n", XLSX_MEDIA_TYPE)})  # fmt: skip
    assert not_excel.status_code == 422 and "not an Excel .xlsx workbook" in not_excel.text
    content = filled_template(client, [GOOD])
    forged = client.post("/web/datasets/upload-xlsx", data={"csrf_token": "forged"}, files={"workbook": ("d.xlsx", content, XLSX_MEDIA_TYPE)})  # fmt: skip
    assert forged.status_code == 403
    assert own_dataset_rows(client) == before


def test_xlsx_upload_by_a_non_supplier_is_refused(demo_app: App) -> None:
    client, token = signed_in(demo_app, "cell")
    content = filled_template(client, [GOOD])
    page = client.post("/web/datasets/upload-xlsx", data={"csrf_token": token}, files={"workbook": ("d.xlsx", content, XLSX_MEDIA_TYPE)})  # fmt: skip
    assert page.status_code == 403
