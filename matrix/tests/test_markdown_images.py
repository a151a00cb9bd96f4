"""Markdown (playbooks, reviews, training, drills) shows only images this product serves: an image from
anywhere else would tell its host who read what, and when. Such images become links the reader may follow."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse

from matrix.tests import factories as f


def render_markdown(text: str) -> str:
    return Template("{% load matrix_tags %}{{ text|markdown }}").render(Context({"text": text}))


@override_settings(SITE_URL="https://escalations.example.com", ALLOWED_HOSTS=["escalations.example.com"])
@pytest.mark.parametrize("src", [
    "/static/diagrams/checkout.png",
    "https://escalations.example.com/static/diagrams/checkout.png",
    "http://ESCALATIONS.example.com:8443/static/diagrams/checkout.png",
])
def test_images_served_by_the_product_are_kept(src):
    html = render_markdown(f"![Checkout flow]({src})")

    assert f'src="{src}"' in html and 'alt="Checkout flow"' in html


@override_settings(SITE_URL="https://escalations.example.com", ALLOWED_HOSTS=["escalations.example.com", "*"])
@pytest.mark.parametrize("src", [
    "http://tracker.example.net/pixel.gif?reader=42",
    "https://escalations.example.com.tracker.example.net/x.png",
    "//tracker.example.net/x.png",
    "ftp://tracker.example.net/x.png",
])
def test_images_from_elsewhere_become_links_labelled_with_their_alt_text(src):
    html = render_markdown(f"See ![the pixel]({src}) here.")

    assert "<img" not in html
    assert ">[the pixel]</a>" in html and 'class="external-image"' in html
    assert 'rel="noopener noreferrer"' in html


@override_settings(SITE_URL="https://escalations.example.com", ALLOWED_HOSTS=["escalations.example.com"])
@pytest.mark.parametrize("tag", [
    '<img src="http://tracker.example.net/p.gif">',
    '<IMG SRC=http://tracker.example.net/p.gif alt="x > y">',
    '<img src="/\\tracker.example.net/p.gif">',
    '<img src="/&#9;/tracker.example.net/p.gif">',
    '<img alt="no source">',
])
def test_raw_html_images_from_elsewhere_are_dropped_too(tag):
    html = render_markdown(f"Before {tag} after.")

    assert "<img" not in html
    assert "Before " in html and " after." in html


def test_a_dropped_image_without_alt_text_still_says_it_was_an_image():
    html = render_markdown("![](https://tracker.example.net/p.gif)")

    assert '<a href="https://tracker.example.net/p.gif" class="external-image" rel="noopener noreferrer">[image]</a>' \
        in html


@pytest.mark.django_db
def test_a_playbook_page_shows_no_image_from_elsewhere(agent_client):
    pm = f.standard_priority_matrix()
    area = f.AreaFactory(key="checkout", name="Checkout")
    f.PlaybookFactory(key="card-failures", name="Card failures", area=area, tier=pm["tiers"]["sev1"],
                      scenario="![flow](/static/flow.png)\n\n![pixel](https://tracker.example.net/p.gif)")

    html = agent_client.get(reverse("matrix:playbook_detail", args=["card-failures"])).content.decode()

    assert '<img alt="flow" src="/static/flow.png">' in html
    assert 'src="https://tracker.example.net' not in html
    assert '<a href="https://tracker.example.net/p.gif" class="external-image" rel="noopener noreferrer">[pixel]</a>' \
        in html
