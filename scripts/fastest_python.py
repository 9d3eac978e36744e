"""Print the fastest CPython >= 3.11 on this machine that can make a virtualenv (`make` builds .venv from it).

The interpreters on these machines differ by more than 2x on pure Python: the first `python3` on PATH may be an
unoptimised build, while Debian's /usr/bin/python3.11 is built with PGO and LTO. Each candidate runs the same short
pure-Python loop (its CPU time, best of seven in each of seven rounds, in its own process); the fastest wins, ties going to the earlier candidate.

    python3 scripts/fastest_python.py            # the path of the winner
    python3 scripts/fastest_python.py --report   # every candidate with its time, winner first
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

MINIMUM = (3, 11)
NAMES = ("python3", "python3.11", "python3.12", "python3.13", "python3.14")
PLACES = ("/usr/bin", "/usr/local/bin", os.path.expanduser("~/.pyenv/versions/*/bin"))

# Run inside each candidate: its real executable, its version, whether venv and ensurepip import, and the best of
# seven timings (CPU time, so that other work on the machine counts less) of a mix of pure-Python work — a module-level loop (global look-ups), method calls and attribute
# look-ups in a function, string formatting and dict inserts — about 30 ms each on these machines.
PROBE = r"""
import sys, time
code = compile("total = 0\nfor i in range(n):\n    total += i\n", "probe", "exec")
class Point:
    def __init__(self, x):
        self.x = x
    def step(self, i):
        return self.x + i
def calls(n):
    total, point = 0, Point(1)
    for i in range(n):
        total += point.step(i) % 7
    return total
def strings(n):
    table = {}
    for i in range(n):
        table[str(i)] = i
    return sum(len(k) for k in table)
def work():
    exec(code, {"n": 100_000})
    calls(100_000)
    strings(30_000)
def timed():
    start = time.process_time()
    work()
    return time.process_time() - start
best = min(timed() for _ in range(7))
try:
    import ensurepip, venv
    ok = 1
except ImportError:
    ok = 0
print(sys.executable, "%d.%d" % sys.version_info[:2], ok, sys.implementation.name, "%.6f" % best)
"""
ROUNDS = 7  # candidates are measured in turn, round after round, so a busy moment does not favour one of them


def candidates() -> list[str]:
    """Every python3 name on PATH and in the usual places, once per real file."""
    found: list[str] = []
    for name in NAMES:
        path = shutil.which(name)
        if path:
            found.append(path)
    for place in PLACES:
        for directory in glob.glob(place):
            for name in NAMES:
                path = os.path.join(directory, name)
                if os.access(path, os.X_OK):
                    found.append(path)
    unique: dict[str, str] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def probe(path: str) -> tuple[str, tuple[int, int], float] | None:
    """(real executable, version, seconds) of a usable CPython >= 3.11, or None."""
    try:
        out = subprocess.run([path, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True).stdout
        executable, version, ok, impl, seconds = out.split()
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    major, minor = (int(p) for p in version.split("."))
    if impl != "cpython" or (major, minor) < MINIMUM or ok != "1":
        return None
    return os.path.realpath(executable), (major, minor), float(seconds)


def main() -> int:
    results: dict[str, tuple[tuple[int, int], float]] = {}
    usable = list(candidates())
    for _ in range(ROUNDS):
        for path in list(usable):
            got = probe(path)
            if got is None:
                usable.remove(path)
                continue
            executable, version, seconds = got
            if executable in results and results[executable][1] <= seconds:
                continue
            results[executable] = (version, seconds)
    if not results:
        print(f"no CPython >= {MINIMUM[0]}.{MINIMUM[1]} with venv found", file=sys.stderr)
        return 1
    ranked = sorted(results.items(), key=lambda item: item[1][1])
    if "--report" in sys.argv[1:]:
        for executable, (version, seconds) in ranked:
            print(f"{executable}\t{version[0]}.{version[1]}\t{seconds * 1000:.1f} ms")
    else:
        print(ranked[0][0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
