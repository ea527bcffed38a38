"""gunicorn settings for serving the dashboard to more than one person::

    gunicorn -c python:dashboard.gunicorn_conf 'dashboard.app:server()'

Loopback only by default (put a TLS-terminating reverse proxy in front; ``-b 0.0.0.0:8050`` on the
command line overrides ``bind``), ``ECONSEC_WORKERS`` worker processes (default 2), no access log
unless asked for (``--access-logfile -``), and timeouts that drop a stuck worker or a slow client.
gunicorn sends ``Server: gunicorn`` with no version; the app adds the security headers itself
(``dashboard/security.py``).
"""

from __future__ import annotations

from econsec import settings

bind = ["127.0.0.1:8050"]
workers = settings.workers()
worker_class = "gthread"  # threads: a slow callback does not hold a whole worker's socket
threads = 4
timeout = 60  # a worker silent this long is restarted (the slowest callback takes a few seconds)
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190  # gunicorn's default, kept explicit: long URLs are refused, not parsed
limit_request_fields = 100
accesslog = None  # access logs would hold every URL (and a ?token= link): off unless asked for
errorlog = "-"
loglevel = (settings.raw("ECONSEC_LOG_LEVEL") or "INFO").lower()
proc_name = "econsec"
#: Each worker imports the app itself: the store's connections and caches are never shared across a fork.
preload_app = False
control_socket_disable = True  # no admin socket in $HOME (and no clash between two instances)
forwarded_allow_ips = "127.0.0.1,::1"  # X-Forwarded-* trusted from a proxy on this machine only


def post_worker_init(worker) -> None:  # noqa: ANN001 - a gunicorn worker
    """Each worker has made its app: import the view modules and open the store's tables in the background
    (:func:`dashboard.app.start_warmup`), so its first page content does not pay for them."""
    from dashboard.app import start_warmup

    start_warmup(worker.wsgi)  # the Flask server that dashboard.app:server() made
