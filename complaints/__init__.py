"""The municipal whistleblower channel: a Flask application built by :func:`create_app`."""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask

from complaints import assets, config, db, errors, form_html, i18n, security, site


def _init_requested() -> bool:
    """`flask init` must run before secrets exist, since it is what writes them."""
    return "init" in sys.argv[1:3] or "init" in sys.argv[2:4]


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: configuration layers, database, security, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="static",
    )
    config.load(app, test_config)
    if not _init_requested():
        config.require_secrets(app)
    config.require_safe_costs(app)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    site.init_app(app)
    assets.init_app(app)
    form_html.init_app(app)
    _register_blueprints(app)
    from complaints import cli

    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """The whole URL map in one place: prefixes are set here, not in the blueprints."""
    from complaints.admin import blueprint as admin
    from complaints.followup import blueprint as followup
    from complaints.public import blueprint as public
    from complaints.staff import blueprint as staff

    app.register_blueprint(assets.blueprint, url_prefix="/assets")
    app.register_blueprint(public)
    app.register_blueprint(followup, url_prefix="/follow-up")
    app.register_blueprint(staff, url_prefix="/staff")
    app.register_blueprint(admin, url_prefix="/admin")
