"""Development e-mail: one log line per message, the full text at /dev/outbox/ (DEBUG only)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from escalation_matrix import mail as dev_mail

BACKEND = "escalation_matrix.mail.OutboxBackend"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = BACKEND
    settings.DEV_OUTBOX_DIR = tmp_path / "outbox"
    settings.SITE_URL = "http://127.0.0.1:8000"
    return settings.DEV_OUTBOX_DIR


def send(subject: str, body: str, to: str = "pat.ng@example.com") -> None:
    message = mail.EmailMessage(subject, body, "escalation-matrix@localhost", [to],
                                headers={"Message-ID": f"<{subject.replace(' ', '-')}@localhost>"})
    assert message.send() == 1


def test_each_message_is_one_log_line_and_kept_whole(outbox, caplog):
    caplog.set_level(logging.INFO, logger="escalation_matrix.mail")

    send("SEV1 #7 escalated: Checkout down", "Escalation step 2.\nSecond line of the body.\n\nhttp://x/incidents/7/")

    lines = [r.getMessage() for r in caplog.records if r.name == "escalation_matrix.mail"]
    assert lines == ["mail to pat.ng@example.com: SEV1 #7 escalated: Checkout down "
                     "(full text: http://127.0.0.1:8000/dev/outbox/)"]
    [kept] = list(outbox.glob("*.eml"))
    text = kept.read_text()
    assert "Second line of the body." in text and "To: pat.ng@example.com" in text


def test_the_outbox_keeps_the_newest_messages_only(outbox, monkeypatch):
    monkeypatch.setattr(dev_mail, "KEEP", 3)
    for n in range(5):
        send(f"Message {n}", f"Body {n}")

    mails, total = dev_mail.outbox_messages()

    assert total == 3
    assert [m.subject for m in mails] == ["Message 4", "Message 3", "Message 2"]


def test_a_send_that_cannot_be_kept_fails_unless_told_to_be_silent(outbox, tmp_path):
    outbox.parent.mkdir(parents=True, exist_ok=True)
    outbox.write_text("a file where the folder should be")
    message = mail.EmailMessage("Hello", "Body", "a@localhost", ["b@example.com"])

    with pytest.raises(OSError):
        mail.get_connection(BACKEND).send_messages([message])
    assert mail.get_connection(BACKEND, fail_silently=True).send_messages([message]) == 0


@pytest.mark.django_db
def test_the_outbox_page_lists_messages_newest_first_in_full(outbox, settings, agent_client):
    settings.DEBUG = True
    send("First: reminder", "The older one.")
    send("Second: SEV2 #9 needs an owner", "Line one of the newer one.\nLine two <b>not bold</b>.")

    response = agent_client.get(reverse("dev_outbox"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Second: SEV2 #9 needs an owner") < html.index("First: reminder")
    assert "Line one of the newer one.\nLine two &lt;b&gt;not bold&lt;/b&gt;." in html
    assert "To pat.ng@example.com" in html


@pytest.mark.django_db
def test_the_outbox_page_is_not_there_with_debug_off(outbox, settings, agent_client):
    settings.DEBUG = False
    send("Something private", "Body")

    response = agent_client.get(reverse("dev_outbox"))

    assert response.status_code == 404
    assert "Something private" not in response.content.decode()


@pytest.mark.django_db
def test_the_outbox_page_needs_a_login(outbox, settings, client):
    settings.DEBUG = True

    response = client.get(reverse("dev_outbox"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DEBUG": "1"}, BACKEND),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "localhost"},
         "django.core.mail.backends.console.EmailBackend"),
        ({"DEBUG": "1", "EMAIL_HOST": "smtp.example.com"}, "django.core.mail.backends.smtp.EmailBackend"),
    ],
)
def test_development_mail_goes_to_the_outbox_unless_a_mail_server_is_set(env, backend, tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in ("EMAIL_HOST", "DJANGO_SETTINGS_MODULE")}
    environ |= {"DJANGO_SETTINGS_MODULE": "escalation_matrix.settings", "VAR_DIR": str(tmp_path), **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
                            timeout=60, check=True)

    assert result.stdout.strip() == backend
