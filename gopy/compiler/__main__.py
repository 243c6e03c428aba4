"""``python -m gopy.compiler --regenerate`` rebuilds the parser tables; ``FILE`` prints its tree."""

from __future__ import annotations

import sys
from importlib import resources

from gopy.compiler._grammar_tables import TABLES_FILE, regenerate
from gopy.compiler._lalr_parser import parse_tree

__all__: list[str] = []


def main(argv: list[str]) -> int:
    if argv[1:] == ["--regenerate"]:
        path = str(resources.files("gopy.compiler").joinpath(TABLES_FILE))
        regenerate(path)
        print(f"wrote {path}")
        return 0
    if len(argv) == 2:
        with open(argv[1], encoding="utf-8") as f:
            print(parse_tree(f.read()).pretty())
        return 0
    print("usage: python -m gopy.compiler --regenerate | FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
