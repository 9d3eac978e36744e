"""The facts a document shows, read from the case and its records by the names document contexts declare them.

A context class (negotiation/documents/context.py) declares fields such as ``draft`` or ``vote``; FACTS says how
the engine reads each from the database. A document kind whose context declares only these needs no code here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from negotiation.documents.kinds import REGISTRY
from negotiation.errors import DocumentError
from negotiation.model import Draft, Meeting, NegotiationCase, Vote
from negotiation.rules import Profile, document_rules, profile_for_region
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = ["FACTS", "Facts", "case_facts", "draft_facts"]


def case_facts(uow: UnitOfWork, case: NegotiationCase) -> dict[str, Any]:
    """What every document shows of its case (``_enterprise_names``: id → name, for the tallies; not a field)."""
    orgs = uow.repo.organizations([case.union_org_id, case.employer_org_id, case.bureau_org_id, *case.covered_enterprise_ids])

    def name(org_id: int) -> str:
        org = orgs.get(org_id)
        return org.name if org else str(org_id)

    def reps(side: Iterable[Any]) -> list[dict[str, Any]]:
        return [{"name": r.name, "title": r.title, "is_chief": r.is_chief, "is_external": r.is_external} for r in side]

    return {
        "case_id": str(case.id),
        "title": case.title,
        "level": case.level,
        "sector": case.sector,
        "region_code": case.region_code,
        "kind": case.kind,
        "parties": {
            "union": name(case.union_org_id),
            "employer_body": name(case.employer_org_id),
            "bureau": name(case.bureau_org_id),
            "covered_enterprises": [name(i) for i in case.covered_enterprise_ids],
        },
        "worker_representatives": reps(case.worker_side),
        "employer_representatives": reps(case.employer_side),
        "topics": list(case.topics),
        "rules": document_rules(case.kind, profile_for_region(case.region_code), case.region_code),
        "_enterprise_names": {i: name(i) for i in case.covered_enterprise_ids},
    }


def draft_facts(draft: Draft) -> dict[str, Any]:
    """A draft as a document context's ``draft``."""
    return {
        "version": draft.version,
        "sha256": draft.sha256,
        "term_start": draft.term_start,
        "term_end": draft.term_end,
        "terms": draft.terms,
        "created_on": date.fromisoformat(draft.created_at[:10]),
    }


def _vote(vote: Vote, profile: Profile, names: dict[int, str]) -> dict[str, Any]:
    from negotiation.states.guards import quorum_met, threshold_met

    def tally(t: Any) -> dict[str, Any]:
        return {
            "members": t["members"], "present": t["present"], "yes": t["yes"], "no": t["no"], "abstain": t["abstain"],
            "quorum_met": quorum_met(t["members"], t["present"], profile),
            "majority_met": threshold_met(t["members"], t["yes"], profile),
        }  # fmt: skip

    whole = tally({"members": vote.members, "present": vote.present, "yes": vote.yes, "no": vote.no, "abstain": vote.abstain})
    return {
        **whole,
        "held_on": vote.held_on,
        "draft_version": vote.draft_version,
        "draft_sha256": vote.draft_sha256,
        "per_enterprise": [
            {**tally(t), "enterprise": names.get(t["enterprise_id"], str(t["enterprise_id"]))} for t in vote.per_enterprise
        ],
    }


def _meeting(meeting: Meeting, number: int) -> dict[str, Any]:
    return {
        "number": number,
        "held_on": meeting.held_on,
        "location": meeting.location,
        "chair_side": meeting.chair_side,
        "recorder": meeting.recorder,
        "summary": meeting.summary,
        "positions": meeting.positions,
    }


def _signatures(case: NegotiationCase) -> list[dict[str, Any]]:
    sides = {"union": "worker", "employer": "employer"}
    return [
        {"side": sides[side], "signatory": s["signatory"], "signed_on": s["signed_on"], "place": s.get("place")}
        for side, s in sorted(case.fact("signatures", {}).items())
    ]


