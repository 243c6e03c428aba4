"""gopy.run_program in a subprocess: panic and deadlock reports, exit statuses, Ctrl-C."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

LOOPS = [
    "asyncio",
    pytest.param(
        "uvloop",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("uvloop") is None, reason="uvloop not installed"
        ),
    ),
]

PRELUDE = """\
import asyncio, os, sys, threading, time
import gopy
if os.environ.get("GOPY_TEST_LOOP") == "uvloop":
    import uvloop
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
"""

EPILOGUE = """
async def _top():
    pass

gopy.run_program(_top, globals())
"""

# Generous: a deadlock is detected within a second; this only catches a hang.
TIMEOUT = 20


def write_script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "prog.py"
    script.write_text(PRELUDE + textwrap.dedent(body) + EPILOGUE)
    return script


def run(tmp_path: Path, body: str, loop: str = "asyncio") -> subprocess.CompletedProcess[str]:
    script = write_script(tmp_path, body)
    env = dict(os.environ, GOPY_TEST_LOOP=loop)
    env.pop("GOPY_TRACEBACK", None)
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=TIMEOUT, env=env
    )


def line_of(script: Path, marker: str) -> int:
    """The 1-based line of the script that carries ``# marker``."""
    for number, line in enumerate(script.read_text().splitlines(), 1):
        if line.rstrip().endswith(f"# {marker}"):
            return number
    raise AssertionError(f"no line marked {marker}")


def goroutines(report: str) -> dict[int, tuple[str, list[str]]]:
    """goroutine number -> (wait reason, lines of its block)."""
    blocks: dict[int, tuple[str, list[str]]] = {}
    for block in report.split("\n\n")[1:]:
        header, *frames = block.strip("\n").split("\n")
        match = re.fullmatch(r"goroutine (\d+) \[(.+)\]:", header)
        assert match, header
        blocks[int(match[1])] = (match[2], frames)
    return blocks


def assert_parked_at(frames: list[str], function: str, script: Path, marker: str) -> None:
    """The innermost frame is ``function`` at the marked line; frames alternate name / tab+file:line."""
    assert frames[0] == f"__main__.{function}(...)", frames
    assert frames[1] == f"\t{script}:{line_of(script, marker)}", frames
    for name, where in zip(frames[::2], frames[1::2]):
        assert name.endswith("(...)") and where.startswith("\t"), frames
        assert "gopy" + os.sep + "_" not in where  # runtime frames are left out


# ----------------------------------------------------------------- panic ---


@pytest.mark.parametrize("loop", LOOPS)
def test_goroutine_panic_prints_report_and_exits_2(tmp_path: Path, loop: str) -> None:
    proc = run(
        tmp_path,
        """
        async def worker(n):
            await asyncio.sleep(0.01)
            raise ValueError(f"boom {n}")  # RAISE

        async def main():
            print("started", flush=True)
            gopy.go(worker, 5)
            await gopy.chan().recv()
        """,
        loop,
    )
    script = tmp_path / "prog.py"
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "started\n"
    assert proc.stderr.startswith("panic: ValueError: boom 5\n\ngoroutine 2 [running]:\nTraceback")
    assert f'File "{script}", line {line_of(script, "RAISE")}, in worker' in proc.stderr
    assert proc.stderr.endswith("ValueError: boom 5\n")
    assert "_goroutines.py" not in proc.stderr
    assert "Task was destroyed" not in proc.stderr


