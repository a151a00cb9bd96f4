import pytest

from matrix.routing import RouteRequest, route
from matrix.tests import factories as f


@pytest.mark.django_db
def test_keyword_rule_beats_area_owner_and_explains_why():
    pm = f.standard_priority_matrix()
    checkout = f.AreaFactory(key="checkout", name="Checkout")
    payments = f.TeamFactory(key="payments", name="Payments")
    f.RuleFactory(key="refunds", name="refunds → payments", order=12, keywords="refund, chargeback", team=payments)

    decision = route(RouteRequest(area="checkout", impact="significant", urgency="high", title="Refunds fail"))

    assert decision.team == payments
    assert decision.tier == pm["tiers"]["sev2"]
    assert decision.explanation == (
        "rule 12 'refunds → payments' matched keyword 'refund'; tier SEV2 from impact Significant × urgency High"
    )
    decision = route(RouteRequest(area="checkout", impact="minor", urgency="low", title="Button misaligned"))
    assert decision.team == checkout.owner_team
    assert decision.fallback == "area_owner"
