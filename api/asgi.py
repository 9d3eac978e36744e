"""The ASGI application that `negotiation serve` runs, built from the environment (migrations already applied)."""

from __future__ import annotations

from api.main import create_app
from negotiation import documents
from negotiation.bootstrap import bootstrap

# Each worker loads WeasyPrint, the fonts and the stylesheet before its first request, not during it.
documents.warm_up()
app = create_app(bootstrap(migrate=False))
