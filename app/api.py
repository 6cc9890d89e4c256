"""The versioned API: every domain's router mounted under /api/v1, each behind at least a reader key."""

from fastapi import Depends, FastAPI

from app.approvals.router import router as change_requests_router
from app.assessments.router import router as assessments_router
from app.audits.router import router as audits_router
from app.auth.dependencies import require_reader
from app.auth.router import router as api_keys_router
from app.history.router import router as changes_router
from app.investigations.router import router as investigations_router
from app.networks.router import router as networks_router
from app.operators.router import router as operators_router
from app.procurements.router import router as procurements_router
from app.reports.router import router as reports_router
from app.scanners.router import router as scanners_router
from app.sites.router import router as sites_router
from app.vendors.router import router as vendors_router
from app.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"

# Each domain router is included straight into the app (not through an intermediate /api/v1 router):
# every level of router nesting costs another pass of route matching on every request. The most
# requested collections come first for the same reason.
DOMAIN_ROUTERS = [
    scanners_router,
    sites_router,
    vendors_router,
    networks_router,
    procurements_router,
    audits_router,
    assessments_router,
    operators_router,
    investigations_router,
    reports_router,
    changes_router,
    change_requests_router,
    api_keys_router,
    webhooks_router,
]


def include_api(app: FastAPI) -> None:
    """Mount every domain router under ``/api/v1``; writes add the editor role, key and webhook management admin."""
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(require_reader)])
