"""Search at size: the public portal over 10,000 published contracts and GET /api/v1/cases?q= over 100,000 cases.

    .venv/bin/python bench/search.py [--contracts 10000] [--cases 100000] [--rounds 30]

On a temp SQLite file: one real case made through the service layer (bench/api.py's ``seed``), copied to
``--cases`` cases (bench/api.py's ``bulk_fill``); ``--contracts`` of them put in force, each with a contract text
of its own written through the engine's own write path (``Texts``, which keeps the full-text index in the same
transaction): the sample public contract (5,600 characters) with another city, other enterprises and other
piece rates each. Then a mix of phrases is asked ``--rounds`` times each, through the application (in process,
ASGI, no sockets): ``GET /api/v1/public/contracts?q=`` and ``GET /api/v1/cases?q=`` as the union negotiator,
who is a party to every case. Printed beside it, in the same run: the same queries answered by the substring scan
this index replaced (``LIKE '%…%'`` over the same stored texts, the statement alone, no HTTP), the peer.

``--database-url postgresql+psycopg://…`` runs the same on an empty PostgreSQL database instead (the cases copied
with SQL, without their audit chains, which no search reads); the peer is the same LIKE statement, which no
index serves there either. For a throw-away server:

    PG_TEST_PORT=55439 bash scripts/with_postgres.sh sh -c \
        '.venv/bin/python bench/search.py --database-url "$NEGOTIATION_TEST_DATABASE_URL"'
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

CITIES = ["西安", "宝鸡", "咸阳", "渭南", "延安", "汉中", "榆林", "安康", "商洛", "铜川", "兰州", "银川", "西宁", "太原", "郑州"]
BRANDS = ["顺丰速运", "中通快递", "圆通速递", "韵达快递", "申通快递", "极兔速递", "京东物流", "邮政快递", "德邦快递", "百世快递"]
UNITS = ["分公司", "分拨中心", "营业部", "转运中心", "公司"]


# (label, phrase, asked of): common wording in every contract, two characters, one city, one enterprise, a piece
# rate, a phrase in no contract, and (case list only) one character.
def phrases(rng: random.Random, names: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        ("wording in every contract", "休息休假", ("portal", "cases")),
        ("in every title and contract", "集体合同", ("portal", "cases")),
        ("two characters", "休息", ("portal", "cases")),
        ("one city", "宝鸡市快递行业工会联合会", ("portal", "cases")),
        ("one enterprise", rng.choice(names), ("portal", "cases")),
        ("a piece rate", "每件1.37元", ("portal", "cases")),
        ("in no contract", "远洋捕捞作业", ("portal", "cases")),
        ("one character", "宝", ("cases",)),
    ]


def _template() -> str:
    from negotiation.documents import render_html
    from negotiation.documents.plain_text import plain_text, search_form
    from negotiation.documents.samples import sample_context

    return search_form(plain_text(render_html("public_contract", sample_context("public_contract"), standalone=True)))


def _variant(template: str, rng: random.Random, city: str, enterprises: list[str]) -> str:
    text = template.replace("西安", city)
    text = re.sub(r"\d+\.\d{2}", lambda _: f"{rng.uniform(0.8, 3.0):.2f}", text)
    return re.sub(r"适用企业:[^ ]*", "适用企业:" + "、".join(enterprises), text)


def _copy_cases(url: str, template_id: int, total: int) -> None:
    """PostgreSQL: copies of a real case's row and parties until ``total`` cases exist."""
    from sqlalchemy import create_engine, func, insert, select, text

    from negotiation.adapters import orm

    engine = create_engine(url)
    with engine.begin() as connection:
        case = dict(connection.execute(select(orm.cases).where(orm.cases.c.id == template_id)).mappings().one())
        parties = [
            dict(r)
            for r in connection.execute(select(orm.case_parties).where(orm.case_parties.c.case_id == template_id)).mappings()
        ]
        start = connection.execute(select(func.max(orm.cases.c.id))).scalar_one() + 1
        for first in range(start, total + 1, 5000):
            ids = range(first, min(first + 5000, total + 1))
            connection.execute(insert(orm.cases), [dict(case, id=i, title=f"{case['title']}（填充 {i}）") for i in ids])
            connection.execute(insert(orm.case_parties), [dict(p, case_id=i) for i in ids for p in parties])
        connection.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    engine.dispose()


