from sqlalchemy import create_engine

from app.models import Base


def build(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
