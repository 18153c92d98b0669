"""Celery entry points: the generation (queue gpu, the GPU worker only) and the retention sweep (beat)."""

from __future__ import annotations

import logging
from typing import Any

from billiard.exceptions import TimeLimitExceeded
from celery import Task, shared_task
from celery.signals import worker_process_init
from django.conf import settings

from gpu_worker import services

logger = logging.getLogger(__name__)


class GenerationTask(Task):  # type: ignore[type-arg]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Celery calls this in the worker's main process when it killed the child at the hard time limit, or
        # lost it: the child can no longer report, so the batch is failed from here, at once.
        if isinstance(exc, TimeLimitExceeded):
            exc = services.RanPastHardLimit()
        try:
            services.batch_fail_interrupted(job_id=str(args[0]), error=exc)
        except Exception:  # a worker's top level: the beat sweep (jobs_fail_stale) is the backstop
            logger.exception("could not fail an interrupted generation batch", extra={"task_id": task_id})


# acks_late: a job whose worker dies mid-batch is not lost from the queue, yet only a queued job is run,
# so a redelivered message for a job already taken or finished does nothing. The limits are read here, in
# the GPU worker; the web process sends its messages without limits so that these apply (services.job_create).
@shared_task(
    base=GenerationTask,
    name="gpu_worker.generate",
    acks_late=True,
    soft_time_limit=settings.GPU_SOFT_TIME_LIMIT,
    time_limit=settings.GPU_HARD_TIME_LIMIT,
)
def generate(job_id: str) -> int:
    return services.batch_run(job_id=job_id)


@shared_task(name="gpu_worker.expire_images")
def expire_images() -> dict[str, int]:
    return {"expired": services.images_expire(), "failed_stale": services.jobs_fail_stale()}


@worker_process_init.connect
def _import_inference_libraries(sender: Any = None, **kwargs: Any) -> None:
    # In a GPU worker's child, after the fork: torch and diffusers take many seconds to import, which the
    # first task's time limit should not count, and a limit that interrupted an import half-way would leave
    # the child unable to import them again. No CUDA is touched here; the model still loads with the first task.
    from celery import current_app

    if "gpu" in current_app.amqp.queues.consume_from and settings.GPU_MODEL_DIR:
        from gpu_worker.inference.loader import import_libraries

        import_libraries()
