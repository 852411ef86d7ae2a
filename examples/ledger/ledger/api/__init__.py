"""HTTP API routers."""

from __future__ import annotations

from fastapi import APIRouter

from ledger.api import (
    accounts,
    books,
    currencies,
    fx,
    health,
    journal,
    periods,
    reconciliation,
    reports,
)

api_router = APIRouter()
for module in (
    health,
    currencies,
    fx,
    books,
    accounts,
    journal,
    periods,
    reconciliation,
    reports,
):
    api_router.include_router(module.router)

__all__ = ["api_router"]
