"""The bodies of the health probes."""

from typing import Literal

from pydantic import BaseModel, Field


class Liveness(BaseModel):
    """The process is up and answering."""

    status: Literal["ok"] = Field(description="Always `ok`: any answer at all means the process is alive.")


class Readiness(BaseModel):
    """Whether this process should receive traffic, and why not. The same shape for 200 and 503."""

    status: Literal["ok", "unavailable"] = Field(
        description="`ok` (200) when every check passes, else `unavailable` (503)."
    )
    database: Literal["sqlite", "postgresql", "unreachable"] = Field(
        description="The database backend when it answered a query, else `unreachable`."
    )
    migrations: Literal["current", "behind", "unknown"] = Field(
        description="`current` when the database is migrated to this code's newest revision; `behind` when it is "
        "not (run `inventory migrate`); `unknown` when the database did not answer."
    )
    draining: bool = Field(
        description="Whether the process received SIGTERM and is finishing its work before it stops."
    )
