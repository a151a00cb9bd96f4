"""A review's free-text sections, from its playbook's review template.

Each Markdown heading ``## …`` of the template becomes a section to fill; the text under it becomes the
section's hint. Headings that the review page already answers in its own parts are not repeated as free
text: the timeline (imported), routing and severity (the two questions), contributing factors, what went
well, what to improve, and action items. With no template, or none with a heading, the default set applies.
"""

from __future__ import annotations

import re

from django.utils.text import slugify

DEFAULT_HEADINGS = ["Summary", "Impact", "Root cause", "Contributing factors", "What went well", "What to improve"]

# Normalised heading → the page part that answers it.
COVERED = {
    "timeline": "timeline",
    "routing and severity": "questions",
    "routing": "questions",
    "severity": "questions",
    "contributing factors": "contributing_factors",
    "what went well": "went_well",
    "what to improve": "to_improve",
    "action items": "action_items",
}

HEADING = re.compile(r"^##(?!#)\s*(?P<title>.+?)\s*#*\s*$")


def _normalised(heading: str) -> str:
    return " ".join(heading.lower().split())


def parse_headings(template: str) -> list[tuple[str, str]]:
    """[(heading, the text under it), …] for each level-2 heading of a Markdown template, in order."""
    found: list[tuple[str, list[str]]] = []
    for line in (template or "").splitlines():
        match = HEADING.match(line.strip())
        if match:
            found.append((match.group("title"), []))
        elif found:
            found[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in found]


def sections_from_template(template: str) -> list[dict]:
    """The free-text sections a review starts with: [{"key", "heading", "hint", "body": ""}, …]."""
    headings = parse_headings(template) or [(heading, "") for heading in DEFAULT_HEADINGS]
    sections, keys = [], set()
    for heading, hint in headings:
        if _normalised(heading) in COVERED:
            continue
        key = slugify(heading)[:40] or "section"
        while key in keys:  # two headings with one name still get a field each
            key += "-2"
        keys.add(key)
        sections.append({"key": key, "heading": heading, "hint": hint, "body": ""})
    return sections

