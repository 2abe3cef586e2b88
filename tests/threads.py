"""Calls made at the same moment from several threads, for the tests of what two requests (or two
beats) at once do; PostgreSQL only in practice (SQLite has no row locks) and with
`django_db(transaction=True)`, since each thread has its own connection."""

import threading

from django.db import connection


def at_once(call, times: int = 2) -> list:
    """Run `call()` in `times` threads released together; each one's result, or the exception it
    raised, in the order they finished."""
    barrier, outcomes = threading.Barrier(times), []

    def run():
        try:
            barrier.wait()
            outcomes.append(call())
        except Exception as error:  # noqa: BLE001 - handed back for the test to judge
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
