"""CPU time for the benchmarks (the machine is shared, so CPU seconds say more than wall time): a
local process's from /proc, and which PostgreSQL server process serves Django's connection. Not a
benchmark itself (its name does not start with bench_)."""

import math
import os


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a local process has used so far; NaN when /proc does not show
    it (the server runs on another machine, or the process has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()  # the command name may hold spaces and ")"
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pid() -> int:
    """The process id of the PostgreSQL backend serving Django's default connection (it changes when
    the connection is closed and opened again, e.g. past DATABASE_CONN_MAX_AGE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
