"""The served application of api/asgi.py without its operations (bench/api.py --operations): no ResponseFacts
middleware (request id, headers, JSON log line, HTTP metrics) and no logging configured; everything else the same."""

from __future__ import annotations

from api.main import create_app
from api.middleware import ResponseFacts
from negotiation import documents
from negotiation.bootstrap import bootstrap
from negotiation.speedups import freeze_worker

documents.warm_up()
app = create_app(bootstrap(migrate=False))
app.user_middleware = [m for m in app.user_middleware if m.cls is not ResponseFacts]  # before the stack is built
freeze_worker()
