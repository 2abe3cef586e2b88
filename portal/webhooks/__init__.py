"""Signed webhooks: third parties register HTTPS endpoints and choose events; services `emit`
events after commit; Celery delivers them, signed, with retries, a log and automatic disabling."""
