"""The zero-setup broker (kombu's filesystem transport) must never show a worker a half-written message:
a worker that reads an empty message file dies ("Unrecoverable error: JSONDecodeError")."""

import os

from kombu import Connection

from escalation_matrix.celery import FilesystemTransport


def test_a_message_appears_under_its_queue_name_only_once_fully_written(tmp_path, monkeypatch):
    folder = tmp_path / "queue"
    folder.mkdir()
    seen_at_rename = []
    real_replace = os.replace

    def watching_replace(src, dst):
        seen_at_rename.append((sorted(p.name for p in folder.glob("*.msg")), os.path.getsize(src)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(tmp_path)}
    with Connection(transport=FilesystemTransport, transport_options=options) as conn:
        channel = conn.default_channel
        channel._put("celery", {"body": "x" * 10_000})
        message = channel._get("celery")

    assert seen_at_rename[0][0] == []  # no *.msg file was visible to a reader while it was being written
    assert seen_at_rename[0][1] > 10_000  # it was renamed into place complete
    assert message == {"body": "x" * 10_000}
    assert list(folder.iterdir()) == []
