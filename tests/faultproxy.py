"""A TCP proxy between the service and its database that a test switches between three modes.

- ``pass``: bytes flow both ways.
- ``refuse``: the listening socket is closed (new connections get ECONNREFUSED) and every open
  connection is reset, as when the database host is down.
- ``blackhole``: nothing flows any more, in either direction; new connections are accepted but
  never reach the database, as in a network partition. When the mode returns to ``pass``, what
  was held back flows on (as TCP retransmits it after a partition heals), including a client's
  close, so the server ends the sessions of clients that gave up.
"""

from __future__ import annotations

import asyncio
import contextlib


class FaultProxy:
    """Listens on 127.0.0.1:``port`` and forwards to ``target_host``:``target_port`` according to ``mode``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self.port = 0
        self.accepted = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def set_mode(self, mode: str) -> None:
        assert mode in {"pass", "refuse", "blackhole"}, mode
        self.mode = mode
        if mode == "blackhole":
            self._flowing.clear()
            return
        if mode == "refuse":
            self._flowing.set()
            if self._server is not None:
                self._server.close()
                self._server = None
            for writer in list(self._writers):
                writer.transport.abort()  # RST: "connection reset by peer"
            return
        if self._server is None:
            await self.start()
        self._flowing.set()

    async def close(self) -> None:
        await self.set_mode("refuse")  # resets every connection, so every forwarding task ends
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=5)
            for task in pending:
                task.cancel()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(client_writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._flowing.wait()  # a partitioned network never completes the handshake
            if self.mode == "refuse":
                return
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            self._writers.add(upstream_writer)
            await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))
        except (ConnectionError, OSError):
            pass
        finally:
            self._tasks.discard(task)
            self._end(client_writer)
            self._writers.discard(client_writer)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                await self._flowing.wait()
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._end(writer)
            self._writers.discard(writer)

    def _end(self, writer: asyncio.StreamWriter) -> None:
        """Close one side: a reset when refusing, else an orderly close."""
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            if self.mode == "refuse":
                writer.transport.abort()
            else:
                writer.close()
