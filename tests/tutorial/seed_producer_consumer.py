"""The seed article's program on the Queue wrapper (tests/queue_wrapper.py)."""

import asyncio
import logging
import sys

from queue_wrapper import Channel, Close, Range, Value, go

logging.basicConfig(
    format="%(asctime)s %(message)s", datefmt="%Y/%m/%d %H:%M:%S", level=logging.INFO
)
log = logging.getLogger()
pause = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0


async def main():
    ch = Channel(2)
    exit = Channel()

    async def producer():
        for i in range(5):
            log.info("Sending %d", i)
            await (ch << i)
            log.info("Sent %d", i)

            await asyncio.sleep(pause)

        log.info("Finished producing")

        Close(ch)

    async def consumer():
        async for v in Range(ch):
            log.info("Received %d", v)
        log.info("Finished consuming")
        Close(exit)

    go(producer())
    go(consumer())

    log.info("Waiting for everything to complete")
    await (Value() << exit)
    log.info("All done, exiting!")


asyncio.run(main())
