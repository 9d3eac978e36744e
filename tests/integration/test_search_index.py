"""The full-text index answers a phrase exactly as a substring scan of the stored texts would, on SQLite (FTS5 over
pairs of characters) and PostgreSQL (a GIN index of characters and pairs), after texts are written, replaced and written again; and the
index is what answers (the query plan), written in the transaction of its change."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, text

from negotiation.adapters import search_index
from negotiation.bootstrap import Services, alembic_config
from negotiation.service_layer.texts import searchable
from tests.conftest import World
from tests.flows import Flow

# Texts built from a small alphabet (so that short phrases recur in several texts and across the title's line),
# with full-width figures, spaces and the LIKE wildcards among the characters.
ALPHABET = "工资休息每件元1０.%_ 计时"
texts = st.text(alphabet=ALPHABET, min_size=0, max_size=40)


def _cases(world: World, n: int) -> list[int]:
    ids = []
    for i in range(n):
        r = world.client.post("/api/v1/cases", json=world.case_body(title=f"检索{i}号"), headers=world.h("union"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def _put(services: Services, case_id: int, title: str, form: str) -> None:
    with services.uow() as uow:
        uow.repo.texts.put_case_text(case_id=case_id, source="draft", draft_version=1, text=searchable(title, form))
        uow.commit()


def _found(services: Services, form: str, organization_id: int | None = None) -> list[int]:
    """Every case whose text holds ``form``, read three to a page as the case list pages (after the last id)."""
    found: list[int] = []
    while True:
        with services.uow.reading() as uow:
            page = uow.repo.cases(
                organization_id=organization_id, state=None, sector=None, region_code=None,
                after_id=found[-1] if found else None, limit=3, q_form=form,
            )  # fmt: skip
        found += [c.id for c in page if c.id is not None]
        if len(page) < 3:
            return found


def _scanned(services: Services, form: str) -> list[int]:
    with services.engine.connect() as connection:
        rows = connection.execute(text("SELECT case_id, text FROM case_texts ORDER BY case_id")).all()
    return [case_id for case_id, stored in rows if form in stored]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(st.lists(texts, min_size=4, max_size=4), min_size=1, max_size=3), probes=st.lists(texts, max_size=8))
def test_the_index_finds_exactly_the_cases_whose_text_holds_the_phrase(
    world: World, services: Services, rounds: list[list[str]], probes: list[str]
) -> None:
    ids = _cases(world, 4)  # new cases each example: the earlier examples' stay, and are compared too
    for written in rounds:  # each round replaces every case's text: the index must forget the old ones
        for case_id, form in zip(ids, written, strict=True):
            _put(services, case_id, f"检索{case_id}号", form)
    last = rounds[-1]
    phrases = [p for p in probes if p.strip()] + [t[i : i + n] for t in last for i in range(len(t)) for n in (1, 2, 3)]
    for phrase in {p for p in phrases if p and p == p.strip() and "  " not in p}:
        assert _found(services, phrase) == _scanned(services, phrase), phrase
        assert _found(services, phrase, world.orgs["outsider"]) == []  # a party's filter holds with the index


def test_a_title_is_found_from_creation_and_a_phrase_never_spans_title_and_text(world: World, services: Services) -> None:
    [case_id] = _cases(world, 1)
    assert _found(services, "检索0号") == [case_id]
    _put(services, case_id, "甲乙", "丙丁")
    assert _found(services, "甲乙") == [case_id] and _found(services, "丙丁") == [case_id]
    assert _found(services, "乙丙") == [] and _found(services, "乙 丙") == []


def _sent(services: Services, form: str, mark: str) -> list[tuple[str, Any]]:
    """The statements holding ``mark`` that the case list (three to a page) and the portal send for a phrase."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if mark in statement:
            sent.append((statement, parameters))

    event.listen(services.engine, "before_cursor_execute", keep)
    try:
        _found(services, form)
        with services.uow.reading() as uow:
            uow.repo.texts.public_contracts(form=form, after=(date(2027, 1, 1), 9), limit=50)
    finally:
        event.remove(services.engine, "before_cursor_execute", keep)
    return sent


