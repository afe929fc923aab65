"""The network editor: design a network by dragging layers and connections on a canvas.

Public API: `NetworkEditor` (set_spec, show_snapshot, specEdited, weightEdited,
unitSelected). The palette's drag payload is `MIME_TYPE` / `layer_mime`.
"""
from .editor import NetworkEditor
from .palette import MIME_TYPE, layer_mime

__all__ = ["NetworkEditor", "MIME_TYPE", "layer_mime"]
