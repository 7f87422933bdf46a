"""The settings ``make bench`` serves the portal with: production's, plus the bare view's route."""

from aktive.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
