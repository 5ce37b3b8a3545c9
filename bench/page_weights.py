"""Weigh every public page as a phone downloads it: `python bench/page_weights.py`.

Every page a citizen can reach without logging in (each GET route of the app that needs no URL
argument and answers HTML), in Thai and in English, plus the two a reporter sees after filing: the
receipt page and the follow-up case page. For each: the HTML, and the HTML with every stylesheet
it links (what a first visit downloads; one stylesheet serves every page and is cached after),
uncompressed and gzipped. Goal: every page's HTML ≤ 25 KB.
No public page may load a script, an image or a web font; the benchmark stops if one does.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from bench.liveserver import RECEIPT, Client, Server, gunicorn, report_fields
from bench.results import record
from complaints import create_app, crypto

GOAL_BYTES = 25 * 1024
STYLESHEET = re.compile(rb'<link rel="stylesheet" href="([^"]+)"')


def _app(instance: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": crypto.random_token(32),
            "RECEIPT_LOOKUP_SECRET": crypto.random_token(32),
            "SERVER_DATA_SECRET": crypto.random_token(32),
            "DATABASE_URL": f"sqlite:///{instance / 'size.sqlite3'}",
        },
        instance_path=str(instance),
    )


def _public_paths(app: Flask) -> list[str]:
    """GET routes with no URL argument outside the staff and admin sides."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and rule.endpoint.split(".")[0] in ("public", "followup")
    )


def _weigh(client: Client, page: bytes) -> tuple[int, int, int, int]:
    """(HTML, HTML gzip, with stylesheets, with stylesheets gzip) in bytes."""
    if b"<script" in page or b"<img" in page or b"@font-face" in page:
        raise SystemExit("a public page now loads a script, an image or a font: weigh those too")
    total, total_gzip = len(page), len(gzip.compress(page))
    for href in STYLESHEET.findall(page):
        css = client.get(href.decode())[1].encode()
        total += len(css)
        total_gzip += len(gzip.compress(css))
    return len(page), len(gzip.compress(page)), total, total_gzip


def _reporter_pages(client: Client) -> dict[str, bytes]:
    """The receipt page of a text-only report, and the follow-up case page it opens."""
    client.get("/report")
    status, answer, _ = client.post_multipart("/report", report_fields(client.last_token), [])
    found = RECEIPT.search(answer)
    if status != 200 or found is None:
        raise SystemExit(f"the benchmark report was refused ({status}); update its fields")
    client.get("/follow-up")
    client.post_multipart("/follow-up", {"csrf_token": client.last_token, "receipt": found.group(1)}, [])
    return {
        "/report (receipt)": answer.encode(),
        "/follow-up/case": client.get("/follow-up/case")[1].encode(),
    }


def _pages(server: Server, paths: list[str], language: str) -> dict[str, bytes]:
    """Every public HTML page answering 200 in ``language``, then the reporter's two."""
    client = Client(server)
    client.get(f"/lang/{language}")
    pages = {}
    for path in paths:
        status, body = client.get(path)
        if status == 200 and body.lstrip().lower().startswith("<!doctype html"):
            pages[path] = body.encode()
    return {**pages, **_reporter_pages(client)}


def main() -> None:
    paths = _public_paths(_app(Path(tempfile.mkdtemp(prefix="complaints-size-"))))
    heaviest = first_visit = 0
    print("| page | language | HTML | gzip | with stylesheets | gzip |")
    print("|---|---|---:|---:|---:|---:|")
    with gunicorn({}, workers=1, threads=2) as server:
        for language in ("th", "en"):
            client = Client(server)
            for path, page in _pages(server, paths, language).items():
                html, html_gzip, total, total_gzip = _weigh(client, page)
                heaviest, first_visit = max(heaviest, html), max(first_visit, total)
                print(f"| {path} | {language} | {html:,} | {html_gzip:,} | {total:,} | {total_gzip:,} |")
    verdict = "within" if heaviest <= GOAL_BYTES else "OVER"
    print(f"\nheaviest public page: {heaviest:,} bytes of HTML ({verdict} the 25 KB goal)")
    print(f"heaviest first visit (HTML and stylesheets): {first_visit:,} bytes")
    record("pages.heaviest_html", heaviest / 1024, "KiB")
    record("pages.heaviest_first_visit", first_visit / 1024, "KiB")


if __name__ == "__main__":
    main()
