"""Minimal entry point for ``negotiation render SAMPLE``: imports only what rendering needs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from negotiation.documents.kinds import DOCUMENT_KINDS as KINDS


def main(argv: Sequence[str] | None = None) -> int:
    """Render a built-in sample document to a file; return the process exit status."""
    parser = argparse.ArgumentParser(prog="negotiation render", description="Render a sample document.")
    parser.add_argument("sample", choices=KINDS)
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf")
    parser.add_argument("--out", required=True)
    parser.add_argument("--case", default="xian_express", choices=("xian_express", "minimal_wage"))
    args = parser.parse_args(argv)

    from negotiation.documents.samples import render_sample

    render_sample(args.sample, args.format, args.out, sample=args.case)
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    # Skip interpreter teardown of WeasyPrint's cffi/fontconfig state (~0.1 s): nothing is left to flush.
    import os

    os._exit(status)
