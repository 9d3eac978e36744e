"""A draft's clauses as they will read in the contract, rendered from the contract templates topic by topic."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import jinja2
from markupsafe import Markup

from negotiation.documents.html import environment_for
from negotiation.rules import RULES, document_rules, profile_for_region
from negotiation.topics import TOPIC_REGISTRY

__all__ = ["GENERAL_ARTICLES", "render_clauses"]

log = logging.getLogger("negotiation.review")

# The articles of the 总则 chapter that precede the topics in contract_templates/contract/body.html, so that the
# article numbers on the page are those of the contract.
GENERAL_ARTICLES = 5

_TOPIC = (
    '{% import "_base/labels.html" as L %}{% import "_base/macros.html" as M %}'
    '{% from "contract/articles.html" import article %}'
    "{% set n = namespace(c=0, a=first) %}"
    "{% include template %}"
    "{% set counter.a = n.a %}"
)
_TERM = '<p class="clause">本合同期限自{{ start|cn_date }}起至{{ end|cn_date }}止（{{ citation }}）。</p>'


def render_clauses(case: dict[str, Any], draft: dict[str, Any]) -> dict[str, Markup]:
    """Topic key (and `term`) → the clause HTML; a topic the templates cannot render falls back to its figures."""
    env = environment_for(case["region_code"], case["sector"])
    # The rules and facts as the contract states them (the chapters read both `rules` and `case.rules`).
    rules = document_rules(case["kind"], profile_for_region(case["region_code"]), case["region_code"])
    terms = draft["terms"]
    counter = jinja2.utils.Namespace(a=GENERAL_ARTICLES)
    out: dict[str, Markup] = {}
    for topic in (t for t in TOPIC_REGISTRY if t.key in case["topics"]):
        try:
            html = env.from_string(_TOPIC).render(
                template=topic.template, terms=terms, rules=rules, case={**case, "rules": rules}, first=counter.a, counter=counter
            )
            out[topic.key] = Markup(html.strip())
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError):
            log.exception("the contract template of %s did not render; showing the figures instead", topic.key)
            out[topic.key] = Markup("")
    out["term"] = Markup(
        env.from_string(_TERM).render(
            start=date.fromisoformat(draft["term_start"]),
            end=date.fromisoformat(draft["term_end"]),
            citation=RULES["R18"].citation,
        )
    )
    return out
