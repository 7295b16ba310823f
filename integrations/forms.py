"""Forms the core's pages share (the admin's and the account's connection page)."""

import datetime as dt

from django import forms

# As far back as a first import reads (the longest look-back).
MAX_RANGE_DAYS = 3650


class ReimportRangeForm(forms.Form):
    """Venue-local days to read again from the source: from `start` up to and including `end`."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Up to and including", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        if end < start:
            self.add_error("end", "The last day comes before the first.")
        elif start > self.today:
            self.add_error("start", "The range starts in the future: nothing has happened there yet.")
        elif (self.today - start).days > MAX_RANGE_DAYS:
            self.add_error("start", f"Pick a day in the last {MAX_RANGE_DAYS // 365} years.")
        return cleaned

    def range(self) -> tuple[dt.date, dt.date]:
        """[start, end) as reimport_range takes it: the day after the last, today at most."""
        return self.cleaned_data["start"], min(self.cleaned_data["end"], self.today) + dt.timedelta(days=1)
