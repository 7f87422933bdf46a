"""Signal receivers, connected in ``AktiveConfig.ready()``."""

import logging

from aktive.middleware import client_ip, safe_path

security_logger = logging.getLogger("aktive.security")


def log_failed_login(sender, credentials, request=None, **kwargs):
    """Every failed login, with the username tried (never the password)."""
    security_logger.warning(
        "login failed",
        extra={
            "username": credentials.get("username"),
            "ip": client_ip(request) if request is not None else None,
            "path": safe_path(request.path) if request is not None else None,
        },
    )
