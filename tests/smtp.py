"""A real SMTP server for the tests (aiosmtpd on loopback), which may refuse before it accepts."""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every message it accepts; answers ``451`` to the first ``refuse`` messages."""

    def __init__(self, refuse: int = 0):
        self.refuse = refuse
        self.refused = 0
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refused < self.refuse:
                self.refused += 1
                return "451 4.3.0 Try again later"
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self, settings, refuse: int = 0):
        self.handler = Recorder(refuse)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())
        self.settings = settings

    def __enter__(self) -> Recorder:
        self.controller.start()
        self.settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        self.settings.EMAIL_HOST = "127.0.0.1"
        self.settings.EMAIL_PORT = self.controller.port
        self.settings.EMAIL_HOST_USER = ""
        self.settings.EMAIL_HOST_PASSWORD = ""
        self.settings.EMAIL_USE_TLS = False
        self.settings.EMAIL_USE_SSL = False
        self.settings.EMAIL_TIMEOUT = 5
        return self.handler

    def __exit__(self, *exc):
        self.controller.stop()
