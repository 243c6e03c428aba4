def f[T](x: T) -> T:
    return x
# ----
def f[T: int, *Ts, **P](x: T, *a: *Ts) -> None: pass
# ----
async def f[T: (int, str)](): pass
# ----
class C[T](Base, metaclass=M):
    def m[S](self, s: S) -> T | S: ...
# ----
@decorator
class C[T,]: pass
# ----
type X = int
# ----
type ListOrSet[T] = list[T] | set[T]
# ----
if x:
    type Y[T: int] = dict[str, T]
# ----
type = 1
type.x = type(2)
print(type, type[0])
# ----
def type(): pass
class type: pass
# ----
match type:
    case type: pass
# ----
def f[
    T,
    U: int,
](x): pass
