"""`manage.py ingest FILE [FILE ...]`: load meter-data files (interval, daily or monthly reads).

The format is read from each file's first line (`--format` forces one). Each file prints its
counts — loaded, revised, unchanged, skipped, rejected — and every rejected line with its number
and reason; the exit status is 1 when a file could not be read or any line was rejected.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from usage import services
from usage.ingest import FORMATS


class Command(BaseCommand):
    help = (
        "Load meter-data files: the Texas 15-minute interval CSV, the tab-delimited interval extract with "
        "UTC offsets, daily and monthly register CSVs. Rejected lines are reported; the good ones load."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--format", choices=sorted(FORMATS), help="Force the format (default: from the header).")
        parser.add_argument("--batch-size", type=int, default=services.BATCH_SIZE, help="Lines loaded per transaction.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar, even on a terminal.")

    def handle(self, *args, files, format, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        failed = rejected = 0
        for path in files:
            if not path.is_file():
                self.stderr.write(f"{path}: no such file")
                failed += 1
                continue
            try:
                result = self.ingest(path, format=format, batch_size=batch_size, no_progress=no_progress)
            except services.UsageError as error:
                self.stderr.write(f"{path}: {error.message}")
                failed += 1
                continue
            self.stdout.write(result.report())
            rejected += result.rejected
        if failed or rejected:
            raise CommandError(f"{failed} file(s) not loaded, {rejected} line(s) rejected.")

    def ingest(self, path: Path, *, format, batch_size, no_progress) -> services.IngestResult:
        # tqdm shows itself on a terminal only (disable=None); sizes are characters, close to bytes.
        with tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=True if no_progress else None,
            file=self.stderr,
        ) as bar:
            return services.ingest_file(path=path, format=format, batch_size=batch_size, progress=bar.update)
