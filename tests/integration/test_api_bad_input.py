"""Bad input of issue 2: every one gets a 4xx in api.md's error shape with a Chinese message, and nothing changes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import EMPLOYERS, TERMS, WORKERS, Flow
from tests.integration.support import expect_error, new_flow, nothing_changes, without_request_id

BIG = 2**31
MIB = 1024 * 1024


@pytest.fixture
def consulting(world: World) -> Flow:
    flow = new_flow(world)
    flow.to_consulting()
    return flow


def _post(world: World, path: str, body: Any, who: str = "union", **headers: str) -> Any:
    h = {**world.h(who), **headers}
    if isinstance(body, (bytes, str)):
        return world.client.post(path, content=body, headers={**h, "Content-Type": "application/json"})
    return world.client.post(path, json=body, headers=h)


def _endpoints(world: World, flow: Flow) -> list[tuple[str, str]]:
    return [
        ("/api/v1/organizations", "admin"),
        ("/api/v1/users", "admin"),
        ("/api/v1/cases", "union"),
        (f"/api/v1/cases/{flow.id}/events", "union"),
        (f"/api/v1/cases/{flow.id}/drafts", "union"),
        (f"/api/v1/cases/{flow.id}/meetings", "union"),
        ("/api/v1/admin/tick", "admin"),
        ("/api/v1/webhooks", "union"),
    ]


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"event": "propose",}', b"", b"null", b"[]", b'"propose"', b"12", b"\xff\xfe", b'{"a": NaN}', b'{"a": Infinity}',
     b"{'event': 'propose'}"],
    ids=["truncated", "trailing_comma", "empty", "null", "array", "string", "number", "not_utf8", "nan", "infinity", "single_quotes"],
)  # fmt: skip
def test_malformed_or_non_object_json_is_a_validation_error_on_every_post(
    world: World, services: Services, consulting: Flow, raw: bytes
) -> None:
    for path, who in _endpoints(world, consulting):
        if path.endswith("/tick") and raw in (b"", b"null"):
            continue  # tick's body is optional: no body runs it as of today
        with nothing_changes(services.engine):
            r = _post(world, path, raw, who)
        expect_error(r, 422, "validation_error")


def test_malformed_representatives_json_is_a_validation_error(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        r = world.client.put(
            f"/api/v1/cases/{flow.id}/representatives", content=b'{"expected_version": 1,', headers=world.h("union")
        )
    expect_error(r, 422, "validation_error")


def _deep(depth: int) -> bytes:
    return b'{"event": "propose", "expected_version": 1, "data": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"


@pytest.mark.parametrize("raw", [_deep(70), _deep(5000), b"[" * 100_000 + b"]" * 100_000], ids=["70", "5000", "100000_lists"])
def test_over_deep_json_is_a_validation_error(world: World, services: Services, consulting: Flow, raw: bytes) -> None:
    with nothing_changes(services.engine):
        r = _post(world, f"/api/v1/cases/{consulting.id}/events", raw)
    expect_error(r, 422, "validation_error")


def test_bodies_over_one_mib_are_413(world: World, services: Services, consulting: Flow) -> None:
    big_demands = {"event": "suspend", "expected_version": 1, "data": {"reason": "长" * MIB, "resume_on": "2027-01-01"}}
    with nothing_changes(services.engine):
        for path, who in _endpoints(world, consulting):
            expect_error(_post(world, path, big_demands, who), 413, "payload_too_large")
        expect_error(_post(world, "/api/v1/cases", b" " * (MIB + 1)), 413, "payload_too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
            yield b'{"title": "'
            for _ in range(20):
                yield b"x" * 65536
            yield b'"}'

        r = world.client.post("/api/v1/cases", content=chunks(), headers={**world.h("union"), "Content-Type": "application/json"})
        expect_error(r, 413, "payload_too_large")
        r = world.client.put(
            f"/api/v1/cases/{consulting.id}/representatives", content=b"[" + b" " * MIB + b"]", headers=world.h("union")
        )
        expect_error(r, 413, "payload_too_large")


def test_a_body_just_under_one_mib_is_read(world: World, consulting: Flow) -> None:
    body = {
        "event": "suspend",
        "expected_version": consulting.refresh()["version"],
        "data": {"reason": "", "resume_on": "2027-01-01"},
    }
    padding = MIB - len(json.dumps(body).encode()) - 100
    body["data"]["reason"] = "a" * padding
    r = _post(world, f"/api/v1/cases/{consulting.id}/events", body)
    expect_error(r, 422, "validation_error", paths={"data.reason"})  # read, then refused for being over 20,000 characters


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"event": "suspend", "expected_version": True, "data": {}}, "expected_version"),
        ({"event": "suspend", "expected_version": 1.0, "data": {}}, "expected_version"),
        ({"event": "suspend", "expected_version": BIG, "data": {}}, "expected_version"),
        ({"event": "suspend", "expected_version": 2**64, "data": {}}, "expected_version"),
        ({"event": "suspend", "expected_version": -1, "data": {}}, "expected_version"),
        ({"event": ["suspend"], "expected_version": 1, "data": {}}, "event"),
        ({"event": "suspend", "expected_version": 1, "data": ["reason"]}, "data"),
        ({"event": "", "expected_version": 1, "data": {}}, "event"),
        ({"event": "SUSPEND", "expected_version": 1, "data": {}}, "event"),
        ({"event": "x" * 10_000, "expected_version": 1, "data": {}}, "event"),
    ],
    ids=["bool_version", "float_version", "version_2_31", "version_2_64", "negative_version", "event_list", "data_list",
         "empty_event", "uppercase_event", "huge_event"],
)  # fmt: skip
def test_an_envelope_of_the_wrong_types_is_a_validation_error_naming_the_field(
    world: World, services: Services, consulting: Flow, body: dict[str, Any], path: str
) -> None:
    with nothing_changes(services.engine):
        r = _post(world, f"/api/v1/cases/{consulting.id}/events", body)
    expect_error(r, 422, "validation_error", paths={path})


SUSPEND = {"reason": "等待行业数据", "resume_on": "2026-12-15"}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({**SUSPEND, "extra": 1}, "data.extra"),
        ({**SUSPEND, "reason": 5}, "data.reason"),
        ({**SUSPEND, "reason": ""}, "data.reason"),
        ({**SUSPEND, "reason": "停\x00止"}, "data.reason"),
        ({**SUSPEND, "reason": "停\x07止"}, "data.reason"),
        ({**SUSPEND, "reason": "停\x1b[31m止"}, "data.reason"),
        ({**SUSPEND, "reason": "停\u0085止"}, "data.reason"),
        ({**SUSPEND, "reason": "长" * 20_001}, "data.reason"),
        ({**SUSPEND, "resume_on": "2026-12-32"}, "data.resume_on"),
        ({**SUSPEND, "resume_on": "15/12/2026"}, "data.resume_on"),
        ({**SUSPEND, "resume_on": 20261215}, "data.resume_on"),
        ({**SUSPEND, "resume_on": 86400}, "data.resume_on"),
        ({**SUSPEND, "resume_on": "0"}, "data.resume_on"),
        ({"reason": "等待"}, "data.resume_on"),
    ],
    ids=["unknown_field", "int_text", "empty_text", "nul", "bell", "escape", "c1_control", "text_over_20000", "bad_day",
         "bad_format", "date_as_int", "unix_timestamp", "timestamp_text", "missing"],
)  # fmt: skip
def test_event_data_that_does_not_fit_is_a_validation_error_naming_the_field(
    world: World, services: Services, consulting: Flow, data: dict[str, Any], path: str
) -> None:
    body = {"event": "suspend", "expected_version": consulting.refresh()["version"], "data": data}
    with nothing_changes(services.engine):
        r = _post(world, f"/api/v1/cases/{consulting.id}/events", body)
    expect_error(r, 422, "validation_error", paths={path})


def test_newlines_and_tabs_are_allowed_in_free_text(world: World, consulting: Flow) -> None:
    case = consulting.event("union", "suspend", {"reason": "一、等待数据\n二、\t另行通知", "resume_on": "2026-12-15"})
    assert case["state"] == "suspended"


@pytest.mark.parametrize("rate", ["-1", "1e9", "NaN", 1.2, "Infinity", "1.234", "01.20", "", "+1.20", " 1.20", "1,20", "1000000000000", None, 2],
                         ids=["negative", "exponent", "nan", "float", "infinity", "three_places", "leading_zero", "empty", "plus",
                              "space", "comma", "thirteen_digits", "null", "integer"])  # fmt: skip
def test_an_absurd_piece_rate_is_a_validation_error_at_its_path(
    world: World, services: Services, consulting: Flow, rate: Any
) -> None:
    t = copy.deepcopy(TERMS)
    t["piece_rates"][0]["rate_cny"] = rate
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": t}
    with nothing_changes(services.engine):
        r = _post(world, f"/api/v1/cases/{consulting.id}/drafts", body)
    expect_error(r, 422, "validation_error", paths={"terms.piece_rates[0].rate_cny"})


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [("pay_method", "pay_day", BIG), ("pay_method", "pay_day", 32), ("pay_method", "pay_day", "10"), ("rest_leave", "rest_days_per_month", -1),
     ("rest_leave", "holiday_pay_multiplier", "3.00001"), ("pay_method", "max_commission_pct", "-5"), ("pay_method", "cycle", "hourly"),
     ("pay_method", "itemised_statement", "yes"), ("pay_method", "itemised_statement", 1), ("pay_method", "unknown", 1)],
)  # fmt: skip
def test_a_term_of_the_wrong_type_or_range_is_a_validation_error_at_its_path(
    world: World, services: Services, consulting: Flow, section: str, field: str, value: Any
) -> None:
    t = copy.deepcopy(TERMS)
    t[section][field] = value
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": t}
    with nothing_changes(services.engine):
        r = _post(world, f"/api/v1/cases/{consulting.id}/drafts", body)
    expect_error(r, 422, "validation_error", paths={f"terms.{section}.{field}"})


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("title", "   "), ("title", "名" * 10_000), ("title", "案\x00件"), ("title", "案\x0b件"), ("title", None), ("sector", ""),
     ("sector", "s" * 10_000), ("union_org_id", BIG), ("covered_enterprise_ids", [BIG]), ("covered_enterprise_ids", "1,2"),
     ("topics", "piece_rates"), ("bureau_org_id", "3"), ("unknown", "x")],
)  # fmt: skip
def test_a_case_with_empty_huge_or_control_character_fields_is_refused(
    world: World, services: Services, field: str, value: Any
) -> None:
    body = world.case_body(**{field: value})
    if value is None:
        body.pop(field)
    with nothing_changes(services.engine):
        r = _post(world, "/api/v1/cases", body)
    violations = expect_error(r, 422, "validation_error")
    assert any((v["path"] or "").startswith(field) for v in violations), violations


@pytest.mark.parametrize("name", ["", "名" * 10_000, "张\x00伟", "张\x1f伟", 7, None])
def test_a_representative_with_an_empty_huge_or_control_character_name_is_refused(
    world: World, services: Services, name: Any
) -> None:
    flow = new_flow(world)
    workers = copy.deepcopy(WORKERS)
    workers[1]["name"] = name
    with nothing_changes(services.engine):
        r = world.client.put(
            f"/api/v1/cases/{flow.id}/representatives",
            json={"expected_version": 1, "worker_side": workers, "employer_side": EMPLOYERS},
            headers=world.h("union"),
        )
    expect_error(r, 422, "validation_error", paths={"worker_side[1].name"})


@pytest.mark.parametrize("name", ["", "组" * 10_000, "工\x00会"])
def test_organisations_and_users_with_bad_names_are_refused(world: World, services: Services, name: str) -> None:
    with nothing_changes(services.engine):
        r = _post(world, "/api/v1/organizations", {"name": name, "kind": "union", "region_code": "610100"}, "admin")
        expect_error(r, 422, "validation_error", paths={"name"})
        r = _post(
            world, "/api/v1/users", {"name": name, "role": "union_negotiator", "organization_id": world.orgs["union"]}, "admin"
        )
        expect_error(r, 422, "validation_error", paths={"name"})
        r = _post(world, "/api/v1/users", {"name": "某人", "role": "union_negotiator", "organization_id": 2**63}, "admin")
        expect_error(r, 422, "validation_error", paths={"organization_id"})


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\ud83d", "\\ude00y"])
def test_a_lone_surrogate_escape_is_a_validation_error(world: World, services: Services, escape: str) -> None:
    raw = json.dumps(world.case_body(title="TITLE")).replace("TITLE", escape).encode()
    with nothing_changes(services.engine):
        expect_error(_post(world, "/api/v1/cases", raw), 422, "validation_error")
        r = _post(world, "/api/v1/cases/1/events", raw.replace(b'"title"', b'"event"'))
        assert r.status_code in (404, 422) and r.status_code < 500


def test_an_escaped_surrogate_pair_is_one_character(world: World) -> None:
    raw = json.dumps(world.case_body(title="TITLE")).replace("TITLE", "骑手\\ud83d\\udef5协商").encode()
    r = _post(world, "/api/v1/cases", raw)
    assert r.status_code == 201 and r.json()["title"] == "骑手\U0001f6f5协商"


def test_names_are_nfc_normalised_and_trimmed(world: World) -> None:
    r = _post(world, "/api/v1/cases", world.case_body(title="  Cafe\u0301 骑手协商  "))
    assert r.status_code == 201 and r.json()["title"] == "Café 骑手协商"


@pytest.mark.parametrize(
    "tally",
    [{"members": BIG}, {"present": -1}, {"yes": 1.5}, {"no": "3"}, {"members": 2**70}],
    ids=["members_2_31", "negative", "float", "string", "members_2_70"],
)
def test_vote_counts_beyond_32_bits_or_of_the_wrong_type_are_refused(
    world: World, services: Services, tally: dict[str, Any]
) -> None:
    flow = new_flow(world)
    flow.to_agreed(("employer_body", "ent1", "ent2"))
    flow.event("union", "open_vote")
    data = {"draft_version": 1, "members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2, **tally}
    with nothing_changes(services.engine):
        r = _post(
            world,
            f"/api/v1/cases/{flow.id}/events",
            {"event": "record_vote", "expected_version": flow.refresh()["version"], "data": data},
        )
    expect_error(r, 422, "validation_error", paths={f"data.{next(iter(tally))}"})


@pytest.mark.parametrize("path", ["/api/v1/cases/2147483648", "/api/v1/cases/0", "/api/v1/cases/-1", "/api/v1/cases/abc",
                                  "/api/v1/cases/99999999999999999999999/audit", "/api/v1/cases/1/drafts/2147483648"])  # fmt: skip
def test_ids_in_the_path_beyond_32_bits_or_not_numbers_are_4xx(world: World, path: str) -> None:
    r = world.client.get(path, headers=world.h("union"))
    assert r.status_code in (404, 422)
    expect_error(r, r.status_code, "not_found" if r.status_code == 404 else "validation_error")


def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(world: World, services: Services, consulting: Flow) -> None:
    version = consulting.refresh()["version"]
    consulting.draft()
    with nothing_changes(services.engine):
        r = _post(
            world, f"/api/v1/cases/{consulting.id}/events", {"event": "suspend", "expected_version": version, "data": SUSPEND}
        )
    expect_error(r, 409, "version_conflict")


# -- Idempotency-Key ------------------------------------------------------------------------------------------------


def _idempotency_rows(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM idempotency_keys")).scalar_one())


def test_the_same_key_and_body_replays_the_first_response_and_changes_nothing(world: World, services: Services) -> None:
    body = world.case_body(title="幂等案件")
    first = _post(world, "/api/v1/cases", body, **{"Idempotency-Key": "create-1"})
    assert first.status_code == 201
    with nothing_changes(services.engine):
        again = _post(world, "/api/v1/cases", body, **{"Idempotency-Key": "create-1"})
    assert again.status_code == 201 and again.json() == first.json()
    reordered = dict(reversed(list(body.items())))  # canonical JSON: key order does not make it another request
    assert _post(world, "/api/v1/cases", reordered, **{"Idempotency-Key": "create-1"}).json() == first.json()
    titles = [c["title"] for c in world.client.get("/api/v1/cases", headers=world.h("union")).json()["items"]]
    assert titles.count("幂等案件") == 1


def test_a_replayed_event_changes_nothing_even_after_the_case_moved_on(
    world: World, services: Services, consulting: Flow
) -> None:
    version = consulting.refresh()["version"]
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}
    first = _post(world, f"/api/v1/cases/{consulting.id}/events", body, **{"Idempotency-Key": "k-suspend"})
    assert first.status_code == 200 and first.json()["state"] == "suspended"
    consulting.event("union", "resume")
    with nothing_changes(services.engine):
        again = _post(world, f"/api/v1/cases/{consulting.id}/events", body, **{"Idempotency-Key": "k-suspend"})
    assert again.status_code == 200 and again.json() == first.json()
    assert consulting.refresh()["state"] == "consulting"


def test_a_reused_key_with_another_body_is_refused(world: World, services: Services, consulting: Flow) -> None:
    version = consulting.refresh()["version"]
    path = f"/api/v1/cases/{consulting.id}/events"
    assert (
        _post(
            world, path, {"event": "suspend", "expected_version": version, "data": SUSPEND}, **{"Idempotency-Key": "k1"}
        ).status_code
        == 200
    )
    rows = _idempotency_rows(services)
    with nothing_changes(services.engine):
        r = _post(world, path, {"event": "resume", "expected_version": version + 1, "data": {}}, **{"Idempotency-Key": "k1"})
        expect_error(r, 422, "idempotency_key_reused")
        r = _post(world, f"/api/v1/cases/{consulting.id}/drafts", {"term_start": "2027-01-01"}, **{"Idempotency-Key": "k1"})
        expect_error(r, 422, "idempotency_key_reused")
    assert _idempotency_rows(services) == rows


def test_error_responses_are_replayed_too(world: World, services: Services, consulting: Flow) -> None:
    version = consulting.refresh()["version"]
    path = f"/api/v1/cases/{consulting.id}/events"
    stale = {"event": "suspend", "expected_version": version + 1, "data": SUSPEND}
    first = _post(world, path, stale, **{"Idempotency-Key": "k-err"})
    expect_error(first, 409, "version_conflict")
    consulting.draft()  # version + 1 is now the current version: run afresh, the request would succeed
    with nothing_changes(services.engine):
        again = _post(world, path, stale, **{"Idempotency-Key": "k-err"})
    assert again.status_code == 409 and without_request_id(again) == without_request_id(first)
    malformed = _post(world, path, b"{oops", **{"Idempotency-Key": "k-bad"})
    expect_error(malformed, 422, "validation_error")
    replayed = _post(world, path, b"{oops", **{"Idempotency-Key": "k-bad"})
    assert without_request_id(replayed) == without_request_id(malformed)


def test_keys_are_scoped_to_the_user(world: World) -> None:
    mine = _post(world, "/api/v1/cases", world.case_body(title="甲"), **{"Idempotency-Key": "shared"})
    other_body = world.case_body(title="乙", union_org_id=world.orgs["other_union"])
    theirs = _post(world, "/api/v1/cases", other_body, "other_union", **{"Idempotency-Key": "shared"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    refused = _post(world, "/api/v1/cases", other_body, "other_union", **{"Idempotency-Key": "shared-2"})
    assert refused.status_code == 201  # a fresh key for the same body is a new request
    # the same key and body from a different user of the same union is a different request too
    extra = world.client.post(
        "/api/v1/users", json={"name": "第二位协商代表", "role": "union_negotiator", "organization_id": world.orgs["union"]},
        headers=world.h("admin"),
    ).json()["token"]  # fmt: skip
    second = world.client.post("/api/v1/cases", json=world.case_body(title="甲"), headers={"Authorization": f"Bearer {extra}",
                                                                                      "Idempotency-Key": "shared"})  # fmt: skip
    assert second.status_code == 201 and second.json()["id"] != mine.json()["id"]


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_an_empty_or_over_long_idempotency_key_is_a_validation_error(world: World, services: Services, key: str) -> None:
    with nothing_changes(services.engine):
        r = _post(world, "/api/v1/cases", world.case_body(), **{"Idempotency-Key": key})
    expect_error(r, 422, "validation_error")


def test_a_body_of_eighty_thousand_unknown_fields_answers_a_short_list(
    world: World, services: Services, consulting: Flow
) -> None:
    from negotiation.validation import MAX_LISTED

    body = json.dumps({f"k{i}": 0 for i in range(80_000)}, separators=(",", ":"))
    assert len(body) < MIB
    with nothing_changes(services.engine):
        r = _post(world, f"/api/v1/cases/{consulting.id}/meetings", body)
        violations = expect_error(r, 422, "validation_error")
    assert len(violations) == MAX_LISTED + 1 and len(r.content) < 50_000
    more = int(re.search(r"另有 (\d+) 处", violations[-1]["message"]).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"有 (\d+) 处不符合要求", r.json()["error"]["message"]).group(1))  # type: ignore[union-attr]
    assert total == more + MAX_LISTED and total >= 80_000  # the unknown fields and the meeting's missing ones
