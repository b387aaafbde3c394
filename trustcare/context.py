"""The process-wide pieces a running app needs: settings, engine, session factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from trustcare.catalog import get_catalog, shipped_content_dir
from trustcare.content_catalog import Catalog
from trustcare.db import (
    DatabaseError,
    check_schema_not_newer,
    current_revision,
    head_revision,
    make_engine,
    make_session_factory,
    upgrade,
)
from trustcare.encryption import EncryptionError, check_keys_match, configure_keys, keys_configured
from trustcare.identity import Actor, PartnerActor
from trustcare.persistence.uow import (
    CounselorWork,
    PartnerWork,
    UnitOfWork,
    UnscopedWork,
    unscoped_work,
)
from trustcare.services.standings import keep_standings
from trustcare.settings import Settings, SettingsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]

    def work(self, actor: Actor, read_only: bool = False) -> CounselorWork:
        """A unit of work opened for this counselor (the one way services reach the data);
        `read_only` for a page's reads that never write (see UnitOfWork)."""
        return CounselorWork(self.session_factory, actor, read_only, self._store_standings)

    def partner_work(self, actor: PartnerActor) -> PartnerWork:
        """A unit of work for a client behind a valid link."""
        return PartnerWork(self.session_factory, actor, self._store_standings)

    def unscoped_work(self, read_only: bool = False) -> UnscopedWork:
        """For the entry points before an identity exists (see `unscoped_work`): pages and
        the CLI pass this method to the sign-in, link, setup and demo services."""
        return unscoped_work(self.session_factory, read_only)

    def _store_standings(self, uow: UnitOfWork, couple_ids: set[int]) -> None:
        """On every commit: the caseload rows of the couples written, in the same transaction,
        so the caseload reads them fresh instead of evaluating them during a read."""
        keep_standings(self.catalog)(uow, couple_ids)

    def catalog(self) -> Catalog:
        """The content library: shipped content plus the practice's folders, reloaded on change."""
        return get_catalog([shipped_content_dir(), *self.settings.content_dirs])


def build_context(settings: Settings) -> AppContext:
    """Open the database; the embedded SQLite upgrades itself, a server database must be current.

    The encryption keys are configured first (the upgrade may encrypt existing rows), and a
    missing or wrong key refuses to start here rather than on the first page with a note.
    """
    _configure_encryption(settings)
    engine = make_engine(settings.database_url)
    if settings.is_sqlite:
        upgrade(engine)
    else:
        check_schema_not_newer(engine)
        if current_revision(engine) != head_revision(engine):
            raise DatabaseError(
                "the database schema is not current; run `trustcare db upgrade` first"
            )
    try:
        check_keys_match(engine)
    except EncryptionError as error:
        raise DatabaseError(str(error)) from error
    return AppContext(settings, engine, make_session_factory(engine))


def _configure_encryption(settings: Settings) -> None:
    if settings.encryption_keys:
        try:
            configure_keys(settings.encryption_keys, "TRUSTCARE_ENCRYPTION_KEY")
        except EncryptionError as error:
            raise SettingsError(str(error)) from error
    elif not keys_configured():
        raise SettingsError(
            "TRUSTCARE_ENCRYPTION_KEY (or encryption_key_file) is unset; production needs "
            "the Fernet key that encrypts clinical text at rest, the same on every replica: "
            "python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
