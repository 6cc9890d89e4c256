"""A test-only application: the real one plus a route that always fails, to see what a 500 does."""

from fastapi import FastAPI

from app.main import create_app


def create_failing_app() -> FastAPI:
    """``create_app()`` with ``GET /test-only/fail`` raising an unexpected error."""
    app = create_app()

    @app.get("/test-only/fail", include_in_schema=False)
    async def fail() -> None:
        raise RuntimeError("forced failure for a test")

    return app
