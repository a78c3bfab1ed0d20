"""Patients read English or Spanish: which language a page is in, and the words of data in that language.

Pages, forms and messages are translated with Flask-Babel from the gettext catalogs in
screening/translations/ (English is the source language: its catalog is the msgids
themselves). The questionnaire definitions and the rules are data in English; their
patient-facing words are extracted to the same catalog (see babel.cfg), and translated here
when a page shows them, so the definition file stays the one source of truth.

Staff pages stay in English whatever the browser asks for.
"""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale, gettext
from jinja2 import pass_context
from jinja2.runtime import Context

from . import questionnaire as q

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
# Each language named in itself, for the switch.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Blueprints whose pages patients read; every other page (staff, admin, sign-in) is in English.
PATIENT_BLUEPRINTS = {"patient", "diary", None}  # None: an address no view answers (a patient's 404)
SESSION_KEY = "language"
NO_KEPT_LANGUAGE_KEY = "draft_without_language"  # the draft (a prefix of its id) found with no language kept

babel = Babel()


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "translate later")
    """Marks a string for the catalog where it is defined; it is translated where it is shown."""
    return message


# Words defined outside the extracted files, for the catalog: the FHIR Questionnaire's title (screening/fhir.py).
EXTRA_MESSAGES = (N_("Medial branch block screening"),)


def select_locale() -> str:
    """The patient's choice in this visit, else the choice kept with their draft, else the browser's."""
    if not has_request_context() or request.blueprint not in PATIENT_BLUEPRINTS:
        return DEFAULT_LANGUAGE
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    from .db import get_db  # the draft's language, when the visit has none of its own yet
    from .patient import drafts

    token = request.cookies.get(drafts.COOKIE_NAME)
    # A draft found without a language keeps none for the rest of the visit: only this browser holds it, and
    # only the switch (which sets the visit's choice) gives it one. Not asked again on every page.
    unkept = drafts.draft_id(token)[:16] if token and len(token) <= 64 else None
    if unkept and session.get(NO_KEPT_LANGUAGE_KEY) != unkept:
        try:
            kept = drafts.language(get_db(), token)
        except sqlite3.Error:  # a page about a storage fault must still be readable: the browser's language
            kept = None
        else:
            if kept in LANGUAGES:
                session[SESSION_KEY] = kept  # for the rest of the visit, without asking the database again
                return kept
            session[NO_KEPT_LANGUAGE_KEY] = unkept
    return request.accept_languages.best_match(LANGUAGES, DEFAULT_LANGUAGE)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


# Grammar a catalog cannot express: Spanish says "a la 1" but "a las 2" (one o'clock is singular).
_ONE_OCLOCK = re.compile(r"\blas 1(?=[:\s\u202f\xa0])")


def fix_grammar(text: str, language: str) -> str:
    return _ONE_OCLOCK.sub("la 1", text) if language == "es" else text


@cache
def catalog(language: str) -> NullTranslations:
    """The compiled catalog of `language`, outside any request (the FHIR export reads every language)."""
    return Translations.load(str(TRANSLATIONS), [language])


def page_catalog() -> NullTranslations:
    """The compiled catalog of the page's language (or of the one `force_locale` chose)."""
    locale = get_locale()
    return catalog(str(locale) if locale else DEFAULT_LANGUAGE)


CATALOG_KEY = "_page_catalog"


def _catalog_of(context: Context) -> NullTranslations:
    return context.get(CATALOG_KEY) or page_catalog()


def translate(message: str, language: str | None = None) -> str:
    """Data's words (a definition's, a rule's) in the page's language, or `language`; unchanged if unknown."""
    if not message:
        return message
    return gettext(message) if language is None else catalog(language).gettext(message)


@cache
def _definition(version: str, language: str) -> q.Definition:
    english = q.definition(version)
    if language == DEFAULT_LANGUAGE:
        return english
    return english.translated(catalog(language).gettext)


def definition(version: str | None = None, language: str | None = None) -> q.Definition:
    """A questionnaire version (the current one by default) with its patient-facing words in the language."""
    return _definition(version or q.CURRENT_VERSION, language or current_language())


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    # Flask-Babel's template functions look up domain, locale and cache for every string (a patient page has
    # dozens: a quarter of rendering one). These read the catalog that the context processor below puts in the
    # page's context as it is rendered (inside force_locale, the forced one); a macro imported without the
    # page's context looks it up.
    app.jinja_env.install_gettext_callables(
        gettext=pass_context(lambda ctx, message: _catalog_of(ctx).ugettext(message)),
        ngettext=pass_context(lambda ctx, singular, plural, n: _catalog_of(ctx).ungettext(singular, plural, n)),
        pgettext=pass_context(lambda ctx, context, message: _catalog_of(ctx).upgettext(context, message)),
        npgettext=pass_context(
            lambda ctx, context, singular, plural, n: _catalog_of(ctx).unpgettext(context, singular, plural, n)
        ),
        newstyle=True,
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # msgids without the template's line breaks
    app.add_template_filter(translate, "t")

    @app.context_processor
    def language_context() -> dict:
        return {"current_language": current_language(), "language_names": LANGUAGE_NAMES, CATALOG_KEY: page_catalog()}
