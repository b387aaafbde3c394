"""HTTP routes and middleware added to Streamlit's own server through `st.App`."""

from __future__ import annotations

import functools
import html
import logging
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustcare import i18n
from trustcare.context import AppContext, build_context
from trustcare.languages import known_language
from trustcare.login_cookie import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    make_cookie_value,
    read_cookie,
    read_sign_out_token,
    read_ticket,
)
from trustcare.reminder_messages import read_stop_token
from trustcare.services import accounts
from trustcare.services import reminders as reminder_service
from trustcare.settings import Settings, load_settings
from trustcare.two_factor import (
    TRUSTED_BROWSER_COOKIE,
    TRUSTED_BROWSER_MAX_AGE,
    TrustedBrowser,
    make_trusted_cookie,
    read_trusted_ticket,
)

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    # Check-in tokens travel in URLs; no other site may learn them from a Referer header.
    b"referrer-policy": b"no-referrer",
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    # Each directive is as tight as Streamlit 1.67 and this app allow (checked in Chromium by
    # tests/e2e/test_security_policy.py, which fails on any refusal the browser reports).
    b"content-security-policy": b"; ".join(
        (
            # Everything not named below: this server only.
            b"default-src 'self'",
            # Images only from this server, so Markdown cannot make a browser call a tracking
            # URL; Streamlit draws icons from data: SVGs, and plotly's "Download plot as a png"
            # draws the chart through a blob: image.
            b"img-src 'self' data: blob:",
            # Streamlit's styling (Emotion) and plotly write <style> elements at run time.
            b"style-src 'self' 'unsafe-inline'",
            # Inline scripts: Streamlit's index.html has one, and st.html(...,
            # unsafe_allow_javascript=True) runs ours (login-cookie hand-over and sign-out
            # POST in trustcare/ui/state.py) as new inline <script> elements.
            # 'wasm-unsafe-eval' compiles WebAssembly only, never strings of JavaScript: the
            # long.js inside Streamlit's protobuf bundle (static/js/protobuf.*.js) builds a tiny
            # WebAssembly module for 64-bit arithmetic on every page load; without the keyword
            # Chromium refuses it (a "wasm-eval" violation) and long.js falls back to slower
            # plain JavaScript. No 'unsafe-eval': nothing in Streamlit or plotly's SVG charts
            # evaluated a string on any page (no refusal seen with it gone).
            b"script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
            # The app's own websocket (/_stcore/stream): under CSP3 'self' matches ws:/wss: on
            # this same host and port, so no other host can be reached.
            b"connect-src 'self'",
            # Streamlit's fonts are files here, but one KaTeX font is a data: URL in its CSS.
            b"font-src 'self' data:",
            # plotly's map charts start their worker from a blob: URL (no page draws a map
            # today; kept so one would not fail only in the browser).
            b"worker-src 'self' blob:",
            # Streamlit's components and PDF viewer frames are served from this same server.
            b"frame-src 'self'",
            # No plugins (<object>, <embed>) at all.
            b"object-src 'none'",
            # An injected <base> cannot send the relative script URLs elsewhere.
            b"base-uri 'self'",
            # Forms (the sign-out POST) submit only to this server.
            b"form-action 'self'",
            # No other site may frame these pages (clickjacking), as X-Frame-Options says too.
            b"frame-ancestors 'none'",
        )
    ),
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
PRIVATE_PATHS = ("/_stcore/metrics",)


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response, failures included, and hides the metrics
    endpoint."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
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
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 answer is made outside this middleware, without the headers;
            # this one carries them, and the error still goes on to be logged.
            if not started:
                failure = PlainTextResponse("Internal Server Error", status_code=500)
                await failure(scope, receive, send_with_headers)
            raise


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
        accounts.use_ticket, context.unscoped_work, claim.counselor_id, claim.login_id
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
    trusted = read_trusted_ticket(settings.secret_key, request.query_params.get("remember"))
    if trusted is not None and trusted == TrustedBrowser(claim.counselor_id, claim.session_version):
        # "Remember this browser": only alongside the login ticket it came with, used once.
        response.set_cookie(
            TRUSTED_BROWSER_COOKIE,
            make_trusted_cookie(settings.secret_key, trusted),
            max_age=TRUSTED_BROWSER_MAX_AGE,
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
        accounts.end_login, context.unscoped_work, token.counselor_id, token.login_id
    )
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


