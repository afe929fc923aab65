"""Views of the backward pass: step-through, error signals, gradient check, timeline, loss slice."""
from .backward_panel import BackwardPanel
from .error_maps import ErrorMapsPanel
from .gradcheck_panel import GradientCheckPanel
from .loss_slice import LossSlicePanel
from .overlay import EdgeOverlaySwitch, overlay_values
from .stepthrough_panel import StepThroughPanel
from .timeline_panel import TimelinePanel

__all__ = ["BackwardPanel", "ErrorMapsPanel", "GradientCheckPanel", "LossSlicePanel", "EdgeOverlaySwitch",
           "overlay_values", "StepThroughPanel", "TimelinePanel"]
