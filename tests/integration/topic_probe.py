"""A throw-away topic end to end; run by test_add_a_topic.py in a copy of the repository that has it added.

Not collected on its own (its name does not start with `test_`): in the real repository the topic does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from pydantic import ValidationError

import negotiation
from negotiation.documents.html import render_html
from negotiation.documents.samples import sample_context
from negotiation.terms import TOPICS, Terms
from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import expect_error, new_flow
from tests.integration.test_review_sessions import _sign_in

KEY, TITLE = "skill_training", "职业技能培训"
SECTION = {"hours_per_year": 16, "paid_by": "shared"}
ARTICLE = "每人每年不少于24学时，培训费用由平台企业承担"


def test_this_is_the_copy_with_the_topic_added() -> None:
    assert Path(negotiation.__file__).resolve().parents[1] == Path(__file__).resolve().parents[2]
    assert TOPICS.index(KEY) == TOPICS.index("labour_protection") + 1


def test_the_terms_take_the_new_section_and_check_its_fields() -> None:
    terms = Terms.model_validate({**TERMS, KEY: SECTION})
    assert getattr(terms, KEY).hours_per_year == 16 and KEY in terms.present_topics()
    with pytest.raises(ValidationError):
        Terms.model_validate({KEY: {"hours_per_year": 16}})


def test_the_api_offers_and_takes_the_topic_and_its_terms(world: World) -> None:
    enum = world.client.get("/openapi.json").json()["components"]["schemas"]["CaseCreate"]["properties"]["topics"]
    assert enum["items"]["enum"] == list(TOPICS)
    flow = new_flow(world, topics=["piece_rates", "pay_method", "rest_leave", KEY])
    flow.to_consulting()
    missing = _post_draft(flow, TERMS)
    expect_error(missing, 422, "validation_error", paths={f"terms.{KEY}"}, message_has=f"本案协商议题「{TITLE}」须在条款中列明")
    low = _post_draft(flow, {**TERMS, KEY: {**SECTION, "hours_per_year": 2}})
    expect_error(low, 422, "rule_violation", rules={"R22"}, paths={f"terms.{KEY}.hours_per_year"})
    first = flow.draft({**TERMS, KEY: SECTION})
    assert first["terms"][KEY] == SECTION
    second = flow.draft({**TERMS, KEY: {"hours_per_year": 24, "paid_by": "platform"}})
    _sign_in(world.client, world.tokens["union"])
    page = world.client.get(f"/review/cases/{flow.id}/drafts/{second['version']}")
    assert page.status_code == 200, page.text
    shown = (TITLE, ARTICLE, "每年技能培训（学时） 16 → 24", "培训费用承担方 平台企业与用工企业共同 → 平台企业")
    for text in shown:
        assert text in page.text, text
    form = world.client.get(f"/review/cases/{flow.id}/drafts/new")  # the draft form has the topic's section
    assert form.status_code == 200, form.text
    for text in (f"<legend>{TITLE}</legend>", "每年技能培训（学时）", f'name="terms.{KEY}.hours_per_year" value="24"',
                 f'name="terms.{KEY}.paid_by"', "平台企业与用工企业共同"):  # fmt: skip
        assert text in form.text, text


def test_the_sample_contract_has_the_chapter_in_the_topics_place() -> None:
    html = render_html("contract", sample_context("contract", "xian_express"))
    chapters = re.findall(r"<h2>第[一二三四五六七八九十]+章\u3000([^<]+)</h2>", html)
    assert chapters.index(TITLE) == chapters.index("劳动保护") + 1 == chapters.index("保险福利") - 1
    assert "每人每年不少于16学时，培训费用由平台企业承担" in html


def _post_draft(flow: Flow, terms: dict[str, Any]) -> Response:
    return flow.client.post(
        f"/api/v1/cases/{flow.id}/drafts",
        json={"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": terms},
        headers=flow.headers["union"],
    )
