"""Personal check-in links: issue, re-issue, revoke, email, and open one as a client."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlencode

from trustcare import i18n
from trustcare.errors import EmailNotSent, LinkNotUsable
from trustcare.identity import PartnerActor
from trustcare.languages import known_language
from trustcare.links import CHECKIN_PATH, checkin_url, hash_token, looks_like_token, new_token
from trustcare.models import CheckinLink, Couple, Partner, utcnow
from trustcare.persistence.storage import storage_failures
from trustcare.persistence.uow import CounselorWork, OpenUnscoped, UnscopedWork
from trustcare.practice_settings import SmtpSettings
from trustcare.services.couples import PartnerView
from trustcare.services.validation import EMAIL_PATTERN

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedLink:
    """A fresh link; its URL is shown to the counselor once and never stored."""

    partner_id: int
    partner_name: str
    url: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LinkState:
    partner_id: int
    partner_name: str
    state: str  # active, expired, revoked, or none
    created_at: dt.datetime | None
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    contact: str


def _partner_of(uow: CounselorWork, couple_id: int, partner_id: int) -> Partner:
    return uow.links.partner_of(uow.couples.get(couple_id), partner_id)


def issue_link(
    uow: CounselorWork,
    couple_id: int,
    partner_id: int,
    base_url: str,
    *,
    submission: str | None = None,
) -> IssuedLink | None:
    """A new personal link for one partner; any earlier link of theirs stops working.

    None when this `submission` (the button's one-use key) already issued one: a double click
    must not stop the link that was just shown and issue another (only its hash is stored,
    so the caller keeps showing the link the first click gave).
    """
    partner = _partner_of(uow, couple_id, partner_id)
    if uow.once(submission, "link", uow.actor.practice_id) is not None:
        return None
    settings = uow.practice_settings()
    uow.links.revoke_live(partner, utcnow())
    link, token = _store_link(
        uow, couple_id, partner, dt.timedelta(days=settings.link_expiry_days), "personal"
    )
    return IssuedLink(
        partner.id,
        partner.display_name,
        checkin_url(settings.base_url or base_url, token),
        link.expires_at,
    )


def _store_link(
    uow: CounselorWork, couple_id: int, partner: Partner, lifetime: dt.timedelta, purpose: str
) -> tuple[CheckinLink, str]:
    """A new link row (only the token's hash is stored), audited and committed."""
    now = utcnow()
    token = new_token()
    link = CheckinLink(
        partner_id=partner.id,
        token_hash=hash_token(token),
        # Sealed (encrypted) so a reminder can carry the link the partner already has.
        token_sealed=token if purpose == "personal" else None,
        created_at=now,
        expires_at=now + lifetime,
        created_by=uow.actor.counselor_id,
        purpose=purpose,
    )
    uow.links.add_link(link)
    uow.record("link.issue", "couple", couple_id, partner_id=partner.id, link_id=link.id)
    uow.made(link.id)
    uow.commit()
    return link, token


ROOM_LINK_MINUTES = 10


def issue_room_link(
    uow: CounselorWork, couple_id: int, partner_id: int, base_url: str
) -> IssuedLink:
    """A short-lived, one-use link for the shared screen's QR code.

    Whoever scans it sees nothing private: it only lets the partner claim a fresh personal
    link on their own phone (`claim_room_link`). Their current personal link keeps working.
    """
    partner = _partner_of(uow, couple_id, partner_id)
    settings = uow.practice_settings()
    link, token = _store_link(
        uow, couple_id, partner, dt.timedelta(minutes=ROOM_LINK_MINUTES), "room"
    )
    return IssuedLink(
        partner.id,
        partner.display_name,
        room_url(settings.base_url or base_url, token),
        link.expires_at,
    )


def room_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{CHECKIN_PATH}?{urlencode({'room': token})}"


def _live_room_link(uow: UnscopedWork, token: object, now: dt.datetime) -> CheckinLink | None:
    if not looks_like_token(token):
        return None
    row = uow.links.room_link_by_hash(hash_token(token))
    if row is None:
        return None
    link, couple = row
    if link.used_at or link.revoked_at or link.expires_at <= now or couple.status == "closed":
        return None
    return link


def room_link_usable(open_work: OpenUnscoped, token: object) -> bool:
    """Whether a room link can still be claimed; it tells nothing about whose it is."""
    with storage_failures("room link not checked"), open_work(read_only=True) as uow:
        return _live_room_link(uow, token, utcnow()) is not None


def claim_room_link(open_work: OpenUnscoped, token: object) -> str:
    """Use a room link once: returns a fresh personal token for its partner (old ones revoked).

    The claim is one conditional UPDATE, so two phones scanning the same code get one link.
    """
    now = utcnow()
    with storage_failures("room link not claimed"), open_work() as uow:
        link = _live_room_link(uow, token, now)
        if link is None or not uow.links.claim_room_link(link, now):
            raise LinkNotUsable()
        partner, couple = uow.links.partner_behind(link)
        settings = uow.practice.settings_of(couple.practice_id)
        uow.links.revoke_live_personal(partner, now)
        fresh = new_token()
        personal = uow.links.add_link(
            CheckinLink(
                partner_id=partner.id,
                token_hash=hash_token(fresh),
                token_sealed=fresh,
                created_at=now,
                expires_at=now + dt.timedelta(days=settings.link_expiry_days),
                created_by=link.created_by,
            )
        )
        uow.audit(
            "link.issue",
            "couple",
            couple.id,
            practice_id=couple.practice_id,
            actor_kind="partner",
            actor_id=partner.id,
            partner_id=partner.id,
            link_id=personal.id,
            room_link_id=link.id,
        )
        uow.commit()
        return fresh


def revoke_links(uow: CounselorWork, couple_id: int, partner_id: int) -> int:
    """Stop every live link of this partner at once; returns how many were live."""
    partner = _partner_of(uow, couple_id, partner_id)
    live = uow.links.revoke_live(partner, utcnow())
    uow.record("link.revoke", "couple", couple_id, partner_id=partner.id)
    uow.commit()
    return live


def link_states_of(
    uow: CounselorWork, couple: Couple, partners: Sequence[PartnerView]
) -> list[LinkState]:
    """Each partner's newest link and its state, for a couple from `uow.couples.get` whose
    partners are known, in one query."""
    now = utcnow()
    links = uow.links.personal_links_of(couple)
    newest: dict[int, CheckinLink] = {}
    for link in links:
        newest.setdefault(link.partner_id, link)
    states = []
    for partner in partners:
        link = newest.get(partner.id)
        if link is None:
            state = "none"
        elif link.revoked_at is not None:
            state = "revoked"
        elif link.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        states.append(
            LinkState(
                partner.id,
                partner.display_name,
                state,
                link.created_at if link else None,
                link.expires_at if link else None,
                link.last_used_at if link else None,
                partner.contact,
            )
        )
    return states


def client_address(remote: str | None, forwarded_for: str | None, trusted_hops: int) -> str:
    """The address a throttle may key on: one a client cannot pick, nor share with others.

    Behind `trusted_hops` proxies that each append to X-Forwarded-For, the entry that many
    from the right is the address the outermost trusted proxy saw; anything left of it was
    written by the client and is ignored. Without trusted proxies the socket's address counts.
    """
    if trusted_hops > 0 and forwarded_for:
        hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops]
    return remote or "unknown"


class BadTokenThrottle:
    """Slows repeated bad tokens: per client address, and for everyone once bad links flood in.

    Only failures are delayed (open_link checks the token first), so a valid link never waits.
    Entries expire after the window, and at most `max_clients` addresses are kept, so the
    memory stays bounded. Kept per process (per replica); with sticky sessions a client stays
    on one replica.
    """

    def __init__(
        self,
        window_seconds: float = 600,
        max_delay: float = 5.0,
        global_window_seconds: float = 60,
        global_limit: int = 120,
        max_clients: int = 10_000,
    ) -> None:
        self.window_seconds = window_seconds
        self.max_delay = max_delay
        self.global_window_seconds = global_window_seconds
        self.global_limit = global_limit
        self.max_clients = max_clients
        self._failures: dict[str, list[float]] = {}
        self._everyone: list[float] = []
        self._lock = threading.Lock()

    def delay_for(self, client: str, now: float | None = None) -> float:
        """How long the next failure from `client` waits: doubling per recent failure, capped."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._failures.get(client, ()) if now - t < self.window_seconds]
            if recent:
                self._failures[client] = recent
            else:
                self._failures.pop(client, None)
            self._everyone = [t for t in self._everyone if now - t < self.global_window_seconds]
            if len(self._everyone) >= self.global_limit:
                return self.max_delay
            return 0.0 if not recent else min(0.25 * 2 ** (len(recent) - 1), self.max_delay)

    def record_failure(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failures.setdefault(client, []).append(now)
            self._everyone.append(now)
            if len(self._failures) > self.max_clients:
                self._expire(now)

    def tracked_clients(self) -> int:
        with self._lock:
            return len(self._failures)

    def _expire(self, now: float) -> None:
        """Drop addresses with no failure in the window; if still too many, the stalest."""
        self._failures = {
            client: times
            for client, times in self._failures.items()
            if now - times[-1] < self.window_seconds
        }
        if len(self._failures) > self.max_clients:
            newest_first = sorted(self._failures.items(), key=lambda kv: kv[1][-1], reverse=True)
            self._failures = dict(newest_first[: self.max_clients])


bad_token_throttle = BadTokenThrottle()


def open_link(
    open_work: OpenUnscoped,
    token: object,
    client: str = "unknown",
    throttle: BadTokenThrottle = bad_token_throttle,
    sleep=time.sleep,
) -> PartnerActor:
    """The partner behind a live token, or LinkNotUsable (the same for every kind of failure).

    The token is checked first and only a failure waits, so a valid link is never slowed by
    bad ones from the same address.
    """

    def refuse() -> LinkNotUsable:
        wait = throttle.delay_for(client)
        throttle.record_failure(client)
        if wait:
            sleep(wait)
        return LinkNotUsable()

    if not looks_like_token(token):
        raise refuse()
    with storage_failures("check-in link not checked"):
        return _open_live_link(open_work, token, refuse)


def _open_live_link(open_work: OpenUnscoped, token: str, refuse) -> PartnerActor:
    now = utcnow()
    with open_work() as uow:
        row = uow.links.link_by_hash(hash_token(token))
        usable = (
            row is not None
            and row[0].purpose == "personal"
            and row[0].revoked_at is None
            and row[0].expires_at > now
            and row[2].status != "closed"
        )
        if usable:
            link, partner, couple = row
            if link.last_used_at is None or now - link.last_used_at > dt.timedelta(minutes=5):
                link.last_used_at = now
                uow.commit()
            return PartnerActor(
                partner.id, couple.id, couple.practice_id, link.id, partner.display_name
            )
    # The wait happens after the connection went back to the pool.
    log.info("check-in link refused")
    raise refuse()


SMTP_TIMEOUT_SECONDS = 15


def smtp_problem(error: BaseException, smtp: SmtpSettings) -> str:
    """What went wrong with the mail server, in words an admin can act on."""
    where = f"{smtp.host}:{smtp.port}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            "the server does not offer STARTTLS: turn TLS off (only on a private network) or "
            "use the server's STARTTLS port, usually 587"
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "the server refused the user name or password"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"the server refused the sender address {smtp.sender}: use one it accepts"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the server refused the partner's email address"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return (
            "the server closed the connection; if it expects TLS from the first byte (port "
            "465), use its STARTTLS port, usually 587, with TLS on"
        )
    if isinstance(error, ssl.SSLError):
        return "the secure connection failed (the server's certificate or TLS version)"
    if isinstance(error, socket.gaierror):
        return f"the server name {smtp.host} cannot be found: check the host"
    if isinstance(error, ConnectionRefusedError):
        return f"nothing answers at {where}: check the host and port"
    if isinstance(error, TimeoutError):
        return f"{where} did not answer within {SMTP_TIMEOUT_SECONDS} seconds"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the server answered {error.smtp_code}"
    return f"{type(error).__name__} while talking to {where}"


def email_link(uow: CounselorWork, issued: IssuedLink, couple_id: int) -> str:
    """Send a freshly issued link to the partner's email through the practice's SMTP server.

    The message names the practice and the counselor, so that it does not read like phishing,
    and holds nothing clinical.
    """
    partner = _partner_of(uow, couple_id, issued.partner_id)
    settings = uow.practice_settings()
    smtp = settings.smtp
    if not smtp.configured:
        raise EmailNotSent("No mail server is set up for this practice (admin: Practice settings).")
    address = (partner.contact or "").strip()
    if not EMAIL_PATTERN.match(address):
        raise EmailNotSent(f"{partner.display_name} has no email address in their contact details.")
    practice_name = uow.links.practice_name()
    counselor = uow.actor.display_name
    language = known_language(partner.language)
    _ = i18n.gettext_for(language)
    names = {"partner": partner.display_name, "practice": practice_name, "counselor": counselor}
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = address
    message["Subject"] = _("Your check-in link from {practice}").format(**names)
    sent_you = _(
        "{counselor} at {practice} has sent you a personal link for your check-ins and "
        "exercises. Please keep it to yourself: it opens your own page."
    )
    works_until = _("The link works until {day}.").format(
        day=i18n.long_day(issued.expires_at, language)
    )
    unexpected = _(
        "If you did not expect this email, please ask {counselor} at your next session, "
        "or ignore it."
    )
    message.set_content(
        f"{_('Hello {partner},').format(**names)}\n\n"
        f"{sent_you.format(**names)}\n\n"
        f"{issued.url}\n\n"
        f"{works_until}\n\n"
        f"{unexpected.format(**names)}\n"
    )
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS) as server:
            if smtp.use_tls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, smtp.password)
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("emailing a check-in link failed: %s", type(error).__name__)
        raise EmailNotSent(
            f"The mail server could not send the email: {smtp_problem(error, smtp)}. "
            "Check the practice's mail settings, or copy the link instead."
        ) from error
    uow.record("link.email", "couple", couple_id, partner_id=partner.id)
    uow.commit()
    return address
