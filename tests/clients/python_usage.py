"""What an integrator does with the Python client generated from the committed openapi.json.

Run by tests/service/test_generated_clients.py with the generator's own interpreter (the generated package
needs attrs and python-dateutil, which the app does not), against a live server:
``python python_usage.py <generated package dir> <base url> <editor token>``. Any failed check
raises; the test reports the traceback.
"""

from __future__ import annotations

import sys
import uuid
from http import HTTPStatus

sys.path.insert(0, sys.argv[1])

from inventory_client import AuthenticatedClient  # noqa: E402
from inventory_client.api.reports import get_exposure_report, get_exposure_report_csv  # noqa: E402
from inventory_client.api.scanners import get_scanner, list_scanners, update_scanner  # noqa: E402
from inventory_client.api.sites import create_site  # noqa: E402
from inventory_client.models import (  # noqa: E402
    ExposureReport,
    PageScannerPublic,
    ProblemDetail,
    ScannerDetail,
    ScannerPublic,
    ScannerUpdate,
    SiteCreate,
    SiteKind,
    SitePublic,
)
from inventory_client.models.scanners_sort import ScannersSort  # noqa: E402

base_url, token = sys.argv[2], sys.argv[3]
client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)


def page(**filters) -> PageScannerPublic:
    response = list_scanners.sync_detailed(client=client, **filters)
    assert response.status_code == HTTPStatus.OK, response.content
    assert isinstance(response.parsed, PageScannerPublic)
    return response.parsed


# Question 2: which scanners come from Nuctech?
nuctech = page(vendor="nuctech").items
assert nuctech
assert all(item.vendor and item.vendor.slug == "nuctech" for item in nuctech), nuctech
print(f"question 2: {len(nuctech)} Nuctech scanner records")

# Question 3: what stands at the Maasvlakte?
maasvlakte = page(site="maasvlakte").items
assert maasvlakte
assert all(item.site.code == "maasvlakte" for item in maasvlakte), maasvlakte
print(f"question 3: {len(maasvlakte)} scanner records at the Maasvlakte")

# Paging by cursor, sorted by a typed sort field, until the last page.
everything = page(limit=500, sort=ScannersSort.ASSET_TAG).items
seen: list[int] = []
cursor = None
while True:
    after = {"cursor": cursor} if cursor else {}
    response = list_scanners.sync_detailed(client=client, limit=2, sort=ScannersSort.ASSET_TAG, **after)
    assert isinstance(response.parsed, PageScannerPublic)
    seen += [item.id for item in response.parsed.items]
    cursor = response.parsed.next_cursor
    if not cursor:
        assert "link" not in response.headers
        break
    assert 'rel="next"' in response.headers["link"]
assert seen == [item.id for item in everything]
assert len(seen) > 2, (seen, everything)
print(f"paging: {len(seen)} scanners in pages of 2")

# GET with its ETag, then PATCH with If-Match; the stale ETag is a typed 412 problem.
scanner_id = maasvlakte[0].id
got = get_scanner.sync_detailed(scanner_id, client=client)
assert isinstance(got.parsed, ScannerDetail)  # the item GET adds the pending change requests, if any
etag = got.headers["etag"]
changed = update_scanner.sync_detailed(
    scanner_id, client=client, body=ScannerUpdate(notes="Checked on site by the generated client."), if_match=etag
)
assert changed.status_code == HTTPStatus.OK
assert isinstance(changed.parsed, ScannerPublic), changed.content
assert changed.parsed.notes == "Checked on site by the generated client."
assert changed.headers["etag"] != etag
stale = update_scanner.sync_detailed(scanner_id, client=client, body=ScannerUpdate(notes="again"), if_match=etag)
assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
assert isinstance(stale.parsed, ProblemDetail)
assert stale.parsed.type_ == "/problems/precondition-failed"
assert stale.parsed.status == 412
print(f"If-Match: {etag} -> {changed.headers['etag']}; stale ETag answered {stale.parsed.title!r}")

# Conditional GET: the current ETag answers 304 without a body.
cached = get_scanner.sync_detailed(scanner_id, client=client, if_none_match=changed.headers["etag"])
assert cached.status_code == HTTPStatus.NOT_MODIFIED
assert cached.content == b"", cached
print("If-None-Match: 304")

# Create with an Idempotency-Key: the retry replays the first answer and creates nothing.
key = str(uuid.uuid4())
body = SiteCreate(code=f"client-{key[:8]}", name="Generated-client test terminal", kind=SiteKind.SEAPORT)
first = create_site.sync_detailed(client=client, body=body, idempotency_key=key)
again = create_site.sync_detailed(client=client, body=body, idempotency_key=key)
assert first.status_code == again.status_code == HTTPStatus.CREATED, (first.content, again.content)
assert isinstance(first.parsed, SitePublic)
assert isinstance(again.parsed, SitePublic)
assert first.parsed.id == again.parsed.id
assert again.headers["idempotent-replayed"] == "true"
assert first.headers["location"].endswith(f"/sites/{first.parsed.id}")
print(f"Idempotency-Key: site {first.parsed.id} created once, replayed once")

# The exposure report as JSON pages (typed meta, next_cursor) and as one CSV export (text).
report = get_exposure_report.sync(client=client, site="maasvlakte", limit=100)
assert isinstance(report, ExposureReport)
assert len(report.items) > 0
assert not report.next_cursor
assert report.meta.tier_rule
assert all(isinstance(rule, str) for rule in report.meta.tier_rule)
first_page = get_exposure_report.sync(client=client, site="maasvlakte", limit=1)
assert isinstance(first_page, ExposureReport)
assert isinstance(first_page.next_cursor, str)
second_page = get_exposure_report.sync(client=client, site="maasvlakte", limit=1, cursor=first_page.next_cursor)
assert isinstance(second_page, ExposureReport)
assert second_page.items[0].scanner_id == report.items[1].scanner_id
csv_text = get_exposure_report_csv.sync(client=client, site="maasvlakte")
assert isinstance(csv_text, str)
lines = csv_text.strip().splitlines()
assert lines[0].startswith("scanner_id,asset_tag,")
assert len(lines) == len(report.items) + 1, lines[:2]
print(f"exposure: {len(report.items)} rows as JSON pages and as CSV")

# A problem read as a typed error.
missing = get_scanner.sync_detailed(2**31 - 1, client=client)
assert missing.status_code == HTTPStatus.NOT_FOUND
assert isinstance(missing.parsed, ProblemDetail)
assert missing.parsed.type_ == "/problems/not-found"
assert missing.parsed.instance.endswith(str(2**31 - 1))
print(f"problem: {missing.parsed.status} {missing.parsed.title}")
