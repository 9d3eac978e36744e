"""The review page shows each clause as the contract will print it (api/review/clauses.py): every topic's chapter
renders from the contract templates with the rules the contract states, never falling back to bare figures."""

from __future__ import annotations

import logging
import re

import pytest

from api.review.clauses import render_clauses
from negotiation.rules import document_rules, profile_for_region
from negotiation.topics import TOPIC_REGISTRY

TOPICS = [t.key for t in TOPIC_REGISTRY]
TERMS = {k: v for t in TOPIC_REGISTRY for k, v in t.example.items()}


@pytest.mark.parametrize("sector", ["express_delivery", "ride_hailing"])
def test_every_topic_renders_as_contract_text_with_its_rules(sector: str, caplog: pytest.LogCaptureFixture) -> None:
    case = {"region_code": "610100", "sector": sector, "kind": "comprehensive", "topics": TOPICS}
    draft = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": TERMS}
    with caplog.at_level(logging.ERROR, logger="negotiation.review"):
        clauses = render_clauses(case, draft)
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    for key in TOPICS:
        assert "第" in clauses[key] and "条" in clauses[key], (key, clauses[key])
    stated = document_rules("comprehensive", profile_for_region("610100"), "610100")
    assert re.search("每周至少休息[一二三四五六七八九十]+日（", clauses["rest_leave"]), clauses["rest_leave"]
    assert stated["weekly_rest"]["citation"] in clauses["rest_leave"]
    assert stated["deduction_cap_pct"]["citation"] in clauses["rewards_penalties"]
