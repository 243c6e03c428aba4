import asyncio

from queue_wrapper import Channel, Value


async def main():
    ch = Channel()
    print("receiving")
    await (Value() << ch)  # nothing will ever send: the program just waits
    print("never printed")


if __name__ == "__main__":
    asyncio.run(main())
