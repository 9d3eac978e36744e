"""The public contract portal: contracts in force only, found by a phrase of their text, without any person's name."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import EMPLOYERS, WORKERS, Flow, terms
from tests.integration.support import expect_error, nothing_changes

APPROVERS = ("employer_body", "ent1", "ent2")
# Every person the cases know: representatives of both sides (chiefs among them) and the signatories (tests/flows.py).
PERSONS = sorted({p["name"] for p in (*WORKERS, *EMPLOYERS)} | {"李建国", "张伟"})


@dataclass
class Portal:
    world: World
    older: Flow  # in force, published 2026-12-18, piece rate ¥1.50
    newer: Flow  # in force, published 2026-12-20, piece rate ¥1.65
    signed: Flow  # signed, not in force: piece rate ¥1.70
    reviewing: Flow  # under review: piece rate ¥1.80


def _flow(world: World, title: str) -> Flow:
    return Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body(title=title))


@pytest.fixture
def portal(world: World) -> Portal:
    older = _flow(world, "西安市快递行业集体合同（第一份）")
    older.to_in_force(APPROVERS, terms(rate="1.50"), published_on="2026-12-18")
    newer = _flow(world, "西安市快递行业集体合同（第二份）")
    newer.to_in_force(APPROVERS, terms(rate="1.65"), published_on="2026-12-20")
    signed = _flow(world, "西安市快递行业集体合同（已签字未生效）")
    signed.to_signed(APPROVERS, terms(rate="1.70"))
    reviewing = _flow(world, "西安市快递行业集体合同（审阅中）")
    reviewing.to_consulting()
    draft = reviewing.draft(terms(rate="1.80"))
    reviewing.event("union", "submit_draft", {"draft_version": draft["version"]})
    return Portal(world, older, newer, signed, reviewing)


def _ids(page_html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="portal-contract" data-case-id="(\d+)"', page_html)]


def test_the_portal_lists_only_contracts_in_force_newest_publication_first_without_sign_in(portal: Portal) -> None:
    client = portal.world.client
    page = client.get("/contracts")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert _ids(page.text) == [portal.newer.id, portal.older.id]
    assert "已签字未生效" not in page.text and "审阅中" not in page.text
    assert "2026年12月20日" in page.text and "快递行业" in page.text
    assert "cache-control" in page.headers and "no-store" not in page.headers["cache-control"]
    assert "script" not in page.text.lower()  # no script needed, none sent

    twin = client.get("/api/v1/public/contracts")
    assert twin.status_code == 200
    assert twin.json() == {
        "items": [
            {
                "id": portal.newer.id, "title": "西安市快递行业集体合同（第二份）", "sector": "express_delivery",
                "region_code": "610100", "term_start": "2027-01-01", "term_end": "2028-12-31", "published_on": "2026-12-20",
            },
            {
                "id": portal.older.id, "title": "西安市快递行业集体合同（第一份）", "sector": "express_delivery",
                "region_code": "610100", "term_start": "2027-01-01", "term_end": "2028-12-31", "published_on": "2026-12-18",
            },
        ],
        "next_cursor": None,
    }  # fmt: skip


def test_a_phrase_of_the_published_text_finds_the_contracts_that_hold_it_in_either_width(portal: Portal) -> None:
    client = portal.world.client
    assert _ids(client.get("/contracts", params={"q": "每件1.65元"}).text) == [portal.newer.id]
    assert _ids(client.get("/contracts", params={"q": "每件１．６５元"}).text) == [portal.newer.id]  # full-width
    assert _ids(client.get("/contracts", params={"q": "不得低于每件1.50元"}).text) == [portal.older.id]
    assert _ids(client.get("/contracts", params={"q": "计件单价"}).text) == [portal.newer.id, portal.older.id]
    # the draft under review and the signed contract are not public, their figures find nothing
    for phrase in ("每件1.80元", "每件1.70元", "已签字未生效"):
        page = client.get("/contracts", params={"q": phrase})
        assert page.status_code == 200 and _ids(page.text) == [] and 'data-testid="portal-empty"' in page.text
    # LIKE wildcards are plain characters here
    assert _ids(client.get("/contracts", params={"q": "%%"}).text) == []
    assert _ids(client.get("/contracts", params={"q": "每件1_65元"}).text) == []
    found = client.get("/api/v1/public/contracts", params={"q": "每件1.65元"}).json()
    assert [c["id"] for c in found["items"]] == [portal.newer.id]


def test_a_persons_name_finds_nothing_since_the_public_text_holds_none(portal: Portal) -> None:
    for name in PERSONS:
        assert portal.world.client.get("/api/v1/public/contracts", params={"q": name}).json()["items"] == []


def test_a_one_character_phrase_is_told_on_the_page_and_refused_by_the_api(portal: Portal) -> None:
    client = portal.world.client
    page = client.get("/contracts", params={"q": "单"})
    assert page.status_code == 200
    assert "检索词至少 2 个字" in page.text and _ids(page.text) == []
    expect_error(client.get("/api/v1/public/contracts", params={"q": "单"}), 422, "validation_error", paths={"q"})
    expect_error(client.get("/api/v1/public/contracts", params={"q": "  单  "}), 422, "validation_error", paths={"q"})
    assert len(client.get("/api/v1/public/contracts", params={"q": "  "}).json()["items"]) == 2  # blank: no filter
    page = client.get("/contracts", params={"q": "计件\x00单价"})
    assert page.status_code == 200 and "控制字符" in page.text
    for control in ("\x00", "\x1f", "\x7f", "\x85", "\x9f"):  # C0, DEL and C1
        expect_error(
            client.get("/api/v1/public/contracts", params={"q": f"计件{control}单价"}), 422, "validation_error", paths={"q"}
        )


def test_a_very_long_phrase_is_cut_on_the_page_and_refused_by_the_api(portal: Portal) -> None:
    client = portal.world.client
    long = "计件单价" + "长" * 5000
    page = client.get("/contracts", params={"q": long})
    assert page.status_code == 200 and "只按前 100 个字检索" in page.text and _ids(page.text) == []
    assert "长" * 101 not in page.text
    expect_error(client.get("/api/v1/public/contracts", params={"q": long}), 422, "validation_error", paths={"q"})
    assert _ids(client.get("/contracts", params={"q": "  计件单价  " + " " * 80}).text) == [portal.newer.id, portal.older.id]


def test_a_contract_page_shows_its_text_with_organisations_and_without_any_persons_name(portal: Portal) -> None:
    client = portal.world.client
    page = client.get(f"/contracts/{portal.newer.id}")
    assert page.status_code == 200
    text = page.text
    assert "西安市快递行业集体合同（第二份）" in text
    assert "快件派送的计件单价，不得低于每件1.65元" in text
    for org in ("西安市快递行业工会联合会", "西安市快递行业协会", "顺丰速运西安分公司", "中通快递西安分拨中心"):
        assert org in text
    assert "首席代表：×××" in text and "首席代表（签字）：×××" in text
    for name in PERSONS:
        assert name not in text, name
    assert f'href="/contracts/{portal.newer.id}/pdf"' in text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    css = client.get("/contracts/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_the_anonymised_pdf_is_the_one_archived_at_publish_with_no_name_and_no_audit_record(
    portal: Portal, services: Services
) -> None:
    client, world = portal.world.client, portal.world
    documents = client.get(f"/api/v1/cases/{portal.newer.id}/documents", headers=world.h("union")).json()
    public = [d for d in documents if d["kind"] == "public_contract"]
    assert len(public) == 1 and [d["kind"] for d in documents][-2:] == ["publication", "public_contract"]
    with nothing_changes(services.engine):  # served from the archive: rendered once, at publish
        first = client.get(f"/contracts/{portal.newer.id}/pdf")
        second = client.get(f"/contracts/{portal.newer.id}/pdf")
    assert first.status_code == 200 and first.content == second.content
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["etag"] == f'"{public[0]["sha256"]}"' == f'"{hashlib.sha256(first.content).hexdigest()}"'
    assert first.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.headers["content-disposition"] == f'inline; filename="contract-{portal.newer.id}-public.pdf"'
    stored = client.get(f"/api/v1/documents/{public[0]['id']}/content", headers=world.h("union"))
    assert stored.content == first.content
    reader = PdfReader(io.BytesIO(first.content))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "西安市快递行业工会联合会" in text and "壹元陆角伍分" in text and "×××" in text
    for name in PERSONS:
        assert name not in text, name
    assert dict(reader.attachments) == {}  # the audit chain names people: the public PDF carries none
    # the signed contract itself still names its signatories, for the parties
    contract = next(d for d in documents if d["kind"] == "contract")
    signed = client.get(f"/api/v1/documents/{contract['id']}/content", headers=world.h("union")).content
    assert "李建国" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(signed)).pages)


@pytest.mark.parametrize("path", ["", "/pdf"])
def test_a_contract_not_in_force_unknown_or_malformed_is_the_same_404_page(portal: Portal, path: str) -> None:
    client = portal.world.client
    answers = [
        client.get(f"/contracts/{case_id}{path}")
        for case_id in (portal.signed.id, portal.reviewing.id, 999_999, 0, -3, "abc", "1e3", "٣", 2**31, 10**30)
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.text for r in answers}) == 1
    assert "没有找到这份合同" in answers[0].text and answers[0].headers["content-type"].startswith("text/html")
    assert {r.headers["cache-control"] for r in answers} == {"no-store"}  # it may be published a moment later
    assert client.get("/contracts/x/y/z").text == answers[0].text


def test_pages_of_the_json_twin_follow_an_opaque_cursor_and_bad_input_is_a_4xx(portal: Portal) -> None:
    client = portal.world.client
    first = client.get("/api/v1/public/contracts", params={"limit": 1}).json()
    assert [c["id"] for c in first["items"]] == [portal.newer.id] and first["next_cursor"]
    second = client.get("/api/v1/public/contracts", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in second["items"]] == [portal.older.id] and second["next_cursor"] is None
    searched = client.get("/api/v1/public/contracts", params={"limit": 1, "q": "计件单价", "cursor": first["next_cursor"]})
    assert [c["id"] for c in searched.json()["items"]] == [portal.older.id]
    for params in ({"cursor": "not-a-cursor"}, {"cursor": "x" * 5000}, {"cursor": "YWZ0ZXItY2FzZToz"}, {"cursor": "é"}):
        expect_error(client.get("/api/v1/public/contracts", params=params), 422, "validation_error", paths={"cursor"})
    for params in ({"limit": 0}, {"limit": 101}):
        expect_error(client.get("/api/v1/public/contracts", params=params), 422, "validation_error", paths={"limit"})
    expect_error(client.get("/api/v1/public/contracts", params={"limit": "many"}), 422, "validation_error")
    page = client.get("/contracts", params={"cursor": "not-a-cursor"})
    assert page.status_code == 422 and "cursor 无效" in page.text and page.headers["content-type"].startswith("text/html")


def test_the_list_page_goes_on_to_the_next_page_and_back(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.routes import portal as routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    client = portal.world.client
    first = client.get("/contracts", params={"q": "计件单价"})
    assert _ids(first.text) == [portal.newer.id]
    href = re.search(r'href="(/contracts\?[^"]+)" rel="next"', first.text)
    assert href is not None
    second = client.get(href.group(1).replace("&amp;", "&"))
    assert _ids(second.text) == [portal.older.id] and 'rel="next"' not in second.text
    assert "回到第一页" in second.text


def test_the_portal_reads_nothing_but_the_public_text(portal: Portal, services: Services) -> None:
    """No draft, comment, representative or deadline reaches a portal page, and a GET changes nothing."""
    client, world = portal.world.client, portal.world
    r = client.post(
        f"/api/v1/cases/{portal.reviewing.id}/drafts/1/comments",
        json={"clause": "piece_rates", "body": "这条意见只给协商各方看"},
        headers=world.h("ent1"),
    )
    assert r.status_code == 201, r.text
    with nothing_changes(services.engine):
        pages = [client.get("/contracts"), client.get(f"/contracts/{portal.older.id}"), client.get("/contracts?q=意见")]
    for page in pages:
        assert "这条意见只给协商各方看" not in page.text and "每件1.80元" not in page.text and "审阅中" not in page.text
        for name in PERSONS:
            assert name not in page.text
