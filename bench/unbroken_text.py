"""The cost of text without break opportunities: minutes whose summary is one unbroken run of N letters, beside
minutes whose summary is N letters of ordinary words, rendered in the same process (median of --runs).

    .venv/bin/python bench/unbroken_text.py --sizes 5000 20000 40000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import time

from negotiation.documents.kinds import document_kind
from negotiation.documents.pdf import render_pdf
from negotiation.documents.samples import sample_facts


def _context(summary: str) -> object:
    facts = sample_facts()
    meeting = {**facts["meeting"], "summary": summary}
    kind = document_kind("minutes")
    return kind.context.model_validate(
        {"case": facts["case"], **{n: (meeting if n == "meeting" else facts[n]) for n in kind.facts}}
    )


def _seconds(summary: str, runs: int) -> float:
    context = _context(summary)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render_pdf("minutes", context)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 40000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _seconds("预热", 1)
    print(f"{'characters':>10} {'unbroken run (s)':>17} {'ordinary words (s)':>19} {'ratio':>6}")
    for size in args.sizes:
        run = "".join(chr(ord("A") + i % 26) for i in range(size))
        words = ("abcdefg " * (size // 8 + 1))[:size]
        unbroken, ordinary = _seconds(run, args.runs), _seconds(words, args.runs)
        print(f"{size:>10} {unbroken:>17.2f} {ordinary:>19.2f} {unbroken / ordinary:>6.2f}")


if __name__ == "__main__":
    main()
