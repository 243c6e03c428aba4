x = [*a for a in b]
# ----
x = {*a for a in b}
# ----
x = (*a for a in b)
# ----
x = {**d for d in ds}
# ----
f(*a for a in b)
# ----
x = [*a for a in b if a]
