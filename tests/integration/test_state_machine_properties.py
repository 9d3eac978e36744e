"""Random event sequences through the service layer keep the engine's invariants (hypothesis RuleBasedStateMachine).

After every step: each case's state is the one the model expects and one the table allows; the version grew by one per
accepted change and not at all per rejected one; every change left one audit link and the chains verify; a case from
ratified on carries a passing vote on its current draft (version and sha256); nothing moves a withdrawn case.

Everything is real (service layer, SQLite file or PostgreSQL, archive, document rows) except the PDF typesetting:
at about 0.2 s a document, WeasyPrint would spend minutes on the thousands of steps, so `render_pdf` is replaced by a
deterministic stand-in here. The PDFs themselves are tested by tests/e2e/test_documents_lifecycle.py and the documents
tests.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import inspect, text

import negotiation.documents
from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from negotiation.documents.rendered import RenderedDocument
from negotiation.errors import (
    Forbidden,
    InvalidTransition,
    NegotiationError,
    NotFound,
    RuleViolation,
    ValidationFailed,
    VersionConflict,
)
from negotiation.service_layer import drafting, handlers, queries, sweeper
from negotiation.service_layer.access import Actor
from negotiation.states.state import TERMINAL_STATES, CaseState
from negotiation.states.table import EVENTS, SYSTEM_EVENTS, TRANSITIONS, Party, fired_by, sources
from tests.conftest import reset_postgres
from tests.flows import XIAN_ORGANIZATIONS

PG_URL = os.environ.get("NEGOTIATION_TEST_DATABASE_URL")
ADMIN = Actor(user_id=0, name="admin", role="admin", organization_id=None)
RATIFIED_ON = {
    CaseState.RATIFIED,
    CaseState.SIGNED,
    CaseState.FILED,
    CaseState.IN_REVIEW,
    CaseState.EFFECTIVE,
    CaseState.IN_FORCE,
}
START = date(2026, 11, 2)
TERM_START = date(2027, 1, 1)
UNITS_PER_HOUR = Decimal(15)

ORGS = (
    *XIAN_ORGANIZATIONS,
    ("other_bureau", "宝鸡市人力资源和社会保障局", "labour_bureau"),
)
ROLES = {"union": "union_negotiator", "employer_body": "enterprise_rep", "bureau": "labour_bureau", "ent1": "enterprise_rep",
         "ent2": "enterprise_rep", "outsider": "enterprise_rep", "other_bureau": "labour_bureau"}  # fmt: skip
WHO = tuple(ROLES)
TOPICS = ["piece_rates", "pay_method", "rest_leave"]
# Two kinds of case: Xi'an (class one, ¥21/h) covering two enterprises, and Baoji (class three, ¥19/h, unverified) covering one.
CASE_KINDS = (("610100", "comprehensive", ("ent1", "ent2"), Decimal(21)), ("610300", "wage", ("ent1",), Decimal(19)))
RATES = ("0.90", "1.27", "1.39", "1.40", "1.50", "2.00")
TERM_ENDS = (date(2026, 12, 31), date(2027, 12, 30), date(2027, 12, 31), date(2028, 12, 31), date(2029, 12, 31), date(2030, 1, 1))

WORKERS = [
    {"name": "李建国", "title": "工会主席", "is_chief": True},
    {"name": "王堃", "title": "快递员代表"},
    {"name": "陈晓燕", "title": "快递员代表"},
]
EMPLOYERS = [
    {"name": "张伟", "title": "协会会长", "is_chief": True, "delegated_in_writing": True},
    {"name": "刘洋", "title": "人力资源总监"},
    {"name": "孙丽", "title": "合规经理"},
]
BAD_EMPLOYERS = [{**EMPLOYERS[0], "delegated_in_writing": False}, EMPLOYERS[1], {"name": "王堃", "title": "顾问"}]  # R2 and R4

# Events whose date must not precede a date the case already holds (api.md "Dates"), and that date field.
DATE_AFTER = {"accept": "received_on", "decline": "received_on", "sign": "signed_on", "file": "filed_on",
              "record_receipt": "received_on", "approve": "approved_on", "publish": "published_on"}  # fmt: skip
BEFORE_SIGNED = {s.value for t in TRANSITIONS if t.event == "withdraw" for s in t.sources}
DETOURS = {
    "proposed": ("employer_body", "decline"),
    "consulting": ("employer_body", "suspend"),
    "suspended": ("union", "resume"),
    "under_review": ("ent1", "request_changes"),
    "in_review": ("bureau", "object"),
}


def _reachable() -> set[str]:
    seen = {CaseState.DRAFTING.value}
    while True:
        more = {t.dest.value for t in TRANSITIONS if t.dest is not None and any(s.value in seen for s in t.sources)} - seen
        if not more:
            return seen
        seen |= more


REACHABLE = _reachable()
COMMANDS: dict[str, Any] = {
    "create_case": handlers.create_case,
    "put_representatives": handlers.put_representatives,
    "fire_event": handlers.fire_event,
    "add_draft": drafting.add_draft,
    "add_meeting": drafting.add_meeting,
    "add_comment": drafting.add_comment,
}


def moves(event: str, state: str) -> set[str]:
    """The states the table lets `event` lead to from `state`."""
    return {(t.dest or CaseState(state)).value for t in TRANSITIONS if t.event == event and CaseState(state) in t.sources}


@dataclass
class CaseModel:
    """What the test believes about one case."""

    id: int
    region: str
    covered: tuple[str, ...]
    hourly_floor: Decimal
    state: str = CaseState.DRAFTING.value
    version: int = 1
    audit_links: int = 1
    reps_valid: bool = False
    last_chair: str | None = None
    current_draft: int | None = None
    drafts: int = 0
    history: list[str] = field(default_factory=list)

    def parties(self, who: str) -> frozenset[Party]:
        """The parties an actor plays in this case (computed independently of the engine's access module)."""
        found = {
            "union": {Party.UNION},
            "employer_body": {Party.EMPLOYER_BODY},
            "bureau": {Party.LABOUR_BUREAU},
        }.get(who, set())
        if who in self.covered:
            found = {Party.COVERED_ENTERPRISE}
        return frozenset(found)


STAND_IN_RENDERS: list[str] = []


def stand_in_pdf(kind: str, context: Any, attachments: Any = None, **_: Any) -> RenderedDocument:
    """A deterministic PDF-shaped byte string that differs whenever the document's audit chain or terms differ."""
    STAND_IN_RENDERS.append(kind)
    digest = hashlib.sha256(kind.encode())
    for name, content in sorted((attachments or {}).items()):
        digest.update(name.encode() + b"\0" + content)
    pdf = b"%PDF-1.7\n% stand-in " + kind.encode() + b" " + digest.hexdigest().encode() + b"\n%%EOF\n"
    return RenderedDocument(kind=kind, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), html="", page_count=1)


