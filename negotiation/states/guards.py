"""Small pure predicates and checks the transitions rely on: representatives, quorum, approvals, signatures."""

from __future__ import annotations

from fractions import Fraction

from negotiation.errors import Violation
from negotiation.model import NegotiationCase, Representative
from negotiation.rules import Profile, violation

__all__ = [
    "GUARDS",
    "all_enterprises_approved",
    "both_sides_signed",
    "representative_violations",
    "required_approvers",
    "vote_passed",
    "vote_violations",
]

WORKER_CHIEF_OFFICE = "工会主席"
EMPLOYER_CHIEF_OFFICE = "法定代表人"
SIDE_NAMES = {"worker_side": "职工方", "employer_side": "企业方"}


def required_approvers(case: NegotiationCase) -> set[int]:
    """The organisations whose approval of the current draft makes it agreed: the employer body and every covered enterprise."""
    return {case.employer_org_id, *case.covered_enterprise_ids}


def all_enterprises_approved(case: NegotiationCase) -> bool:
    """The employer body and every covered enterprise approved the current draft."""
    return required_approvers(case) <= set(case.fact("approvals", []))


def both_sides_signed(case: NegotiationCase) -> bool:
    """The union and the employer body have both signed."""
    return {"union", "employer"} <= set(case.fact("signatures", {}))


def vote_passed(case: NegotiationCase) -> bool:
    """The vote just recorded met the quorum (R10) and the threshold (R11)."""
    return bool(case.fact("last_vote_passed", False))


GUARDS = {
    "all_enterprises_approved": all_enterprises_approved,
    "both_sides_signed": both_sides_signed,
    "vote_passed": vote_passed,
}


def _side_violations(side: str, reps: list[Representative], profile: Profile) -> list[Violation]:
    found: list[Violation] = []
    label = SIDE_NAMES[side]
    minimum = profile.number("reps_min_per_side")
    maximum = profile.number("reps_max_per_side")
    if len(reps) < minimum.days:
        found.append(violation("R1", f"{label}协商代表不得少于 {minimum.value} 人，现为 {len(reps)} 人", side, minimum.citation))
    if maximum.value is not None and len(reps) > maximum.days:
        found.append(violation("R1", f"{label}协商代表不得多于 {maximum.value} 人，现为 {len(reps)} 人", side, maximum.citation))
    seen: set[str] = set()
    for i, rep in enumerate(reps):
        if rep.identity in seen:
            found.append(violation("R1", f"{label}代表「{rep.identity}」重复列入", f"{side}[{i}].name"))
        seen.add(rep.identity)
    chiefs = [i for i, r in enumerate(reps) if r.is_chief]
    if len(chiefs) != 1:
        found.append(violation("R2", f"{label}须有且仅有一名首席代表，现有 {len(chiefs)} 名", side))
    office = WORKER_CHIEF_OFFICE if side == "worker_side" else EMPLOYER_CHIEF_OFFICE
    for i in chiefs:
        chief = reps[i]
        if chief.title.strip() != office and not chief.delegated_in_writing:
            found.append(
                violation("R2", f"{label}首席代表应由{office}担任，或持有其书面委托", f"{side}[{i}].delegated_in_writing")
            )
        if chief.is_external:
            found.append(violation("R3", f"外聘代表不得担任{label}首席代表", f"{side}[{i}].is_external"))
    cap = profile.number("external_max_fraction")
    externals = sum(1 for r in reps if r.is_external)
    if reps and Fraction(externals, len(reps)) > cap.fraction:
        found.append(violation("R3", f"{label}外聘代表 {externals} 人，超过本方代表人数的{cap.value}", side, cap.citation))
    return found


def representative_violations(
    worker_side: list[Representative], employer_side: list[Representative], profile: Profile
) -> list[Violation]:
    """Every breach of R1–R4 in the two lists, all at once."""
    found = _side_violations("worker_side", worker_side, profile)
    found += _side_violations("employer_side", employer_side, profile)
    if worker_side and employer_side and len(worker_side) != len(employer_side):
        found.append(
            violation("R1", f"双方协商代表人数应当相等：职工方 {len(worker_side)} 人，企业方 {len(employer_side)} 人", None)
        )
    workers = {r.identity for r in worker_side}
    for i, rep in enumerate(employer_side):
        if rep.identity in workers:
            found.append(violation("R4", f"「{rep.identity}」不得同时担任双方协商代表", f"employer_side[{i}].name"))
    return found


def vote_violations(members: int, present: int, yes: int, no: int, abstain: int, path: str) -> list[Violation]:
    """Tallies that cannot be true (schema errors, not rule failures)."""
    found: list[Violation] = []
    if present > members:
        found.append(Violation(None, f"出席人数 {present} 不能多于应到人数 {members}", None, f"{path}.present"))
    if yes + no + abstain > present:
        found.append(
            Violation(None, f"赞成、反对、弃权合计 {yes + no + abstain} 票，多于出席人数 {present}", None, f"{path}.yes")
        )
    if members == 0:
        found.append(Violation(None, "应到人数须大于零", None, f"{path}.members"))
    return found


def quorum_met(members: int, present: int, profile: Profile) -> bool:
    """R10: at least the quorum fraction of all members is present."""
    return Fraction(present) >= profile.number("quorum_fraction").fraction * members


def threshold_met(members: int, yes: int, profile: Profile) -> bool:
    """R11: more than the threshold fraction of all members (not of those present) voted yes."""
    return Fraction(yes) > profile.number("threshold_fraction").fraction * members
