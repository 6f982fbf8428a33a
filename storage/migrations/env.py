"""Alembic environment: migrates the database named by the caller or by Settings."""

from __future__ import annotations

from alembic import context

from storage.database import make_engine
from storage.models import Base

url: str = context.config.get_main_option("sqlalchemy.url") or ""
if not url:
    from covoice.settings import load_settings

    url = load_settings().resolved_database_url


def run_migrations() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things; batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; give a database URL.")
run_migrations()
