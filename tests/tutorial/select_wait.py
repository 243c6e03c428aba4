import asyncio

from queue_wrapper import Channel


async def select(*channels):
    """The nearest the wrapper comes to select: the first of several get()s to finish."""
    gets = [asyncio.ensure_future(ch.get()) for ch in channels]
    done, pending = await asyncio.wait(gets, return_when=asyncio.FIRST_COMPLETED)
    for get in pending:
        get.cancel()
    first = min(done, key=gets.index)
    return gets.index(first), first.result()


async def main():
    a, b = Channel(1), Channel(1)
    await (a << "a")
    await (b << "b")
    got = []
    for _ in range(2):
        index, v = await select(a, b)
        got.append(v)
    print(sorted(got))


if __name__ == "__main__":
    asyncio.run(main())