class Backend:
    """Hands each example a fresh, migrated database: a new SQLite file, or a reset PostgreSQL schema."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.counter = itertools.count()

    def services(self) -> Services:
        n = next(self.counter)
        if self.kind == "sqlite":
            url = f"sqlite:///{self.tmp_path / f'example-{n}.sqlite3'}"
            return bootstrap(Settings(database_url=url, archive_dir=self.tmp_path / f"archive-{n}", test_clock=True))
        assert PG_URL is not None
        settings = Settings(database_url=PG_URL, archive_dir=self.tmp_path / f"archive-{n}", test_clock=True)
        if n == 0:  # a fresh schema with every migration applied, once
            reset_postgres(PG_URL)
            return bootstrap(settings)
        services = bootstrap(settings, migrate=False)
        with services.engine.begin() as conn:  # then every table emptied and its ids restarted, per example
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return services


class CaseLifecycle(RuleBasedStateMachine):
    """Drives cases through the service layer with valid and invalid calls from every party."""

    backend: Backend

    def __init__(self) -> None:
        super().__init__()
        self.services = self.backend.services()
        self.uow = self.services.uow
        self.org: dict[str, int] = {}
        self.actors: dict[str, Actor] = {}
        for key, name, kind in ORGS:
            self.org[key] = handlers.create_organization(
                self.uow(), actor=ADMIN, body={"name": name, "kind": kind, "region_code": "610100"}
            )["id"]
        for key, role in ROLES.items():
            user = handlers.create_user(
                self.uow(), actor=ADMIN, body={"name": f"{key}用户", "role": role, "organization_id": self.org[key]}
            )
            self.actors[key] = Actor(user_id=user["id"], name=user["name"], role=role, organization_id=self.org[key])
        self.cases: list[CaseModel] = []
        self.day = START

    def teardown(self) -> None:
        self.services.engine.dispose()

    # helpers ---------------------------------------------------------------------------------------

    def call(self, command: str, who: str, **arguments: Any) -> dict[str, Any]:
        """Run one command as `who` through the service layer; tests/e2e/proof/test_http_state_machine.py sends the
        same commands as HTTP requests to a served process instead."""
        result: dict[str, Any] = COMMANDS[command](self.uow(), actor=self.actors[who], **arguments)
        return result

    def sweep(self, as_of: date) -> list[dict[str, Any]]:
        """The time-driven transitions as of a day: what fired."""
        return sweeper.tick(self.uow, as_of=as_of)

    def next_day(self, data: st.DataObject) -> str:
        self.day += timedelta(days=data.draw(st.integers(min_value=0, max_value=3), label="days later"))
        return self.day.isoformat()

    def view(self, case: CaseModel, who: str = "union") -> dict[str, Any]:
        return queries.case(self.uow.reading(), actor=self.actors[who] if who != "admin" else ADMIN, case_id=case.id)

    def accepted(self, case: CaseModel, what: str, *, links: int = 1) -> None:
        assert case.state not in TERMINAL_STATES, f"{what} changed the withdrawn case {case.id}"
        case.version += 1
        case.audit_links += links
        case.history.append(what)

    def expected_refusal(self, case: CaseModel, who: str, *, union_only: bool, stale: bool) -> type[NegotiationError] | None:
        """The error the order of checks of api.md gives before the body is looked at, or None."""
        parties = case.parties(who)
        if not parties:
            return NotFound
        if union_only and Party.UNION not in parties:
            return Forbidden
        if stale:
            return VersionConflict
        return None

    def expected_version(self, case: CaseModel, stale: bool) -> int:
        if not stale:
            return case.version
        return case.version - 1 if case.version > 1 else case.version + 1

    # set-up ---------------------------------------------------------------------------------------

    @initialize(kind=st.sampled_from(CASE_KINDS))
    def first_case(self, kind: tuple[str, str, tuple[str, ...], Decimal]) -> None:
        self.open_case(kind)

    @precondition(lambda self: len(self.cases) < 2)
    @rule(kind=st.sampled_from(CASE_KINDS))
    def open_case(self, kind: tuple[str, str, tuple[str, ...], Decimal]) -> None:
        region, contract_kind, covered, floor = kind
        body = {
            "title": f"快递行业集体协商（{region}）", "level": "sector", "sector": "express_delivery", "region_code": region,
            "kind": contract_kind, "union_org_id": self.org["union"], "employer_org_id": self.org["employer_body"],
            "bureau_org_id": self.org["bureau"], "covered_enterprise_ids": [self.org[c] for c in covered], "topics": TOPICS,
        }  # fmt: skip
        created = self.call("create_case", "union", body=body)
        assert (created["state"], created["version"]) == ("drafting", 1)
        assert ("minimum_wage_unverified" in created["flags"]) == (region != "610100")
        self.cases.append(CaseModel(id=created["id"], region=region, covered=covered, hourly_floor=floor))

    # representatives --------------------------------------------------------------------------------

    @rule(data=st.data(), who=st.sampled_from(WHO), valid=st.booleans(), stale=st.booleans())
    def put_representatives(self, data: st.DataObject, who: str, valid: bool, stale: bool) -> None:
        case = data.draw(st.sampled_from(self.cases), label="case")
        self.representatives(case, who, valid, stale)

    def representatives(self, case: CaseModel, who: str, valid: bool, stale: bool) -> None:
        body = {"expected_version": self.expected_version(case, stale), "worker_side": WORKERS,
                "employer_side": EMPLOYERS if valid else BAD_EMPLOYERS}  # fmt: skip
        expected = self.expected_refusal(case, who, union_only=True, stale=stale)
        if expected is None and case.state not in ("drafting", "preparing"):
            expected = InvalidTransition
        if expected is None and not valid:
            expected = RuleViolation
        try:
            result = self.call("put_representatives", who, case_id=case.id, body=body)
        except NegotiationError as exc:
            assert type(exc) is expected, (exc, expected)
            if isinstance(exc, RuleViolation):
                assert {v.rule for v in exc.violations} == {"R2", "R4"}
            return
        assert expected is None, f"representatives accepted, expected {expected}"
        self.accepted(case, "set_representatives")
        case.reps_valid = True
        assert result["version"] == case.version

    # events -------------------------------------------------------------------------------------

    def good_data(self, case: CaseModel, event: str, data: st.DataObject) -> dict[str, Any]:
        """Data that fits the event and the dates already reported for the case."""
        if event in ("propose",):
            return {"served_on": self.next_day(data), "demands": "提高快递员计件单价，明确恶劣天气补贴"}
        if event == "accept":
            return {"received_on": self.next_day(data), "reply": "同意进行集体协商"}
        if event == "decline":
            return {"received_on": self.next_day(data), "reason": "协会换届，暂无协商代表"}
        if event == "suspend":
            return {"reason": "双方同意暂停以核实数据", "resume_on": (self.day + timedelta(days=14)).isoformat()}
        if event == "submit_draft":
            return {"draft_version": case.current_draft or 1}
        if event == "request_changes":
            return {"comment": "夜间补贴标准需要再议"}
        if event == "record_vote":
            members = data.draw(st.integers(min_value=1, max_value=60), label="members")
            quorum = -(-2 * members // 3)  # R10: at least two thirds of all members present
            half = members // 2  # R11: yes must exceed half of all members
            aim = data.draw(st.sampled_from(["pass", "half_of_all", "half_of_present", "no_quorum", "any"]), label="aim")
            if aim == "pass":
                present = data.draw(st.integers(min_value=quorum, max_value=members), label="present")
                yes = data.draw(st.integers(min_value=min(present, half + 1), max_value=present), label="yes")
            elif aim in ("half_of_all", "half_of_present"):  # quorum met, yes at most half of all members
                present = data.draw(st.integers(min_value=quorum, max_value=members), label="present")
                yes = min(present, half) if aim == "half_of_all" else min(present, present // 2 + 1, half)
            elif aim == "no_quorum":
                present = data.draw(st.integers(min_value=0, max_value=quorum - 1), label="present")
                yes = present
            else:
                present = data.draw(st.integers(min_value=0, max_value=members), label="present")
                yes = data.draw(st.integers(min_value=0, max_value=present), label="yes")
            no = data.draw(st.integers(min_value=0, max_value=present - yes), label="no")
            body: dict[str, Any] = {"draft_version": case.current_draft or 1, "members": members, "present": present,
                                    "yes": yes, "no": no, "abstain": present - yes - no, "held_on": self.next_day(data)}  # fmt: skip
            if data.draw(st.booleans(), label="per enterprise"):
                body["per_enterprise"] = [
                    {"enterprise_id": self.org[c], "members": members, "present": present, "yes": yes, "no": no, "abstain": 0}
                    for c in case.covered
                ]
            return body
        if event == "sign":
            return {"signed_on": self.next_day(data), "signatory": "李建国"}
        if event == "file":
            return {"filed_on": self.next_day(data)}
        if event == "record_receipt":
            return {"received_on": self.next_day(data), "receipt_no": "西人社集备〔2026〕88号"}
        if event == "object":
            return {"opinion": "计件单价条款表述不清，请重新协商"}
        if event == "approve":
            return {"approved_on": self.next_day(data)}
        if event == "publish":
            return {"published_on": self.next_day(data), "channels": ["平台App公告", "工会公众号"]}
        if event == "settle":
            return {"agreement": "双方同意恢复协商"}
        if event == "withdraw":
            return {"reason": "工会决定撤回要约"}
        return {}

    def bad_data(self, case: CaseModel, event: str, data: st.DataObject) -> dict[str, Any]:
        """Data the event must refuse: an unknown or missing field, a control character, an impossible tally, or a date
        before the fact it follows (received before served, signed before ratified, filed before signed…)."""
        good = self.good_data(case, event, data)
        choice = data.draw(st.sampled_from(["unknown", "missing", "control", "early"]), label="bad data")
        if choice == "unknown" or not good:
            return {**good, "unexpected": 1}
        if choice == "early" and event in DATE_AFTER:
            return {**good, DATE_AFTER[event]: "2000-01-01"}
        key = sorted(good)[0]
        if choice == "missing" and not (event == "approve" or (event == "record_vote" and key == "abstain")):
            return {k: v for k, v in good.items() if k != key}
        if event in ("record_vote", "submit_draft") and choice in ("missing", "early"):  # a draft that is not the current one
            current = case.current_draft or 1
            return {**good, "draft_version": current - 1 if current > 1 else current + 1}
        if event == "record_vote":
            return {**good, "present": good["members"] + 1}
        texts = [k for k, v in good.items() if isinstance(v, str) and not k.endswith("_on")]
        if choice == "control" and texts:
            return {**good, texts[0]: "含有\x00控制字符"}
        return {**good, "unexpected": "多余字段"}

    def fire(self, case: CaseModel, who: str, event: str, body_data: dict[str, Any], *, stale: bool, good: bool) -> bool:
        """Fire one event; check the refusal against the order of checks, or the move against the table."""
        before = self.view(case, who) if case.parties(who) else None
        expected: type[NegotiationError] | None = None
        parties = case.parties(who)
        if not parties:
            expected = NotFound
        elif event not in EVENTS:
            expected = ValidationFailed
        elif event in SYSTEM_EVENTS or not parties & fired_by(event):
            expected = Forbidden
        elif stale:
            expected = VersionConflict
        elif CaseState(case.state) not in sources(event):
            expected = InvalidTransition
        elif before is not None and event not in before["allowed_events"]:
            expected = InvalidTransition  # approve_draft or sign already done by this organisation
        body = {"event": event, "expected_version": self.expected_version(case, stale), "data": body_data}
        from_state = case.state
        try:
            result = self.call("fire_event", who, case_id=case.id, body=body)
        except NegotiationError as exc:
            if expected is not None:
                assert type(exc) is expected, (event, who, case.state, exc, expected)
            else:
                assert isinstance(exc, ValidationFailed | RuleViolation), (event, who, case.state, exc)
                # good data fails only where the case itself is not ready: no valid representatives, no draft yet
                may_fail = (event == "propose" and not case.reps_valid) or (
                    event == "submit_draft" and case.current_draft is None
                )
                assert not good or may_fail, (event, body_data, exc, exc.violations)
            return False
        assert expected is None, f"{event} by {who} in {from_state} accepted, expected {expected}"
        assert good, f"{event} accepted bad data {body_data}"
        assert event in (before or {}).get("allowed_events", []), (event, before)
        assert result["state"] in moves(event, from_state), (event, from_state, result["state"])
        self.check_move(case, event, from_state, result["state"], body_data, before or {}, who)
        self.accepted(case, event)
        case.state = result["state"]
        assert result["version"] == case.version
        return True

    def check_move(self, case: CaseModel, event: str, from_state: str, to_state: str, body: dict[str, Any],
                   before: dict[str, Any], who: str) -> None:  # fmt: skip
        """Where a guarded event goes, predicted from what the test knows."""
        if event == "record_vote":
            tallies = [body, *body.get("per_enterprise", [])]
            passed = all(3 * t["present"] >= 2 * t["members"] and 2 * t["yes"] > t["members"] for t in tallies)
            assert to_state == ("ratified" if passed else "consulting"), body
        if event == "approve_draft":
            approvals = {*before["approvals"], self.org[who]}
            required = {self.org["employer_body"], *(self.org[c] for c in case.covered)}
            assert to_state == ("agreed" if required <= approvals else "under_review"), (approvals, required)
        if event == "sign":
            side = "union" if who == "union" else "employer"
            other = "employer" if side == "union" else "union"
            assert to_state == ("signed" if other in before["signatures"] else "ratified")
        if event == "submit_draft":
            assert body["draft_version"] == case.current_draft

    @rule(data=st.data(), event=st.sampled_from((*EVENTS, "sign_everything")), stale=st.booleans(), good=st.booleans(),
          rightful=st.booleans())  # fmt: skip
    def fire_any_event(self, data: st.DataObject, event: str, stale: bool, good: bool, rightful: bool) -> None:
        case = data.draw(st.sampled_from(self.cases), label="case")
        here = [e for e in EVENTS if CaseState(case.state) in sources(e) and e not in SYSTEM_EVENTS]
        if here and data.draw(st.booleans(), label="an event of the current state"):
            event = data.draw(st.sampled_from(here), label="event here")
        who = data.draw(st.sampled_from(WHO), label="who")
        if rightful and event in EVENTS and event not in SYSTEM_EVENTS:
            rightful_who = [w for w in WHO if case.parties(w) & fired_by(event)]
            who = data.draw(st.sampled_from(rightful_who), label="rightful who")
        body = self.good_data(case, event, data) if good else self.bad_data(case, event, data)
        self.fire(case, who, event, body, stale=stale, good=good)

    @rule(data=st.data(), steps=st.integers(min_value=1, max_value=12))
    def move_forward(self, data: st.DataObject, steps: int) -> None:
        """The calls a diligent party would make next, with good data; each must succeed."""
        live = [c for c in self.cases if c.state not in ("withdrawn", "in_force")]
        if not live:
            return
        case = data.draw(st.sampled_from(live), label="case")
        for _ in range(steps):
            if case.state in ("withdrawn", "in_force"):
                return
            self.forward(case, data)

    def forward(self, case: CaseModel, data: st.DataObject) -> None:
        state = case.state
        # Hypothesis favours the ends of a range: both ends go forward; 2 % withdraw, 20 % take the other way out.
        turn = data.draw(st.integers(min_value=0, max_value=999), label="turn")
        if 500 <= turn < 520 and state in BEFORE_SIGNED:
            assert self.fire(case, "union", "withdraw", self.good_data(case, "withdraw", data), stale=False, good=True)
            return
        detour = 600 <= turn < 800
        if state == "in_review":
            way = data.draw(st.sampled_from(["approve", "object", "wait"]), label="review outcome")
            if way == "wait":
                self.tick(30)  # no objection within 15 days of receipt: deemed effective (R15)
                assert case.state == "effective", case.state
                return
            detour = way == "object"
        if detour and state in DETOURS:
            who, event = DETOURS[state]
            assert self.fire(case, who, event, self.good_data(case, event, data), stale=False, good=True), (event, state)
            return
        if state == "drafting" and not case.reps_valid:
            self.representatives(case, "union", True, False)
            return
        if state == "consulting" and (case.current_draft is None or data.draw(st.booleans(), label="new draft")):
            self.draft(case, "union", data, rate="1.50", term_end=date(2028, 12, 31), stale=None)
            return
        if state == "under_review":
            view = self.view(case)
            pending = [w for w in ("employer_body", *case.covered) if self.org[w] not in view["approvals"]]
            who, event = data.draw(st.sampled_from(pending), label="approver"), "approve_draft"
        elif state == "ratified":
            signed = self.view(case)["signatures"]
            who, event = ("union" if "union" not in signed else "employer_body"), "sign"
        else:
            who, event = {
                "drafting": ("union", "propose"), "proposed": ("employer_body", "accept"), "preparing": ("union", "open_talks"),
                "consulting": ("union", "submit_draft"), "suspended": ("employer_body", "resume"),
                "in_dispute": ("bureau", "settle"), "agreed": ("union", "open_vote"), "ratifying": ("union", "record_vote"),
                "signed": ("employer_body", "file"), "filed": ("bureau", "record_receipt"), "in_review": ("bureau", "approve"),
                "effective": ("union", "publish"),
            }[state]  # fmt: skip
        if 300 <= turn < 450:  # a mistaken call first, at exactly the state where it matters: both are refused
            assert not self.fire(case, who, event, self.bad_data(case, event, data), stale=False, good=False)
            assert not self.fire(case, who, event, self.good_data(case, event, data), stale=True, good=True)
        assert self.fire(case, who, event, self.good_data(case, event, data), stale=False, good=True), (event, state)

    # drafts, meetings, comments ---------------------------------------------------------------------

    @rule(data=st.data(), who=st.sampled_from(WHO), rate=st.sampled_from(RATES), term_end=st.sampled_from(TERM_ENDS),
          stale=st.sampled_from([None, False, True]))  # fmt: skip
    def add_draft(self, data: st.DataObject, who: str, rate: str, term_end: date, stale: bool | None) -> None:
        case = data.draw(st.sampled_from(self.cases), label="case")
        self.draft(case, who, data, rate=rate, term_end=term_end, stale=stale)

    def draft(self, case: CaseModel, who: str, data: st.DataObject, *, rate: str, term_end: date, stale: bool | None) -> None:
        terms = {
            "piece_rates": [{"service": "parcel_delivery", "unit": "parcel", "rate_cny": rate,
                             "supplements": [{"condition": "night", "amount_cny": "0.50"}]}],
            "expected_units_per_hour": str(UNITS_PER_HOUR),
            "pay_method": {"cycle": "monthly", "pay_day": 10, "max_commission_pct": "20", "itemised_statement": True},
            "rest_leave": {"rest_days_per_month": 4, "holiday_pay_multiplier": "3"},
        }  # fmt: skip
        body: dict[str, Any] = {"term_start": TERM_START.isoformat(), "term_end": term_end.isoformat(), "terms": terms}
        if stale is not None:
            body["expected_version"] = self.expected_version(case, stale)
        expected = self.expected_refusal(case, who, union_only=True, stale=bool(stale))
        if expected is None and case.state != "consulting":
            expected = InvalidTransition
        if expected is None and term_end <= TERM_START:
            expected = ValidationFailed
        below_floor = Decimal(rate) * UNITS_PER_HOUR < case.hourly_floor
        r18 = not date(2027, 12, 31) <= term_end <= date(2029, 12, 31)
        if expected is None and (below_floor or r18):
            expected = RuleViolation
        try:
            result = self.call("add_draft", who, case_id=case.id, body=body)
        except NegotiationError as exc:
            assert type(exc) is expected, (exc, expected)
            if isinstance(exc, RuleViolation):
                paths = {v.path for v in exc.violations}
                assert paths == {p for p, bad in (("term_end", r18), ("terms.piece_rates[0].rate_cny", below_floor)) if bad}
            return
        assert expected is None, f"draft accepted, expected {expected}"
        case.drafts += 1
        case.current_draft = result["version"]
        assert result["version"] == case.drafts
        self.accepted(case, "add_draft")

    @rule(data=st.data(), who=st.sampled_from(WHO), chair=st.sampled_from(["worker", "employer"]),
          stale=st.sampled_from([None, False, True]))  # fmt: skip
    def add_meeting(self, data: st.DataObject, who: str, chair: str, stale: bool | None) -> None:
        case = data.draw(st.sampled_from(self.cases), label="case")
        body: dict[str, Any] = {"held_on": self.next_day(data), "location": "西安市总工会三楼会议室", "chair_side": chair,
                                "recorder": "赵敏（中立记录员）", "summary": "就计件单价交换意见",
                                "positions": [{"topic": "piece_rates", "worker_position": "1.60", "employer_position": "1.40"}]}  # fmt: skip
        if stale is not None:
            body["expected_version"] = self.expected_version(case, stale)
        expected = self.expected_refusal(case, who, union_only=True, stale=bool(stale))
        if expected is None and case.state != "consulting":
            expected = InvalidTransition
        if expected is None and case.last_chair == chair:
            expected = RuleViolation
        try:
            self.call("add_meeting", who, case_id=case.id, body=body)
        except NegotiationError as exc:
            assert type(exc) is expected, (exc, expected)
            if isinstance(exc, RuleViolation):
                assert [v.rule for v in exc.violations] == ["R9"]
            return
        assert expected is None, f"meeting accepted, expected {expected}"
        case.last_chair = chair
        self.accepted(case, "record_meeting")

    @precondition(lambda self: any(c.drafts for c in self.cases))
    @rule(data=st.data(), who=st.sampled_from(WHO), clause=st.sampled_from(["piece_rates", "term", "general", "working_hours"]))
    def comment(self, data: st.DataObject, who: str, clause: str) -> None:
        case = data.draw(st.sampled_from([c for c in self.cases if c.drafts]), label="case")
        version = data.draw(st.integers(min_value=1, max_value=case.drafts), label="draft")
        parties = case.parties(who)
        expected: type[NegotiationError] | None = None
        if not parties:
            expected = NotFound
        elif parties == {Party.LABOUR_BUREAU}:
            expected = Forbidden
        elif clause == "working_hours":  # not a topic of the case
            expected = ValidationFailed
        try:
            self.call("add_comment", who, case_id=case.id, version=version, body={"clause": clause, "body": "建议提高夜间补贴"})
        except NegotiationError as exc:
            assert type(exc) is expected, (exc, expected)
            return
        assert expected is None
        case.audit_links += 1  # audited, but the case's version does not change

    # time ---------------------------------------------------------------------------------------

    @rule(days=st.integers(min_value=0, max_value=40))
    def tick(self, days: int) -> None:
        as_of = self.day + timedelta(days=days)
        due = {
            c.id: [
                d for d in self.view(c, "admin")["deadlines"] if d["status"] == "open" and date.fromisoformat(d["due_on"]) < as_of
            ]
            for c in self.cases
        }
        fired = self.sweep(as_of)
        by_case = {c.id: c for c in self.cases}
        for item in fired:
            case = by_case[item["case_id"]]
            assert case.state not in TERMINAL_STATES, f"the sweeper moved withdrawn case {case.id}"
            assert item["rule"] in {d["rule"] for d in due[case.id]} | {"R17"}, (item, due[case.id])
            if item["event"] in SYSTEM_EVENTS:
                assert moves(item["event"], case.state), (item, case.state)
                case.state = moves(item["event"], case.state).pop()
            else:
                assert item["event"].endswith("_overdue") and item["rule"] in ("R13", "R17"), item
            self.accepted(case, item["event"])
        assert all(any(f["case_id"] == cid for f in fired) for cid, d in due.items() if d), (due, fired)
        assert self.sweep(as_of) == [], "a second tick with the same as_of fired again"
        self.day = max(self.day, as_of)

    # invariants ---------------------------------------------------------------------------------

    @invariant()
    def audit_chains_verify(self) -> None:
        result = queries.verify_audit(self.uow.reading(), actor=ADMIN)
        assert result["ok"] is True, result
        assert result["events_checked"] == sum(c.audit_links for c in self.cases)

    @invariant()
    def cases_match_the_model(self) -> None:
        with self.uow.reading() as uow:
            for model in self.cases:
                case = uow.repo.case(model.id)
                assert case is not None
                assert case.state in {s.value for s in CaseState} and case.state in REACHABLE
                assert (case.state, case.version) == (model.state, model.version), (model.history, case.state, case.version)
                assert case.audit_seq == model.audit_links  # every accepted change, comment and sweep left one link
                assert case.current_draft_version == model.current_draft
                if CaseState(case.state) in RATIFIED_ON:
                    passing = [v for v in uow.repo.votes(model.id) if v.passed]
                    assert passing, f"{case.state} without a passing vote"
                    draft = uow.repo.draft(model.id, case.current_draft_version or 0)
                    assert draft is not None
                    assert (passing[-1].draft_version, passing[-1].draft_sha256) == (draft.version, draft.sha256)
                if case.state == CaseState.WITHDRAWN:
                    assert all(d.status != "open" for d in case.deadlines)


SETTINGS = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
BACKENDS = [pytest.param("sqlite", id="sqlite")]
if PG_URL:
    BACKENDS.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))


@pytest.mark.parametrize("backend", BACKENDS)
def test_random_event_sequences_keep_state_version_audit_and_ratification_invariants(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(negotiation.documents, "render_pdf", stand_in_pdf)
    machine = type("CaseLifecycleOn" + backend.title(), (CaseLifecycle,), {"backend": Backend(backend, tmp_path)})
    STAND_IN_RENDERS.clear()
    run_state_machine_as_test(machine, settings=SETTINGS)
    assert {"proposal", "draft", "resolution"} <= set(STAND_IN_RENDERS), "documents are no longer made through render_pdf"


# Derandomized: the run asserts how far its examples reached (≥ 5 documents), which a random draw of 15 examples
# missed once in the eight full runs of 2026-12-01; a fixed draw tests the same invariants every time, the broad run above stays random.
REAL_RENDER_SETTINGS = settings(
    derandomize=True,
    max_examples=15,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def test_random_event_sequences_keep_the_invariants_with_the_real_pdf_renderer(tmp_path: Path) -> None:
    """The same machine, fewer examples, every document rendered by WeasyPrint and stored for real."""
    machine = type("CaseLifecycleRealPdf", (CaseLifecycle,), {"backend": Backend("sqlite", tmp_path)})
    run_state_machine_as_test(machine, settings=REAL_RENDER_SETTINGS)
    stored = [p for p in tmp_path.glob("archive-*/??/??/*") if p.is_file()]
    assert len({p.name for p in stored}) >= 5, "too few examples reached events that make documents"
    assert all(p.read_bytes().startswith(b"%PDF-") and hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in stored)
