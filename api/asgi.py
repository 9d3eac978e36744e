"""The ASGI application that `negotiation serve` runs, built from the environment (migrations already applied)."""

from __future__ import annotations

from api.main import create_app
from negotiation import documents
from negotiation.bootstrap import bootstrap
from negotiation.speedups import freeze_worker

# Each worker loads WeasyPrint, the fonts and the stylesheet before its first request, not during it.
documents.warm_up()
app = create_app(bootstrap(migrate=False))

freeze_worker()  # what was built so far lives as long as the worker (negotiation/speedups.py)
