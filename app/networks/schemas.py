"""Response schemas of networks."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.bulk import bulk_update_model
from app.core.choices import NetworkKind
from app.core.schemas import Choice, Citation, Name, Omittable, Slug, StrictBody, Text


class NetworkPublic(BaseModel):
    """A closed network as the API returns it, with how many scanners are linked into it."""

    id: int
    code: str = Field(description="Unique human key, e.g. `maasvlakte-fibre`.")
    name: str = Field(description="Name of the network.")
    kind: NetworkKind = Field(
        description="`closed_fibre`: a closed fibre network of the customs administration; `other`."
    )
    description: str | None = Field(description="What the network connects.")
    scanner_count: int = Field(description="Scanner records linked into this network.")
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class NetworkBrief(BaseModel):
    """The few fields of a network embedded in other resources."""

    id: int
    code: str
    name: str = Field(description="Name of the network.")


class NetworkBody(StrictBody):
    """The fields of a network's request bodies, in their order, each optional as a PATCH sends them;
    ``NetworkCreate`` requires or defaults some."""

    code: Omittable[Slug] = None
    name: Omittable[Name] = None
    kind: Omittable[Choice[NetworkKind]] = None
    description: Text | None = None
    source: Citation | None = None


class NetworkCreate(NetworkBody):
    """Fields to create a network."""

    code: Slug
    name: Name
    kind: Choice[NetworkKind]


class NetworkUpdate(NetworkBody):
    """Fields of a network to change; only the fields sent change."""


NetworkBulkUpdate = bulk_update_model(NetworkUpdate)
