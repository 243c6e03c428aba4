import asyncio

from queue_wrapper import Channel, Value, go


async def main():
    ch = Channel()  # asyncio.Queue(maxsize=0): no limit at all
    done = Channel()

    async def receiver():
        for _ in range(3):
            v = Value()
            await (v << ch)
            print("received", v.value)
        await (done << True)

    go(receiver())
    for i in range(3):
        await (ch << i)
        print("sent", i)
    await (Value() << done)


if __name__ == "__main__":
    asyncio.run(main())
