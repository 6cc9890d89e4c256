"""The approval policy names collections; each covered collection declares how its writes are made."""

import pytest

from app.approvals.policy import OPERATIONS, TARGETS, check_approval_rules
from app.core.config import get_settings


def test_every_covered_write_has_its_collections_target(app):
    """The app (built by the ``app`` fixture) has every covered collection's target declared."""
    assert {entry.collection for entry in OPERATIONS.values()} <= set(TARGETS)


def test_startup_refuses_a_covered_write_whose_collection_declared_no_target(app, monkeypatch):
    monkeypatch.delitem(TARGETS, "findings")
    with pytest.raises(RuntimeError, match="findings create"):
        check_approval_rules(get_settings())
