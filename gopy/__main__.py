"""``python -m gopy``: the ``gopy`` command."""

import sys

from gopy.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
