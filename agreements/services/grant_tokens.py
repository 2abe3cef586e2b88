"""Revoking the OAuth tokens of ended agreements: every way an agreement ends (termination,
move-out, a closed grant, a revoked receipt) calls this, so a grant's tokens stop at once."""

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from ..models import GrantToken


def revoke_tokens(*, agreement_ids) -> None:
    """Revoke every access and refresh token issued under these agreements' grants (set-based)."""
    token_ids = list(GrantToken.objects.filter(grant_id__in=agreement_ids).values_list("access_token_id", flat=True))
    if not token_ids:
        return
    now = timezone.now()
    get_refresh_token_model().objects.filter(access_token_id__in=token_ids, revoked__isnull=True).update(
        revoked=now, updated=now
    )
    get_access_token_model().objects.filter(pk__in=token_ids).delete()
