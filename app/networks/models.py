"""Table model of a network."""

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import NetworkKind
from app.core.models import TrackedColumns, enum_type, sort_key_index, unique_ignoring_case


class Network(TrackedColumns, table=True):
    """A closed network that scanners are linked into, such as the fibre network to a customs office."""

    __tablename__ = "network"
    __table_args__ = (
        unique_ignoring_case("network", "code"),
        sort_key_index("network", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200, nullable=False)
    kind: NetworkKind = Field(sa_type=enum_type(NetworkKind, "network_kind"), nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
