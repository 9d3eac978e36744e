"""The one Jinja2 environment of the HTML pages, review (api/review) and portal (api/portal): the templates under
api/templates, escaped and strict (a name a template uses and no page gives is an error, not an empty string), with
the labels and vocabularies the pages show; and the content security policy both kinds of page carry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jinja2

from api.review.labels import CLAUSE_TITLES, DOCUMENT_KINDS, EVENT_LABELS, STATE_LABELS
from negotiation.documents.chinese import chinese_date
from negotiation.vocabularies import VOCABULARIES

__all__ = ["PAGE_POLICY", "templates"]

# Nothing but the page and its own stylesheet: no script, no frame, no form sent elsewhere.
PAGE_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["cn_date_iso"] = lambda iso: chinese_date(date.fromisoformat(iso))
templates.globals.update(
    STATE_LABELS=STATE_LABELS,
    EVENT_LABELS=EVENT_LABELS,
    CLAUSE_TITLES=CLAUSE_TITLES,
    DOCUMENT_KINDS=DOCUMENT_KINDS,
    WORDS=VOCABULARIES,
    SECTORS=VOCABULARIES["sectors"],
)
