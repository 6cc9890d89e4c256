"""Response bodies of the health probes."""

from typing import Literal

from pydantic import BaseModel, Field


class Liveness(BaseModel):
    """The process is up and answering."""

    status: Literal["ok"] = Field(description="Always `ok`: any answer at all means the process is alive.")


class Readiness(BaseModel):
    """Whether this process can serve requests: its database answers."""

    status: Literal["ok", "unavailable"] = Field(description="`ok` when ready (200), `unavailable` when not (503).")
    database: str = Field(
        description="The database dialect when it answers (`sqlite`, `postgresql`), `unreachable` when it does not.",
        examples=["postgresql"],
    )
