"""Data: which 2-D problem, how noisy, how much is held out for testing, input features."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPointF, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.data import datasets
from engine.data.sources import DataSource, PlanarSource
from engine.core.features import FEATURES, feature_label
from engine.core.spec import InputGroup, NetworkSpec

from ..plots.colors import LUT, NEGATIVE, POSITIVE
from ..session import Session

FEATURE_TIPS = {
    "x": "the point's horizontal position",
    "y": "the point's vertical position",
    "x2": "horizontal position squared: lets one unit make a vertical band",
    "y2": "vertical position squared: lets one unit make a horizontal band",
    "xy": "the product of the two: a single unit can then solve XOR",
    "sinx": "sine of the horizontal position: stripes",
    "siny": "sine of the vertical position: stripes",
}


def dataset_icon(name: str, size: int = 52) -> QIcon:
    """A tiny scatter plot of the dataset, drawn once."""
    data = datasets.planar(name, n_points=160, noise=0.0, test_ratio=0.0, seed=3)
    pix = QPixmap(size, size)
    pix.fill(QColor(246, 246, 246))
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    for (x, y), t in zip(data.x_train, data.y_train[:, 0]):
        if data.task == "regression":
            c = QColor(*LUT[int(min(max((t + 1) / 2, 0), 1) * 255)])
        else:
            c = QColor(*(POSITIVE if t > 0.5 else NEGATIVE))
        p.setBrush(c)
        p.drawEllipse(QPointF((x + 6) / 12 * size, (6 - y) / 12 * size), 1.7, 1.7)
    p.end()
    return QIcon(pix)


class DataPanel(QWidget):
    def __init__(self, session: Session, show_features: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)

        box = QGroupBox("Problem")
        grid = QGridLayout(box)
        grid.setSpacing(4)
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self._by_name: dict[str, QToolButton] = {}
        for i, name in enumerate(datasets.PLANAR):
            b = QToolButton()
            b.setCheckable(True)
            b.setIcon(dataset_icon(name))
            b.setIconSize(QSize(52, 52))
            b.setToolTip(f"{datasets.PLANAR_LABELS[name]}: train on this problem (restarts from fresh weights).")
            b.setObjectName(f"dataset_{name}")
            self.buttons.addButton(b)
            self._by_name[name] = b
            b.clicked.connect(lambda _=False, n=name: self._choose(n))
            grid.addWidget(b, i // 3, i % 3)
        self.dataset_label = QLabel("")
        self.dataset_label.setObjectName("datasetLabel")
        grid.addWidget(self.dataset_label, 3, 0, 1, 3)
        layout.addWidget(box)

        self.ratio = self._slider(10, 90, "Training data", "How much of the data the network learns from; the rest is held out\n"
                                  "as test data that shows whether it generalises.")
        self.noise = self._slider(0, 50, "Noise", "Jitter added to every point: more noise makes the classes overlap\n"
                                  "and tempts the network to fit the noise (overfitting).")
        self.ratio_label, self.noise_label = QLabel(), QLabel()
        for caption, slider, value in (("Ratio of training data", self.ratio, self.ratio_label), ("Noise", self.noise, self.noise_label)):
            t = QLabel(caption)
            t.setToolTip(slider.toolTip())
            layout.addWidget(t)
            layout.addWidget(slider)
            layout.addWidget(value)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Draw a fresh random sample of the same problem (training restarts).")
        layout.addWidget(self.regenerate)

        self.features_box = QGroupBox("Input features")
        fl = QGridLayout(self.features_box)
        fl.setSpacing(2)
        self.feature_checks: dict[str, QCheckBox] = {}
        for i, f in enumerate(FEATURES):
            c = QCheckBox(feature_label(f))
            c.setToolTip(f"Feed the network {FEATURE_TIPS.get(f, f)}.")
            self.feature_checks[f] = c
            c.toggled.connect(lambda on, name=f: self._toggle_feature(name, on))
            fl.addWidget(c, i // 2, i % 2)
        self.features_box.setVisible(show_features)
        layout.addWidget(self.features_box)
        layout.addStretch(1)

        self.ratio.valueChanged.connect(self._ratio_moved)
        self.noise.valueChanged.connect(self._noise_moved)
        self.regenerate.clicked.connect(session.regenerate)
        session.sourceChanged.connect(self._show_source)
        session.specChanged.connect(self._show_spec)
        self._show_source(session.source)
        self._show_spec(session.spec)

    @staticmethod
    def _slider(lo: int, hi: int, name: str, tip: str) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal)
        s.setRange(lo, hi)
        s.setToolTip(tip)
        s.setAccessibleName(name)
        return s

    # ----- intent ---------------------------------------------------------------------------
    def _choose(self, name: str) -> None:
        src = self.session.source
        src = replace(src, name=name) if isinstance(src, PlanarSource) else PlanarSource(name)
        if not self.session.edit_source(src, f"Dataset: {datasets.PLANAR_LABELS[name]}"):
            self._show_source(self.session.source)

    def _ratio_moved(self, percent: int) -> None:
        src = self.session.source
        if isinstance(src, PlanarSource):
            self.session.edit_source(replace(src, test_ratio=round(1.0 - percent / 100.0, 2)), "Change training ratio", merge=True)

    def _noise_moved(self, percent: int) -> None:
        src = self.session.source
        if isinstance(src, PlanarSource):
            self.session.edit_source(replace(src, noise=round(percent / 100.0, 2)), "Change noise", merge=True)

    def _toggle_feature(self, name: str, on: bool) -> None:
        spec = self.session.spec
        if spec.features is None:
            return
        feats = [f for f in FEATURES if (f == name and on) or (f != name and f in spec.features)]
        if not feats:
            self.session.message.emit("error", "Keep at least one input feature.")
            self._show_spec(spec)
            return
        new = spec.with_changes(features=tuple(feats), inputs=(InputGroup(spec.inputs[0].name, len(feats)),))
        if not self.session.edit_spec(new, f"{'Use' if on else 'Drop'} feature {feature_label(name)}"):
            self._show_spec(spec)

    # ----- display --------------------------------------------------------------------------
    def _show_source(self, src: DataSource) -> None:
        for w in (self.ratio, self.noise, self.regenerate):
            w.setEnabled(isinstance(src, PlanarSource))
        if not isinstance(src, PlanarSource):
            self.buttons.setExclusive(False)
            for b in self._by_name.values():
                b.setChecked(False)
            self.buttons.setExclusive(True)
            self.dataset_label.setText(f"Current: {getattr(src, 'name', src.kind)}")
            return
        self._by_name[src.name].setChecked(True)
        self.dataset_label.setText(datasets.PLANAR_LABELS[src.name])
        with QSignalBlocker(self.ratio), QSignalBlocker(self.noise):
            self.ratio.setValue(int(round((1 - src.test_ratio) * 100)))
            self.noise.setValue(int(round(src.noise * 100)))
        self.ratio_label.setText(f"{self.ratio.value()}% train, {100 - self.ratio.value()}% test")
        self.noise_label.setText(f"{self.noise.value()}%")

    def _show_spec(self, spec: NetworkSpec) -> None:
        self.features_box.setEnabled(spec.features is not None)
        for f, c in self.feature_checks.items():
            with QSignalBlocker(c):
                c.setChecked(spec.features is not None and f in spec.features)
