"""Template context every page gets."""

from django.conf import settings


def portal(request):
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {"site_url": settings.SITE_URL, "user_role": role}
