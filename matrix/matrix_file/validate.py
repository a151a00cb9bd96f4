"""Check a matrix file before anything is written: structure, types, choices, references, uniqueness, cycles.

``clean_matrix(data)`` returns the file as plain Python values (times, dates, aware datetimes; references
still as keys and usernames) or raises ``MatrixFileError`` listing every problem it found.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError

from . import schema as s
from .checks import check_matrix
from .errors import INVALID, Errors, Loc, MatrixFileError

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_MAX = {"PositiveSmallIntegerField": 32767, "SmallIntegerField": 32767}


def describe(value: Any) -> str:
    """A value as the reader wrote it, for 'got …' in messages."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _human(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def entry_label(section: str, index: int, spec: s.Entry, raw: Any) -> str:
    label = f"{section}[{index}]"
    if spec.label_field and isinstance(raw, Mapping):
        value = raw.get(spec.label_field)
        if isinstance(value, str | int) and not isinstance(value, bool):
            label += f" ({spec.label_field} {value!r})"
    return label


class Cleaner:
    def __init__(self, errors: Errors, keys: dict[str, set[str]]) -> None:
        self.errors = errors
        self.keys = keys  # section → keys the file defines (people: usernames)

    # --- entries ---------------------------------------------------------------------------------
    def entries(self, raw: Any, spec: s.Entry, name: str, parent: Loc) -> list[tuple[Loc, dict]]:
        """A list of entries → [(where, cleaned fields)], skipping entries that are not mappings."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.errors.add(parent, name, f"must be a list, got {describe(raw)}")
            return []
        result = []
        for index, item in enumerate(raw):
            mapping = item if isinstance(item, Mapping) else None
            loc = parent.child(entry_label(name, index, spec, item), mapping, f"{name}[{index}]")
            cleaned = self.entry(item, spec, loc)
            if cleaned is not None:
                result.append((loc, cleaned))
        return result

    def entry(self, raw: Any, spec: s.Entry, loc: Loc) -> dict | None:
        if not isinstance(raw, Mapping):
            self.errors.add(loc, None, f"must be a mapping of fields, got {describe(raw)}")
            return None
        for name in raw:
            if name not in spec.names:
                self.errors.add(loc, str(name), f"unknown field (expected one of: {', '.join(spec.names)})")
        cleaned: dict[str, Any] = {}
        for field in spec.fields:
            if field.name not in raw:
                if field.required:
                    self.errors.add(loc, field.name, "missing required field")
                    cleaned[field.name] = INVALID
                elif field.type in _LISTS:
                    cleaned[field.name] = list(field.default)
                else:
                    cleaned[field.name] = "" if field.type == s.CHOICE and field.default is None else field.default
                continue
            cleaned[field.name] = self.value(field, raw[field.name], spec, loc)
        return cleaned

    # --- values ----------------------------------------------------------------------------------
    def value(self, field: s.Field, value: Any, spec: s.Entry, loc: Loc) -> Any:
        if value is None and field.nullable:
            return "" if field.type == s.CHOICE else None
        check = getattr(self, f"_{field.type}")
        result = check(field, value, spec, loc)
        if result is INVALID or field.type not in (s.TEXT, s.SLUG):
            return result
        # Lengths, blank, e-mail and URL formats: the model field's own validators.
        model_field = spec.model._meta.get_field(field.model_field or field.name)
        try:
            model_field.clean(result, None)
        except ValidationError as exc:
            for message in exc.messages:
                self.errors.add(loc, field.name, message)
            return INVALID
        return result

    def _fail(self, loc: Loc, field: s.Field, message: str) -> object:
        self.errors.add(loc, field.name, message)
        return INVALID

    def _text(self, field, value, spec, loc):
        if value is None:
            return ""
        if not isinstance(value, str):
            return self._fail(loc, field, f"must be text, got {describe(value)} (put it in quotes)")
        if "\x00" in value:  # PostgreSQL cannot store it; say so here rather than fail mid-import
            return self._fail(loc, field, "must not contain NUL characters")
        return value

    def _slug(self, field, value, spec, loc):
        if not isinstance(value, str) or not _SLUG.match(value):
            message = f"must be a key of letters, digits, hyphens and underscores, got {describe(value)}"
            return self._fail(loc, field, message)
        return value

    def _bool(self, field, value, spec, loc):
        if not isinstance(value, bool):
            return self._fail(loc, field, f"must be true or false, got {describe(value)}")
        return value

    def _int(self, field, value, spec, loc):
        model_field = spec.model._meta.get_field(field.model_field or field.name)
        maximum = _INT_MAX.get(model_field.get_internal_type(), 2147483647)
        if isinstance(value, bool) or not isinstance(value, int) or not field.minimum <= value <= maximum:
            return self._fail(loc, field, f"must be a whole number ≥ {field.minimum}, got {describe(value)}")
        return value

    def _time(self, field, value, spec, loc):
        if isinstance(value, str) and _TIME.match(value):
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        hint = " (YAML reads an unquoted 17:00 as a number: write '17:00')" if isinstance(value, int) else ""
        return self._fail(loc, field, f"must be a time 'HH:MM', got {describe(value)}{hint}")

    def _date(self, field, value, spec, loc):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and _DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        return self._fail(loc, field, f"must be a date 'YYYY-MM-DD', got {describe(value)}")

    def _datetime(self, field, value, spec, loc):
        parsed = value if isinstance(value, dt.datetime) else None
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None or parsed.tzinfo is None:
            return self._fail(
                loc, field, f"must be a date and time with a time zone offset, e.g. '2026-01-05T09:00:00+00:00', "
                f"got {describe(value)}",
            )
        return parsed

    def _timezone(self, field, value, spec, loc):
        if not isinstance(value, str) or value not in _time_zones():
            return self._fail(loc, field, f"unknown time zone {describe(value)} (use an IANA name like 'Europe/Paris')")
        return value

    def _weekdays(self, field, value, spec, loc):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        parts = [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else []
        if not parts or not all(p.isdigit() and int(p) <= 6 for p in parts):
            return self._fail(loc, field, f"must be comma-separated weekdays 0–6 (Monday = 0), got {describe(value)}")
        return value

    def _choice(self, field, value, spec, loc):
        values = list(field.choices.values)
        if value not in values:
            noun = _human(field.choices.__name__)
            return self._fail(loc, field, f"unknown {noun} {describe(value)} (expected one of: {', '.join(values)})")
        return value

    def _ref(self, field, value, spec, loc):
        noun = s.REF_NOUNS[field.ref]
        if not isinstance(value, str):
            return self._fail(loc, field, f"must be the key of a {noun}, got {describe(value)}")
        if value not in self.keys[field.ref]:
            return self._fail(loc, field, f"unknown {noun} {value!r}")
        return value

    def _refs(self, field, value, spec, loc):
        return self._many(field, value, loc, "refs", lambda v: self._ref(field, v, spec, loc), unique=True)

    def _user(self, field, value, spec, loc):
        if not isinstance(value, str):
            return self._fail(loc, field, f"must be a username, got {describe(value)}")
        if value not in self.keys["people"]:
            return self._fail(loc, field, f"unknown person {value!r} (add them to people)")
        return value

    def _users(self, field, value, spec, loc):
        return self._many(field, value, loc, "users", lambda v: self._user(field, v, spec, loc), unique=True)

    def _user_sequence(self, field, value, spec, loc):
        return self._many(field, value, loc, "users", lambda v: self._user(field, v, spec, loc), unique=False)

    def _many(self, field, value, loc, kind, check, *, unique: bool):
        if value is None:
            return []
        if not isinstance(value, list):
            return self._fail(loc, field, f"must be a list, got {describe(value)}")
        items = [check(v) for v in value]
        if INVALID in items:
            return INVALID
        if unique:
            repeated = sorted({v for v in items if items.count(v) > 1})
            if repeated:
                return self._fail(loc, field, f"lists {repeated[0]!r} more than once")
            return sorted(items)
        return items

    def _entries(self, field, value, spec, loc):
        return self.entries(value, field.entry, field.name, loc)


_LISTS = (s.REFS, s.USERS, s.USER_SEQUENCE, s.ENTRIES)


def _collect_keys(data: Mapping, errors: Errors) -> dict[str, set[str]]:
    """Every section's keys, and an error for each key given twice."""
    keys: dict[str, set[str]] = {name: set() for name in s.LIST_SECTIONS}
    for section, spec in s.LIST_SECTIONS.items():
        raw = data.get(section)
        if not isinstance(raw, list):
            continue
        seen: dict[str, int] = {}
        for index, item in enumerate(raw):
            if not isinstance(item, Mapping) or not isinstance(item.get(spec.label_field), str):
                continue
            key = item[spec.label_field]
            if key in seen:
                loc = Loc(entry_label(section, index, spec, item), item)
                errors.add(loc, spec.label_field, f"duplicate {spec.label_field} {key!r} (also {section}[{seen[key]}])")
            else:
                seen[key] = index
            keys[section].add(key)
    return keys


