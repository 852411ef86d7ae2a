"""The application's engine and sessionmaker, which pytest-sqlalchemy-alembic rebinds to a
test database per worker."""

from __future__ import annotations

from models import Base
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/peers_sqla")
SessionLocal = sessionmaker(bind=engine)
metadata = Base.metadata
