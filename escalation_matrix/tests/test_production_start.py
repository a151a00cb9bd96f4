"""The production start the operations guide prescribes: DEBUG off, collectstatic through WhiteNoise's manifest
storage (which refuses a file that names one missing, such as a source map), then pages served from it."""

import os
import subprocess
import sys

from django.conf import settings


def test_collectstatic_with_debug_off_succeeds_and_every_vendored_asset_is_in_the_manifest(tmp_path):
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "escalation_matrix.settings",
           "SECRET_KEY": "production-start-under-test-0123456789abcdefghijklmnopqrstuvwxyz",
           "ALLOWED_HOSTS": "localhost", "VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # collectstatic needs no database

    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=settings.BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    for asset in ("vendor/chartjs/chart.umd.min.js", "vendor/bootstrap/bootstrap.min.css",
                  "vendor/bootstrap/bootstrap.bundle.min.js"):
        assert f'"{asset}"' in manifest
