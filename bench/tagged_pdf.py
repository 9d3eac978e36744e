"""Benchmark (issue 9): the sample contract rendered with and without PDF tags, interleaved in one process.

Run: .venv/bin/python bench/tagged_pdf.py [--runs 40] [--kinds contract,...]
Each round renders untagged then tagged (order alternating per round) so that load from other
processes on the machine falls on both alike; prints medians, the ratio and the file sizes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    """Print warm render medians with and without tags for each kind, and the tagged/untagged ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--kinds", default="contract")
    args = parser.parse_args()

    from negotiation.documents.pdf import render_pdf
    from negotiation.documents.samples import sample_attachments, sample_context

    print(f"python {sys.version.split()[0]}, {args.runs} interleaved rounds per kind")
    for kind in args.kinds.split(","):
        context = sample_context(kind)
        attachments = sample_attachments(kind)
        sizes = {tagged: len(render_pdf(kind, context, attachments, tagged=tagged).pdf) for tagged in (False, True)}
        times: dict[bool, list[float]] = {False: [], True: []}
        for index in range(args.runs):
            for tagged in (False, True) if index % 2 == 0 else (True, False):
                start = time.perf_counter()
                render_pdf(kind, context, attachments, tagged=tagged)
                times[tagged].append(time.perf_counter() - start)
        plain, tagged_ = statistics.median(times[False]), statistics.median(times[True])
        pairs = sorted(t / p for p, t in zip(times[False], times[True], strict=True))
        print(
            f"{kind}: untagged {plain * 1000:.1f} ms, tagged {tagged_ * 1000:.1f} ms, ratio of medians "
            f"{tagged_ / plain:.3f}, median per-round ratio {statistics.median(pairs):.3f}; "
            f"size {sizes[False]} -> {sizes[True]} bytes ({sizes[True] / sizes[False] - 1:+.1%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