def test_thread_goroutine_panic_exits_2(tmp_path: Path) -> None:
    proc = run(
        tmp_path,
        """
        def blocking():
            time.sleep(0.01)
            raise OSError("disk full")

        async def main():
            gopy.go(blocking)
            await gopy.sleep(30)
        """,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("panic: OSError: disk full\n\ngoroutine 2 [running]:\n")


def test_sys_exit_in_a_thread_goroutine_exits(tmp_path: Path) -> None:
    proc = run(
        tmp_path,
        """
        def quit():
            sys.exit(4)

        async def main():
            gopy.go(quit)
            await gopy.sleep(30)
        """,
    )
    assert (proc.returncode, proc.stderr) == (4, "")


def test_sys_exit_in_a_thread_goroutine_as_main_returns_shuts_down_quietly(tmp_path: Path) -> None:
    # The thread's SystemExit leaves the loop in the same iteration that main
    # finished: the stop that main's completion queued must not cut the
    # shutdown short (async generators still closed, nothing left pending).
    proc = run(
        tmp_path,
        """
        def quit():
            sys.exit(4)

        async def main():
            gopy.go(quit)
            time.sleep(0.2)  # the thread's exit is seen as main returns
        """,
    )
    assert (proc.returncode, proc.stderr) == (4, "")


def test_main_program_exception_is_pythons_exit_1(tmp_path: Path) -> None:
    proc = run(
        tmp_path,
        """
        async def main():
            await asyncio.sleep(0)
            raise KeyError("in main")  # RAISE
        """,
    )
    script = tmp_path / "prog.py"
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):\n")
    assert f'File "{script}", line {line_of(script, "RAISE")}, in main' in proc.stderr
    assert proc.stderr.endswith("KeyError: 'in main'\n")
    assert "panic" not in proc.stderr
    assert "base_events.py" not in proc.stderr  # asyncio's machinery is trimmed


def test_sys_exit_in_main_keeps_its_status(tmp_path: Path) -> None:
    proc = run(
        tmp_path,
        """
        async def main():
            sys.exit(3)
        """,
    )
    assert (proc.returncode, proc.stderr) == (3, "")


def test_body_then_sync_main(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(PRELUDE + textwrap.dedent("""
            def main():
                print("main", order)

            async def _top():
                global order
                order = ["body"]
                await asyncio.sleep(0)

            gopy.run_program(_top, globals())
            """))
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "main ['body']\n", "")


