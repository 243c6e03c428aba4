"""Which Python syntax the running interpreter has (gopy accepts exactly that).

The grammar holds the syntax of every supported version (3.11 to 3.15); each
construct newer than 3.11 is gated here, by the interpreter gopy runs on. A
gated construct is either never tokenized as such (the soft keywords ``type``
and ``lazy``, the ``t`` string prefix, PEP 701 string scanning) or rejected by
the lowering with the error that interpreter reports (``reject_newer``).
Adding a version: see "Adding a Python version" in docs/architecture.md.
"""

from __future__ import annotations

import sys

__all__ = [
    "PY",
    "PEP695",
    "PEP696",
    "PEP701",
    "PEP750",
    "PEP758",
    "PEP810",
    "COMPREHENSION_UNPACKING",
]

PY = sys.version_info[:2]

PEP695 = PY >= (3, 12)  # type parameters, the 'type' statement
PEP701 = PY >= (3, 12)  # f-strings: nested quotes, multi-line fields, comments
PEP696 = PY >= (3, 13)  # type parameter defaults
PEP750 = PY >= (3, 14)  # template strings t"..."
PEP758 = PY >= (3, 14)  # except A, B: without parentheses
PEP810 = PY >= (3, 15)  # lazy import
COMPREHENSION_UNPACKING = PY >= (3, 15)  # [*a for a in b], {**d for d in ds}
