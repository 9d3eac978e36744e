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

__all__ = ["PAGE_POLICY", "server_error_page", "templates"]

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


# The HTML pages by the start of their path, each with its error page.
_ERROR_PAGES = (("/review", "review/error.html"), ("/contracts", "portal/error.html"))


def server_error_page(path: str, method: str, request_id: str) -> bytes | None:
    """The Chinese page of an unexpected error on an HTML page (its request id shown, to be quoted to support), or
    None for a path of the JSON API. Nothing was changed: the unit of work rolled back."""
    for prefix, template in _ERROR_PAGES:
        if path == prefix or path.startswith(prefix + "/"):
            html = templates.get_template(template).render(
                title="服务器内部错误",
                message=f"服务器内部错误，本次操作未能完成，请稍后重试。如问题持续，请向管理员提供请求编号 {request_id}。",
                violations=[], code="internal_error", back=None, user=None, notice=None, changed_nothing=method == "POST",
            )  # fmt: skip
            return html.encode("utf-8")
    return None
