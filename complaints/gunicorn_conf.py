"""gunicorn settings: `gunicorn -c python:complaints.gunicorn_conf wsgi:app`.

The access log leaves out the client address and user agent (DESIGN §4): only time, request
line without the query string, status, size and duration.
"""

from __future__ import annotations

import os

bind = os.environ.get("COMPLAINTS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("COMPLAINTS_WORKERS", "2"))
threads = int(os.environ.get("COMPLAINTS_THREADS", "4"))
timeout = 300  # slow mobile uploads of evidence files
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("COMPLAINTS_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 4094
