"""The quarterly matrix review (docs/guide.md, its section): one review open at a time, due a quarter after the last
sign-off (or the first deploy); reminders 14, 7 and 1 days before and daily once overdue; a checklist drawn from
the matrix's gaps; each area owner's attestation; an evidence pack of the period; a manager's sign-off, which
opens the next review.

Where things live: models in ``reviews.models.matrix_reviews``; writes in ``services``; who may do what in
``access``; the checklist's gaps in ``checklist``; the evidence pack in ``evidence``; reads for the pages in
``selectors``; the daily run in ``reminders`` (the beat task in ``tasks``); messages in ``notify``; links back
from change requests raised in a review in ``origins``; the demo's reviews in ``demo``.
"""
