"""Golden tests: each ``tests/golden/*.golden`` file is a .gopy input and its translation.

A case file holds, in order: an optional ``# flags: --module`` line (module
mode; the default is main mode, as ``gopy translate`` does), the ``.gopy``
source, a ``# output`` line, the expected ``gopy.translate`` output, and
optionally a ``# stdout`` line followed by what running it prints. Every case
is also executed: the generated Python runs under plain Python with the
runtime (main mode as a program; module mode as a module whose ``main`` is run
under ``gopy.run_supervised``).

``GOPY_REGEN_GOLDEN=1 pytest tests/test_golden.py`` rewrites the ``# output``
sections from the current compiler (review the diff); the ``# stdout``
sections are written by hand: they are the specification.
"""

from __future__ import annotations

import ast
import inspect
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

import gopy

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("GOPY_REGEN_GOLDEN") == "1"
OUTPUT, STDOUT, FLAGS = "# output", "# stdout", "# flags:"


@dataclass
class Case:
    """One golden file, split into its sections."""

    path: Path
    mode: str
    source: str
    output: str
    stdout: str | None

    @classmethod
    def read(cls, path: Path) -> Case:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        mode = "main"
        if lines and lines[0].startswith(FLAGS):
            flags = lines.pop(0)[len(FLAGS) :].split()
            assert set(flags) <= {"--module"}, f"{path.name}: unknown flags {flags}"
            mode = "exec" if "--module" in flags else "main"
        sections: dict[str, list[str]] = {"source": [], OUTPUT: [], STDOUT: []}
        current = "source"
        seen = []
        for line in lines:
            if line.rstrip("\n") in (OUTPUT, STDOUT):
                current = line.rstrip("\n")
                seen.append(current)
                continue
            sections[current].append(line)
        assert OUTPUT in seen, f"{path.name}: no '{OUTPUT}' line"
        return cls(
            path,
            mode,
            "".join(sections["source"]),
            "".join(sections[OUTPUT]),
            "".join(sections[STDOUT]) if STDOUT in seen else None,
        )

    def write(self, output: str) -> None:
        """Rewrite the file with a new expected output (regeneration)."""
        text = "# flags: --module\n" if self.mode == "exec" else ""
        text += self.source + OUTPUT + "\n" + output
        if self.stdout is not None:
            text += STDOUT + "\n" + self.stdout
        self.path.write_text(text, encoding="utf-8")


CASES = sorted(GOLDEN.glob("*.golden"))


@pytest.fixture(params=CASES, ids=[p.stem for p in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return Case.read(request.param)


def _translate(case: Case) -> str:
    return gopy.translate(case.source, f"{case.path.stem}.gopy", mode=case.mode)


def test_translation(case: Case) -> None:
    output = _translate(case)
    if REGEN and output != case.output:
        case.write(output)
    assert output == case.output


def test_positions(case: Case) -> None:
    """Every node of the lowered module lies inside the .gopy text, start before end."""
    module = gopy.parse(case.source, f"{case.path.stem}.gopy", mode=case.mode)
    lines = case.source.splitlines() or [""]
    for node in ast.walk(module):
        if "lineno" not in node._attributes:
            continue
        start = (node.lineno, node.col_offset)
        end = (node.end_lineno, node.end_col_offset)
        assert None not in (*start, *end), ast.dump(node)
        assert (1, 0) <= start <= end, ast.dump(node)
        assert end[0] <= len(lines), ast.dump(node)
        assert end[1] <= len(lines[end[0] - 1].encode("utf-8")), ast.dump(node)


def test_execution(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    """The generated Python runs under plain Python and prints what the case says."""
    code = compile(_translate(case), f"{case.path.stem}.py", "exec")
    if case.mode == "main":
        exec(code, {"__name__": "__main__"})
    else:
        namespace: dict[str, object] = {"__name__": case.path.stem}
        exec(code, namespace)
        main = namespace.get("main")
        if callable(main):

            async def body() -> None:
                result = main()
                if inspect.isawaitable(result):
                    await result

            gopy.run_supervised(body)
    if case.stdout is not None:
        assert capsys.readouterr().out == case.stdout


def test_every_case_says_what_it_prints() -> None:
    missing = [p.name for p in CASES if Case.read(p).stdout is None]
    assert missing == []
    assert len(CASES) >= 10
