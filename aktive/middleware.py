import ipaddress
import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponse
from django.utils import translation
from django.utils.functional import empty

from aktive.logging import REQUEST_ID
from aktive.views import error_page

logger = logging.getLogger("aktive.requests")
security_logger = logging.getLogger("aktive.security")

# An id from the reverse proxy is kept (so nginx's and our lines match) if it looks like one.
INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Password reset links carry a token that lets anyone holding it set the password.
SECRET_IN_PATH = re.compile(r"^(/accounts/reset/)[^/]+/[^/]+/")


class RequestBodyLimitMiddleware:
    """Refuse a request body above ``MAX_REQUEST_BODY_BYTES`` (413) before anything reads it.

    Nothing is parsed, written to a temporary file or authenticated before this check, so an
    anonymous 150 MB upload costs nothing but its headers. A body without a length (chunked)
    is refused too (411): Django reads only ``Content-Length`` bytes of a body, so it would
    otherwise see an empty form. nginx in front sends a length anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if not length and request.META.get("HTTP_TRANSFER_ENCODING"):
            return HttpResponse(error_page("411.html"), status=411)
        if length:
            try:
                size = int(length)
            except ValueError:
                raise BadRequest("Content-Length is not a number") from None
            if size < 0:
                raise BadRequest("Content-Length is negative")
            if size > settings.MAX_REQUEST_BODY_BYTES:
                megabytes = settings.MAX_REQUEST_BODY_BYTES // (1024 * 1024)
                return HttpResponse(error_page("413.html", max_mb=megabytes), status=413)
        return self.get_response(request)


class OddInputMiddleware:
    """Refuse (400, Norwegian page) input that no page of the portal can use.

    A NUL character in the path, the query string, a form field, a cookie or a header:
    PostgreSQL cannot store or compare text holding one (psycopg refuses it), so any lookup
    with it fails. One check here, before any view, session or login reads the request,
    instead of one per page. Form fields refuse it already (Django's
    ``ProhibitNullCharactersValidator``); query strings, cookies and what django-axes stores
    of a failed login (user agent, path) were the gaps.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in text for text in request_texts(request)):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


def request_texts(request):
    """Every name and value the client sent in headers, cookies, query string and form."""
    yield from (value for key, value in request.META.items() if key.startswith("HTTP_"))
    yield from request.COOKIES
    yield from request.COOKIES.values()
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)  # parsed once; views read the same QueryDict
    for source in sources:
        for name, values in source.lists():
            yield name
            yield from values


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
    """The client's address, after ``TRUSTED_PROXY_COUNT`` proxies' X-Forwarded-For.

    Only a valid IPv4 or IPv6 address is returned (django-axes stores it in an address column,
    the log prints it): when the entry our proxies vouch for is anything else, the address of
    the proxy that sent the request is used; None if there is no valid address at all.

    Not django-ipware: its ``proxy_count`` counts the proxies listed in the header and, when a
    client prepends a forged entry, answers with the proxy's own address (tried with 8.0);
    the N-th entry from the right is the one our own proxies wrote, which no client can forge.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if len(addresses) >= count and (address := valid_ip(addresses[-count])):
            return address
    return valid_ip(request.META.get("REMOTE_ADDR", ""))


# django-axes keeps the username of a failed login in a column of 255 characters.
AXES_USERNAME_LENGTH = 255


def login_username(request, credentials: dict | None) -> str | None:
    """The username django-axes records for a login, as it would, cut to fit its column.

    Django's login form lets any length through to authentication; no account's name is longer
    than 150 characters, so the cut merges only names that cannot log in anyway.
    """
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username")
    return username[:AXES_USERNAME_LENGTH] if isinstance(username, str) else username


def valid_ip(text: str) -> str | None:
    """``text`` as a normalised IP address, or None if it is not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A zone (fe80::1%eth0) names an interface of the proxy's machine: not the client's.
    return str(address).split("%", 1)[0]
