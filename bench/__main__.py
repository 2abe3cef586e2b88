"""Run the benchmarks: `python -m bench [NAME ...]` (all when no name is given).

Benchmarks measure on PostgreSQL, in their own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/metergate_bench), which is created and migrated first.
Each module `bench/bench_<name>.py` defines `main()`, which builds its data and prints figures.
"""

import importlib
import os
import pkgutil
import sys
import time

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/metergate_bench"


def _ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str]) -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    available = sorted(
        module.name.removeprefix("bench_")
        for module in pkgutil.iter_modules([os.path.dirname(__file__)])
        if module.name.startswith("bench_")
    )
    chosen = argv or available
    unknown = set(chosen) - set(available)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(available)}")
        return 2
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").main()
        print(f"   ({time.perf_counter() - started:.1f} s in all)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
