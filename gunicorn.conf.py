"""gunicorn's settings for `make serve` and the systemd unit in the README ("In production").

Every value can be changed with an environment variable, e.g. WEB_CONCURRENCY=4.
"""

import multiprocessing
import os

# Behind nginx on the same machine; nginx terminates HTTPS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Django is CPU-bound here: two workers per core, plus one to cover a worker waiting on I/O.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request busy longer than this has hung: its worker is replaced (pages answer in well under
# a second; the big exports stream, and each chunk resets nothing, so keep this generous).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in any library can never grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# The app's own request log (aktive.middleware.RequestLogMiddleware) is the access log: one
# JSON line per request with its id, user id, status and time, and with reset tokens masked.
# gunicorn's access log would print paths unmasked; turn it on only for debugging.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "false") == "true" else None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the local nginx.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Worker heartbeats in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
