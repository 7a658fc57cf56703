"""A web import's worker, run as its own process so that a test can kill it with SIGKILL.

``python killed_import.py JOB_ID INPUT MARKER``: runs the job as the web page would, and once the
import has written every row (inside its transaction, not yet committed) touches MARKER and
waits to be killed. The test points GRIDGOV_DATABASE_URL and GRIDGOV_VAR_DIR at its own.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(job_id: str, input_file: str, marker: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from gridgov.core.jobs import job_start
    from gridgov.core.models import Job
    from gridgov.dataio import views as imports
    from gridgov.dataio.kinds import KINDS

    job = Job.objects.select_related("owner").get(pk=job_id)
    kind = KINDS[job.params["kind"]]
    load = kind.load

    def load_then_hang(ctx):
        counts = load(ctx)
        Path(marker).write_text(str(counts.created))
        time.sleep(600)  # killed here, its rows written and not committed
        return counts

    kind.load = load_then_hang
    path = Path(input_file)
    job_start(
        job,
        lambda progress: imports._run(job, path, job.owner, progress),
        input_file=path,
        background=False,
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
