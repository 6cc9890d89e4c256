"""The garbage collector and a long-lived heap: what the application builds at startup is left out of every
collection while it serves.

CPython's cyclic garbage collector walks every tracked object of the oldest generation on each full
collection. A started application holds some 200,000 of them (routes, dependants, pydantic models and
validators, the OpenAPI machinery), built once and alive until shutdown; a busy worker allocates enough
per request to run a full collection every second or so, and walking that heap took a fifth of a
single worker's time under load (PostgreSQL, scanner GET: 8 full collections, 1.07 s in 5 s). Freezing
the heap once the application has started (``gc.freeze``) moves those objects to a permanent generation
that collections skip; whatever is allocated afterwards is collected as before. At shutdown the heap is
unfrozen, so a process that builds several applications (the test suite) collects the ones it dropped.

While it serves, the youngest generation is also collected less often: after 10,000 more tracked objects
allocated than freed instead of CPython's 700. A request allocates a few hundred and frees most of them
when it ends, so with 700 a busy worker ran a young collection every few requests (some 1,000 in 4 s,
5% of its time), each also walking the objects of the requests still in flight; with 10,000 it runs a
handful. Cyclic garbage waits a little longer for its collection, a bounded amount of memory.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000
"""Net allocations of tracked objects that trigger a collection of the youngest generation while serving."""


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave every object alive now out of the garbage collector's passes, and collect the youngest
    generation less often, until the block ends."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], YOUNG_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
