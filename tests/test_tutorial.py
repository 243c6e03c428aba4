"""docs/tutorial.md stays true: every file, translation and output it shows is checked.

The tutorial marks each code block with an HTML comment that says what the
block is:

- ``<!-- file: PATH -->``: the text of PATH;
- ``<!-- translate: PATH -->``: what ``gopy translate PATH`` prints;
- ``<!-- gopy run: PATH [ARGS]; exit N -->``: what ``gopy run PATH ARGS``
  prints (standard output, then standard error) and its exit status;
- ``<!-- wrapper: PATH [ARGS]; exits|hangs -->``: what a program on the
  Queue wrapper (tests/queue_wrapper.py) prints, and whether it ends.

Timestamps are masked, and the repository's folder is shown as /path/to.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import re
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest

from queue_wrapper import Channel, Close, Range, Value
from support import child_env

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
PROGRAMS = ROOT / "tests" / "tutorial"
STAMP = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", re.M)
HANG = 1.0  # seconds a wrapper program is given to show that it never ends


class Block(NamedTuple):
    kind: str
    spec: str
    text: str


def blocks() -> list[Block]:
    source = TUTORIAL.read_text(encoding="utf-8")
    found = re.findall(r"<!-- ([\w ]+): (.*?) -->\n```\w*\n(.*?)```", source, re.S)
    return [Block(kind, spec, text) for kind, spec, text in found]


def of_kind(kind: str) -> list[Block]:
    return [block for block in blocks() if block.kind == kind]


def masked(text: str) -> str:
    return STAMP.sub("YYYY/MM/DD hh:mm:ss ", text).replace(str(ROOT), "/path/to")


def gopy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gopy", *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tutorial_shows_every_program_and_runs_it() -> None:
    shown = {block.spec for block in of_kind("file")}
    ran = {
        block.spec.split(";")[0].split()[0] for block in of_kind("gopy run") + of_kind("wrapper")
    }
    programs = {
        str(path.relative_to(ROOT))
        for path in PROGRAMS.iterdir()
        if path.suffix in {".py", ".gopy"}
    }
    assert programs <= shown and programs <= ran
    assert "samples/seed_producer_consumer.gopy" in shown & ran
    assert "tests/queue_wrapper.py" in shown


def test_the_readme_links_the_tutorial() -> None:
    assert "(docs/tutorial.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("block", of_kind("file"), ids=lambda block: block.spec)
def test_a_shown_file_is_the_file(block: Block) -> None:
    assert block.text == (ROOT / block.spec).read_text(encoding="utf-8")


@pytest.mark.parametrize("block", of_kind("translate"), ids=lambda block: block.spec)
def test_the_shown_translation_is_what_translate_prints(block: Block) -> None:
    result = gopy("translate", block.spec)
    assert result.returncode == 0, result.stderr
    assert block.text == result.stdout


@pytest.mark.parametrize("block", of_kind("gopy run"), ids=lambda block: block.spec)
def test_a_gopy_program_prints_what_is_shown(block: Block) -> None:
    command, status = block.spec.split("; exit ")
    result = gopy("run", *command.split())
    assert masked(result.stdout + result.stderr) == masked(block.text)
    assert result.returncode == int(status)


def run_in_process(path: Path) -> tuple[str, bool]:
    """Run the module's ``main()`` for at most HANG seconds: (its output, whether it ended)."""
    spec = importlib.util.spec_from_file_location(f"tutorial_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            asyncio.run(asyncio.wait_for(module.main(), HANG))
        except TimeoutError:
            return out.getvalue(), False
    return out.getvalue(), True


def run_in_child(path: Path, *args: str, settled: str) -> tuple[str, bool]:
    """Run the program until it prints ``settled``, then HANG seconds more: (its output, whether it ended)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        child = subprocess.Popen(
            [sys.executable, str(path), *args],
            cwd=ROOT,
            env=child_env(PYTHONPATH=str(ROOT / "tests")),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline:
            log.seek(0)
            if settled in log.read():
                break
            time.sleep(0.05)
        try:
            child.wait(timeout=HANG)
            ended = True
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            ended = False
        log.seek(0)
        return log.read(), ended


@pytest.mark.parametrize("block", of_kind("wrapper"), ids=lambda block: block.spec)
def test_a_wrapper_program_prints_what_is_shown(block: Block) -> None:
    command, fate = block.spec.split("; ")
    path, *args = command.split()
    if args:  # the seed program: it configures logging at import, so not in this process
        settled = block.text.splitlines()[-1][len("YYYY/MM/DD hh:mm:ss ") :]
        output, ended = run_in_child(ROOT / path, *args, settled=settled)
    else:
        output, ended = run_in_process(ROOT / path)
    assert masked(output) == masked(block.text)
    assert ended == {"exits": True, "hangs": False}[fate]


# -- the claims the tutorial makes in prose -----------------------------------


async def test_range_on_the_wrapper_ends_when_the_close_comes_before_the_queue_empties() -> None:
    ch = Channel(2)
    await (ch << 1)
    await (ch << 2)
    Close(ch)
    assert [v async for v in Range(ch)] == [1, 2]


async def test_the_wrapper_has_no_nil_channel() -> None:
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'get'"):
        await (Value() << None)  # type: ignore[operator]


async def test_the_wrapper_refuses_a_send_on_a_closed_channel() -> None:
    ch = Channel(1)
    Close(ch)
    with pytest.raises(RuntimeError, match="Cannot send to closed channel"):
        await (ch << 1)


def test_an_unbuffered_send_in_gopy_waits_for_the_receiver() -> None:
    result = gopy("run", "tests/tutorial/unbuffered.gopy")
    out = result.stdout.splitlines()
    assert sorted(out) == sorted([f"{verb} {i}" for i in range(3) for verb in ("sent", "received")])
    # send i+1 can start only after send i completed, which needs receive i
    for i in range(2):
        assert out.index(f"received {i}") < out.index(f"sent {i + 1}")
