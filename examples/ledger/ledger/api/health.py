from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from ledger import __version__
from ledger.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(session: SessionDep) -> dict[str, str]:
    await session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok", "version": __version__}
