"""Thai (default) and English: Babel catalogues, the language choice, and date display."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, current_app, g, request
from flask_babel import Babel, LazyString, get_locale, get_translations

from complaints.dates import format_day, format_time, zone_named

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The language from the `lang` cookie, else Thai."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    languages: list[str] = current_app.config["LANGUAGES"]
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


_TRANSLATIONS = "complaints_translations"


def translations() -> NullTranslations:
    """Flask-Babel's catalogue for the current locale, looked up once per request and locale.

    Flask-Babel looks it up again for every string (~8 µs; a form page shows ~100 strings).
    Keyed by the locale object itself, so ``force_locale`` (e-mails, the poster) is honoured.
    """
    if not g:
        outside: NullTranslations = get_translations()
        return outside
    locale = get_locale()
    cached = g.get(_TRANSLATIONS)
    if cached is not None and cached[0] is locale:
        found: NullTranslations = cached[1]
        return found
    found = get_translations()
    setattr(g, _TRANSLATIONS, (locale, found))  # g's attributes are free-form
    return found


def gettext(string: str, **variables: Any) -> str:
    """``flask_babel.gettext``, through the catalogue of :func:`translations`."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``flask_babel.lazy_gettext``: translated when shown, through :func:`gettext`."""
    return LazyString(gettext, string, **variables)


def _install_template_gettext(app: Flask) -> None:
    """Templates' ``_()`` and ``ngettext()`` through :func:`translations` (Jinja's i18n extension)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, num: translations().ungettext(singular, plural, num),
        newstyle=True,
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: translations().unpgettext(
            context, singular, plural, num
        ),
    )


def current_language() -> str:
    """``th`` or ``en`` for the current request."""
    locale = get_locale()
    return locale.language if locale is not None else "th"


def compile_catalogues(root: Path = TRANSLATIONS) -> None:
    """Merge every ``*.po`` of a language into its ``messages.mo`` when any is newer.

    Each area keeps its own ``.po`` file (core, public, staff, ...) so they can grow apart.
    """
    for messages_dir in root.glob("*/LC_MESSAGES"):
        sources = sorted(messages_dir.glob("*.po"))
        target = messages_dir / "messages.mo"
        if not sources:
            continue
        newest = max(source.stat().st_mtime for source in sources)
        if target.exists() and target.stat().st_mtime >= newest:
            continue
        merged = Catalog(locale=messages_dir.parent.name)
        for source in sources:
            with source.open("rb") as handle:
                for message in read_po(handle):
                    if message.id and message.string:
                        merged[message.id] = message
        try:
            with target.open("wb") as handle:
                write_mo(handle, merged)
        except OSError:
            current_app.logger.warning("could not write %s", target) if current_app else None


def localised_day(day: date | None, short: bool = False) -> str:
    """A date in the reader's language, Buddhist era for Thai; a stored timestamp is shown as the
    municipality's day (see :func:`complaints.dates.format_day`)."""
    return format_day(day, current_language(), short)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers; a ``TIMEZONE`` no system knows stops the start."""
    zone_named(str(app.config["TIMEZONE"]))
    compile_catalogues()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    _install_template_gettext(app)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.filters["day"] = localised_day
    app.jinja_env.filters["clock_time"] = format_time
