"""Drills: a simulated incident run through the real routing, timers and notifications, scored and debriefed.

The model is ``reviews.models.drills``. ``planning`` works out (and checks) what a drill files, ``services``
writes (schedule, start, end, cancel, score, debrief), ``scoring`` computes the score, ``selectors`` reads
(``drill_results`` is the public contract of the quarterly review's evidence pack), ``notify`` tells people,
``receivers`` reacts to the incidents app and adds the incident and person page panels, ``demo`` fills the
demo. Drill incidents are ordinary incidents with ``is_drill``: that is what keeps them out of real metrics.
"""
