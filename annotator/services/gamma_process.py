"""The dashboard's gamma job as a process of its own: `python -m annotator.services.gamma_process
DB KEY REQUEST SECONDS MEMORY_BYTES` caps its address space, then computes and stores the result.

A separate process because an exact alignment may need more memory or time than a serving
worker can spare: the cap (RLIMIT_AS) turns an oversized computation into a MemoryError in this
process, stored as the job's error, while the gunicorn worker that started it only waits. It
runs at a lower priority (nice 10), so its sample workers use the cores requests leave idle.
"""

from __future__ import annotations

import os
import resource
import sys

JOB_NICENESS = 10


def cap_memory(limit_bytes: int) -> None:
    """Limit this process's address space to `limit_bytes` (never above the current hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))


def main(argv: list[str]) -> int:
    """Run one job from the command line the parent built; 0 once something is stored."""
    db_path, key, request_json, seconds, memory_bytes = argv
    cap_memory(int(memory_bytes))
    # below the serving workers: the job (and the workers it forks for gamma's samples) takes
    # the cores only while requests leave them idle
    os.nice(JOB_NICENESS)
    # imported under the cap: numpy and scipy count against it too
    from annotator.services.jobs import GammaRequest, compute_gamma_job

    compute_gamma_job(db_path, key, GammaRequest.from_json(request_json), float(seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
