x = f"{d["key"]}"
# ----
x = f"{f"{f"{1}"}"}" "a" f"b{x!r:>{w}}"
# ----
x = f"{"\n".join(lines)}"
# ----
x = f"{x # a comment
}"
# ----
x = f'''{
    a +
    b  # comment ' " }
}'''
# ----
x = f"{
    value
    !r:>{width}}"
# ----
x = f"{'''nested
triple'''}"
# ----
x = f"{x:{"<" if left else ">"}{w}}"
# ----
x = f"{lambda: 1}"
# ----
x = f"{x:=10}" f"{(y:=10)}"
# ----
x = f"{a!r}" rf"\d{b}" Rf'{c}' fR"{d}"
# ----
x = f"{ x = }" f"{x=!r:^20}"
# ----
x = f"{{}} {{{a}}}"
# ----
x = f"{x
