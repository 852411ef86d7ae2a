"""ASGI entry point: ``uvicorn ledger.main:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from ledger import __version__
from ledger.api import api_router
from ledger.db import dispose_engine
from ledger.errors import LedgerError


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await dispose_engine()


def _error(status_code: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status_code, content={"error": {"code": code, "message": message}}
    )


async def _ledger_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    return _error(exc.status_code, exc.code, exc.message)


async def _integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    # A constraint caught what the service layer's checks did not (usually a
    # concurrent request): report it as a conflict rather than a 500.
    return _error(409, "integrity_error", "the change conflicts with existing data")


def create_app() -> FastAPI:
    application = FastAPI(title="Ledger", version=__version__, lifespan=lifespan)
    application.include_router(api_router)
    application.add_exception_handler(LedgerError, _ledger_error)
    application.add_exception_handler(IntegrityError, _integrity_error)
    return application


app = create_app()
