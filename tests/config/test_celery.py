"""Celery: eager in process on the embedded default; a real worker process on Redis in CI."""

import pytest

from core.tasks import ping
from tests.factories import HouseholdFactory, TownshipFactory, VillageFactory
from visits.tasks import count_households


@pytest.mark.eager
def test_tasks_run_in_process_without_a_broker(settings):
    from config.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True
    result = ping.delay()
    assert result.successful()  # already ran, in this process
    assert result.get(timeout=1) == "pong"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_a_real_worker_on_redis(celery_worker_process):
    township = TownshipFactory()
    village = VillageFactory(township=township)
    HouseholdFactory.create_batch(3, village=village)
    assert ping.delay().get(timeout=30) == "pong"
    # The worker reads the rows this test committed, through its own database connection.
    assert count_households.delay(township.pk).get(timeout=30) == 3
    assert celery_worker_process.poll() is None
