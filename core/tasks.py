"""Platform tasks: liveness ping and the outbox relay."""

from celery import shared_task


@shared_task(name="liaison.ping")
def ping() -> str:
    return "pong"


@shared_task(name="liaison.relay_outbox", time_limit=300, soft_time_limit=240)
def relay_outbox() -> dict:
    """Send the tasks that could not reach the broker when they were enqueued (every minute)."""
    from .outbox import outbox_prune, outbox_relay

    result = outbox_relay()
    result["pruned"] = outbox_prune()
    return result
