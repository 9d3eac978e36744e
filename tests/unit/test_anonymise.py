"""The public contract names no person the case knows, wherever the name appears; organisations stay as they are."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation.documents import render_html
from negotiation.documents.anonymise import PERSON_MASK, known_persons, mask_persons
from negotiation.documents.context import PublicContractContext
from negotiation.documents.samples import sample_context


def _public_fields(**changes: Any) -> dict[str, Any]:
    """The fields of the Xi'an sample's public contract, as plain data, with the case's parts changed."""
    fields = sample_context("contract").model_dump(mode="json")
    fields.pop("kind")
    fields["publication"] = {"published_on": "2027-01-20", "channels": ["app"]}
    fields["case"].update(changes)
    return fields


def test_representatives_chiefs_and_signatories_are_masked_everywhere_but_organisations_stay() -> None:
    fields = _public_fields(title="西安市快递行业集体合同（张建国牵头）")
    persons = known_persons(fields)
    assert "张建国" in persons and "陈志强" in persons and len(persons) >= 4
    context = PublicContractContext.model_validate(fields)
    dumped = json.dumps(context.model_dump(mode="json"), ensure_ascii=False)
    for name in persons:
        assert name not in dumped, name
    assert context.case.title == f"西安市快递行业集体合同（{PERSON_MASK}牵头）"
    assert {r.name for r in context.case.worker_representatives} == {PERSON_MASK}
    assert {s.signatory for s in context.signatures} == {PERSON_MASK}
    assert context.case.parties == sample_context("contract").case.parties  # organisation names untouched
    html = render_html("public_contract", context, standalone=False)
    assert f"首席代表：{PERSON_MASK}" in html and "西安市快递行业工会联合会" in html
    for name in persons:
        assert name not in html, name


def test_an_organisation_that_bears_a_persons_name_keeps_it_and_a_one_character_name_masks_only_its_field() -> None:
    fields = _public_fields()
    fields["case"]["parties"]["union"] = "张建国劳模创新工作室工会"
    fields["case"]["worker_representatives"][1]["name"] = "西"  # the title holds 西 (西安市…)
    masked = mask_persons(fields)
    assert masked["case"]["parties"]["union"] == "张建国劳模创新工作室工会"
    assert masked["case"]["worker_representatives"][1]["name"] == PERSON_MASK
    assert masked["case"]["rules"] == fields["case"]["rules"]  # the law is never rewritten
    assert masked["case"]["title"] == fields["case"]["title"]  # a one-character name is not looked for in text


NAMES = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4)


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(worker=NAMES, employer=NAMES, signatory=NAMES, before=st.text(max_size=8), after=st.text(max_size=8))
def test_no_known_persons_name_survives_in_a_public_contract(
    worker: str, employer: str, signatory: str, before: str, after: str
) -> None:
    fields = _public_fields(title=f"合同{before}{worker}{after}{employer}")
    fields["case"]["worker_representatives"][0]["name"] = worker
    fields["case"]["employer_representatives"][0]["name"] = employer
    fields["signatures"][0]["signatory"] = signatory
    context = PublicContractContext.model_validate(fields)
    dumped = context.model_dump(mode="json")
    dumped["case"].pop("parties")
    dumped["case"].pop("rules")
    dumped["vote"].pop("per_enterprise")
    text = json.dumps(dumped, ensure_ascii=False)
    for name in (worker, employer, signatory):
        assert name not in text, name
