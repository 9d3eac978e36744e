"""The stored texts of a case, kept in the transaction of the change that makes them.

- a new case: its searchable text is its title's;
- a new draft: the case's searchable text becomes the draft's (as its document would print it);
- the contract, made at the second ``sign``: the searchable text becomes the contract's;
- the public contract, made at ``publish``: its anonymised text and HTML for the public portal.

The searchable text serves ``GET /api/v1/cases?q=`` (parties only); the public text is what the portal shows and
searches, so a person's name, masked in it, cannot be found there either.
"""

from __future__ import annotations

from collections.abc import Sequence

from negotiation.documents import PublicContractContext, render_html
from negotiation.documents.kinds import REGISTRY
from negotiation.documents.plain_text import body_html, plain_text, search_form
from negotiation.model import Draft, NegotiationCase
from negotiation.service_layer import documents as docs
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = ["record_document_texts", "record_draft_text", "record_title", "searchable"]


def searchable(title: str, form: str = "") -> str:
    """A case's searchable text: its title's search form, then on a line of its own (a phrase never spans the two)
    the search form of its current draft or contract, if it has one."""
    return search_form(title) + ("\n" + form if form else "")


def record_title(uow: UnitOfWork, case: NegotiationCase) -> None:
    """A new case is found by its title."""
    assert case.id is not None
    uow.repo.texts.put_case_text(case_id=case.id, source="title", draft_version=0, text=searchable(case.title))


def record_draft_text(uow: UnitOfWork, case: NegotiationCase, draft: Draft) -> None:
    """The case's searchable text is now this draft's."""
    assert case.id is not None
    html = render_html("draft", docs.draft_context(uow, case, draft), standalone=False)
    text = searchable(case.title, search_form(plain_text(html)))
    uow.repo.texts.put_case_text(case_id=case.id, source="draft", draft_version=draft.version, text=text)


def record_document_texts(uow: UnitOfWork, case: NegotiationCase, made: Sequence[docs.MadeDocument]) -> None:
    """The texts of the documents an event just stored: the contract's, and the public contract's."""
    if not made:
        return
    assert case.id is not None
    signed = {k.key for k in REGISTRY.values() if k.made_only_in == "signed"}  # the contract, by the registry
    for m in made:
        if m.planned.kind in signed:
            version = m.planned.draft_version or case.current_draft_version or 0
            text = searchable(case.title, search_form(plain_text(m.html)))
            uow.repo.texts.put_case_text(case_id=case.id, source="contract", draft_version=version, text=text)
        elif isinstance(m.planned.context, PublicContractContext):
            context = m.planned.context
            row = next(d for d in uow.repo.documents(case.id) if d.kind == m.planned.kind and d.sha256 == m.sha256)
            assert row.id is not None
            uow.repo.texts.put_public_contract(
                case_id=case.id, document_id=row.id, published_on=context.publication.published_on,
                term_start=context.draft.term_start, term_end=context.draft.term_end,
                html=body_html(m.html), text=search_form(plain_text(m.html)),
            )  # fmt: skip
