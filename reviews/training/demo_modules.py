"""The demo's training modules: one per role that handles incidents, written as a real team would."""

from __future__ import annotations

from dataclasses import dataclass

from escalation_matrix import roles


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    title: str
    role: str
    summary: str
    refresher_months: int | None
    body: str


MODULES = [
    ModuleSpec(
        "filing-well", "Filing an incident well", roles.SUPPORT_AGENTS,
        "Two questions, one area, the triage fields: what makes an incident land with the right team.", 12,
        """Most misroutes start at filing. Five minutes of care here saves an hour of handoffs later.

## Pick the area customers meet the problem in

Choose the **product area** where the customer sees the fault, not where you guess the cause is. A card
declined at checkout is *Checkout* even if you suspect the payment processor; name the processor as the
**suspected vendor** instead.

## Answer the two questions honestly

- **Impact**: how many customers are affected *now*? One customer is *minor*, a whole region is
  *extensive*.
- **Urgency**: how soon does it hurt? Money not moving is *critical*; a cosmetic glitch is *low*.

The priority matrix turns the two answers into the tier. Do not inflate them to "get attention": a SEV1
wakes people up and opens a war room.

## Fill in the triage fields

The form asks for what the area's playbook needs — order IDs, error codes, the region. Paste exact
error text; a screenshot is not searchable.

## Check the preview before you submit

The preview shows the tier, the team it will reach and who is on call **now**. If the team looks wrong,
re-read the area. After filing, the incident page shows the owner and the deadlines: tell the customer
when to expect an update.
""",
    ),
    ModuleSpec(
        "acknowledge-and-hand-off", "Acknowledging and handing off", roles.RESPONDERS,
        "Own it within the target, or hand it to the team it belongs to — never leave it orphaned.", 12,
        """When you are paged, the acknowledge clock is already running.

## Acknowledge first, investigate second

Acknowledging says *"a person owns this"* and stops the escalation steps. Do it as soon as you have read
the incident, even before you know the cause. If you cannot work on it, acknowledge and **reassign** it
to a colleague on your team rather than letting it escalate.

## Not yours? Flag the misroute

If the incident belongs to another team, use **Flag misroute** with the right team and a one-line reason.
The incident moves with a fresh acknowledge timer, and the routing decision is recorded as wrong, which is
how the matrix learns. A plain handoff (the work moves on, but routing was right) is **Reassign**.

## Handoffs must be accepted

The receiving team has a target to accept. Until they do, the incident is still yours: keep an eye on it.

## Pause only for a real wait

*Waiting on customer* or *waiting on vendor* stops the clocks. Resume the moment the answer arrives.

## Tick the checklist as you go

The playbook checklist on the incident page records who did what and when — the review relies on it.
""",
    ),
    ModuleSpec(
        "running-a-war-room", "Running a war room", roles.INCIDENT_LEADS,
        "Commander, channel, cadence: coordinating a major incident without becoming its bottleneck.", 6,
        """SEV1 and SEV2 incidents open a war room. The incident commander coordinates; they do not debug.

## Take command explicitly

Say in the channel: *"I am incident commander."* Until you hand over explicitly, you are. Name a
**scribe** for the timeline and a **communications lead** for stakeholder updates.

## Keep one channel

All decisions go in the war-room channel, not in direct messages. If a side discussion is needed, ask
for its conclusion to be posted back.

## Hold the cadence

Stakeholder updates are due at the tier's cadence; the incident page counts down to the next one. An
update that says *"no change, next update in 30 minutes"* is a good update.

## Contain before you fix

Roll back, fail over, switch the feature flag off. Mark the incident **contained** as soon as the damage
stops spreading, then work on the fix.

## Engage vendors early

If a vendor is involved, use **Involve vendor**: it shows who may engage them and their contract SLA.

## Close the loop

Resolve when customers are no longer affected, and make sure the review has a lead before you step away.
""",
    ),
    ModuleSpec(
        "writing-a-review", "Writing a post-incident review", roles.INCIDENT_LEADS,
        "Blameless, specific, with action items that have owners and due days.", None,
        """A review is how one incident makes the next one shorter.

## Start from the timeline

The review imports the incident's timeline. Read it first and note where time went: waiting for an
acknowledgement, a handoff, a missing dashboard.

## Write what happened, not who failed

Describe decisions and the information people had at the time. *"The alert fired in a channel nobody
watched"* is useful; *"Sam missed the alert"* is not.

## Answer the two questions

- Was it **routed right the first time**? If not, say which team it should have reached: the matrix
  needs that answer to improve.
- Was the **tier right**? Name the tier it should have been.

## Action items with owners

Each action item needs one owner and a due day. Prefer fewer, concrete items — *"Add a canary step to the
checkout deploy"* over *"Improve deploys"*. Items that change the matrix can raise a change request.

## Publish on time

Reviews are due a few business days after resolving. Publishing tells stakeholders and asks participants
for feedback.
""",
    ),
    ModuleSpec(
        "keeping-the-matrix-honest", "Keeping the matrix honest", roles.MANAGERS,
        "Owners, on-call, playbooks and rules that match how the company really works.", 12,
        """The escalation matrix only helps if it is true. Drift is silent until the night it matters.

## Every area has an owner and an on-call

An area without an owner team sends incidents to triage; a team without a rotation pages nobody. The
matrix page highlights both gaps.

## Change through change requests

Edits made in the admin become **change requests**. Another person approves them: four eyes on every
change, and the history says who, when and why. Give a reason that a reader in a year will understand.

## Watch routing accuracy

Each rule shows how often it sent incidents to the right team first time. A rule that keeps misrouting
gets a drafted refinement: review it, test it in the routing simulator, then approve it.

## Confirm contacts

Vendor and team contacts that nobody confirmed for 90 days are flagged. Call the number; update it.

## The quarterly review

Once a quarter the matrix review lists the gaps, and each area owner attests that their part is right.
Sign it off only when the checklist is resolved or consciously accepted.
""",
    ),
]
