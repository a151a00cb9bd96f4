"""The reviews app's models, one module per concept: post-incident reviews (``pir``), quarterly matrix
reviews (``matrix_reviews``), drills (``drills``) and training (``training``). Each module lists what it
exports in ``__all__``."""

from .drills import *  # noqa: F403
from .matrix_reviews import *  # noqa: F403
from .pir import *  # noqa: F403
from .training import *  # noqa: F403