class Facts:
    """The facts a document may show, by the names document contexts declare them; each read once, when asked for."""

    def __init__(self, uow: UnitOfWork, case: NegotiationCase, vote: Vote | None, meeting: Meeting | None) -> None:
        assert case.id is not None
        self.uow, self.case, self.case_id, self.given_vote, self.given_meeting = uow, case, case.id, vote, meeting
        self.case_facts = case_facts(uow, case)
        self.names: dict[int, str] = self.case_facts.pop("_enterprise_names")
        self.draft_row: Draft | None = None

    def current_draft(self) -> Draft:
        """The case's current draft (DocumentError when there is none)."""
        if self.draft_row is None:
            self.draft_row = self.uow.repo.draft(self.case_id, self.case.current_draft_version or 0)
            if self.draft_row is None:
                raise DocumentError("当前草案不存在，无法生成文书")
        return self.draft_row

    def served_on(self) -> Any:
        return self.case.fact("served_on")

    def demands(self) -> Any:
        return self.case.fact("demands")

    def answer(self) -> dict[str, Any]:
        declined = self.case.fact("decline_reason")
        return {
            "received_on": self.case.fact("received_on"),
            "accepted": not declined,
            "reply": self.case.fact("reply") or "",
            "reason": declined or "",
        }

    def receipt(self) -> dict[str, Any]:
        receipt = self.case.fact("receipt", {})
        review = self.case.open_deadline("review")
        if review is None:
            raise DocumentError("审查期限未开始计算，无法生成受理单")
        return {
            "received_on": receipt.get("received_on"),
            "receipt_no": receipt.get("receipt_no"),
            "review_due_on": review.due_on,
        }

    def objection(self) -> dict[str, Any]:
        objection: dict[str, Any] | None = self.case.fact("objection")
        if objection is None:
            raise DocumentError("尚无审查意见，无法生成审查意见书")
        return objection

    def draft(self) -> dict[str, Any]:
        return draft_facts(self.current_draft())

    def vote(self) -> dict[str, Any]:
        draft = self.current_draft()
        votes = [self.given_vote] if self.given_vote is not None else []
        if not votes:
            votes = [v for v in self.uow.repo.votes(self.case_id) if v.passed and v.draft_version == draft.version]
        if not votes:
            raise DocumentError("没有针对当前草案的表决结果，无法生成文书")
        return _vote(votes[-1], profile_for_region(self.case.region_code), self.names)

    def signatures(self) -> list[dict[str, Any]]:
        return _signatures(self.case)

    def meetings(self) -> list[dict[str, Any]]:
        return [_meeting(m, i + 1) for i, m in enumerate(self.uow.repo.meetings(self.case_id))]

    def meeting(self) -> dict[str, Any]:
        meeting = self.given_meeting
        assert meeting is not None
        return _meeting(meeting, len(self.uow.repo.meetings(self.case_id)) + (0 if meeting.id is not None else 1))

    def filing(self) -> dict[str, Any]:
        return {"filed_on": self.case.fact("filed_on"), "receipt_no": self.case.fact("receipt", {}).get("receipt_no")}

    def signed_contract(self) -> dict[str, Any]:
        """The archived contract document in force (the latest not superseded), by its sha256."""
        signed = {k.key for k in REGISTRY.values() if k.made_only_in == "signed"}  # the contract, by the registry
        contracts = [d for d in self.uow.repo.documents(self.case_id) if d.kind in signed and d.superseded_by is None]
        if not contracts:
            raise DocumentError("尚无已签订的集体合同文书，无法生成文书")
        doc = contracts[-1]
        return {"sha256": doc.sha256, "made_on": date.fromisoformat(doc.created_at[:10])}

    def inspection(self) -> dict[str, Any]:
        """The inspection just recorded (the last of the case's)."""
        found: list[dict[str, Any]] = self.case.fact("inspections", [])
        if not found:
            raise DocumentError("尚无履约检查记录，无法生成检查报告")
        return {k: v for k, v in found[-1].items() if k not in ("id", "created_at")}

    def letter(self) -> dict[str, Any]:
        """The supervision letter just issued (the last of the case's), its addressee by name."""
        found: list[dict[str, Any]] = self.case.fact("supervision_letters", [])
        if not found:
            raise DocumentError("尚无劳动法律监督文书记录，无法生成文书")
        letter = found[-1]
        orgs = self.uow.repo.organizations([letter["addressee_org_id"]])
        org = orgs.get(letter["addressee_org_id"])
        keep = ("number", "kind", "issued_on", "text", "clauses", "reply_within_days", "reply_due_on")
        return {**{k: letter[k] for k in keep}, "addressee": org.name if org else str(letter["addressee_org_id"])}

    def publication(self) -> dict[str, Any]:
        return {"published_on": self.case.fact("published_on"), "channels": self.case.fact("channels", [])}


FACTS: dict[str, Callable[[Facts], Any]] = {
    "served_on": Facts.served_on,
    "demands": Facts.demands,
    "answer": Facts.answer,
    "draft": Facts.draft,
    "vote": Facts.vote,
    "signatures": Facts.signatures,
    "meetings": Facts.meetings,
    "meeting": Facts.meeting,
    "filing": Facts.filing,
    "signed_contract": Facts.signed_contract,
    "receipt": Facts.receipt,
    "objection": Facts.objection,
    "publication": Facts.publication,
    "inspection": Facts.inspection,
    "letter": Facts.letter,
}
"""The facts the engine gives a document context, by name (a kind whose context declares another cannot be made)."""
