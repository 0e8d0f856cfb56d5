"""The NemoVideo cloud engine: `NemoEngine` (core.engine.Engine) and its `Timing` knobs."""

from core.nemo.client import NemoClient, Timing
from core.nemo.engine import NemoEngine

__all__ = ["NemoClient", "NemoEngine", "Timing"]
