"""Long console jobs (import, task discovery, merge) in the background, with progress.

A job is a function ``run(progress) -> result`` run on a worker thread (one at a time:
they write to the store, and SQLite has one writer); ``progress(fraction, message)``
updates what the page shows by polling ``GET /api/v1/jobs/{id}``. Jobs live in the
serving process (a restart forgets finished ones; what they stored stays stored).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException

from taskloom.errors import UserError

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
KEEP = 200  # finished jobs remembered


@dataclass
class Job:
    """A job as the API shows it."""

    id: str
    kind: str
    study_id: int
    actor: str
    title: str
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = "waiting for the worker"
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "study_id": self.study_id, "title": self.title,
                "status": self.status, "progress": round(self.progress, 4),
                "message": self.message, "result": self.result, "error": self.error,
                "created_at": int(self.created_at * 1000),
                "finished_at": int(self.finished_at * 1000) if self.finished_at else None}


class Jobs:
    """The app's job queue (``app.state.console.jobs``)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="console-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, kind: str, study_id: int, actor: str, title: str,
               run: Callable[[Progress], dict[str, Any]],
               on_done: Callable[[Job], None] | None = None) -> Job:
        job = Job(secrets.token_hex(8), kind, study_id, actor, title)
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.finished_at is not None]
            for old in sorted(finished, key=lambda j: j.created_at)[:-KEEP or None]:
                self._jobs.pop(old.id, None)

        def progress(fraction: float, message: str) -> None:
            job.progress = max(0.0, min(1.0, fraction))
            job.message = message

        def work() -> None:
            job.status, job.message = "running", "started"
            try:
                job.result = run(progress)
                job.status, job.progress = "done", 1.0
                job.message = str(job.result.get("message", "done"))
            except Exception as exc:  # shown on the page; the traceback goes to the log
                user = isinstance(exc, UserError | HTTPException)
                job.status = "failed"
                job.error = str(getattr(exc, "detail", exc)) if user else (
                    f"the job failed ({type(exc).__name__}: {exc}); see the server log")
                log.log(logging.INFO if user else logging.ERROR, "job %s (%s) failed", job.id,
                        kind, exc_info=not user)
            finally:
                job.finished_at = time.time()
                if on_done is not None:
                    on_done(job)

        self._pool.submit(work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def of_study(self, study_id: int, limit: int = 20) -> list[Job]:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.study_id == study_id]
        return sorted(jobs, key=lambda j: j.created_at, reverse=True)[:limit]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
