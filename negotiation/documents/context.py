"""View models: the typed, frozen facts a document template sees, and nothing else.

The engine builds these from plain Python values (str dates, str/Decimal money, lists and dicts
are converted and validated by pydantic), so that rendering needs no database session. Chinese
wording is not here: templates turn keys such as ``piece_rates`` or ``night`` into words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, StringConstraints, model_validator

from negotiation.documents.anonymise import PERSON_MASK, mask_persons
from negotiation.terms import TOPICS
from negotiation.terms import Terms as DomainTerms

TOPIC_KEYS: tuple[str, ...] = TOPICS

if TYPE_CHECKING:
    Topic = str
else:
    Topic = Literal[TOPICS]
Side = Literal["worker", "employer"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- case facts shared by every document -------------------------------------------------------


class LegalRule(_Frozen):
    """One numbered rule of the jurisdiction profile: citation, its number, its wording in brief."""

    id: str
    citation: str
    value: Decimal | int | None = None
    text: str = ""


class RepresentativeFacts(_Frozen):
    """A negotiator of one side (R1–R4)."""

    name: str
    title: str
    is_chief: bool = False
    is_external: bool = False


class Parties(_Frozen):
    """The organisations of a case: union, employer body, labour bureau, covered enterprises."""

    union: str
    employer_body: str
    bureau: str
    covered_enterprises: tuple[str, ...] = ()


class CaseFacts(_Frozen):
    """What every document of a case shows: identity, parties, representatives, topics, rules."""

    case_id: str
    title: str
    level: Literal["sector", "regional", "enterprise"]
    sector: str
    region_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    kind: Literal["comprehensive", "wage", "safety", "women"]
    parties: Parties
    worker_representatives: tuple[RepresentativeFacts, ...] = ()
    employer_representatives: tuple[RepresentativeFacts, ...] = ()
    topics: tuple[Topic, ...]
    rules: dict[str, LegalRule] = Field(default_factory=dict)

    def chief(self, side: Side) -> RepresentativeFacts | None:
        """Return the chief representative of a side, if one is named."""
        reps = self.worker_representatives if side == "worker" else self.employer_representatives
        return next((rep for rep in reps if rep.is_chief), None)

    def ordered_topics(self) -> tuple[str, ...]:
        """Return the case's topics in the order of the topic registry (the contract's chapter order)."""
        return tuple(key for key in TOPIC_KEYS if key in self.topics)


# --- terms (api.md "terms"): the domain's own models, one definition of the eight topics ----------

Terms = DomainTerms


class DraftFacts(_Frozen):
    """A numbered draft of the contract: its terms, term of validity and content hash."""

    version: int
    sha256: Sha256
    term_start: dt.date
    term_end: dt.date
    terms: Terms
    created_on: dt.date


# --- events ------------------------------------------------------------------------------------


class PositionFacts(_Frozen):
    """Both sides' positions on one topic at a meeting."""

    topic: Topic
    worker_position: str
    employer_position: str
    agreed: bool = False


class MeetingFacts(_Frozen):
    """One negotiation meeting (R9): chaired by the chiefs in turn, with a neutral recorder."""

    number: int = 1
    held_on: dt.date
    location: str
    chair_side: Side
    recorder: str
    summary: str
    positions: tuple[PositionFacts, ...] = ()


class TallyFacts(_Frozen):
    """Ballot counts of one vote (R10 quorum, R11 majority of all members)."""

    members: int
    present: int
    yes: int
    no: int
    abstain: int
    quorum_met: bool
    majority_met: bool

    @property
    def passed(self) -> bool:
        """Whether both the quorum and the majority of all members hold."""
        return self.quorum_met and self.majority_met


class EnterpriseTallyFacts(TallyFacts):
    """The tally of one covered enterprise's workers (R12)."""

    enterprise: str


class VoteFacts(TallyFacts):
    """The worker congress vote on a draft, with per-enterprise tallies for sector contracts."""

    held_on: dt.date
    draft_version: int
    draft_sha256: Sha256
    per_enterprise: tuple[EnterpriseTallyFacts, ...] = ()


