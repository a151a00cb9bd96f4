"""Signals governance sends, for the apps above the matrix to react without the matrix importing them."""

from django.dispatch import Signal

# Sent when a draft has become a pending change request (``change_request_submit``), inside the transaction
# that stored it: a receiver's writes commit or roll back with it. The reviews app links the action item
# named by the request's ``origin`` ("action_item:12"; see ``matrix.hooks`` for origins).
# Arguments: ``change_request`` (the new ChangeRequest).
change_request_submitted = Signal()
