"""Files: save/open/recent projects, autosave and crash recovery, exports, CSV import and drop."""
from .controller import FileController
from .drop import install_csv_drop
from .window_link import attach_to_main_window
from .plot_export import export_plot
from .protocol import ProjectWindow

__all__ = ["FileController", "ProjectWindow", "install_csv_drop", "export_plot", "attach_to_main_window"]
