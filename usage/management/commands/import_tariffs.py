"""`manage.py import_tariffs FILE [FILE ...]`: apply tariff delta files (insert / update / end).

Each file prints its counts and every rejected line with its number and reason (the good lines are
applied); the exit status is 1 when a file could not be read or any line was rejected. The format
is described in usage.tariff_files.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from usage.services import UsageError
from usage.tariff_files import HEADER, import_tariff_file


class Command(BaseCommand):
    help = f"Apply tariff delta CSV files. Header: {HEADER}"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, files, **options):
        failed = rejected = 0
        for path in files:
            if not path.is_file():
                self.stderr.write(f"{path}: no such file")
                failed += 1
                continue
            try:
                result = import_tariff_file(path=path)
            except UsageError as error:
                self.stderr.write(f"{path}: {error.message}")
                failed += 1
                continue
            self.stdout.write(result.report())
            rejected += result.rejected
        if failed or rejected:
            raise CommandError(f"{failed} file(s) not read, {rejected} line(s) rejected.")
