"""The ASGI application that `negotiation serve` runs, built from the environment (migrations already applied)."""

from __future__ import annotations

from api.logs import configure_logging
from api.main import create_app
from negotiation import documents
from negotiation.bootstrap import bootstrap
from negotiation.speedups import freeze_worker

configure_logging()  # one JSON line per request on stderr (api/middleware.py)
# Each worker loads WeasyPrint, the fonts and the stylesheet before its first request, not during it.
documents.warm_up()
app = create_app(bootstrap(migrate=False))

freeze_worker()  # what was built so far lives as long as the worker (negotiation/speedups.py)
