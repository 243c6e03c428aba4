"""The single-loop-thread bias (gopy.runtime._ownership): taken, moved and ended.

Each test runs in a fresh interpreter, as the bias is process-wide. (The
rest of the suite runs with it on, except while a test runs loops on two
threads at once.)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import asyncio, sys, threading
from gopy.runtime import _ownership as o
from gopy.runtime import _channels, _select, _goroutines
import gopy
from gopy import chan

def state():
    # every module's copy agrees with _ownership's
    for m in (_channels, _select, _goroutines):
        assert m._SOLO is o.solo(), (m, m._SOLO, o.solo())
        assert m._SOLO_LOOP is o.solo_loop(), (m, m._SOLO_LOOP, o.solo_loop())
    s = o.solo()
    if s is o.NOBODY:
        return "nobody"
    if isinstance(s, int):
        return "main" if s == threading.main_thread().ident else "other"
    return "unseen"
"""


def run(body: str, *, before: str = "") -> str:
    """Run ``body`` after ``before`` and gopy's import; its stdout (it must exit 0)."""
    source = textwrap.dedent(before) + PRELUDE + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_first_loop_thread_takes_the_bias_and_its_loop_is_tracked() -> None:
    out = run(
        """
        print(state())
        async def main():
            assert o.solo_loop() is asyncio.get_running_loop()
            print(state())
        asyncio.run(main())
        assert o.solo_loop() is None  # between loops
        print(state())
        asyncio.run(main())  # a second loop on the same thread keeps it
        print(state())
        """
    )
    assert out.split() == ["unseen", "main", "main", "main", "main"]


def test_the_bias_follows_the_only_thread_running_a_loop() -> None:
    out = run(
        """
        async def noop():
            pass
        asyncio.run(noop())
        print(state())
        t = threading.Thread(target=asyncio.run, args=(noop(),))
        t.start(); t.join()
        print(state(), o.solo_loop())  # kept by the last one while none runs
        asyncio.run(noop())
        print(state())
        """
    )
    assert out.split() == ["main", "other", "None", "main"]


def test_no_bias_while_two_threads_run_loops() -> None:
    out = run(
        """
        async def main():
            started, release = threading.Event(), threading.Event()
            seen = []
            async def other():
                seen.append(state())
                started.set()
                await asyncio.to_thread(release.wait)
            t = threading.Thread(target=asyncio.run, args=(other(),))
            t.start()
            await asyncio.to_thread(started.wait)
            print(seen[0], state())
            release.set()
            await asyncio.to_thread(t.join)
            # main's loop is the only one again: it holds the bias, with its loop
            print(state(), o.solo_loop() is asyncio.get_running_loop())
        asyncio.run(main())
        """
    )
    assert out.split() == ["nobody", "nobody", "main", "True"]


def test_fork_child_has_no_bias_and_runs_loops() -> None:
    out = run(
        """
        import os
        async def main():
            c = chan()
            gopy.go(c.send, 1)
            assert await c.recv() == 1
            pid = os.fork()
            if pid == 0:  # inside the parent's task, as multiprocessing's fork does
                code = 1
                try:
                    assert state() == "nobody"
                    async def child():
                        d = chan()
                        gopy.go(d.send, 2)
                        return await d.recv()
                    code = 0 if asyncio.run(child()) == 2 else 1
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            print(state(), os.waitstatus_to_exitcode(status))
        asyncio.run(main())
        """
    )
    assert out.split() == ["main", "0"]


def test_a_loop_started_by_a_signal_handler_under_the_runtime_lock() -> None:
    # The handler runs between two bytecodes of a thread-side channel
    # operation holding the runtime lock: the loop's start must not take it.
    out = run(
        """
        import faulthandler, signal
        from gopy.runtime._waiters import _lock
        held, busy = [], [False]
        def handler(signum, frame):
            if busy[0]:  # (the timer fired again inside this handler's loop)
                return
            busy[0] = True
            held.append(_lock.locked())
            loop = asyncio.new_event_loop()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
            busy[0] = False
        ch = chan()
        N = 30000
        def rx():
            for i in range(N):
                ch.recv_blocking()
        r = threading.Thread(target=rx, daemon=True); r.start()
        faulthandler.dump_traceback_later(60, exit=True)
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
        for i in range(N):
            ch.send_blocking(i)
        signal.setitimer(signal.ITIMER_REAL, 0)
        r.join()
        print("done", len(held) > 0)
        """
    )
    assert out.split() == ["done", "True"]


