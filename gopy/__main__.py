"""``python -m gopy``: the ``gopy`` command."""

import sys

from gopy.cli import main

if __name__ == "__main__":
    sys.exit(main())
