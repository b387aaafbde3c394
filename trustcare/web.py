"""HTTP routes and middleware added to Streamlit's own server through `st.App`."""

from __future__ import annotations

import functools
import logging
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustcare.context import AppContext, build_context
from trustcare.login_cookie import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    make_cookie_value,
    read_cookie,
    read_sign_out_token,
    read_ticket,
)
from trustcare.services import accounts
from trustcare.settings import Settings, load_settings

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    # Check-in tokens travel in URLs; no other site may learn them from a Referer header.
    b"referrer-policy": b"no-referrer",
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    # Images only from this server, so Markdown cannot make a browser call a tracking URL.
    b"content-security-policy": (
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' 'unsafe-inline' 'unsafe-eval'; connect-src 'self' ws: wss:; "
        b"font-src 'self' data:; worker-src 'self' blob:; frame-src 'self'; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
PRIVATE_PATHS = ("/_stcore/metrics",)


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response and hides the metrics endpoint."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        if scope.get("path", "").rstrip("/") in PRIVATE_PATHS:
            # The refusal is a response like any other and carries the same headers.
            refusal = PlainTextResponse("Not found", status_code=404)
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


@functools.lru_cache(maxsize=4)
def _context_for(configuration: str, settings: Settings) -> AppContext:
    """The routes' own engine, one per configuration (the Streamlit script keeps another)."""
    return build_context(settings)


def _context() -> tuple[Settings, AppContext]:
    settings = load_settings()
    return settings, _context_for(repr(settings), settings)


async def start_session(request: Request) -> RedirectResponse:
    """Trade a fresh login ticket, once, for the HttpOnly session cookie, then go to the app."""
    settings = load_settings()
    claim = read_ticket(settings.secret_key, request.query_params.get("ticket"))
    response = RedirectResponse("/", status_code=303)
    if claim is None:
        log.info("session start refused: missing, bad or stale ticket")
        return response
    if settings.auth_configured:
        log.info("session start refused: single sign-on is on, so local logins are off")
        return response
    context = _context_for(repr(settings), settings)
    if not await run_in_threadpool(
        accounts.use_ticket, context.session_factory, claim.counselor_id, claim.login_id
    ):
        log.warning("session start refused: login %s used its ticket already", claim.login_id)
        return response
    response.set_cookie(
        COOKIE_NAME,
        make_cookie_value(settings.secret_key, claim),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    return response


async def end_session(request: Request) -> RedirectResponse:
    """End the login named by the cookie and forget the cookie: a POST that carries the
    sign-out token of that same login, so another site's page cannot sign anyone out."""
    settings, context = _context()
    response = RedirectResponse("/", status_code=303)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = read_sign_out_token(settings.secret_key, (form.get("token") or [None])[0])
    held = read_cookie(settings.secret_key, request.cookies.get(COOKIE_NAME))
    if token is None or (held is not None and held != token):
        log.warning("sign-out refused: missing, bad or stale sign-out token")
        return response
    await run_in_threadpool(
        accounts.end_login, context.session_factory, token.counselor_id, token.login_id
    )
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


def routes() -> list[Route]:
    return [
        Route("/session/start", start_session, methods=["GET"]),
        Route("/session/end", end_session, methods=["POST"]),
    ]
