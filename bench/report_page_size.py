"""Weigh the report page as a phone downloads it: `python bench/report_page_size.py`.

Prints the bytes of the HTML of /report (Thai and English) plus every stylesheet it links,
uncompressed and gzipped. There are no images, fonts or scripts to add.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from complaints import create_app, crypto

TARGET_BYTES = 40 * 1024


def main() -> None:
    instance = Path(tempfile.mkdtemp(prefix="complaints-size-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": crypto.random_token(32),
            "RECEIPT_LOOKUP_SECRET": crypto.random_token(32),
            "SERVER_DATA_SECRET": crypto.random_token(32),
            "DATABASE_URL": f"sqlite:///{instance / 'size.sqlite3'}",
        },
        instance_path=str(instance),
    )
    client = app.test_client()
    for language in ("th", "en"):
        client.get(f"/lang/{language}")
        page = client.get("/report").data
        if b"<script" in page or b"<img" in page:
            raise SystemExit("the report page now loads a script or an image: weigh those too")
        sizes = {"HTML": (len(page), len(gzip.compress(page)))}
        for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', page):
            with client.get(href.decode()) as css:
                sizes[href.decode()] = (len(css.data), len(gzip.compress(css.data)))
        total = sum(raw for raw, _ in sizes.values())
        total_gzip = sum(packed for _, packed in sizes.values())
        print(f"/report ({language})")
        for name, (raw, packed) in sizes.items():
            print(f"  {name:<22} {raw:>7,} bytes   gzip {packed:>6,} bytes")
        verdict = "within" if total < TARGET_BYTES else "OVER"
        print(
            f"  {'total':<22} {total:>7,} bytes   gzip {total_gzip:>6,} bytes   ({verdict} the 40 KB target)"
        )


if __name__ == "__main__":
    main()
