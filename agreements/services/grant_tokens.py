"""Revoking the OAuth tokens of ended agreements: every way an agreement ends (termination,
move-out, a closed grant, a revoked receipt, staff revoking direct access) calls this, so a grant's
tokens stop at once."""

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from ..models import Agreement, DirectAccessApproval, GrantToken


def revoke_tokens(*, agreement_ids) -> None:
    """Revoke every access and refresh token issued under these agreements' grants (set-based), and
    the direct-access tokens of their clients that no other live approval holds."""
    _revoke_direct_tokens(agreement_ids)
    token_ids = list(GrantToken.objects.filter(grant_id__in=agreement_ids).values_list("access_token_id", flat=True))
    if not token_ids:
        return
    now = timezone.now()
    get_refresh_token_model().objects.filter(access_token_id__in=token_ids, revoked__isnull=True).update(
        revoked=now, updated=now
    )
    get_access_token_model().objects.filter(pk__in=token_ids).delete()


def _revoke_direct_tokens(agreement_ids) -> None:
    # A direct-access token reads under all its client's live approvals (client credentials: no
    # refresh token), so it goes only when the last of them ended.
    clients = set(
        DirectAccessApproval.objects.filter(agreement_id__in=agreement_ids).values_list("client_id", flat=True)
    )
    if not clients:
        return
    now = timezone.now()
    still_live = DirectAccessApproval.objects.filter(
        client_id__in=clients,
        agreement__status=Agreement.Status.ACTIVE,
        agreement__starts_at__lte=now,
        agreement__ends_at__gt=now,
    ).values_list("client_id", flat=True)
    get_access_token_model().objects.filter(
        application_id__in=clients - set(still_live), direct_access__isnull=False
    ).delete()
