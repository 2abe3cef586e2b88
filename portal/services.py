"""Account rules: provisioning of label partners and customers, third-party ratings.

Every state change happens here, in a transaction; views, API and tasks call these.
"""

from django.db import transaction

from .errors import AccountError
from .models import LabelPartner, ThirdParty, ThirdPartyRating, User


def _apply(instance, values: dict) -> bool:
    """Set the given fields; return whether anything changed (idempotent upserts)."""
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


@transaction.atomic
def upsert_label_partner(*, code: str, name: str, country: str = "") -> tuple[LabelPartner, bool]:
    """Create or update a label partner by code. Returns (label partner, created)."""
    label_partner, created = LabelPartner.objects.select_for_update().get_or_create(
        code=code, defaults={"name": name, "country": country}
    )
    if not created and _apply(label_partner, {"name": name, "country": country}):
        label_partner.save()
    return label_partner, created


@transaction.atomic
def upsert_customer(
    *, external_account_id: str, email: str, full_name: str = "", label_partner: LabelPartner | None = None
) -> tuple[User, bool]:
    """Create or update a customer by the utility's account id. A new customer has no password:
    they set one when they register in the portal with the same e-mail."""
    email = email.strip().lower()
    customer = User.objects.select_for_update().filter(external_account_id=external_account_id).first()
    clash = User.objects.filter(email__iexact=email)
    if customer is not None:
        clash = clash.exclude(pk=customer.pk)
    if clash.exists():
        raise AccountError(
            "email_taken", "Another account already uses this e-mail address.", fields={"email": ["Already in use."]}
        )
    values = {"email": email, "full_name": full_name, "label_partner": label_partner}
    if customer is None:
        customer = User.objects.create_user(
            email=email,
            external_account_id=external_account_id,
            **{key: value for key, value in values.items() if key != "email"},
        )
        return customer, True
    if _apply(customer, values):
        customer.save()
    return customer, False


@transaction.atomic
def rate_third_party(*, by: User, third_party: ThirdParty, stars: int, comment: str = "") -> ThirdPartyRating:
    """A customer rates a third party 1–5; rating again replaces the earlier rating."""
    if by.role != User.Role.CUSTOMER:
        raise AccountError("not_a_customer", "Only customers rate third parties.", status_code=403)
    if not 1 <= int(stars) <= 5:
        raise AccountError("invalid_rating", "A rating is 1 to 5 stars.", fields={"stars": ["Choose 1 to 5."]})
    rating, _ = ThirdPartyRating.objects.update_or_create(
        customer=by, third_party=third_party, defaults={"stars": int(stars), "comment": comment}
    )
    return rating
