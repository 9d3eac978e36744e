"""The console script: `negotiation render` takes a short path that loads only the renderer; all else goes to the CLI."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Dispatch `negotiation …`."""
    if len(sys.argv) > 1 and sys.argv[1] == "render":
        from negotiation.speedups import one_shot_process

        one_shot_process()  # before the imports: they are most of what the collector would walk
        from negotiation.documents.render_cli import main as render_main

        status = render_main(sys.argv[2:])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # skip interpreter teardown of WeasyPrint's native state: nothing is left to flush
    from negotiation.cli import main as cli_main

    cli_main()
