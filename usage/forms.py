"""Forms of the customer's usage page: the period and resolution to show (a GET form that works
without JavaScript; dragging over the chart fills it in)."""

from datetime import date, timedelta

from django import forms

from .chart import DAILY, INTERVAL, MONTHLY, RESOLUTIONS

# The longest period per resolution: a year of 15-minute reads is 35,040 points per series.
MAX_DAYS = {INTERVAL: 366, DAILY: 3 * 366, MONTHLY: 5 * 366}
DEFAULT_DAYS = {INTERVAL: 7, DAILY: 31}


def default_period(resolution: str, today: date) -> tuple[date, date]:
    """What a resolution shows when no dates are asked for: the last week of 15-minute reads, the
    last month of days, or the last twelve months (this one included)."""
    if resolution == MONTHLY:
        first = today.replace(day=1)
        for _ in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, today
    return today - timedelta(days=DEFAULT_DAYS[resolution] - 1), today


class UsagePeriodForm(forms.Form):
    view = forms.ChoiceField(label="Show", choices=list(RESOLUTIONS.items()), initial=INTERVAL)
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (included)", widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def for_request(cls, query, today: date) -> "UsagePeriodForm":
        """The form bound to the query, with the resolution's default period for missing dates."""
        data = {key: query.get(key, "") for key in ("view", "start", "end")}
        resolution = data["view"] if data["view"] in RESOLUTIONS else INTERVAL
        if not data["start"] and not data["end"]:
            first, last = default_period(resolution, today)
            data.update(view=resolution, start=first.isoformat(), end=last.isoformat())
        data["view"] = data["view"] or INTERVAL
        return cls(data)

    def clean(self):
        cleaned = super().clean()
        start, end, resolution = cleaned.get("start"), cleaned.get("end"), cleaned.get("view")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must not be before the first.")
            elif resolution and (end - start).days + 1 > MAX_DAYS[resolution]:
                label = RESOLUTIONS[resolution].lower()
                self.add_error("end", f"At most {MAX_DAYS[resolution]} days at a time in the {label} view.")
        return cleaned
