import pytest
from app.models import Item
from sqlalchemy import func, select


@pytest.mark.parametrize("n", range(6))
def test_each_test_starts_empty_and_commits(session, n):
    assert session.scalar(select(func.count()).select_from(Item)) == 0
    session.add_all(Item(name=f"item{i}") for i in range(n + 1))
    session.commit()
    assert session.scalar(select(func.count()).select_from(Item)) == n + 1
    item = session.scalars(select(Item)).first()
    session.commit()
    assert "name" in vars(item)  # expire_on_commit=False keeps what was loaded
