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


@pytest.mark.django_db
def test_keywords_match_at_the_start_of_a_word_only():
    f.standard_priority_matrix()
    f.AreaFactory(key="mobile-app")
    mobile = f.TeamFactory(key="mobile")
    f.RuleFactory(key="ios", order=1, keywords="ios", team=mobile)

    assert route(RouteRequest(area="mobile-app", impact="minor", urgency="low", title="iOS app crashes")).team == mobile
    decision = route(RouteRequest(area="mobile-app", impact="minor", urgency="low", title="All scenarios fail"))
    assert decision.team != mobile
