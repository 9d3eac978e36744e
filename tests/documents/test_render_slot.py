"""Renders in one process run one at a time (``RENDER_SLOT``): `negotiation serve` runs one worker per core, so at
most one render runs per core and other requests keep their CPU."""

from __future__ import annotations

import threading
import time

from negotiation.documents import pdf
from negotiation.documents.pdf import render_pdf
from negotiation.documents.samples import sample_context


def test_renders_in_one_process_run_one_at_a_time() -> None:
    context = sample_context("minutes")
    done = threading.Event()
    worker = threading.Thread(target=lambda: (render_pdf("minutes", context), done.set()))
    with pdf.RENDER_SLOT:  # a render holds the slot: another one waits for it
        worker.start()
        time.sleep(1.0)
        assert not done.is_set()
    worker.join(timeout=60)
    assert done.is_set()  # and runs once the slot is free