def seed(url: str, db_path: Path | None, n_contracts: int, n_cases: int, rng: random.Random) -> dict[str, Any]:
    from datetime import date, timedelta

    from sqlalchemy import text

    from bench.in_process import _bench_api  # type: ignore[import-not-found]
    from negotiation.bootstrap import bootstrap
    from negotiation.config import Settings
    from negotiation.service_layer.texts import searchable

    bench_api = _bench_api()
    seeded = bench_api.seed(url, 1)
    if db_path is not None:
        bench_api.bulk_fill(db_path, seeded["case_ids"][0], n_cases)
    else:
        _copy_cases(url, seeded["case_ids"][0], n_cases)
    services = bootstrap(Settings(database_url=url, admin_token=bench_api.ADMIN_TOKEN, test_clock=True))
    template = _template()
    with services.engine.connect() as connection:
        ids = [r[0] for r in connection.execute(text("SELECT id, title FROM cases ORDER BY id"))]
        document_id = connection.execute(text("SELECT min(id) FROM documents")).scalar_one()
    in_force = set(rng.sample(ids, n_contracts))
    names: list[str] = []
    started = time.perf_counter()
    written = 0
    for start in range(0, len(ids), 500):
        with services.uow() as uow:
            for case_id in ids[start : start + 500]:
                title = f"{rng.choice(CITIES)}市快递行业集体合同（第{case_id}号）"
                if case_id not in in_force:
                    uow.repo.texts.put_case_text(case_id=case_id, source="title", draft_version=0, text=searchable(title))
                    continue
                city = rng.choice(CITIES)
                enterprises = [f"{rng.choice(BRANDS)}{city}{rng.choice(UNITS)}{case_id}号" for _ in range(3)]
                names.extend(enterprises)
                body = _variant(template, rng, city, enterprises)
                uow.repo.texts.put_case_text(case_id=case_id, source="contract", draft_version=3, text=searchable(title, body))
                published = date(2026, 1, 1) + timedelta(days=case_id % 330)
                uow.repo.texts.put_public_contract(
                    case_id=case_id, document_id=document_id, published_on=published, term_start=date(2027, 1, 1),
                    term_end=date(2028, 12, 31), html="<p>…</p>", text=body,
                )  # fmt: skip
                written += 1
            uow.commit()
    seconds = time.perf_counter() - started
    with services.engine.begin() as connection:
        marks = ",".join(str(i) for i in sorted(in_force))
        connection.execute(text(f"UPDATE cases SET state = 'in_force' WHERE id IN ({marks})"))
        connection.execute(text("ANALYZE"))  # both databases: the planner knows the tables' sizes
    services.engine.dispose()
    return {**seeded, "names": names, "write_seconds": seconds, "written": written, "texts": len(ids)}


def _peer_statements(form: str) -> dict[str, Any]:
    """The substring scan this index replaced: the same statements with LIKE over the stored texts."""
    from sqlalchemy import and_, exists, select

    from negotiation.adapters import orm, search_index

    p, c, t, parties = orm.public_contracts.c, orm.cases.c, orm.case_texts.c, orm.case_parties.c
    portal = (
        select(p.case_id)
        .select_from(orm.public_contracts.join(orm.cases, c.id == p.case_id))
        .where(c.state == "in_force", search_index.contains(p.text, form))
        .order_by(p.published_on.desc(), p.case_id.desc())
        .limit(51)
    )
    cases = (
        select(c.id)
        .where(
            exists().where(and_(parties.case_id == c.id, parties.organization_id == 1)),
            exists().where(t.case_id == c.id, search_index.contains(t.text, form)),
        )
        .order_by(c.id)
        .limit(51)
    )
    return {"portal": portal, "cases": cases}


