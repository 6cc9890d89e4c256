"""Table model of a network."""

from sqlmodel import Field

from app.core.choices import NetworkKind
from app.core.models import TrackedColumns, keyed_by, optional_text, required_choice, unique_key


class Network(TrackedColumns, table=True):
    """A closed network that scanners are linked into, such as the fibre network to a customs office."""

    __tablename__ = "network"
    __table_args__ = keyed_by("network", "code")

    code: str = unique_key()
    name: str = Field(max_length=200, nullable=False)
    kind: NetworkKind = required_choice(NetworkKind, "network_kind")
    description: str | None = optional_text()
