"""A test-only external channel for the worker-kill test: slow (so a batch can be killed in the
middle) and leaving a trace of each message it handed on, outside the database."""

import os
import time

from core.notifications.base import Backend, Message


class SlowBackend(Backend):
    name = "slow"

    def address(self, message: Message) -> str:
        return str(message.user_id or "")

    def deliver(self, message: Message, *, address: str, key: str) -> None:
        path = os.environ["SLOW_BACKEND_LOG"]
        delay = float(os.environ.get("SLOW_BACKEND_SECONDS", "0.7"))
        with open(path, "a") as trace:
            trace.write(f"{os.getpid()} {message.user_id} {message.kind} {key}\n")
        time.sleep(delay)
