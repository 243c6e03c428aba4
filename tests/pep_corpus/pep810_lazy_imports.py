lazy import json
# ----
lazy import a.b as c, d
# ----
lazy from . import x
# ----
lazy from a.b import (c as d, e)
# ----
lazy = 1
lazy.x = lazy(2)
print(lazy)
# ----
def f():
    lazy import json
# ----
import json
from . import x
