"""The ASGI application that `negotiation serve` runs, built from the environment (migrations already applied)."""

from __future__ import annotations

import gc

from api.main import create_app
from negotiation import documents
from negotiation.bootstrap import bootstrap

# Each worker loads WeasyPrint, the fonts and the stylesheet before its first request, not during it.
documents.warm_up()
app = create_app(bootstrap(migrate=False))

# What was built so far (the app, the renderer and its fonts, the mapped classes) lives as long as the worker: out of the
# cyclic collector's way, so that a full collection walks only what requests left behind.
gc.freeze()
