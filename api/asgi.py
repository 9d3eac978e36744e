"""The ASGI application that `negotiation serve` runs, built from the environment (migrations already applied)."""

from __future__ import annotations

from api.main import create_app
from negotiation.bootstrap import bootstrap

app = create_app(bootstrap(migrate=False))
