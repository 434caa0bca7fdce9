"""Background tasks of the evidence app, found by the jobs app at start-up (``autodiscover_modules("tasks")``).

Each part keeps its tasks in its own module and is imported here, so web and worker processes know them all.
"""

from mamori.evidence import tasks_preserve  # noqa: F401 - evidence.preserve ("Preserve now")
