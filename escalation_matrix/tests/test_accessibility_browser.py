"""Accessibility and phone width in a real browser (Debian's Chromium through Playwright), for each of the six
roles: every main page the role reaches, and one page of each kind (an incident, an area, a team, a vendor, a
person, a playbook, a review, a drill, a training module, the matrix review, the change history, the routing
pages; for the staff roles a few admin pages too).

On each page axe-core (vendored in static/vendor/axe-core, used only here) runs and the test fails listing
every violation of impact "serious" or "critical"; then the page is narrowed to a phone's 375 × 800 and the
test fails when the document is wider than the screen (the admin's pages excepted), naming the elements that
stick out. One browser per role, each page loaded once.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from escalation_matrix.roles import APPROVERS, EXECUTIVES, INCIDENT_LEADS, MANAGERS, RESPONDERS, SUPPORT_AGENTS
from matrix.tests.browser import browser_page, session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1400, "height": 1000}

# Runs axe on the whole document; answers the serious and critical violations, one row per element.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  const rows = [];
  for (const v of results.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    for (const node of v.nodes) {
      const summary = (node.failureSummary || '').split('\\n').slice(1, 2).join(' ').trim();
      rows.push({id: v.id, impact: v.impact, target: node.target.join(' '), summary: summary || v.help});
    }
  }
  return rows;
}"""

# The document's width, and the elements that make it wider than the screen: those sticking out past its
# right edge whose parent does not (where the overflow starts), outside any scrolling container.
OVERFLOW = """() => {
  const limit = document.documentElement.clientWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return {width, culprits: []};
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
       ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '');
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right + window.scrollX;
    if (right <= limit + 1 || clipped(el)) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right + window.scrollX > limit + 1) {
      continue;
    }
    culprits.push(name(el) + ' (' + Math.round(el.getBoundingClientRect().width) + 'px wide, to '
                  + Math.round(right) + 'px)');
  }
  return {width, culprits: culprits.slice(0, 8)};
}"""


def _dataset() -> dict:
    """Demo-like: the incidents' matrix, open incidents (one handed off, one paused, one with a war room),
    a resolved SEV1 with its review, a published review, a drill, a training module, a quarterly matrix
    review with one area attested, and a pending change request."""
    from incidents.services import incident_acknowledge, incident_open_war_room, incident_pause, incident_reassign
    from incidents.tests.factories import MONDAY, IncidentFactory, incident_matrix
    from matrix import models as m
    from matrix.governance.drafting import Draft
    from matrix.governance.services import change_request_submit
    from reviews.matrix_reviews.services import matrix_review_attest, matrix_review_open
    from reviews.models import ActionItem, PostIncidentReview
    from reviews.services import review_create
    from reviews.tests.factories import SEV1, TrainingModuleFactory, resolved_incident, scheduled_drill

    mx = incident_matrix()
    m.AreaRosterEntry.objects.create(area=mx["checkout"], role=m.RosterRole.ON_CALL_RESPONDER, user=mx["pat"])
    incident = IncidentFactory(reporter=mx["agent"])
    incident_reassign(incident=incident, user=mx["pat"], team="platform", reason="Search is slow",
                      now=MONDAY + dt.timedelta(minutes=2))
    paused = IncidentFactory(reporter=mx["agent"], title="Refunds are slow")
    incident_acknowledge(incident=paused, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=3))
    incident_pause(incident=paused, user=mx["pat"], reason="waiting_on_customer", now=MONDAY + dt.timedelta(minutes=4))
    war = IncidentFactory(reporter=mx["agent"], title="Checkout is down", **SEV1)
    incident_open_war_room(incident=war, user=mx["lena"], commander=mx["lena"], channel="#inc-checkout")

    resolved = resolved_incident(responder=mx["pat"])
    review = review_create(incident=resolved, resolved_by=mx["pat"], now=MONDAY + dt.timedelta(hours=1))
    ActionItem.objects.create(review=review, title="Alert on refunds", owner=mx["pat"],
                              due_on=timezone.localdate() + dt.timedelta(days=30))
    published = review_create(incident=resolved_incident(responder=mx["quinn"], filed_at=MONDAY + dt.timedelta(days=1)),
                              resolved_by=mx["quinn"])
    PostIncidentReview.objects.filter(pk=published.pk).update(
        published_at=timezone.now(), published_by=mx["lena"], routed_right=True, tier_right=True)

    drill = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=7))
    TrainingModuleFactory(key="basics", title="Basics")
    matrix_review = matrix_review_open()
    matrix_review_attest(review=matrix_review, area="search", user=mx["pete"])

    team = m.Team.objects.get(pk=mx["payments"].pk)
    team.name = "Payments & Billing"
    draft = Draft(author=mx["max"], reason="The team took on billing.")
    draft.record(team)
    change_request = change_request_submit(draft=draft)
    return {"incident": war.pk, "handed_off": incident.pk, "review": review.pk, "published": published.pk,
            "drill": drill.pk, "matrix_review": matrix_review.pk, "area": mx["checkout"].pk,
            "change_request": change_request.pk if change_request else None}