def test_main_ending_cancels_goroutines(tmp_path: Path) -> None:
    proc = run(
        tmp_path,
        """
        async def forever(name):
            try:
                await gopy.chan().recv()
            finally:
                print("cancelled", name, flush=True)

        def blocked_thread():
            time.sleep(60)  # daemon: does not keep the program alive

        async def main():
            gopy.go(forever, "a")
            gopy.go(blocked_thread)
            await asyncio.sleep(0.01)
            print("main done", flush=True)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "main done\ncancelled a\n"
    assert proc.stderr == ""


# -------------------------------------------------------------- deadlock ---

DEADLOCKS = {
    "recv_unbuffered": (
        """
        async def main():
            ch = gopy.chan()
            await gopy.recv(ch)  # PARK
        """,
        {1: ("chan receive", "main")},
    ),
    "send_unbuffered": (
        """
        async def main():
            ch = gopy.chan()
            await ch.send(1)  # PARK
        """,
        {1: ("chan send", "main")},
    ),
    "waitgroup_never_done": (
        """
        async def worker(wg):
            pass  # forgets wg.done()

        async def main():
            wg = gopy.WaitGroup()
            wg.add(1)
            gopy.go(worker, wg)
            await wg.wait()  # PARK
        """,
        {1: ("sync.WaitGroup.Wait", "main")},
    ),
    "mutex_double_lock": (
        """
        async def main():
            mu = gopy.Mutex()
            await mu.lock()
            async with mu:  # PARK
                pass
        """,
        {1: ("sync.Mutex.Lock", "main")},
    ),
    "select_no_cases": (
        """
        async def main():
            await gopy.select()  # PARK
        """,
        {1: ("select (no cases)", "main")},
    ),
    "nil_channel_receive": (
        """
        async def main():
            await gopy.recv(None)  # PARK
        """,
        {1: ("chan receive (nil chan)", "main")},
    ),
    "nil_channel_send": (
        """
        async def main():
            await gopy.send(None, 1)  # PARK
        """,
        {1: ("chan send (nil chan)", "main")},
    ),
    "select_two_channels": (
        """
        async def main():
            a, b = gopy.chan(), gopy.chan(1)
            await gopy.select(gopy.recv_case(a), gopy.recv_case(b))  # PARK
        """,
        {1: ("select", "main")},
    ),
    "cycle": (
        # 2 sends to 3, 3 sends to 4, 4 sends to 2; nobody receives first.
        """
        async def link(name, out, inp, wg):
            await out.send(name)  # LINK
            await inp.recv()
            wg.done()

        async def main():
            wg = gopy.WaitGroup()
            a, b, c = gopy.chan(), gopy.chan(), gopy.chan()
            wg.add(3)
            gopy.go(link, "x", a, c, wg)
            gopy.go(link, "y", b, a, wg)
            gopy.go(link, "z", c, b, wg)
            await helper(wg)

        async def helper(wg):
            await wg.wait()  # PARK
        """,
        {
            1: ("sync.WaitGroup.Wait", "helper"),
            2: ("chan send", "link", "LINK"),
            3: ("chan send", "link", "LINK"),
            4: ("chan send", "link", "LINK"),
        },
    ),
    "task_not_started_by_go": (
        # An asyncio task blocked in a channel operation is a goroutine too.
        """
        async def other(ch):
            await ch.send(1)  # OTHER

        async def main():
            ch = gopy.chan()
            task = asyncio.create_task(other(ch))
            await gopy.select()  # PARK
        """,
        {1: ("select (no cases)", "main"), 2: ("chan send", "other", "OTHER")},
    ),
    "range_over_channel_never_closed": (
        """
        async def producer(ch):
            for i in range(3):
                await ch.send(i)

        async def main():
            ch = gopy.chan(1)
            gopy.go(producer, ch)
            async for v in gopy.range_of(ch):  # PARK
                print(v, flush=True)
        """,
        {1: ("chan receive", "main")},
    ),
}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("case", sorted(DEADLOCKS))
def test_deadlock_report(tmp_path: Path, case: str, loop: str) -> None:
    body, expected = DEADLOCKS[case]
    proc = run(tmp_path, body, loop)
    script = tmp_path / "prog.py"
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(
        "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 ["
    )
    assert "destroyed" not in proc.stderr and "Exception ignored" not in proc.stderr
    blocks = goroutines(proc.stderr)
    assert sorted(blocks) == sorted(expected)
    for number, (reason, function, *marker) in expected.items():
        got_reason, frames = blocks[number]
        assert got_reason == reason
        assert_parked_at(frames, function, script, marker[0] if marker else "PARK")
    if case == "cycle":  # the main goroutine's block shows the whole call chain
        assert blocks[1][1][2:] == [
            "__main__.main(...)",
            f"\t{script}:{line_of(script, 'PARK') - 3}",
        ]


def test_deadlock_report_with_runtime_frames(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        """
        async def main():
            await gopy.chan().recv()
        """,
    )
    env = dict(os.environ, GOPY_TRACEBACK="all")
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=TIMEOUT, env=env
    )
    assert proc.returncode == 2
    assert "_channels.py" in proc.stderr


# ------------------------------------------------------ no false deadlock ---

WAKEABLE = {
    "after_in_select": """
        async def main():
            ch = gopy.chan()
            sel = await gopy.select(gopy.recv_case(ch), gopy.recv_case(gopy.after(0.8)))
            print("timeout", sel.index)
        """,
    "loop_timer_closes": """
        async def main():
            ch = gopy.chan()
            asyncio.get_running_loop().call_later(0.8, ch.close)
            print("closed", await ch.recv_ok())
        """,
    "timer_object": """
        async def main():
            t = gopy.Timer(0.8)
            await t.c.recv()
            print("fired")
        """,
    "asyncio_sleep_goroutine": """
        async def later(ch):
            await asyncio.sleep(0.8)
            await ch.send("late")

        async def main():
            ch = gopy.chan()
            gopy.go(later, ch)
            print(await ch.recv())
        """,
    "worker_thread": """
        def slow(loop, ch):
            time.sleep(0.8)
            loop.call_soon_threadsafe(ch.close)

        async def main():
            ch = gopy.chan()
            gopy.go(slow, asyncio.get_running_loop(), ch)
            print("closed", await ch.recv_ok())
        """,
    "io_read": """
        async def main():
            loop = asyncio.get_running_loop()
            ch = gopy.chan()
            r, w = os.pipe()
            loop.add_reader(r, lambda: (loop.remove_reader(r), ch.close()))
            # An ordinary thread, not a goroutine: only the pipe can wake main.
            threading.Timer(0.8, os.write, (w, b"x")).start()
            print("closed", await ch.recv_ok())
        """,
    "default_executor_job": """
        def slow(loop, ch):
            time.sleep(0.8)
            loop.call_soon_threadsafe(ch.close)

        async def main():
            ch = gopy.chan()
            loop = asyncio.get_running_loop()
            loop.run_in_executor(None, slow, loop, ch)  # fire and forget
            print("closed", await ch.recv_ok())
        """,
    "signal_handler": """
        import signal

        async def main():
            loop = asyncio.get_running_loop()
            ch = gopy.chan()
            loop.add_signal_handler(signal.SIGUSR1, ch.close)
            threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGUSR1)).start()
            print("closed", await ch.recv_ok())
        """,
    "mutex_released_by_timer": """
        async def main():
            mu = gopy.Mutex()
            await mu.lock()
            asyncio.get_running_loop().call_later(0.8, mu.unlock)
            await mu.lock()
            print("locked")
        """,
}

WAKEABLE_OUTPUT = {
    "after_in_select": "timeout 1\n",
    "loop_timer_closes": "closed (None, False)\n",
    "timer_object": "fired\n",
    "asyncio_sleep_goroutine": "late\n",
    "worker_thread": "closed (None, False)\n",
    "io_read": "closed (None, False)\n",
    "mutex_released_by_timer": "locked\n",
    "default_executor_job": "closed (None, False)\n",
    "signal_handler": "closed (None, False)\n",
}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("case", sorted(WAKEABLE))
def test_no_false_deadlock(tmp_path: Path, case: str, loop: str) -> None:
    proc = run(tmp_path, WAKEABLE[case], loop)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == WAKEABLE_OUTPUT[case]


@pytest.mark.parametrize("loop", LOOPS)
def test_busy_program_is_not_a_deadlock(tmp_path: Path, loop: str) -> None:
    # Many goroutines parking and unparking for well over a check period.
    proc = run(
        tmp_path,
        """
        async def relay(inp, out):
            async for v in inp:
                await out.send(v + 1)
            out.close()

        async def main():
            first = gopy.chan()
            inp = first
            for _ in range(50):
                out = gopy.chan()
                gopy.go(relay, inp, out)
                inp = out
            deadline = time.monotonic() + 1.5
            n = 0
            while time.monotonic() < deadline:
                await first.send(0)
                assert await inp.recv() == 50
                n += 1
            first.close()
            print("ok", n > 0)
        """,
        loop,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok True\n", "")


# ---------------------------------------------------------------- Ctrl-C ---


@pytest.mark.parametrize("loop", LOOPS)
def test_ctrl_c_exits_130_without_traceback(tmp_path: Path, loop: str) -> None:
    script = write_script(
        tmp_path,
        """
        async def spin(ch):
            while True:
                await gopy.sleep(0.01)

        def blocking():
            time.sleep(60)

        async def main():
            gopy.go(spin, gopy.chan())
            gopy.go(blocking)
            print("ready", flush=True)
            await gopy.sleep(60)
        """,
    )
    env = dict(os.environ, GOPY_TEST_LOOP=loop)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert len(stderr.splitlines()) <= 1, stderr
    assert "Traceback" not in stderr


# ------------------------------------------- in process: what can wake a goroutine ---
# A short check period makes each case quick; every wake-up comes after several checks.

PERIOD = 0.02
WAKE_AFTER = 0.3


@pytest.fixture
def fast_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    from gopy.runtime import _supervisor

    monkeypatch.setattr(_supervisor, "_CHECK_PERIOD", PERIOD)


def supervised(loop: str, body: Any) -> Any:
    """``gopy.run_supervised(body)`` on the named loop."""
    import asyncio

    import gopy

    policy = asyncio.get_event_loop_policy()
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        return gopy.run_supervised(body)
    finally:
        asyncio.set_event_loop_policy(policy)


class _ExitProtocol:
    """A subprocess protocol that closes a channel when the process exits."""

    def __init__(self, ch: Any) -> None:
        self.ch = ch

    def connection_made(self, transport: Any) -> None:
        pass

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        pass

    def pipe_connection_lost(self, fd: int, exc: Any) -> None:
        pass

    def process_exited(self) -> None:
        self.ch.close()

    def connection_lost(self, exc: Any) -> None:
        pass


async def _wake_subprocess_protocol() -> Any:
    import asyncio

    import gopy

    ch = gopy.chan()
    loop = asyncio.get_running_loop()
    code = f"import time; time.sleep({WAKE_AFTER})"
    transport, _ = await loop.subprocess_exec(
        lambda: _ExitProtocol(ch),
        sys.executable,
        "-c",
        code,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return await ch.recv_ok()  # only the child's exit can wake main
    finally:
        transport.close()


async def _wake_socket_server() -> Any:
    import asyncio
    import socket
    import threading

    import gopy

    ch = gopy.chan()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.close()
        ch.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def connect() -> None:  # an ordinary thread: only the listening socket can wake main
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"x")
            s.recv(1)

    threading.Timer(WAKE_AFTER, connect).start()
    try:
        return await ch.recv_ok()
    finally:
        server.close()


async def _wake_executor_awaited() -> Any:
    import asyncio
    import time

    import gopy

    ch = gopy.chan()

    async def worker() -> None:
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, WAKE_AFTER)
        ch.close()

    gopy.go(worker)
    return await ch.recv_ok()


async def _wake_asyncio_event() -> Any:
    import asyncio
    import threading

    import gopy

    ch = gopy.chan()
    event = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        await event.wait()
        ch.close()

    gopy.go(worker)
    threading.Timer(WAKE_AFTER, loop.call_soon_threadsafe, (event.set,)).start()
    return await ch.recv_ok()


async def _wake_asyncio_queue() -> Any:
    import asyncio
    import threading

    import gopy

    ch = gopy.chan()
    q: asyncio.Queue[int] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        await q.get()
        ch.close()

    gopy.go(worker)
    threading.Timer(WAKE_AFTER, loop.call_soon_threadsafe, (q.put_nowait, 1)).start()
    return await ch.recv_ok()


async def _wake_subprocess_awaited() -> Any:
    import asyncio

    import gopy

    ch = gopy.chan()

    async def worker() -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", f"import time; time.sleep({WAKE_AFTER})"
        )
        await proc.wait()
        ch.close()

    gopy.go(worker)
    return await ch.recv_ok()


IN_PROCESS_WAKEABLE = {
    "subprocess_protocol": _wake_subprocess_protocol,
    "socket_server": _wake_socket_server,
    "executor_awaited": _wake_executor_awaited,
    "asyncio_event": _wake_asyncio_event,
    "asyncio_queue": _wake_asyncio_queue,
    "subprocess_awaited": _wake_subprocess_awaited,
}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("case", sorted(IN_PROCESS_WAKEABLE))
def test_no_false_deadlock_while_something_can_wake_main(
    fast_checks: None, case: str, loop: str
) -> None:
    assert supervised(loop, IN_PROCESS_WAKEABLE[case]) == (None, False)


async def _stuck_after_stopped_timers() -> None:
    import asyncio

    import gopy

    gopy.Timer(3600).stop()
    ticker = gopy.Ticker(3600)
    ticker.stop()
    async with asyncio.timeout(3600):  # exits: its handle is cancelled, maybe still queued
        pass
    await asyncio.sleep(0)
    await gopy.chan().recv()


async def _stuck_after_fired_timers() -> None:
    import asyncio

    import gopy

    await gopy.after(0).recv()
    await gopy.Timer(0.001).c.recv()
    await asyncio.sleep(0.001)
    await gopy.chan().send(1)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("body", [_stuck_after_stopped_timers, _stuck_after_fired_timers])
def test_deadlock_detected_despite_finished_timer_handles(
    fast_checks: None, body: Any, loop: str
) -> None:
    import gopy

    with pytest.raises(gopy.Deadlock):
        supervised(loop, body)


@pytest.mark.parametrize("loop", LOOPS)
def test_main_returning_does_not_wait_for_a_goroutine_in_to_thread(
    tmp_path: Path, loop: str
) -> None:
    # Go does not wait for goroutines; asyncio's own default executor would
    # join this thread at exit (TIMEOUT is far below the sleep).
    proc = run(
        tmp_path,
        """
        async def slow():
            await asyncio.to_thread(time.sleep, 60)
            print("not reached")

        async def main():
            gopy.go(slow)
            await asyncio.sleep(0.1)
            print("main done")
        """,
        loop,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "main done\n", "")
