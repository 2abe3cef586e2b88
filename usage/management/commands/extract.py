"""`manage.py extract TYPE_CODE --initial --from DAY --to DAY | --incremental | --corrections`:
create a consumption extract request of that type and run it here (or `--queue` it for a worker)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portal.errors import DomainError
from usage.models import ExtractRequest, ExtractType
from usage.services import extracts
from usage.tasks import extract_delivery, run_extract


class Command(BaseCommand):
    help = "Create a consumption extract request (initial load, incremental or corrections) and run it."

    def add_arguments(self, parser):
        parser.add_argument("type_code", help="the extract type's code")
        kind = parser.add_mutually_exclusive_group(required=True)
        kind.add_argument("--initial", action="store_true", help="an initial load of the days --from to --to")
        kind.add_argument("--incremental", action="store_true", help="everything after the extract-through")
        kind.add_argument("--corrections", action="store_true", help="intervals revised since the last corrections")
        parser.add_argument("--from", dest="first_day", type=date.fromisoformat, help="first local day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last_day", type=date.fromisoformat, help="last local day (YYYY-MM-DD)")
        parser.add_argument("--queue", action="store_true", help="queue the run for a worker instead of running here")

    def handle(self, *args, type_code, initial, incremental, corrections, first_day, last_day, queue, **options):
        extract_type = ExtractType.objects.filter(code=type_code).first()
        if extract_type is None:
            raise CommandError(f"No extract type with the code {type_code!r}.")
        try:
            if initial:
                if first_day is None or last_day is None:
                    raise CommandError("--initial needs --from and --to.")
                request = extracts.create_initial_load(
                    extract_type=extract_type, first_day=first_day, last_day=last_day
                )
            elif incremental:
                request = extracts.create_incremental(extract_type=extract_type)
            else:
                request = extracts.create_correction(extract_type=extract_type)
        except DomainError as error:
            raise CommandError(error.message) from error
        if queue:
            run_extract.delay(request.pk)
            self.stdout.write(f"Request {request.pk} ({request.get_kind_display()}) queued.")
            return
        request = extracts.run_extract_request(request_id=request.pk, deliver=extract_delivery(extract_type))
        if request.status != ExtractRequest.Status.COMPLETE:
            raise CommandError(f"Request {request.pk} failed: {request.error}")
        where = request.location or "no file: the period was extracted already"
        self.stdout.write(self.style.SUCCESS(f"Request {request.pk} complete: {request.rows} rows, {where}."))
