"""The collection descriptors: what each one's declaration alone decides."""

import pytest

from app.changes.resources import RESOURCES, Resource
from app.history.endpoints import restore_route
from app.operators.service import OPERATOR


async def test_restore_is_served_exactly_for_the_collections_without_link_lists(client):
    """A collection whose state spans link tables has a history but no restore (its last recorded row would
    bring it back without its links); every other collection has both."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    restorable = {name for name, resource in RESOURCES.items() if not resource.links}
    assert {name for name in RESOURCES if f"/api/v1/{name}/{{item_id}}/restore" in paths} == restorable
    assert {name for name in RESOURCES if f"/api/v1/{name}/{{item_id}}/history" in paths} == set(RESOURCES)


def test_a_restore_route_is_refused_for_a_collection_with_link_lists():
    with pytest.raises(ValueError, match="operators cannot be restored"):
        restore_route(OPERATOR)


def test_a_second_collection_of_a_taken_name_is_refused():
    """Declaring a collection registers it; two of one name would make the change log's object type ambiguous."""
    with pytest.raises(ValueError, match="Two collections are named 'operators'"):
        Resource(model=OPERATOR.model, public=OPERATOR.public, listing=OPERATOR.listing)
    assert RESOURCES["operators"] is OPERATOR
