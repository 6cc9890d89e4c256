"""Table model of an API key."""

from datetime import datetime

from sqlmodel import Field

from app.core.choices import Role
from app.core.db import UTCDateTime
from app.core.models import TrackedColumns, choice_column, name_column, unique_key


class ApiKey(TrackedColumns, table=True):
    """A credential a person or service uses to call the API, with its role.

    The token itself is never stored: only its HMAC-SHA256 under the server secret, so a copy
    of the database does not yield a usable token.
    """

    __tablename__ = "api_key"

    name: str = name_column()
    owner: str = Field(
        max_length=200,
        nullable=False,
        description="The person (or team) answerable for the key; two keys of one owner cannot approve each other.",
    )
    role: Role = choice_column(Role, "role")
    token_prefix: str = Field(
        max_length=16, nullable=False, description="First characters of the token, to recognise it."
    )
    token_hash: str = unique_key()
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
