"""Settings for the test suite: the project's settings, with what a test client needs.

The test client speaks plain HTTP, so the HTTPS redirect is off; passwords hash fast; Celery
tasks run eagerly (one marked test starts a real worker); e-mails go to Django's outbox.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A year for every demo premise makes each full seed_demo a minute long; the suite seeds the whole
# demo several times for other reasons. tests/usage/test_demo.py seeds the usage part with a year.
DEMO_USAGE_DAYS = 60
