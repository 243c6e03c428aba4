x = t"hello {name}"
# ----
x = t"{x!r:>{w}} and {y=}" T"{z}" rt"\d{a}" Rt'{b}' tR"{c}"
# ----
x = t"""{
    a  # comment
}"""
# ----
x = t"a" "b"
# ----
x = t"a" f"b"
# ----
x = t"{t"{1}"}"
