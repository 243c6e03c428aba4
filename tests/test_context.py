"""gopy.context: Go's context package (cancellation trees, deadlines, values, causes, after_func)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import gopy
from gopy import context


async def step(n: int = 1) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def live_timers(loop: asyncio.AbstractEventLoop) -> int:
    return sum(1 for h in loop._scheduled if not h.cancelled())  # type: ignore[attr-defined]


def test_background_and_todo_never_end() -> None:
    for ctx in (context.background(), context.todo()):
        assert ctx.done() is None
        assert ctx.err() is None
        assert ctx.deadline() == (None, False)
        assert ctx.value("k") is None
    assert repr(context.background()) == "context.Background"
    assert repr(context.todo()) == "context.TODO"


async def test_cancel_closes_done_sets_err_and_is_idempotent() -> None:
    ctx, cancel = context.with_cancel(context.background())
    assert ctx.err() is None
    assert ctx.done().closed is False
    cancel()
    assert isinstance(ctx.err(), context.Canceled)
    assert str(ctx.err()) == "context canceled"
    assert ctx.done().closed
    first = ctx.err()
    cancel()
    assert ctx.err() is first
    assert await gopy.recv_ok(ctx.done()) == (None, False)


async def test_cancelling_a_parent_cancels_every_descendant_at_once() -> None:
    root, cancel = context.with_cancel(context.background())
    child, _ = context.with_cancel(root)
    valued = context.with_value(child, "k", 1)
    grandchild, _ = context.with_timeout(valued, 60)
    cancel()
    # at once: no loop iteration needed
    for ctx in (child, valued, grandchild):
        assert isinstance(ctx.err(), context.Canceled)
        assert ctx.done().closed


async def test_cancelling_a_child_leaves_the_parent_and_unregisters_it() -> None:
    parent, cancel_parent = context.with_cancel(context.background())
    child, cancel_child = context.with_cancel(parent)
    assert len(parent._children) == 1
    cancel_child()
    assert child.err() is not None
    assert parent.err() is None
    assert parent._children == {}  # no leak in a long-lived parent
    cancel_parent()


async def test_a_child_of_a_cancelled_parent_is_born_cancelled() -> None:
    parent, cancel = context.with_cancel(context.background())
    cancel()
    child, _ = context.with_cancel(parent)
    timed, _ = context.with_timeout(parent, 60)
    assert isinstance(child.err(), context.Canceled)
    assert isinstance(timed.err(), context.Canceled)
    assert live_timers(asyncio.get_running_loop()) == 0


def test_cancel_racing_with_the_creation_of_children_misses_none() -> None:
    """Threads create children while another thread cancels: every child ends cancelled."""
    for _ in range(20):
        parent, cancel = context.with_cancel(context.background())
        children: list[list[context.Context]] = [[] for _ in range(4)]
        start = threading.Barrier(5)

        def make(out: list[context.Context]) -> None:
            start.wait()
            for _ in range(200):
                out.append(context.with_cancel(parent)[0])

        threads = [threading.Thread(target=make, args=(out,)) for out in children]
        for t in threads:
            t.start()
        start.wait()
        cancel()
        for t in threads:
            t.join()
        made = [c for out in children for c in out]
        assert len(made) == 800
        assert all(isinstance(c.err(), context.Canceled) for c in made)
        assert parent._children == {}


async def test_timeout_ends_with_deadline_exceeded_which_is_a_timeout_error() -> None:
    before = time.time()
    ctx, cancel = context.with_timeout(context.background(), 0.02)
    when, ok = ctx.deadline()
    assert ok and before + 0.02 <= when <= time.time() + 0.02
    await gopy.recv(ctx.done())
    assert isinstance(ctx.err(), context.DeadlineExceeded)
    assert isinstance(ctx.err(), TimeoutError)
    assert str(ctx.err()) == "context deadline exceeded"
    cancel()  # after the deadline: the error stays
    assert isinstance(ctx.err(), context.DeadlineExceeded)


async def test_a_cancelled_context_releases_its_timer() -> None:
    loop = asyncio.get_running_loop()
    base = live_timers(loop)
    ctx, cancel = context.with_timeout(context.background(), 3600)
    assert live_timers(loop) == base + 1
    cancel()
    assert live_timers(loop) == base
    # also when the parent is what cancels it
    parent, cancel_parent = context.with_cancel(context.background())
    context.with_deadline(parent, time.time() + 3600)
    assert live_timers(loop) == base + 1
    cancel_parent()
    assert live_timers(loop) == base


def test_a_timeout_made_in_a_thread_goroutine_fires_on_the_loop() -> None:
    async def main() -> str:
        box: list[tuple[context.Context, object]] = []

        def in_thread() -> None:
            box.append(context.with_timeout(context.background(), 0.01))

        gopy.go(in_thread)
        while not box:
            await gopy.sleep(0.001)
        ctx, cancel = box[0]
        await gopy.recv(ctx.done())
        return type(ctx.err()).__name__

    assert gopy.run_supervised(main) == "DeadlineExceeded"


def test_cancel_from_a_thread_goroutine_releases_the_timer_on_the_loop() -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        base = live_timers(loop)
        ctx, cancel = context.with_timeout(context.background(), 3600)
        finished = []

        def in_thread() -> None:
            cancel()
            finished.append(True)

        gopy.go(in_thread)
        while not finished:
            await gopy.sleep(0.001)
        await step(2)
        assert isinstance(ctx.err(), context.Canceled)
        return live_timers(loop) - base

    assert gopy.run_supervised(main) == 0


async def test_deadline_in_the_past_is_exceeded_at_once() -> None:
    ctx, _ = context.with_deadline(context.background(), time.time() - 1)
    assert isinstance(ctx.err(), context.DeadlineExceeded)


async def test_a_later_deadline_than_the_parents_keeps_the_parents() -> None:
    loop = asyncio.get_running_loop()
    parent, cancel = context.with_timeout(context.background(), 10)
    base = live_timers(loop)
    child, _ = context.with_timeout(parent, 100)
    assert child.deadline() == parent.deadline()
    assert live_timers(loop) == base  # no timer of its own
    cancel()
    assert isinstance(child.err(), context.Canceled)


async def test_deadline_firing_while_select_waits_on_done_and_a_data_channel() -> None:
    """Each select picks exactly one case; a value not picked is still there (none is lost)."""
    picked = {0: 0, 1: 0}
    received = 0
    for _ in range(50):
        data = gopy.chan()
        ctx, cancel = context.with_timeout(context.background(), 0.001)

        async def sender() -> None:
            await gopy.sleep(0.001)
            await data.send(1)

        gopy.go(sender)
        sel = await gopy.select(gopy.recv_case(ctx.done()), gopy.recv_case(data))
        picked[sel.index] += 1
        if sel.index == 0:
            assert isinstance(ctx.err(), context.DeadlineExceeded)
            assert await data.recv() == 1  # the sender was not lost
        else:
            assert sel.value == 1
        received += 1
        cancel()
    assert received == 50
    assert picked[0] + picked[1] == 50


async def test_with_value_looks_up_the_chain_and_shadows() -> None:
    root, cancel = context.with_cancel(context.background())
    a = context.with_value(root, "user", "ann")
    b = context.with_value(a, "request", 7)
    c = context.with_value(b, "user", "bob")
    assert (b.value("user"), b.value("request"), c.value("user"), c.value("nope")) == (
        "ann",
        7,
        "bob",
        None,
    )
    assert c.done() is root.done()
    cancel()
    assert isinstance(c.err(), context.Canceled)


async def test_cancel_cause_is_recorded_and_inherited() -> None:
    ctx, cancel = context.with_cancel_cause(context.background())
    child, _ = context.with_cancel(ctx)
    assert context.cause(ctx) is None
    boom = ValueError("boom")
    cancel(boom)
    assert isinstance(ctx.err(), context.Canceled)
    assert context.cause(ctx) is boom
    assert context.cause(child) is boom
    plain, cancel_plain = context.with_cancel(context.background())
    cancel_plain()
    assert context.cause(plain) is plain.err()
    assert context.cause(context.background()) is None


async def test_without_cancel_keeps_values_but_never_ends() -> None:
    parent, cancel = context.with_timeout(context.with_value(context.background(), "k", 1), 5)
    detached = context.without_cancel(parent)
    cancel()
    assert detached.value("k") == 1
    assert detached.done() is None and detached.err() is None
    assert detached.deadline() == (None, False)


async def test_after_func_runs_f_in_its_own_goroutine_when_the_context_ends() -> None:
    ctx, cancel = context.with_cancel(context.background())
    ran: list[object] = []

    async def f() -> None:
        ran.append(asyncio.current_task())

    stop = context.after_func(ctx, f)
    await step(3)
    assert ran == []
    cancel()
    assert ran == []  # not called inline: it is a goroutine
    await step(3)
    assert len(ran) == 1 and ran[0] is not asyncio.current_task()
    assert stop() is False  # it already started


async def test_after_func_stop_prevents_the_call() -> None:
    ctx, cancel = context.with_cancel(context.background())
    ran = []

    async def f() -> None:
        ran.append(1)

    stop = context.after_func(ctx, f)
    assert stop() is True
    assert stop() is False
    cancel()
    await step(3)
    assert ran == []


async def test_after_func_on_an_ended_context_runs_soon() -> None:
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    ran = []

    async def f() -> None:
        ran.append(1)

    context.after_func(ctx, f)
    await step(3)
    assert ran == [1]


class Foreign(context.Context):
    """A context of the user's own: done() is a channel closed by hand."""

    def __init__(self) -> None:
        self.ch = gopy.chan()
        self.error: BaseException | None = None

    def done(self) -> gopy.chan:
        return self.ch

    def err(self) -> BaseException | None:
        return self.error


async def test_a_foreign_parent_is_watched() -> None:
    parent = Foreign()
    child, cancel = context.with_cancel(parent)
    await step(2)
    parent.error = context.Canceled("by hand")
    gopy.close(parent.ch)
    await gopy.recv(child.done())
    assert child.err() is parent.error


async def test_contexts_need_a_parent() -> None:
    with pytest.raises(TypeError):
        context.with_cancel(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        context.with_value(None, "k", 1)  # type: ignore[arg-type]
