import zoneinfo

from django.core.exceptions import ValidationError


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as Europe/London; a typo would break on-call and deadlines."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"'{value}' is not a known time zone (e.g. Europe/London, America/New_York).") from exc


def validate_working_days(value: str) -> None:
    days = [d.strip() for d in value.split(",") if d.strip()]
    if not days or any(not d.isdigit() or not 0 <= int(d) <= 6 for d in days):
        raise ValidationError("Working days are weekday numbers 0–6 separated by commas (Monday = 0).")