STOP_PAGE = (
    "<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<title>{title}</title><style>"
    "body{{font-family:sans-serif;font-size:17px;line-height:1.5;max-width:36em;"
    "margin:1.5em auto;padding:0 1em;color:#1f2328}}"
    "h1{{font-size:1.5em}}"
    "button{{font:inherit;min-height:48px;padding:0 1.25em;border-radius:8px;"
    "border:1px solid #1f6f5c;background:#1f6f5c;color:#fff;cursor:pointer}}"
    "</style></head><body>{body}</body></html>"
)


def _stop_page(body: str, language: str, status_code: int = 200) -> HTMLResponse:
    _ = i18n.gettext_for(language)
    return HTMLResponse(
        STOP_PAGE.format(
            lang=html.escape(known_language(language), quote=True),
            title=html.escape(_("Check-in reminders")),
            body=body,
        ),
        status_code=status_code,
    )


def _bad_stop_link(language: str) -> HTMLResponse:
    _ = i18n.gettext_for(language)
    text = html.escape(_("This link does not work. Ask your counselor."))
    return _stop_page(f"<p>{text}</p>", language, 400)


async def stop_reminders(request: Request) -> HTMLResponse:
    """The stop link of a reminder email: GET asks to confirm (a mail scanner that follows
    links stops nothing), POST stops; a mail client's one-click POST (RFC 8058) carries the
    token in the address. Neither answer tells whose link it was. The pages speak the
    language the link names (`lang`, set when the email was written)."""
    settings, context = _context()
    token = request.query_params.get("t")
    language = known_language(request.query_params.get("lang"))
    if request.method == "GET":
        if read_stop_token(settings.secret_key, token) is None:
            return _bad_stop_link(language)
        _ = i18n.gettext_for(language)
        e = html.escape
        return _stop_page(
            f"<h1>{e(_('Stop check-in reminders?'))}</h1>"
            "<p>"
            + e(
                _(
                    "You will get no more reminder emails. Your personal link keeps working, "
                    "and your counselor will see that you stopped them."
                )
            )
            + "</p>"
            "<form method='post' action='/reminders/stop'>"
            f"<input type='hidden' name='t' value='{e(token or '', quote=True)}'>"
            f"<input type='hidden' name='lang' value='{e(language, quote=True)}'>"
            f"<button type='submit'>{e(_('Stop reminders'))}</button></form>",
            language,
        )
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("t") or [None])[0] or token
    language = known_language((form.get("lang") or [None])[0] or language)
    stopped = await run_in_threadpool(
        reminder_service.stop_reminders, context.unscoped_work, settings.secret_key, token
    )
    if not stopped:
        return _bad_stop_link(language)
    _ = i18n.gettext_for(language)
    e = html.escape
    return _stop_page(
        f"<h1>{e(_('Reminders stopped'))}</h1><p>"
        + e(
            _(
                "You will get no more reminder emails. If you change your mind, ask your "
                "counselor to restart them."
            )
        )
        + "</p>",
        language,
    )


def start_reminders() -> None:
    """The server's reminder runner: one daemon thread per process (TRUSTCARE_REMINDERS=off
    keeps it off), on the routes' own context."""
    from trustcare.reminder_runner import start_in_background

    start_in_background(lambda: _context()[1])


def routes() -> list[Route]:
    return [
        Route("/session/start", start_session, methods=["GET"]),
        Route("/session/end", end_session, methods=["POST"]),
        Route("/reminders/stop", stop_reminders, methods=["GET", "POST"]),
    ]
