"""Account queries used in several places."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count

from .models import ThirdParty


def rating_summary(third_party: ThirdParty) -> dict:
    """Average rating (one decimal) and count; average is None when nobody rated yet."""
    figures = third_party.ratings.aggregate(average=Avg("stars"), count=Count("id"))
    average = figures["average"]
    if average is not None:
        average = Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {"average": average, "count": figures["count"]}
