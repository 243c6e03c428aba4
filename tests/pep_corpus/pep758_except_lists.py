try:
    pass
except ValueError, TypeError:
    pass
# ----
try:
    pass
except* ValueError, TypeError:
    pass
# ----
try:
    pass
except ValueError, TypeError as e:
    pass
# ----
try:
    pass
except (ValueError, TypeError) as e:
    pass
