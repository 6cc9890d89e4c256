"""Table model of a network."""

from app.core.choices import NetworkKind
from app.core.models import TrackedColumns, choice_column, keyed_by, name_column, optional_text, unique_key


class Network(TrackedColumns, table=True):
    """A closed network that scanners are linked into, such as the fibre network to a customs office."""

    __tablename__ = "network"
    __table_args__ = keyed_by("network", "code")

    code: str = unique_key()
    name: str = name_column()
    kind: NetworkKind = choice_column(NetworkKind, "network_kind")
    description: str | None = optional_text()
