"""Development and demo: the embedded defaults."""

from .base import *  # noqa: F403

DEBUG = False  # the demo is served by a production-grade server; keep errors generic
