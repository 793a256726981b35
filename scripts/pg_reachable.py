"""Exit 0 if the PostgreSQL server in the given URL answers, 1 if not."""

import sys
from urllib.parse import urlparse

import psycopg

url = urlparse(sys.argv[1])
try:
    psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.path.lstrip("/") or "postgres",
        connect_timeout=3,
    ).close()
except psycopg.OperationalError as exc:
    sys.stderr.write(f"PostgreSQL not reachable: {exc}".strip() + "\n")
    sys.exit(1)
