"""The largest document the caps allow, and what two of them cost everyone else.

    .venv/bin/python bench/largest_document.py [--runs 3] [--probe-seconds 6]

1. In process: the filing pack (报送审查材料, the document that carries the most user text: the contract and every
   meeting's minutes) of the sample case, once as it is and once with the case's minutes at their caps
   (commands.MEETINGS_TEXT_LIMIT characters over meetings of commands.MINUTES_TEXT_LIMIT each, positions at their
   cap, ordinary Chinese prose with punctuation), with those minutes and the longest piece-rate table the terms'
   caps allow, with all that and the most covered enterprises with the longest names, and with all that, the most
   representatives with the longest names and as many meetings as a series may hold, and with all that, the
   minutes' text spread over every meeting in as many lines as a series may hold, rendered --runs times
   each; median seconds and pages. Target: ≤ 3 s (api.md).
2. Served: `negotiation serve` with its default workers on a temp SQLite file; two cases carried to `signed`
   over HTTP, each with minutes at the caps and the most piece rates. One client measures GET /api/v1/cases/{id} latency alone for
   --probe-seconds, then again while both cases are filed at once (each `file` renders a largest filing pack).
   Printed: the probe's p50/p99 alone and during the renders, and how long each `file` took.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
ADMIN = "bench-admin-token-largest-document-0123456789"
SENTENCE = "双方就快递员计件单价、派费结算周期和高温作业补贴逐项交换了意见，并同意在下次会议前各自提出测算依据。"


def prose(characters: int) -> str:
    """Ordinary Chinese minutes of about that many characters."""
    return (SENTENCE * (characters // len(SENTENCE) + 1))[:characters]


def capped_meetings(base: dict[str, Any]) -> list[dict[str, Any]]:
    """Meetings whose text fills the caps: commands.MEETINGS_TEXT_LIMIT over meetings of commands.MINUTES_TEXT_LIMIT
    each, as much of it as commands.POSITIONS_TEXT_LIMIT allows in the workers' position on one topic (a table
    cell: dearer than the summary's paragraphs), the rest in the summaries."""
    from negotiation.commands import MEETINGS_TEXT_LIMIT, MINUTES_TEXT_LIMIT, POSITIONS_TEXT_LIMIT

    topic = base["positions"][0]["topic"] if base.get("positions") else "piece_rates"
    meetings, left, positions_left = [], MEETINGS_TEXT_LIMIT, POSITIONS_TEXT_LIMIT
    while left:
        size = min(left, MINUTES_TEXT_LIMIT)
        position = min(positions_left, size // 2)
        cells = (
            [{"topic": topic, "worker_position": prose(position), "employer_position": "", "agreed": False}] if position else []
        )
        meetings.append({**base, "summary": prose(size - position), "positions": cells})
        left, positions_left = left - size, positions_left - position
    return meetings


def most_piece_rates(terms: dict[str, Any]) -> list[dict[str, Any]]:
    """The longest piece-rate table the caps allow beside the rest of these terms: as many rates as the topic holds,
    each with one supplement, until the items of the terms reach commands.TERMS_ITEMS_LIMIT, with names as long as
    commands.TERMS_TEXT_LIMIT leaves room for (each rate is an article of the contract: more rates cost more than
    more supplements of fewer rates)."""
    from negotiation.commands import TERMS_ITEMS_LIMIT, TERMS_TEXT_LIMIT
    from negotiation.terms import Terms, terms_size
    from negotiation.topics import TOPIC_REGISTRY

    others = Terms.model_validate({**terms, "piece_rates": None})
    items_left, text_left = (
        limit - used for limit, used in zip((TERMS_ITEMS_LIMIT, TERMS_TEXT_LIMIT), terms_size(others), strict=True)
    )
    rates = min(next(t.max_items for t in TOPIC_REGISTRY if t.key == "piece_rates") or 0, items_left // 2)
    length = text_left // (rates * 3)  # service, unit and condition of each rate

    def name(i: int) -> str:
        return (f"第{i}项" + "城区快递派送服务" * 40)[:length]

    table = [{"service": name(i), "unit": name(i), "rate_cny": "9.90", "supplements": [{"condition": name(i), "amount_cny": "0.50"}]}
             for i in range(rates)]  # fmt: skip
    items, characters = terms_size(Terms.model_validate({**terms, "piece_rates": table}))
    assert items <= TERMS_ITEMS_LIMIT and characters <= TERMS_TEXT_LIMIT, (items, characters)
    return table


def most_enterprises() -> list[str]:
    """As many covered enterprises as a case may have, each with the longest name an organisation may have."""
    from negotiation.commands import COVERED_ENTERPRISES_LIMIT, ORGANIZATION_NAME_LIMIT

    return [(f"{i}号" + "顺丰速运西安分公司" * 10)[:ORGANIZATION_NAME_LIMIT] for i in range(COVERED_ENTERPRISES_LIMIT)]


def most_meetings(capped: list[dict[str, Any]], base: dict[str, Any]) -> list[dict[str, Any]]:
    """The capped minutes and as many more meetings, without text, as a series may hold (each prints both sides)."""
    from negotiation.commands import MEETINGS_LIMIT

    return capped + [{**base, "summary": "", "positions": []} for _ in range(MEETINGS_LIMIT - len(capped))]


def most_lines(meetings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same meetings with the summaries' characters spread over every meeting and broken into as many lines as
    commands.MEETINGS_LINES_LIMIT leaves beside the positions (each line is a paragraph of the filing pack)."""
    from negotiation.commands import MEETINGS_LINES_LIMIT, MEETINGS_TEXT_LIMIT, MINUTES_TEXT_LIMIT
    from negotiation.formats import TEXT_LINES

    def lines_of(text: str) -> int:
        return text.count("\n") + 1 if text else 0

    characters = sum(len(m["summary"]) for m in meetings)
    position_lines = sum(
        lines_of(p[s]) for m in meetings for p in m["positions"] for s in ("worker_position", "employer_position")
    )
    budget, count = MEETINGS_LINES_LIMIT - position_lines, len(meetings)
    spread = []
    for i, meeting in enumerate(meetings):
        size = characters // count + (i < characters % count)
        lines = min(budget // count + (i < budget % count), TEXT_LINES)
        text = prose(size - (lines - 1))  # the line breaks count as characters
        step = len(text) // lines
        summary = "\n".join(text[j * step : (j + 1) * step if j < lines - 1 else None] for j in range(lines))
        spread.append({**meeting, "summary": summary})
    written = [
        len(m["summary"]) + sum(len(p["worker_position"]) + len(p["employer_position"]) for p in m["positions"]) for m in spread
    ]
    total_lines = sum(lines_of(m["summary"]) for m in spread) + position_lines
    assert max(written) <= MINUTES_TEXT_LIMIT and sum(written) <= MEETINGS_TEXT_LIMIT, written
    assert total_lines == MEETINGS_LINES_LIMIT, total_lines
    return spread


def most_representatives(chief: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Both sides with as many representatives as a side may have, each name and post as long as they may be."""
    from negotiation.commands import REPRESENTATIVES_LIMIT

    def side(mark: str) -> list[dict[str, Any]]:
        return [
            {**chief, "name": (f"{mark}{i}" + "阿卜杜热西提" * 10)[:30], "title": ("快递员代表" * 20)[:50], "is_chief": i == 0}
            for i in range(REPRESENTATIVES_LIMIT)
        ]

    return {"worker_representatives": side("甲"), "employer_representatives": side("乙")}


def in_process(runs: int) -> None:
    import io

    from pypdf import PdfReader

    from negotiation.documents.kinds import document_kind
    from negotiation.documents.pdf import render_pdf
    from negotiation.documents.samples import sample_attachments, sample_facts

    kind = document_kind("filing_pack")
    facts = sample_facts()

    def context(
        meetings: list[dict[str, Any]],
        rates: list[dict[str, Any]] | None = None,
        covered: list[str] | None = None,
        sides: dict[str, list[dict[str, Any]]] | None = None,
    ) -> Any:
        fields = {"case": facts["case"], **{n: facts[n] for n in kind.facts}, "meetings": meetings}
        if covered is not None:
            fields["case"] = {**facts["case"], "parties": {**facts["case"]["parties"], "covered_enterprises": covered}}
        if sides is not None:
            fields["case"] = {**fields["case"], **sides}
        if rates is not None:
            fields["draft"] = {**facts["draft"], "terms": {**facts["draft"]["terms"], "piece_rates": rates}}
        return kind.context.model_validate(fields)

    attachments = sample_attachments("filing_pack")
    capped = capped_meetings(facts["meeting"])
    cases = {
        "sample case": context(list(facts["meetings"])),
        "minutes at the caps": context(capped),
        "+ most piece rates": context(capped, most_piece_rates(facts["draft"]["terms"])),
        "+ most enterprises": context(capped, most_piece_rates(facts["draft"]["terms"]), most_enterprises()),
        "+ most meetings, reps": context(
            most_meetings(capped, facts["meeting"]), most_piece_rates(facts["draft"]["terms"]), most_enterprises(),
            most_representatives(facts["case"]["worker_representatives"][0]),
        ),
        "+ most lines": context(
            most_lines(most_meetings(capped, facts["meeting"])), most_piece_rates(facts["draft"]["terms"]), most_enterprises(),
            most_representatives(facts["case"]["worker_representatives"][0]),
        ),
    }  # fmt: skip
    render_pdf("filing_pack", cases["sample case"], attachments)  # warm up: fonts, stylesheet
    print(f"{'filing pack':<22} {'user text (chars)':>18} {'pages':>6} {'KiB':>6} {'median s':>9} {'runs (s)':>20}")
    for name, ctx in cases.items():
        times, pdf = [], b""
        for _ in range(runs):
            started = time.perf_counter()
            pdf = render_pdf("filing_pack", ctx, attachments).pdf
            times.append(time.perf_counter() - started)
        text = sum(
            len(m.summary) + sum(len(p.worker_position) + len(p.employer_position) for p in m.positions) for m in ctx.meetings
        )
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        runs_text = " ".join(f"{t:.2f}" for t in times)
        print(f"{name:<22} {text:>18,} {pages:>6} {len(pdf) / 1024:>6.0f} {statistics.median(times):>9.2f} {runs_text:>20}")


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{len(ordered):>6} requests, p50 {p50:6.1f} ms, p99 {p99:7.1f} ms, max {ordered[-1] * 1000:7.1f} ms"


def served(probe_seconds: float) -> None:
    import httpx

    from tests.flows import EMPLOYERS, TERMS, WORKERS, XIAN_ORGANIZATIONS, Flow, seed_parties

    work = Path(tempfile.mkdtemp(prefix="bench-largest-"))
    port = 18000 + os.getpid() % 1000
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        NEGOTIATION_DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}",
        NEGOTIATION_ARCHIVE_DIR=str(work / "archive"),
        NEGOTIATION_ADMIN_TOKEN=ADMIN,
        NEGOTIATION_TEST_CLOCK="1",
        PYTHONPATH=str(ROOT),
    )
    command = [str(Path(sys.executable).parent / "negotiation"), "serve", "--port", str(port)]
    with (work / "serve.log").open("wb") as log:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        client = httpx.Client(base_url=base, timeout=120)
        users = (
            ("union", "工会用户", "union_negotiator", "union"), ("employer_body", "协会用户", "enterprise_rep", "employer_body"),
            ("bureau", "人社用户", "labour_bureau", "bureau"), ("ent1", "企业用户一", "enterprise_rep", "ent1"),
        )  # fmt: skip
        orgs, tokens = seed_parties(client, ADMIN, XIAN_ORGANIZATIONS, users)
        headers = {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}
        body = {"title": "最大文书测算", "level": "sector", "sector": "express_delivery", "region_code": "610100",
                "kind": "comprehensive", "union_org_id": orgs["union"], "employer_org_id": orgs["employer_body"],
                "bureau_org_id": orgs["bureau"], "covered_enterprise_ids": [orgs["ent1"]],
                "topics": ["piece_rates", "pay_method", "rest_leave"]}  # fmt: skip
        assert WORKERS and EMPLOYERS and TERMS
        flows = []
        started = time.perf_counter()
        for _ in range(2):
            flow = Flow(client, headers, body)  # type: ignore[arg-type]
            flow.to_consulting()
            for n, meeting in enumerate(capped_meetings({"held_on": "2026-11-12", "location": "西安市总工会会议室"})):
                chair = ("worker", "employer")[n % 2]  # R9: the chiefs chair in turn
                minutes = {**meeting, "held_on": f"2026-11-{12 + n}", "chair_side": chair, "recorder": "周静"}
                answer = client.post(f"/api/v1/cases/{flow.id}/meetings", json=minutes, headers=headers["union"])
                assert answer.status_code == 201, answer.text
            terms = {**TERMS, "piece_rates": most_piece_rates(TERMS)}
            flow.event("union", "submit_draft", {"draft_version": flow.draft(terms)["version"]})
            for who in ("employer_body", "ent1"):
                flow.event(who, "approve_draft")
            flow.event("union", "open_vote")
            tally = {"members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2, "held_on": "2026-12-01"}
            flow.event("union", "record_vote", {"draft_version": flow.case["current_draft_version"], **tally})
            flow.event("union", "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
            flow.event("employer_body", "sign", {"signed_on": "2026-12-03", "signatory": "张伟"})
            flows.append(flow)
        print(f"\nserved: two cases signed, minutes at the caps, in {time.perf_counter() - started:.1f} s")

        probe = httpx.Client(base_url=base, timeout=120)
        path = f"/api/v1/cases/{flows[0].id}"

        def measure(until: threading.Event | None, seconds: float) -> list[float]:
            samples, stop_at = [], time.perf_counter() + seconds
            while (until is None and time.perf_counter() < stop_at) or (until is not None and not until.is_set()):
                t0 = time.perf_counter()
                assert probe.get(path, headers=headers["employer_body"]).status_code == 200
                samples.append(time.perf_counter() - t0)
            return samples

        print(f"GET {path}, alone:            {_percentiles(measure(None, probe_seconds))}")
        durations: dict[int, float] = {}

        def file(flow: Flow) -> None:
            own = httpx.Client(base_url=base, timeout=120)
            version = own.get(f"/api/v1/cases/{flow.id}", headers=headers["union"]).json()["version"]
            t0 = time.perf_counter()
            event = {"event": "file", "expected_version": version, "data": {"filed_on": "2026-12-04"}}
            answer = own.post(f"/api/v1/cases/{flow.id}/events", json=event, headers=headers["union"])
            durations[flow.id] = time.perf_counter() - t0
            assert answer.status_code == 200, answer.text

        done = threading.Event()
        filers = [threading.Thread(target=file, args=(f,)) for f in flows]
        for t in filers:
            t.start()

        def wait() -> None:
            for t in filers:
                t.join()
            done.set()

        threading.Thread(target=wait).start()
        during = measure(done, 0)
        print(f"GET {path}, during 2 renders: {_percentiles(during)}")
        print("each `file` (one largest filing pack rendered): " + ", ".join(f"{s:.2f} s" for s in durations.values()))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probe-seconds", type=float, default=6.0)
    parser.add_argument("--no-served", action="store_true")
    args = parser.parse_args()
    print(f"interpreter {sys.executable} ({sys.version.split()[0]}), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    in_process(args.runs)
    if not args.no_served:
        served(args.probe_seconds)


if __name__ == "__main__":
    main()
