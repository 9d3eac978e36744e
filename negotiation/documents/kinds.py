"""The document kind registry: every kind of paper once, as data — key, Chinese title, what makes it, its context.

A kind's template is ``contract_templates/<key>/document.html``; its context class (context.py) declares the facts
it shows (``draft``, ``vote``, ``signatures``…), and both the engine (service_layer/document_facts.py) and the
samples (samples.py, for ``negotiation render SAMPLE``) fill a context from those declared facts, so a kind made
of facts they already know needs no code besides its entry here. The review pages' titles, the render
CLI's choices and "which event makes which document" are derived from this registry.

``made_at`` names events of the event registry (negotiation/events.py) or actions (``record_meeting``) by key.
"""

from __future__ import annotations

from dataclasses import dataclass

from negotiation.documents.context import (
    BaseContext,
    ContractContext,
    DraftContext,
    FilingPackContext,
    MinutesContext,
    ProposalContext,
    ProposalReplyContext,
    PublicationContext,
    PublicContractContext,
    ReceiptContext,
    ResolutionContext,
    ReviewOpinionContext,
)

__all__ = ["DOCUMENT_KINDS", "REGISTRY", "DocumentKind", "UnknownDocumentKind", "document_kind", "kinds_made_at"]


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document.

    ``made_only_in`` — made only when the event leaves the case in this state (the contract: the second ``sign``).
    ``supersedes`` — a new one replaces the earlier one of its kind in the case's list (``superseded_by``).
    ``public`` — anyone may read it (the public portal): it embeds no ``audit.json`` or ``terms.json``, since the
    audit chain names the people who acted, and its context masks every person's name.
    """

    key: str
    title: str
    context: type[BaseContext]
    made_at: tuple[str, ...]
    made_only_in: str | None = None
    supersedes: bool = False
    public: bool = False

    @property
    def template(self) -> str:
        """The template that renders it, relative to the template root."""
        return f"{self.key}/document.html"

    @property
    def facts(self) -> tuple[str, ...]:
        """The facts its context shows besides the case, in the order the context declares them."""
        return tuple(name for name in self.context.model_fields if name not in ("case", "kind"))


REGISTRY: dict[str, DocumentKind] = {
    k.key: k
    for k in (
        DocumentKind("proposal", "集体协商要约书", ProposalContext, made_at=("propose",)),
        DocumentKind("proposal_reply", "要约回应书", ProposalReplyContext, made_at=("accept", "decline")),
        DocumentKind("minutes", "协商会议纪要", MinutesContext, made_at=("record_meeting",)),
        DocumentKind("draft", "集体合同草案", DraftContext, made_at=("submit_draft",)),
        DocumentKind("resolution", "职工代表大会决议", ResolutionContext, made_at=("record_vote",)),
        DocumentKind("contract", "集体合同", ContractContext, made_at=("sign",), made_only_in="signed", supersedes=True),
        DocumentKind("filing_pack", "报送审查材料", FilingPackContext, made_at=("file",), supersedes=True),
        DocumentKind("receipt", "集体合同受理单", ReceiptContext, made_at=("record_receipt",), supersedes=True),
        DocumentKind("review_opinion", "审查意见书", ReviewOpinionContext, made_at=("object",)),
        DocumentKind("publication", "公布记录", PublicationContext, made_at=("publish",), supersedes=True),
        DocumentKind(
            "public_contract", "集体合同（公开文本）", PublicContractContext, made_at=("publish",), supersedes=True, public=True
        ),
    )
}

DOCUMENT_KINDS: tuple[str, ...] = tuple(REGISTRY)


class UnknownDocumentKind(ValueError):
    """A document kind that is not registered."""


def document_kind(key: str) -> DocumentKind:
    """The registered kind of a key (UnknownDocumentKind otherwise)."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise UnknownDocumentKind(f"unknown document kind: {key!r}; expected one of {tuple(REGISTRY)}") from None


def kinds_made_at(event: str) -> tuple[DocumentKind, ...]:
    """The kinds an event (or action) makes, in registry order."""
    return tuple(k for k in REGISTRY.values() if event in k.made_at)
