"""Training: modules per role (Markdown), assigned to people, completed by them, refreshed when due.

The models are ``reviews.models.training``. ``services`` writes (assign, complete), ``reminders`` is the daily
beat task's work, ``selectors`` reads, ``notify`` tells people, ``receivers`` adds the person page panel,
``demo`` (with ``demo_modules``) fills the demo.
"""