def test_the_index_answers_a_phrase_of_any_length_on_either_database(world: World, services: Services) -> None:
    """SQLite: the statements sent read the FTS5 table first, in the list's order, for one character, two or more,
    and join each row found to its case. PostgreSQL: each index table has its GIN index over the grams, and every
    candidate statement reaches its rows through that index alone (a bitmap of exact matches: no row rechecked, no
    table scanned), for one character, two or more; then only the candidates are read."""
    if services.engine.dialect.name == "sqlite":
        for form in ("休息", "休", "每件1.50元"):
            sent = _sent(services, form, "MATCH")
            with services.engine.connect() as connection:
                driver = connection.connection.driver_connection
                assert driver is not None
                [cases, portal] = [
                    " | ".join(row[-1] for row in driver.execute(f"EXPLAIN QUERY PLAN {sql}", params)) for sql, params in sent
                ]
            assert cases.startswith(f"SCAN {search_index.CASE_INDEX} VIRTUAL TABLE INDEX"), cases
            assert portal.startswith(f"SCAN {search_index.PUBLIC_INDEX} VIRTUAL TABLE INDEX"), portal
            assert "TEMP B-TREE" not in cases + portal  # read in the list's order: a page ends at its last row
        return
    with services.engine.connect() as connection:
        found: Any = connection.execute(
            text("SELECT tablename, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%_grams' ORDER BY tablename")
        ).all()
        assert connection.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar_one() == 0
    assert [(t, "USING gin (grams)" in d) for t, d in found] == [
        (search_index.CASE_INDEX, True), (search_index.PUBLIC_INDEX, True)
    ]  # fmt: skip
    for i in range(30):  # enough rows that the bitmap has something to find
        _put(services, _cases(world, 1)[0], f"计划{i}", "每周休息一日，每件1.50元")
    for form in ("休息", "休", "每件1.50元"):
        sent = _sent(services, form, "@>")
        assert len(sent) >= 2, sent  # the case list's pages (three to a page) and the portal's
        with services.engine.begin() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            for sql, params in sent:
                connection.execute(text("SET LOCAL enable_seqscan = off"))  # as search_index.checked_in_order
                connection.execute(text("SET LOCAL enable_indexscan = off"))
                plan = " | ".join(row[0] for row in driver.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params))
                index = search_index.CASE_INDEX if search_index.CASE_INDEX in sql else search_index.PUBLIC_INDEX
                assert f"Bitmap Index Scan on ix_{index}_grams" in plan, plan
                assert f"Seq Scan on {index}" not in plan and "lossy" not in plan, plan
                assert "Rows Removed by Index Recheck" not in plan, plan


