"""Contract documents: view models, templates, PDF/A-3b rendering and the content-addressed archive.

Render outside the database transaction (``render_pdf`` needs only a context), then store the
bytes with ``ArchiveStore.put`` and record the returned sha256 under the case's version check.
WeasyPrint is imported on the first ``render_pdf`` call, not on import of this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from negotiation.documents.archive import (
    ArchiveStore,
    VerificationFailure,
    sha256_hex,
    verify_all,
)
from negotiation.documents.context import (
    TOPIC_KEYS,
    CaseFacts,
    ContractContext,
    DocumentContext,
    DraftFacts,
    EnterpriseTallyFacts,
    Filing,
    FilingPackContext,
    LegalRule,
    MeetingFacts,
    MinutesContext,
    Parties,
    PositionFacts,
    ProposalContext,
    Publication,
    PublicationContext,
    PublicContractContext,
    RepresentativeFacts,
    ResolutionContext,
    Signature,
    Terms,
    VoteFacts,
)
from negotiation.documents.html import TEMPLATE_ROOT, TemplateCheckError, check_templates, render_html
from negotiation.documents.kinds import DOCUMENT_KINDS, DocumentKind, document_kind, kinds_made_at
from negotiation.documents.legibility import illegible_characters
from negotiation.documents.rendered import DocumentRenderError, IllegibleTextError, RenderedDocument
from negotiation.errors import ArchiveIntegrityError


def render_pdf(
    kind: str,
    context: DocumentContext,
    attachments: Mapping[str, bytes] | None = None,
    *,
    strict_glyphs: bool = False,
    root: Path = TEMPLATE_ROOT,
) -> RenderedDocument:
    """Render a document to reproducible PDF/A-3b bytes with ``attachments`` (name → bytes) embedded."""
    from negotiation.speedups import renderer_module

    rendered: RenderedDocument = renderer_module().render_pdf(kind, context, attachments, strict_glyphs=strict_glyphs, root=root)
    return rendered


def warm_up() -> None:
    """Load WeasyPrint, the fonts and the stylesheet now (e.g. at service start)."""
    from negotiation.speedups import renderer_module

    renderer_module().warm_up()


__all__ = [
    "DOCUMENT_KINDS",
    "TEMPLATE_ROOT",
    "TOPIC_KEYS",
    "ArchiveIntegrityError",
    "ArchiveStore",
    "CaseFacts",
    "ContractContext",
    "DocumentContext",
    "DocumentKind",
    "DocumentRenderError",
    "DraftFacts",
    "EnterpriseTallyFacts",
    "Filing",
    "FilingPackContext",
    "IllegibleTextError",
    "LegalRule",
    "MeetingFacts",
    "MinutesContext",
    "Parties",
    "PositionFacts",
    "ProposalContext",
    "PublicContractContext",
    "Publication",
    "PublicationContext",
    "RenderedDocument",
    "RepresentativeFacts",
    "ResolutionContext",
    "Signature",
    "TemplateCheckError",
    "Terms",
    "VerificationFailure",
    "VoteFacts",
    "check_templates",
    "document_kind",
    "illegible_characters",
    "kinds_made_at",
    "render_html",
    "render_pdf",
    "sha256_hex",
    "verify_all",
    "warm_up",
]
