"""The floor: a bare Flask + SQLAlchemy report endpoint with none of the protection.

GET /report renders a Jinja form with the same fields as the real one; POST /report reads the
multipart body, writes any file to disk as it came, inserts one plaintext row and answers with a
page holding a random number. No CSRF, no encryption, no receipt stretch, no audit, no limits:
what is left when every protection is taken away, served by the same gunicorn settings, so the
benchmark can say what the protection costs as a ratio.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, render_template_string, request
from sqlalchemy import Integer, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

FIELDS = ("category", "department", "accused_name", "incident_date", "location", "description", "amount")
FORM = """<!doctype html><html lang="th"><head><meta charset="utf-8"><title>แจ้งเบาะแส</title>
<link rel="stylesheet" href="/static/site.css"></head><body><main><h1>แจ้งเบาะแสการทุจริต</h1>
<form method="post" enctype="multipart/form-data" action="/report">
<input type="hidden" name="csrf_token" value="{{ token }}">
{% for name in fields %}<div class="field"><label for="{{ name }}">{{ name }}</label>
<p class="hint" id="{{ name }}-hint">{{ name }}</p>
{% if name == "description" %}<textarea id="{{ name }}" name="{{ name }}" rows="8"></textarea>
{% else %}<input id="{{ name }}" name="{{ name }}" type="text">{% endif %}</div>{% endfor %}
<fieldset><legend>disclosure</legend>{% for value in ("anonymous", "confidential") %}
<div class="check"><input type="radio" id="d-{{ value }}" name="disclosure" value="{{ value }}">
<label for="d-{{ value }}">{{ value }}</label></div>{% endfor %}</fieldset>
<div class="check"><input type="checkbox" id="consent" name="consent" value="y">
<label for="consent">consent</label></div>
<input type="file" name="attachments" multiple><button type="submit">ส่ง</button></form>
</main></body></html>"""
RECEIPT = """<!doctype html><html lang="th"><head><meta charset="utf-8"><title>รับเรื่องแล้ว</title></head>
<body><main><h1>รับเรื่องแล้ว</h1><p id="receipt">{{ number }}</p></main></body></html>"""


class Base(DeclarativeBase):
    pass


class BareReport(Base):
    __tablename__ = "bare_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    files: Mapped[str] = mapped_column(Text, default="")


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_pre_ping=True)
    Base.metadata.create_all(engine)
    uploads = Path(os.environ["BARE_UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.get("/report")
    def form() -> str:
        return render_template_string(FORM, fields=FIELDS, token=secrets.token_urlsafe(32))

    @app.post("/report")
    def file() -> str:
        names = []
        for upload in request.files.getlist("attachments"):
            name = secrets.token_hex(16)
            upload.save(uploads / name)
            names.append(name)
        with Session(engine) as db:
            db.add(
                BareReport(
                    category=request.form.get("category", ""),
                    department=request.form.get("department", ""),
                    description=request.form.get("description", ""),
                    files=",".join(names),
                )
            )
            db.commit()
        number = " ".join(f"{secrets.randbelow(10**4):04d}" for _ in range(5))
        return render_template_string(RECEIPT, number=number)

    return app


app = create_app()
