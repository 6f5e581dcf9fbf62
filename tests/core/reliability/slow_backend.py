"""A test-only notification backend for the worker-kill test: slow (so a batch can be killed in
the middle) and leaving a trace of each message it handed on, outside the database."""

import os
import time
from collections.abc import Sequence

from core.notifications.base import Backend, Message


class SlowBackend(Backend):
    name = "slow"

    def send(self, messages: Sequence[Message]) -> None:
        path = os.environ["SLOW_BACKEND_LOG"]
        delay = float(os.environ.get("SLOW_BACKEND_SECONDS", "0.7"))
        for message in messages:
            with open(path, "a") as trace:
                trace.write(f"{os.getpid()} {message.user_id} {message.kind}\n")
            time.sleep(delay)
