"""The started application's heap is left out of garbage collection while it serves (and the youngest generation
is collected less often), and both are given back at shutdown."""

import gc

import pytest

from app.main import create_app

pytestmark = pytest.mark.asyncio


async def test_the_heap_is_frozen_while_the_application_serves(db):
    assert gc.get_freeze_count() == 0
    threshold = gc.get_threshold()
    application = create_app()
    async with application.router.lifespan_context(application):
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 10_000
        leftover = [object()]
        leftover.append(leftover)  # a cycle made while serving is still collected
        del leftover
        assert gc.collect() > 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
