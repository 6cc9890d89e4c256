"""Dependency aliases that make endpoint signatures read as prose."""

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.core.db import get_session
from app.core.reads import ReadDatabase


async def get_reads(request: Request) -> ReadDatabase:
    """The read-path backend opened at startup."""
    reads: ReadDatabase = request.app.state.reads
    return reads


ReadsDep = Annotated[ReadDatabase, Depends(get_reads)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