class Signature(_Frozen):
    """One side's signature on the contract."""

    side: Side
    signatory: str
    signed_on: dt.date
    place: str | None = None


class Filing(_Frozen):
    """Submission of the signed contract to the labour bureau (R13)."""

    filed_on: dt.date
    receipt_no: str | None = None


class SignedContractFacts(_Frozen):
    """The signed contract as archived: the sha256 of the contract document's bytes (PDF) and the day it was made."""

    sha256: Sha256
    made_on: dt.date


class AnswerFacts(_Frozen):
    """The employer side's written answer to the proposal (R6): the day it received it, and accept or decline."""

    received_on: dt.date
    accepted: bool
    reply: str = ""
    reason: str = ""


class ReceiptFacts(_Frozen):
    """The labour bureau's receipt of the filed contract (R14, R15): its number, its day, and the review's last day."""

    received_on: dt.date
    receipt_no: str
    review_due_on: dt.date


ClauseKey = str


class ObjectionItemFacts(_Frozen):
    """One item of the bureau's opinion: the clause it is about (a topic key, ``term`` or ``general``) and its text."""

    clause: ClauseKey
    text: str


class ObjectionFacts(_Frozen):
    """The labour bureau's review opinion (R14, R16): the day it received the contract, the opinion and its items."""

    received_on: dt.date
    objected_on: dt.date
    opinion: str
    items: tuple[ObjectionItemFacts, ...] = ()


class Publication(_Frozen):
    """Publication of the contract in force to the covered workers (R17)."""

    published_on: dt.date
    channels: tuple[str, ...]


# --- one context per document kind (registered in negotiation/documents/kinds.py) ------------------


class BaseContext(_Frozen):
    """What every document context has: the case, and the date the document speaks for."""

    case: CaseFacts

    @property
    def document_date(self) -> dt.date:  # pragma: no cover - overridden
        """The date the document speaks for; fixed by case data, never the wall clock."""
        raise NotImplementedError


class ProposalContext(BaseContext):
    """集体协商要约书: made at ``propose``."""

    kind: Literal["proposal"] = "proposal"
    served_on: dt.date
    demands: str

    @property
    def document_date(self) -> dt.date:
        """The day the proposal is served."""
        return self.served_on


class ProposalReplyContext(BaseContext):
    """要约回应书: made at ``accept`` and at ``decline``."""

    kind: Literal["proposal_reply"] = "proposal_reply"
    served_on: dt.date
    answer: AnswerFacts

    @property
    def document_date(self) -> dt.date:
        """The day the proposal was received (the reply is dated by hand)."""
        return self.answer.received_on


class MinutesContext(BaseContext):
    """协商会议纪要: made for each meeting."""

    kind: Literal["minutes"] = "minutes"
    meeting: MeetingFacts

    @property
    def document_date(self) -> dt.date:
        """The day the meeting was held."""
        return self.meeting.held_on


class DraftContext(BaseContext):
    """集体合同草案: made at ``submit_draft`` from the draft alone, without signatures."""

    kind: Literal["draft"] = "draft"
    draft: DraftFacts

    @property
    def document_date(self) -> dt.date:
        """The day the draft was made."""
        return self.draft.created_on

    def binding_enterprises(self) -> tuple[str, ...]:
        """A draft is proposed to every covered enterprise."""
        return self.case.parties.covered_enterprises


class ResolutionContext(BaseContext):
    """职代会决议: made at ``record_vote``, whether the vote passed or failed."""

    kind: Literal["resolution"] = "resolution"
    draft: DraftFacts
    vote: VoteFacts

    @property
    def document_date(self) -> dt.date:
        """The day of the vote."""
        return self.vote.held_on


