import asyncio

from queue_wrapper import Channel, Close, Range, Value, go


async def main():
    ch = Channel(2)
    done = Channel()

    async def consumer():
        async for v in Range(ch):
            print("received", v)
        print("range ended")
        await (done << True)

    go(consumer())
    await (ch << 1)
    await asyncio.sleep(0.01)  # the consumer empties the queue and waits in get()
    Close(ch)
    await (Value() << done)


if __name__ == "__main__":
    asyncio.run(main())