def test_no_bias_when_gopy_is_imported_with_other_threads_running() -> None:
    # (They may run loops gopy did not see start: no bias for good.)
    out = run(
        """
        print(state())
        asyncio.run(asyncio.sleep(0))
        print(state())
        """,
        before="""
        import threading, time
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()
        time.sleep(0.05)
        """,
    )
    assert out.split() == ["nobody", "nobody"]


def test_no_bias_when_uvloop_was_imported_first() -> None:
    pytest.importorskip("uvloop")
    out = run("print(state())", before="import uvloop\n")
    assert out.split() == ["nobody"]


def test_uvloop_imported_after_gopy_is_seen() -> None:
    pytest.importorskip("uvloop")
    out = run(
        """
        import uvloop
        async def main():
            c = chan()
            gopy.go(c.send, 1)
            assert await c.recv() == 1
            print(state(), o.solo_loop() is asyncio.get_running_loop())
        uvloop.run(main())
        t = threading.Thread(target=uvloop.run, args=(main(),))
        t.start(); t.join()
        print(state())
        """
    )
    assert out.split() == ["main", "True", "other", "True", "other"]


def test_imported_inside_a_running_loop() -> None:
    source = textwrap.dedent(
        """
        import asyncio, threading
        async def main():
            from gopy.runtime import _ownership as o
            print(o.solo() == threading.get_ident(), o.solo_loop() is asyncio.get_running_loop())
        asyncio.run(main())
        """
    )
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]


def test_channels_made_on_the_solo_loop_are_born_bound() -> None:
    out = run(
        """
        outside = chan()
        async def main():
            inside = chan(3)
            print(outside._owner == o.UNBOUND, inside._owner is o.solo(),
                  inside._loop is asyncio.get_running_loop())
            gopy.go(outside.send, 1)
            assert await outside.recv() == 1
            print(outside._owner is o.solo())
        asyncio.run(main())
        """
    )
    assert out.split() == ["True", "True", "True", "True"]


def test_a_channel_of_a_finished_loop_parks_on_the_next_one() -> None:
    # The solo thread's second loop: a park must use the loop running now.
    out = run(
        """
        async def make():
            return chan()
        c = asyncio.run(make())
        async def main():
            gopy.go(c.send, "x")
            print(await c.recv())
            r = asyncio.create_task(c.recv())
            await asyncio.sleep(0)
            await c.send("y")
            print(await r)
        asyncio.run(main())
        """
    )
    assert out.split() == ["x", "y"]


def test_the_bias_ends_while_the_solo_loop_is_busy_and_nothing_is_lost() -> None:
    # The solo loop moves values through channels it owns (fast paths, no
    # lock) when a second thread starts a loop whose tasks use the same
    # channels: every value arrives exactly once, in order per sender.
    out = run(
        """
        sys.setswitchinterval(1e-6)
        N = 3000
        async def main():
            a, b, done = chan(8), chan(), chan(1)
            got, seen = [], []
            async def consume():
                while True:
                    v, ok = await a.recv_ok()
                    if not ok:
                        break
                    got.append(v)
                    await b.send(v)
                await done.send(None)
            gopy.go(consume)
            async def other():  # on the second thread's loop
                seen.append(state())
                for i in range(N):
                    await a.send(("other", i))
            def second():
                asyncio.run(other())
            t = threading.Thread(target=second)
            echoed = []
            async def drain():
                for _ in range(2 * N):
                    echoed.append(await b.recv())
            d = asyncio.create_task(drain())
            for i in range(N):
                await a.send(("main", i))
                if i == 100:
                    assert state() == "main"
                    t.start()
            await asyncio.to_thread(t.join)
            await d
            a.close()
            await done.recv()
            print(seen[0], state())
            for who in ("main", "other"):
                seq = [i for w, i in got if w == who]
                assert seq == list(range(N)), (who, len(seq))
            assert sorted(echoed) == sorted(got) and len(got) == 2 * N
            print("ok")
        asyncio.run(main())
        """
    )
    assert out.split() == ["nobody", "main", "ok"]


def test_select_on_solo_channels_then_shared_ones() -> None:
    out = run(
        """
        async def main():
            a, b = chan(1), chan()
            await a.send(1)
            s = await gopy.select(gopy.recv_case(a), gopy.recv_case(b))
            print(s.index, s.value)
            r = asyncio.create_task(gopy.select(gopy.recv_case(a), gopy.recv_case(b)))
            await asyncio.sleep(0)
            threading.Thread(target=b.send_blocking, args=(2,)).start()  # shares b
            s = await r
            print(s.index, s.value, b._owner == o.SHARED)
        asyncio.run(main())
        """
    )
    assert out.split() == ["0", "1", "1", "2", "True"]