class ContractContext(BaseContext):
    """集体合同: made at the second ``sign``."""

    kind: Literal["contract"] = "contract"
    draft: DraftFacts
    vote: VoteFacts
    signatures: tuple[Signature, ...]

    @property
    def document_date(self) -> dt.date:
        """The later of the two signing dates."""
        return max(sig.signed_on for sig in self.signatures)

    def binding_enterprises(self) -> tuple[str, ...]:
        """The covered enterprises whose own tally passed (R12); all of them without tallies."""
        if not self.vote.per_enterprise:
            return self.case.parties.covered_enterprises if self.vote.passed else ()
        return tuple(t.enterprise for t in self.vote.per_enterprise if t.passed)

    def signing_place(self) -> str:
        """Where the contract was signed: the place a signatory gave (the later one's first), else the bureau's city.

        The default is the labour bureau's name without "人力资源和社会保障局" (e.g. 西安市), since the contract is
        filed where it is signed in the ordinary case."""
        for sig in sorted(self.signatures, key=lambda s: s.signed_on, reverse=True):
            if sig.place:
                return sig.place
        bureau = self.case.parties.bureau
        for suffix in ("人力资源和社会保障局", "人力资源社会保障局"):
            if bureau.endswith(suffix) and len(bureau) > len(suffix):
                return bureau[: -len(suffix)]
        return bureau

    def signature(self, side: Side) -> Signature | None:
        """Return the signature of one side, if it signed."""
        return next((sig for sig in self.signatures if sig.side == side), None)


class FilingPackContext(ContractContext):
    """报送审查材料: cover letter, contract, resolution, representatives and minutes, at ``file``."""

    kind: Literal["filing_pack"] = "filing_pack"  # type: ignore[assignment]
    meetings: tuple[MeetingFacts, ...] = ()
    filing: Filing

    @property
    def document_date(self) -> dt.date:
        """The filing date."""
        return self.filing.filed_on


class PublicationContext(ContractContext):
    """公布记录: made at ``publish``."""

    kind: Literal["publication"] = "publication"  # type: ignore[assignment]
    signed_contract: SignedContractFacts
    publication: Publication

    @property
    def document_date(self) -> dt.date:
        """The publication date."""
        return self.publication.published_on


class PublicContractContext(ContractContext):
    """集体合同（公开文本）: made at ``publish`` for anyone to read; it holds no person's name.

    Whatever facts it is built from, the representatives' and signatories' names are masked on validation
    (negotiation/documents/anonymise.py): a public contract context that names a person cannot be made."""

    kind: Literal["public_contract"] = "public_contract"  # type: ignore[assignment]
    publication: Publication
    person_mask: ClassVar[str] = PERSON_MASK

    @model_validator(mode="wrap")
    @classmethod
    def _without_persons(cls, data: Any, handler: ModelWrapValidatorHandler[PublicContractContext]) -> PublicContractContext:
        named = handler(data)
        return handler(mask_persons(named.model_dump(mode="python")))

    @property
    def document_date(self) -> dt.date:
        """The publication date."""
        return self.publication.published_on


class ReceiptContext(ContractContext):
    """集体合同受理单: made at ``record_receipt``."""

    kind: Literal["receipt"] = "receipt"  # type: ignore[assignment]
    signed_contract: SignedContractFacts
    filing: Filing
    receipt: ReceiptFacts

    @property
    def document_date(self) -> dt.date:
        """The day the bureau received the contract."""
        return self.receipt.received_on


class ReviewOpinionContext(BaseContext):
    """审查意见书: made at ``object``."""

    kind: Literal["review_opinion"] = "review_opinion"
    draft: DraftFacts
    signed_contract: SignedContractFacts
    objection: ObjectionFacts

    @property
    def document_date(self) -> dt.date:
        """The day of the opinion."""
        return self.objection.objected_on


DocumentContext = (
    ProposalContext
    | ProposalReplyContext
    | MinutesContext
    | DraftContext
    | ResolutionContext
    | ContractContext
    | FilingPackContext
    | ReceiptContext
    | ReviewOpinionContext
    | PublicationContext
    | PublicContractContext
)