def _pages(role: str, d: dict) -> list[str]:
    pages = [
        "/", "/changes/", "/route-preview/", "/search/?q=pay", "/areas/checkout/", "/areas/onboarding/",
        "/teams/", "/teams/payments/", "/vendors/", "/vendors/stripe/", "/people/pat/", "/playbooks/checkout/",
        "/incidents/", "/incidents/queue/", "/incidents/war-room/", "/incidents/routing/",
        "/incidents/routing/simulate/", f"/incidents/{d['incident']}/", f"/incidents/{d['handed_off']}/",
        "/reviews/", "/reviews/action-items/", f"/reviews/{d['review']}/", f"/reviews/{d['published']}/",
        "/reviews/matrix-reviews/", f"/reviews/matrix-reviews/{d['matrix_review']}/",
        f"/reviews/matrix-reviews/{d['matrix_review']}/evidence/",
        "/reviews/drills/", f"/reviews/drills/{d['drill']}/", "/reviews/training/", "/reviews/training/modules/basics/",
    ]
    if role in (MANAGERS, SUPPORT_AGENTS, RESPONDERS, INCIDENT_LEADS):
        pages.append("/incidents/new/")
    if role in (MANAGERS, INCIDENT_LEADS):
        pages += ["/reviews/drills/schedule/", f"/reviews/drills/{d['drill']}/edit/", "/reviews/training/assign/"]
    if role in (MANAGERS, APPROVERS):
        pages += ["/admin/", f"/admin/matrix/productarea/{d['area']}/change/", "/admin/matrix/changerequest/"]
        if d["change_request"]:
            pages.append(f"/admin/matrix/changerequest/{d['change_request']}/change/")
    return pages


def crawl(base_url: str, session: str, pages: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Visits each page once — the list, then whatever else the top bar links to — running axe at desktop width,
    then measuring the width at a phone's. Answers the violations, the pages too wide, and the pages checked."""
    violations, overflows, checked = [], [], []
    queue = list(pages)
    with browser_page(base_url, session) as page:
        page.context.add_init_script(path=str(AXE))  # injected past the CSP, like Playwright's own scripts
        while queue:
            url = queue.pop(0)
            page.set_viewport_size(DESKTOP)
            response = page.goto(url)
            assert response is not None and response.ok, f"{url}: {response and response.status}"
            if not checked:  # the top bar, on the first page: every same-site link it has is visited too
                links = page.eval_on_selector_all("nav a[href^='/']", "els => els.map(a => a.getAttribute('href'))")
                for href in links:  # (the on-call menu's people and teams: one of each kind is in the list)
                    if re.match(r"/people/|/teams/.", href):
                        continue
                    if href not in queue and href not in checked and href != url:
                        queue.append(href)
            here = page.url.removeprefix(base_url)
            if here in checked:
                continue  # a redirect to a page already checked
            checked.append(here)
            # Loaded: no page fetches parts of itself on load (htmx here only polls, every 10 s or more).
            for row in page.evaluate(RUN_AXE):
                violations.append(f"{here}: [{row['impact']}] {row['id']} at {row['target']}: {row['summary']}")
            if here.startswith("/admin/"):
                continue  # the admin is a desktop tool: its width is not checked
            page.set_viewport_size(PHONE)
            found = page.evaluate(OVERFLOW)
            if found["width"] > PHONE["width"]:
                overflows.append(f"{here}: {found['width']}px wide at 375px: " + "; ".join(found["culprits"]))
    return violations, overflows, checked


@pytest.mark.parametrize("role", [MANAGERS, APPROVERS, SUPPORT_AGENTS, RESPONDERS, INCIDENT_LEADS, EXECUTIVES])
def test_every_page_a_role_reaches_passes_axe_and_fits_a_phone(live_server, role_user, role):
    d = _dataset()
    session = session_of(role_user(role, username=f"a11y-{role.split()[0].lower()}", first_name="Robin",
                                   last_name="Role"))
    pages = _pages(role, d)

    violations, overflows, checked = crawl(live_server.url, session, pages)

    problems = violations + overflows
    assert not problems, (f"{role}: {len(violations)} serious or critical axe violations, {len(overflows)} pages "
                          f"wider than a phone, on {len(checked)} pages:\n" + "\n".join(problems))
