import asyncio

from queue_wrapper import Channel, Close, Value, go


async def main():
    ch = Channel()
    done = Channel()

    async def receiver():
        v = Value()
        await (v << ch)  # blocks in asyncio.Queue.get()
        print("received", v.value)
        await (done << True)

    go(receiver())
    await asyncio.sleep(0.01)  # the receiver is now blocked
    Close(ch)  # sets a flag: nothing wakes the receiver
    await (Value() << done)
    print("done")


if __name__ == "__main__":
    asyncio.run(main())