def _quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _ask(app: Any, token: str, where: str, q: str) -> tuple[float, int]:
    path = "/api/v1/public/contracts" if where == "portal" else "/api/v1/cases"
    headers = {} if where == "portal" else {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        start = time.perf_counter()
        answer = await client.get(path, params={"q": q, "limit": 50}, headers=headers)
        took = time.perf_counter() - start
    assert answer.status_code == 200, answer.text
    return took, len(answer.json()["items"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temp SQLite file)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    from sqlalchemy import text

    from negotiation.documents.plain_text import search_form

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        db_path = None if args.database_url else Path(tmp) / "bench.sqlite3"
        url = args.database_url or f"sqlite:///{db_path}"
        seeded = seed(url, db_path, args.contracts, args.cases, rng)
        from api.main import create_app
        from negotiation.bootstrap import bootstrap
        from negotiation.config import Settings

        bench_api = sys.modules["bench_api"]
        services = bootstrap(Settings(database_url=url, admin_token=bench_api.ADMIN_TOKEN, test_clock=True))
        app = create_app(services, sweeper=False)
        on_postgres = services.engine.dialect.name == "postgresql"
        with services.engine.connect() as connection:
            size_sql = "SELECT pg_database_size(current_database())" if on_postgres else None
            size = (
                connection.execute(text(size_sql)).scalar_one() if size_sql else db_path.stat().st_size if db_path else 0
            ) / 2**20
            version = connection.execute(text("SELECT version()" if on_postgres else "SELECT sqlite_version()")).scalar_one()
        print(f"interpreter {sys.executable} ({sys.version.split()[0]}); {version.split(' on ')[0]}, {size:.0f} MiB")
        print(
            f"{args.cases} cases, {seeded['written']} contracts in force with their texts; texts written through the "
            f"engine's write path (index included): {seeded['write_seconds'] / seeded['texts'] * 1e3:.2f} ms a case"
        )
        print(f"{'search':8} {'phrase':28} {'found':>5} {'ours p50':>9} {'ours p95':>9} {'peer p50':>9} {'peer p95':>9}")
        for where in ("portal", "cases"):  # the first request of each kind builds what later ones reuse
            asyncio.run(_ask(app, seeded["union_token"], where, "集体合同"))
        everything: dict[str, list[float]] = {"portal": [], "cases": []}
        peers: dict[str, list[float]] = {"portal": [], "cases": []}
        for label, q, where_all in phrases(rng, seeded["names"]):
            for where in where_all:
                ours, theirs = [], []
                statement = _peer_statements(search_form(q))[where]
                found = 0
                for _ in range(args.rounds):
                    took, found = asyncio.run(_ask(app, seeded["union_token"], where, q))
                    ours.append(took)
                    with services.engine.connect() as connection:
                        start = time.perf_counter()
                        peer_found = len(connection.execute(statement).all())
                        theirs.append(time.perf_counter() - start)
                    assert min(peer_found, 50) == found, (label, where, peer_found, found)
                everything[where] += ours
                peers[where] += theirs
                o50, o95 = _quantiles(ours)
                p50, p95 = _quantiles(theirs)
                print(
                    f"{where:8} {label:28} {found:5d} {o50 * 1e3:8.1f}ms {o95 * 1e3:8.1f}ms {p50 * 1e3:8.1f}ms {p95 * 1e3:8.1f}ms"
                )
        for where, target in (("portal", "p95 ≤ 50 ms"), ("cases", "p50 ≤ 20 ms")):
            o50, o95 = _quantiles(everything[where])
            p50, p95 = _quantiles(peers[where])
            print(
                f"{where:8} {'all phrases':28} {'':5} {o50 * 1e3:8.1f}ms {o95 * 1e3:8.1f}ms {p50 * 1e3:8.1f}ms "
                f"{p95 * 1e3:8.1f}ms  (target {target})"
            )
        if not on_postgres:
            with services.engine.connect() as connection:
                pages = {
                    name: connection.execute(text(f"SELECT count(*) FROM {name}_data")).scalar_one()
                    for name in ("case_text_index", "public_contract_index")
                }
            print(f"index segments (rows of the FTS5 data tables): {pages}")
        services.engine.dispose()


if __name__ == "__main__":
    main()
