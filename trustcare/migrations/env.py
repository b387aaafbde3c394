"""Alembic environment: the engine comes from TrustCare's own configuration, never alembic.ini."""

from alembic import context
from sqlalchemy import create_engine

from trustcare.encryption import configure_keys, keys_configured
from trustcare.models import Base
from trustcare.settings import SettingsError, load_settings

config = context.config
target_metadata = Base.metadata


def configure_encryption() -> None:
    """Migrations that encrypt rows need the key ring; a caller that has not configured one
    (a bare `alembic` or `trustcare db upgrade`) gets the one the settings name."""
    if keys_configured():
        return
    try:
        keys = load_settings().encryption_keys
    except SettingsError:
        # The migration that needs a key says so; one that needs none runs.
        return
    if keys:
        configure_keys(keys, "TRUSTCARE_ENCRYPTION_KEY")


def run_migrations_online() -> None:
    configure_encryption()
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
