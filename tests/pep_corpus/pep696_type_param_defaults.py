def f[T = int](): pass
# ----
class C[T, U = str, *Ts = *tuple[int, ...], **P = [int, str]]: pass
# ----
type A[T: int = bool] = list[T]
# ----
class C[T=int](B): pass
