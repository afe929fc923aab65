"""Draws app.png (run once: python resources/icons/make_icon.py): an XOR boundary in the playground colours."""
import sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import numpy as np
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPainterPath, QColor
from PySide6.QtCore import Qt, QRectF
app = QGuiApplication([])
from gui.plots.colors import LUT
size = 256
ys, xs = np.mgrid[-1:1:size*1j, -1:1:size*1j]
v = np.tanh(6 * xs * -ys * 2.2)
idx = np.clip((v + 1) / 2 * 255, 0, 255).astype(np.uint8)
rgb = LUT[idx]
rgba = np.dstack([rgb, np.full(idx.shape, 255, np.uint8)]).astype(np.uint8)
img = QImage(rgba.tobytes(), size, size, 4 * size, QImage.Format.Format_RGBA8888).copy()
out = QImage(size, size, QImage.Format.Format_ARGB32)
out.fill(Qt.GlobalColor.transparent)
p = QPainter(out)
p.setRenderHint(QPainter.RenderHint.Antialiasing)
path = QPainterPath(); path.addRoundedRect(QRectF(8, 8, size - 16, size - 16), 44, 44)
p.setClipPath(path)
p.drawImage(0, 0, img)
p.setClipping(False)
p.setPen(QColor(255, 255, 255, 230)); p.setBrush(Qt.BrushStyle.NoBrush)
for (cx, cy, c) in ((70, 70, (245,147,34)), (186, 186, (245,147,34)), (70, 186, (8,119,189)), (186, 70, (8,119,189))):
    p.setBrush(QColor(*c)); p.drawEllipse(QRectF(cx - 16, cy - 16, 32, 32))
p.end()
out.save(str(ROOT / "resources" / "icons" / "app.png"))