def test_fts5s_trigram_tokenizer_cannot_find_a_two_character_phrase() -> None:
    """Why the SQLite index is over pairs of characters (negotiation/adapters/search_index.py), not FTS5's trigrams."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='trigram')")
    connection.execute("INSERT INTO t (rowid, body) VALUES (1, '每日工作八小时，每周休息一日')")
    assert connection.execute("SELECT rowid FROM t WHERE t MATCH '\"休息一\"'").fetchall() == [(1,)]
    assert connection.execute("SELECT rowid FROM t WHERE t MATCH '\"休息\"'").fetchall() == []


def test_a_text_written_in_a_change_that_is_rolled_back_leaves_the_index_as_it_was(world: World, services: Services) -> None:
    [case_id] = _cases(world, 1)
    _put(services, case_id, "回滚", "原有文本")
    with services.uow() as uow:
        uow.repo.texts.put_case_text(case_id=case_id, source="draft", draft_version=2, text=searchable("回滚", "新的文本"))
        # no commit: the unit of work rolls back
    assert _found(services, "原有文本") == [case_id] and _found(services, "新的文本") == []


def test_the_portal_index_gives_the_contracts_holding_a_phrase_newest_first_page_by_page(
    world: World, services: Services
) -> None:
    """Contracts published on a few days (so that several share one), some no longer in force, texts replaced once:
    each page of the portal's query is the scan's answer, in publication order, and the pages join without a gap."""
    document_case = world.consulting_case()  # its proposal is a document a public contract row may point to
    ids = _cases(world, 12)
    rng = random.Random(5)
    with services.engine.connect() as connection:
        document_id = connection.execute(text("SELECT min(id) FROM documents")).scalar_one()
    stored: dict[int, tuple[date, str]] = {}
    for round_ in range(2):  # the second round replaces every text and date: the index must forget the first
        with services.uow() as uow:
            for case_id in ids:
                day = date(2027, 1, 1) + timedelta(days=rng.randrange(3))
                form = "".join(rng.choice("工资休息每件元") for _ in range(12)) + f"第{round_}轮"
                uow.repo.texts.put_public_contract(
                    case_id=case_id, document_id=document_id, published_on=day, term_start=day,
                    term_end=day + timedelta(days=700), html="<p></p>", text=form,
                )  # fmt: skip
                stored[case_id] = (day, form)
            uow.commit()
    in_force = set(ids[:9])
    with services.engine.begin() as connection:
        marks = ",".join(str(i) for i in in_force)
        connection.execute(text(f"UPDATE cases SET state = 'in_force' WHERE id IN ({marks})"))
    phrases = {form[i : i + n] for _, form in stored.values() for i in range(12) for n in (2, 3)} | {"第0轮", "第1轮"}
    for phrase in sorted(phrases):
        expected = sorted(((day, cid) for cid, (day, form) in stored.items() if cid in in_force and phrase in form), reverse=True)
        pages: list[tuple[date, int]] = []
        after: tuple[date, int] | None = None
        while True:
            with services.uow.reading() as uow:
                rows = uow.repo.texts.public_contracts(form=phrase, after=after, limit=4)
            pages += [(row.published_on, row.id) for row in rows]
            if len(rows) < 4:
                break
            after = pages[-1]
        assert pages == expected, phrase
    assert document_case not in stored


def test_migration_0011_indexes_the_texts_already_stored_and_goes_back_to_0010(world: World, services: Services) -> None:
    """Texts written by the code of 0010 (no title line, no index) come out of the upgrade as this code writes
    them, and searchable; the downgrade gives back what 0010 wrote."""
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body(title="迁移检索（有草案）"))
    flow.to_consulting()
    flow.draft()
    [bare] = _cases(world, 1)
    with services.engine.connect() as connection:
        now = sorted(connection.execute(text("SELECT case_id, source, draft_version, text FROM case_texts")).all())
    config = alembic_config()

    def migrate(step: Any, revision: str) -> None:
        with services.engine.connect() as connection:
            config.attributes["connection"] = connection
            step(config, revision)
            connection.commit()

    migrate(command.downgrade, "0010")
    with services.engine.connect() as connection:
        old = sorted(connection.execute(text("SELECT case_id, text FROM case_texts")).all())
    assert [case_id for case_id, _ in old] == [flow.id]  # a case with no draft had no searchable text in 0010
    assert "\n" not in old[0][1] and "计件单价" in old[0][1]  # the draft's text alone, no title line before it
    migrate(command.upgrade, "head")
    with services.engine.connect() as connection:
        again = sorted(connection.execute(text("SELECT case_id, source, draft_version, text FROM case_texts")).all())
    assert again == now
    assert _found(services, "迁移检索") == [flow.id] and _found(services, "检索0号") == [bare]
    assert _found(services, "计件单价") == [flow.id]


_SPREAD = {  # row ids spread over many of each index's key ranges (search_index._RANGES)
    search_index.CASE_INDEX: st.integers(1, 2**22),
    search_index.PUBLIC_INDEX: st.builds(
        search_index.publication_key, st.dates(date(2026, 1, 1), date(2040, 12, 31)), st.integers(1, 50)
    ),
}


@pytest.mark.postgres_only
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    index_name=st.sampled_from(sorted(_SPREAD)),
    phrase=st.sampled_from(["休息", "休", "每件1.5", "工资休", "1０.%_ 计"]),
    limit=st.integers(1, 6),
    descending=st.booleans(),
)
def test_the_walk_over_key_ranges_pages_through_exactly_the_rows_holding_the_phrase(
    services: Services, data: st.DataObject, index_name: str, phrase: str, limit: int, descending: bool
) -> None:
    """PostgreSQL: rows far apart in the key space, read a page at a time in either order: the pages join up into
    the rows a scan finds, in order; a phrase of up to three characters needs no check (every candidate holds it)."""
    rows = data.draw(st.dictionaries(_SPREAD[index_name], texts, max_size=50), label="rows")
    index = search_index.index_table(index_name)
    with services.engine.connect() as connection:  # never committed: each example starts from an empty index
        connection.execute(text(f"DELETE FROM {index_name}"))
        for row_id, form in rows.items():
            search_index.put(connection, index_name, row_id, form, None)
        candidates_seen: list[int] = []

        def candidates(key: Any, holding: Any, n: int) -> Any:
            return select(key).where(holding).order_by(key.desc() if descending else key).limit(n)

        def check(keys: Any) -> list[int]:
            candidates_seen.extend(keys)
            return [k for k in keys if phrase in rows[k]]

        pages: list[int] = []
        while True:
            after = pages[-1] if pages else None
            page = search_index.checked_in_order(
                connection, index, phrase, candidates, check, limit, descending=descending, after=after
            )
            pages += page
            if len(page) < limit:
                break
        connection.rollback()
    assert pages == sorted((k for k, form in rows.items() if phrase in form), reverse=descending)
    if not search_index.needs_check(phrase):
        assert all(phrase in rows[k] for k in candidates_seen)
