"""The service's Prometheus metrics, defined once; ``GET /metrics`` shows them summed over every worker process.

``negotiation serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before any worker starts, so each
worker's values live in shared files (prometheus-client's multiprocess mode) and ``exposition()`` adds them up. In a
process without it (tests, the CLI) the values are the process's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = [
    "CONTENT_TYPE",
    "DEADLINES_FIRED",
    "DOCUMENTS_RENDERED",
    "DOCUMENT_RENDER_SECONDS",
    "EVENTS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "MULTIPROCESS_ENV",
    "count_events",
    "exposition",
]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

HTTP_REQUESTS = Counter(
    "negotiation_http_requests", "HTTP requests answered, by method, route template and status", ["method", "route", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "negotiation_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS = Counter("negotiation_events", "Audited changes of cases written (lifecycle events and other changes)", ["event"])
DOCUMENTS_RENDERED = Counter("negotiation_documents_rendered", "Documents rendered to PDF, by kind", ["kind"])
DOCUMENT_RENDER_SECONDS = Histogram(
    "negotiation_document_render_seconds",
    "Time to render one document to PDF",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
)
DEADLINES_FIRED = Counter("negotiation_deadlines_fired", "Legal deadlines fired by the sweeper, by rule", ["rule"])


def count_events(events: Iterable[str]) -> None:
    """Count audited changes once their transaction has committed."""
    for event in events:
        EVENTS.labels(event=event).inc()


def exposition() -> bytes:
    """The metrics in Prometheus text format: summed over every worker when served, else this process's own."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(registry))
    return bytes(generate_latest())
