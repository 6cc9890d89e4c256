"""The versioned API: every domain's router mounted under /api/v1."""

from fastapi import APIRouter, Depends

from app.auth.dependencies import require_reader
from app.changes.router import router as changes_router
from app.networks.router import router as networks_router
from app.scanners.router import router as scanners_router
from app.sites.router import router as sites_router
from app.vendors.router import router as vendors_router

API_PREFIX = "/api/v1"

# Every /api/v1 operation needs at least a reader key; writes add the editor role, key management admin.
api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_reader)])
api_router.include_router(sites_router)
api_router.include_router(vendors_router)
api_router.include_router(networks_router)
api_router.include_router(scanners_router)
api_router.include_router(changes_router)
