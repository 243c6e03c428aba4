# placeholder until the runtime lands (owner: runtime/channels)
class ChannelClosed(Exception): pass
def _todo(*a, **k): raise NotImplementedError
class chan:
    def __class_getitem__(cls, item): return cls
send = recv = recv_ok = close = cap = range_of = _todo
