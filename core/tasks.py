"""Platform tasks: liveness ping, the outbox relay and the external deliveries."""

from celery import shared_task

# imported here so that every worker connects the outbox's task_postrun handler (a row is done
# when its task finished)
from . import outbox
from .delivery import deliveries_send


@shared_task(name="liaison.ping")
def ping() -> str:
    return "pong"


@shared_task(name="liaison.relay_outbox", time_limit=300, soft_time_limit=240)
def relay_outbox() -> dict:
    """Send the tasks that could not reach the broker when they were enqueued (every minute)."""
    result = outbox.outbox_relay()
    result["pruned"] = outbox.outbox_prune()
    return result


@shared_task(
    name="core.send_deliveries", acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60
)
def send_deliveries(delivery_ids: list[int]) -> dict:
    """Send these Delivery rows, each claimed on its own (a redelivered message skips the rows
    already sent or claimed by someone else)."""
    return deliveries_send(delivery_ids)
