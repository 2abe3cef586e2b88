"""Account rules: provisioning of label partners and customers, registration and activation,
third-party ratings.

Every state change happens here, in a transaction; views, API and tasks call these.
"""

import base64
import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from .errors import AccountError
from .models import LabelPartner, ThirdParty, ThirdPartyRating, User
from .notifications import absolute_url, send_templated_email


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


# --- Registration and activation -------------------------------------------------------------
# Registration never tells whether an e-mail address is known: the page afterwards is always the
# same and only the mailbox owner learns more. A provisioned customer (no usable password yet) or
# a registration never confirmed is claimed through a signed link that carries the new password's
# hash, so whoever registers first cannot take an account over by knowing only its e-mail address.

ACTIVATION_SALT = "portal.services.activation"
REGISTRATION_EMAILS_PER_HOUR = 5


def _password_cipher() -> Fernet:
    # The token is signed, not secret: the password hash inside it is encrypted so a leaked link
    # (mail logs, scanners) gives nothing to crack offline.
    key = hashlib.sha256(f"{ACTIVATION_SALT}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _account_state(user: User) -> str:
    """A fingerprint of what activation changes (password, active flag, last login): once the link
    is used the fingerprint no longer matches, which makes every link single-use."""
    last_login = user.last_login.isoformat() if user.last_login else ""
    value = f"{user.pk}|{user.password}|{user.is_active}|{last_login}"
    return salted_hmac(ACTIVATION_SALT, value, algorithm="sha256").hexdigest()[:32]


def make_activation_token(*, user: User, password_hash: str | None = None, next_url: str = "") -> str:
    payload = {"user": user.pk, "state": _account_state(user), "next": next_url}
    if password_hash is not None:
        payload["password"] = _password_cipher().encrypt(password_hash.encode()).decode()
    return signing.dumps(payload, salt=ACTIVATION_SALT, compress=True)


def _read_activation_token(token: str, *, lock: bool = False) -> tuple[User, dict]:
    try:
        payload = signing.loads(token, salt=ACTIVATION_SALT, max_age=timedelta(days=settings.ACCOUNT_ACTIVATION_DAYS))
    except signing.SignatureExpired:
        raise AccountError(
            "activation_link_expired", "This activation link has expired. Register again to get a new one."
        ) from None
    except signing.BadSignature:
        raise AccountError("activation_link_invalid", "This activation link is not valid.") from None
    users = User.objects.select_for_update() if lock else User.objects.all()
    user = users.filter(pk=payload.get("user")).first()
    if user is None or not constant_time_compare(payload.get("state", ""), _account_state(user)):
        raise AccountError(
            "activation_link_used", "This activation link has already been used. Log in, or reset your password."
        )
    return user, payload


def check_activation_token(token: str) -> User:
    """The account a still-valid activation link is for (nothing changes); AccountError otherwise."""
    user, _ = _read_activation_token(token)
    return user


@transaction.atomic
def activate_account(*, token: str) -> tuple[User, str]:
    """Use an activation link: set the password it carries (if any) and activate the account.
    Returns the user and the `next` URL registered with it (check it before redirecting)."""
    user, payload = _read_activation_token(token, lock=True)
    if "password" in payload:
        try:
            user.password = _password_cipher().decrypt(payload["password"].encode()).decode()
        except InvalidToken:
            raise AccountError("activation_link_invalid", "This activation link is not valid.") from None
    user.is_active = True
    user.save(update_fields=["password", "is_active", "updated_at"])
    return user, payload.get("next", "")


def _may_send_registration_email(email: str) -> bool:
    """Cap the mails one address gets from the registration form (no mail-bombing a stranger)."""
    key = "portal:registration-mail:" + hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= REGISTRATION_EMAILS_PER_HOUR
    except ValueError:  # expired between add and incr
        return True


def _mail_activation(*, user: User, token: str, claiming: bool) -> None:
    send_templated_email(
        to=user.email,
        template="portal/email/activate",
        context={
            "user": user,
            "claiming": claiming,
            "activation_url": absolute_url(reverse("activate", kwargs={"token": token})),
            "valid_days": settings.ACCOUNT_ACTIVATION_DAYS,
        },
    )


def _mail_account_exists(*, user: User, next_url: str) -> None:
    login_url = reverse("login")
    if next_url:
        login_url = f"{login_url}?{urlencode({'next': next_url})}"
    send_templated_email(
        to=user.email,
        template="portal/email/account_exists",
        context={
            "user": user,
            "login_url": absolute_url(login_url),
            "password_reset_url": absolute_url(reverse("password_reset")),
        },
    )


def register_customer(*, email: str, full_name: str, password: str, next_url: str = "") -> None:
    """Register from the portal form (the password is already validated). Always answers the
    same; what happens is told by e-mail only:
    - unknown address: an inactive account with this password and an activation link;
    - provisioned customer without a password, or a registration never confirmed: a link that
      sets this password and activates the account;
    - an account with a password: "you already have an account" with login and reset links.
    """
    email = User.objects.normalize_email(email).strip().lower()
    # Hash in every case, so that the answer takes about as long whether the address exists or not.
    password_hash = make_password(password)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create(
                        email=email, full_name=full_name.strip(), password=password_hash, is_active=False
                    )
            except IntegrityError:  # the same address registered concurrently
                user = User.objects.select_for_update().get(email__iexact=email)
            else:
                if _may_send_registration_email(email):
                    token = make_activation_token(user=user, next_url=next_url)
                    _mail_activation(user=user, token=token, claiming=False)
                return
        if not _may_send_registration_email(email):
            return
        never_confirmed = not user.is_active and user.last_login is None
        if not user.has_usable_password() or never_confirmed:
            token = make_activation_token(user=user, password_hash=password_hash, next_url=next_url)
            _mail_activation(user=user, token=token, claiming=True)
        else:
            _mail_account_exists(user=user, next_url=next_url)
