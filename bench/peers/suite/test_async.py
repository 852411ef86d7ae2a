"""The async variant, run only where the peer provides an ``async_session`` fixture."""

from __future__ import annotations

import pytest
from models import Author
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


@pytest.mark.asyncio
@pytest.mark.parametrize("n", range(5))
async def test_async_insert_is_alone(async_session: AsyncSession, n: int) -> None:
    async_session.add(Author(email=f"x{n}@example.org", name="X"))
    await async_session.flush()
    assert await async_session.scalar(select(func.count()).select_from(Author)) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("n", range(5))
async def test_async_duplicate_email(async_session: AsyncSession, n: int) -> None:
    async_session.add(Author(email="y@example.org", name="Y"))
    await async_session.commit()
    async_session.add(Author(email="y@example.org", name="Z"))
    with pytest.raises(IntegrityError):
        await async_session.flush()
    await async_session.rollback()
    assert await async_session.scalar(select(func.count()).select_from(Author)) == 1
