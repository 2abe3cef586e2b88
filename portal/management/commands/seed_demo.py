"""`manage.py seed_demo`: a believable demo world, built by each app's `demo.seed(world)`.

Apps add their part in their own `<app>/demo.py` (in layer order: portal, meters, agreements,
usage, reports), so this command never needs editing when an app grows demo data.
"""

import importlib
import logging
import random
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from portal.models import LabelPartner

DEMO_MODULES = [
    "portal.demo",
    "meters.demo",
    "agreements.demo",
    "usage.tariffs_demo",
    "meters.han_demo",
    "agreements.oauth_demo",
    "usage.demo",
    "usage.billing_demo",
    "usage.direct_demo",
    "reports.demo",
    "portal.webhooks.demo",
    "usage.extracts_demo",
]
DEMO_PASSWORD = "metergate-demo"
MARKER_CODE = "lonestar"


@dataclass
class DemoWorld:
    """What the apps' seeders create and hand on to the next one."""

    rng: random.Random
    password: str
    stdout: object
    objects: dict = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, e-mail, what to try)

    def login(self, role: str, email: str, note: str = "") -> None:
        self.logins.append((role, email, note))


class Command(BaseCommand):
    help = "Create the demo world (label partners, customers, premises, third parties, ...) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (the world is deterministic)")

    def handle(self, *args, **options):
        world = DemoWorld(rng=random.Random(options["seed"]), password=DEMO_PASSWORD, stdout=self.stdout)
        if LabelPartner.objects.filter(code=MARKER_CODE).exists():
            self.stdout.write("Demo data is already there; nothing created.")
        else:
            # The demo's own invitations and notices would flood the console: nobody reads them.
            logging.getLogger("celery").setLevel(logging.WARNING)
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
                for name in DEMO_MODULES:
                    try:
                        module = importlib.import_module(name)
                    except ModuleNotFoundError as error:
                        if error.name != name:
                            raise
                        continue
                    module.seed(world)
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        importlib.import_module("portal.demo").collect_logins(world)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, email, note in world.logins:
            self.stdout.write(f"  {role:<26} {email:<48} {note}")
