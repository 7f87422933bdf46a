import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.functional import empty

from aktive.logging import REQUEST_ID

logger = logging.getLogger("aktive.requests")
security_logger = logging.getLogger("aktive.security")

# An id from the reverse proxy is kept (so nginx's and our lines match) if it looks like one.
INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Password reset links carry a token that lets anyone holding it set the password.
SECRET_IN_PATH = re.compile(r"^(/accounts/reset/)[^/]+/[^/]+/")


class NorwegianByDefaultLocaleMiddleware:
    """Activate Norwegian bokmål unless the user picked another language.

    Django's LocaleMiddleware follows the browser's Accept-Language header; our users expect
    Norwegian whatever their browser says, so only the language cookie set by the language
    switch (``set_language``) counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's, but a view marked ``login_not_required`` is served without a look at the
    session first: a public page is then the same for everyone (no ``Vary: Cookie``), so a
    proxy can keep it, and it costs a logged-in visitor no session query."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionRefreshMiddleware:
    """Keep a visitor's session alive for ``SESSION_COOKIE_AGE`` after their last visit.

    Django's SESSION_SAVE_EVERY_REQUEST does this with a database write on every request; here
    the session (and its cookie) is renewed at most once per ``SESSION_REFRESH_SECONDS``, so a
    session ends between two weeks minus an hour and two weeks after the last visit.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        refreshed = request.session.get(self.KEY, 0)  # loads it (most pages already have)
        now = int(time.time())
        # No key after loading: the cookie named no live session; don't create one for it.
        if request.session.session_key and now - refreshed >= settings.SESSION_REFRESH_SECONDS:
            request.session[self.KEY] = now  # modified: SessionMiddleware saves and re-sends
        return response


class RequestLogMiddleware:
    """One log line per request, with an id that every other line of the request carries too.

    Refused requests (403) get a second line saying who, what and why. Nothing secret is
    logged: no passwords, no cookies or session ids, no reset tokens in paths.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if INCOMING_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = REQUEST_ID.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response.headers["X-Request-ID"] = request.request_id
            fields = {
                "method": request.method,
                "path": safe_path(request.path),
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": known_user_id(request),
                "ip": client_ip(request),
            }
            logger.info(
                "%s %s %s", request.method, fields["path"], response.status_code, extra=fields
            )
            if response.status_code == 403:
                security_logger.warning(
                    "access refused",
                    extra={
                        **fields,
                        "username": known_username(request),
                        "reason": getattr(request, "refused_because", "forbidden"),
                    },
                )
            return response
        finally:
            REQUEST_ID.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            request.refused_because = str(exception) or "forbidden"


def safe_path(path: str) -> str:
    return SECRET_IN_PATH.sub(r"\1…/…/", path)


def _loaded_user(request):
    """The request's user if it was already looked up; never a database query of its own."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user if user.is_authenticated else None


def known_user_id(request):
    user = _loaded_user(request)
    return user.pk if user else None


def known_username(request):
    user = _loaded_user(request)
    return user.get_username() if user else None


def client_ip(request) -> str | None:
    """The client's address, after ``TRUSTED_PROXY_COUNT`` proxies' X-Forwarded-For."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if len(addresses) >= count:
            return addresses[-count]
    return request.META.get("REMOTE_ADDR")
