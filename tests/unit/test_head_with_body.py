"""HeadWithBody (negotiation/speedups.py): a write is held until the next one and sent with it, or sent alone at the
event loop's next turn; nothing is lost, reordered or sent after a close. On a real event loop, with a transport that
records what it is asked to send."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from negotiation.speedups import HeadWithBody


class Recorded:
    """The transport under HeadWithBody: what it was asked to send, and whether it was closed or aborted."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False
        self.aborted = False
        self.buffered = 0

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.sent.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def _on_a_loop(steps):  # type: ignore[no-untyped-def]
    async def run() -> tuple[Recorded, list[object]]:
        recorded = Recorded()
        seen = await steps(HeadWithBody(recorded, asyncio.get_running_loop()), recorded)
        return recorded, seen

    # A thread of its own: the suite's browser tests keep Playwright's event loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


def test_a_head_and_the_body_written_after_it_go_out_in_one_write() -> None:
    async def steps(t: HeadWithBody, r: Recorded) -> list[object]:
        t.write(b"HTTP/1.1 200 OK\r\n\r\n")
        before = list(r.sent)
        t.write(b'{"id":1}')
        await asyncio.sleep(0)
        return [before]

    recorded, (before,) = _on_a_loop(steps)
    assert before == [] and recorded.sent == [b'HTTP/1.1 200 OK\r\n\r\n{"id":1}']


def test_a_write_with_nothing_after_it_goes_out_alone_at_the_next_turn_of_the_loop() -> None:
    async def steps(t: HeadWithBody, r: Recorded) -> list[object]:
        t.write(b"head")
        held = t.get_write_buffer_size()
        await asyncio.sleep(0)
        after_turn = list(r.sent)
        t.write(b"part 1")
        t.write(b"part 2")
        t.write(b"part 3")
        await asyncio.sleep(0)
        return [held, after_turn]

    recorded, (held, after_turn) = _on_a_loop(steps)
    assert held == 4 and after_turn == [b"head"]
    assert recorded.sent == [b"head", b"part 1part 2", b"part 3"]  # in order, each byte once


def test_closing_sends_what_is_held_first_and_abort_drops_it() -> None:
    async def steps(t: HeadWithBody, r: Recorded) -> list[object]:
        t.write(b"last words")
        t.close()
        await asyncio.sleep(0)  # the scheduled send finds nothing left to send
        return [t.get_extra_info("peername"), t.is_closing()]

    recorded, (info, closing) = _on_a_loop(steps)
    assert recorded.sent == [b"last words"] and recorded.closed and closing and info == "info:peername"

    async def aborting(t: HeadWithBody, r: Recorded) -> list[object]:
        t.write(b"never sent")
        t.abort()
        await asyncio.sleep(0)
        return []

    recorded, _ = _on_a_loop(aborting)
    assert recorded.sent == [] and recorded.aborted