def clean_matrix(data: Any) -> dict[str, Any]:
    """The whole file, checked; raises ``MatrixFileError`` with every problem."""
    errors = Errors()
    top = Loc("", data if isinstance(data, Mapping) else None)
    if not isinstance(data, Mapping):
        raise MatrixFileError(
            [f"the file must be a mapping of sections (version, people, teams, …), got {describe(data)}"]
        )
    for name in data:
        if name not in s.SECTIONS:
            errors.add(top, str(name), f"unknown top-level section (expected one of: {', '.join(s.SECTIONS)})")
    if "version" not in data:
        errors.add(top, "version", f"missing required field (write 'version: {s.FORMAT_VERSION}')")
    elif data["version"] != s.FORMAT_VERSION:
        errors.add(top, "version", f"unsupported version {describe(data['version'])} (expected {s.FORMAT_VERSION})")

    keys = _collect_keys(data, errors)
    cleaner = Cleaner(errors, keys)
    cleaned: dict[str, Any] = {
        section: cleaner.entries(data.get(section), spec, section, top) for section, spec in s.LIST_SECTIONS.items()
    }
    cleaned["priority_matrix"] = _clean_priority_matrix(data.get("priority_matrix"), keys, errors, top)
    check_matrix(cleaned, errors)  # the rules that span entries
    errors.raise_if_any()
    return cleaned


def _clean_priority_matrix(raw: Any, keys: dict[str, set[str]], errors: Errors, top: Loc) -> list[tuple[str, str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        errors.add(top, "priority_matrix", f"must be a mapping of impact → urgency → tier, got {describe(raw)}")
        return []
    cells = []
    here = Loc("priority_matrix", raw)
    for impact, row in raw.items():
        if impact not in keys["impacts"]:
            errors.add(here, str(impact), f"unknown impact {describe(impact)}")
            continue
        row_loc = here.child(str(impact), row if isinstance(row, Mapping) else None)
        if not isinstance(row, Mapping):
            errors.add(here, str(impact), f"must be a mapping of urgency → tier, got {describe(row)}")
            continue
        for urgency, tier in row.items():
            if urgency not in keys["urgencies"]:
                errors.add(row_loc, str(urgency), f"unknown urgency {describe(urgency)}")
            elif not isinstance(tier, str) or tier not in keys["tiers"]:
                errors.add(row_loc, str(urgency), f"unknown tier {describe(tier)}")
            else:
                cells.append((impact, urgency, tier))
    return cells
