"""boundaries.png for headless runs: every unit's map over the plane, output with the data.

Laid out like the browser playground, left to right: input features, one column per
hidden layer (one small map per unit), then the output's decision boundary, large, with
the training points (white rim) and test points (black rim). Orange = negative / class 0,
blue = positive / class 1, white = undecided. Pure NumPy, so it runs without a screen.
"""
from __future__ import annotations

import os

import numpy as np

from engine.core.activations import get_activation
from engine.data.sources import PlanarSource
from engine.files.font import HEIGHT as FONT_HEIGHT, draw_text, text_width
from engine.files.png import write_png

Array = np.ndarray
WHITE = np.array([255, 255, 255], dtype=np.float64)
ORANGE = np.array([245, 147, 34], dtype=np.float64)  # the playground's #f59322
BLUE = np.array([8, 119, 189], dtype=np.float64)  # the playground's #0877bd
PALETTE = np.array(
    [[8, 119, 189], [245, 147, 34], [44, 160, 44], [148, 103, 189], [214, 39, 40], [140, 86, 75], [227, 119, 194], [127, 127, 127]],
    dtype=np.float64,
)
INK = (60, 60, 60)
FAINT = (150, 150, 150)
RULE = (215, 215, 215)
BOUNDED = ("sigmoid", "tanh", "softmax")
BACKGROUND_STRENGTH = 0.7


def diverging(t: Array) -> Array:
    """t in [-1, 1] -> RGB floats: orange (-1), white (0), blue (+1)."""
    t = np.clip(np.nan_to_num(t), -1.0, 1.0)[..., None]
    return np.where(t < 0, WHITE + (ORANGE - WHITE) * -t, WHITE + (BLUE - WHITE) * t)


def normalised(values: Array, activation: str) -> Array:
    """Map unit outputs to [-1, 1] around the activation's middle (0 = undecided)."""
    if activation in BOUNDED:
        act = get_activation(activation)
        mid, half = 0.5 * (act.low + act.high), 0.5 * (act.high - act.low)
        return (values - mid) / half
    scale = float(np.nanmax(np.abs(values))) if values.size else 0.0
    return values / scale if scale > 1e-12 else np.zeros_like(values)


def domain_for(data) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1): the playground's [-6, 6]² for generated sets, else the data's bounds
    plus a margin (each axis on its own, so columns of very different scales both fill the map)."""
    if isinstance(data.source, PlanarSource):
        return (-6.0, 6.0, -6.0, 6.0)
    pts = np.vstack([data.x_train, data.x_test])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2, 1e-9) * 1.1
    return (centre[0] - half[0], centre[0] + half[0], centre[1] - half[1], centre[1] + half[1])


MAX_TILES = 32  # unit maps drawn per layer: the picture stays a sane size whatever the network
MAP_BUDGET = 4_000_000  # unit outputs held at once while mapping the plane (32 MB)
WORK_BUDGET = 2e10  # multiply-adds for mapping the plane: a few seconds at most


def plane_activations(trainer, resolution: int, dom: tuple[float, float, float, float],
                      keep: int | None = None) -> dict[str, Array]:
    """Every node's output over a resolution² grid; arrays (units, res, res), row 0 = top (largest y).

    With `keep`, only the first `keep` units of each node (all of the output layer) are kept; the
    grid is run through the network in chunks, so memory stays bounded for wide networks.
    """
    xs = np.linspace(dom[0], dom[1], resolution)
    ys = np.linspace(dom[3], dom[2], resolution)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.c_[gx.ravel(), gy.ravel()]
    spec = trainer.spec
    last = spec.layers[-1].name
    width = sum(spec.node_sizes().values())
    chunk = max(1, MAP_BUDGET // max(width, 1))
    out: dict[str, Array] = {}
    for start in range(0, len(pts), chunk):
        fp = trainer.network.forward(trainer.inputs(pts[start : start + chunk]))
        for name, a in fp.activations.items():
            k = a.shape[1] if keep is None or name == last else min(keep, a.shape[1])
            if name not in out:
                out[name] = np.empty((k, len(pts)))
            out[name][:, start : start + len(a)] = a[:, :k].T
    return {name: a.reshape(a.shape[0], resolution, resolution) for name, a in out.items()}


def map_resolution(spec, output_size: int) -> int:
    """The grid for the unit maps: the picture's size, coarser when the network is big."""
    by_work = int(np.sqrt(WORK_BUDGET / max(spec.n_parameters(), 1)))
    return int(np.clip(by_work, 16, output_size))


def _class_colours(n: int) -> Array:
    return PALETTE[np.arange(n) % len(PALETTE)]


def output_image(values: Array, activation: str) -> Array:
    """(k, h, w) output values -> (h, w, 3) floats: diverging for one unit, class colours for several."""
    if len(values) == 1:
        return diverging(normalised(values[0], activation))
    k = len(values)
    best = values.argmax(axis=0)
    top = values.max(axis=0)
    if activation == "softmax":
        conf = (top - 1.0 / k) / (1.0 - 1.0 / k)
    else:
        conf = normalised(top, activation) * 0.5 + 0.5 if activation in BOUNDED else np.ones_like(top)
    conf = np.clip(conf, 0.0, 1.0)[..., None]
    colours = _class_colours(k)[best]
    return WHITE + (colours - WHITE) * conf


def draw_points(img: Array, pts: Array, colours: Array, dom, rim: tuple[int, int, int], radius: float = 3.5) -> None:
    """Filled discs with a 1-px rim, clipped to the image (h, w, 3 floats); vectorised."""
    if len(pts) == 0:
        return
    h, w = img.shape[:2]
    cx = np.rint((pts[:, 0] - dom[0]) / (dom[1] - dom[0]) * (w - 1)).astype(int)
    cy = np.rint((dom[3] - pts[:, 1]) / (dom[3] - dom[2]) * (h - 1)).astype(int)
    r = int(np.ceil(radius + 1))
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    dist = np.hypot(dx, dy).ravel()
    dy, dx = dy.ravel(), dx.ravel()
    for keep, colour in ((dist <= radius + 0.5, None), (dist <= radius - 0.7, colours)):
        yy = cy[:, None] + dy[keep][None, :]
        xx = cx[:, None] + dx[keep][None, :]
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        if colour is None:
            img[yy[inside], xx[inside]] = rim
        else:
            per_point = np.broadcast_to(np.asarray(colour, dtype=np.float64)[:, None, :], yy.shape + (3,))
            img[yy[inside], xx[inside]] = per_point[inside]


def _point_colours(y: Array, task: str, activation: str) -> Array:
    if y.shape[1] > 1:
        return _class_colours(y.shape[1])[y.argmax(axis=1)]
    if task == "regression":
        return diverging(normalised(y[:, 0], activation))
    return np.where(y[:, :1] > 0.5, BLUE, ORANGE)


def render_boundaries(trainer, output_size: int = 320, resolution: int | None = None) -> np.ndarray:
    """The whole picture as an (h, w, 3) uint8 array; needs a 2-D (planar) data set."""
    data, spec = trainer.data, trainer.spec
    if not data.planar:
        raise ValueError("decision boundaries are drawn only for 2-D data")
    res = resolution or map_resolution(spec, output_size)
    dom = domain_for(data)
    maps = plane_activations(trainer, res, dom, keep=MAX_TILES)

    margin, gap, label_h = 14, 6, FONT_HEIGHT + 8
    columns: list[tuple[str, list[Array]]] = []
    feats = list(spec.features or data.input_names or ("x", "y"))
    if not isinstance(data.source, PlanarSource) and len(data.input_names) == 2:  # name a user's columns
        feats = [data.input_names["xy".index(f)] if f in ("x", "y") else f for f in feats]
    in_values = np.concatenate([maps[g.name] for g in spec.inputs])
    columns.append(("inputs", [diverging(normalised(v, "linear")) for v in in_values]))
    for layer in spec.hidden:
        shown = "" if layer.units <= MAX_TILES else f" (first {MAX_TILES} of {layer.units})"
        columns.append(
            (f"{layer.name} {layer.activation}{shown}", [diverging(normalised(v, layer.activation)) for v in maps[layer.name]])
        )
    out_layer = spec.layers[-1]
    out_img = output_image(maps[out_layer.name], out_layer.activation)
    if res != output_size:
        idx = np.arange(output_size) * res // output_size
        out_img = out_img[idx][:, idx]
    act = out_layer.activation
    out_img = WHITE + (out_img - WHITE) * BACKGROUND_STRENGTH  # paler, so the dots stand out
    draw_points(out_img, data.x_train, _point_colours(data.y_train, data.task, act), dom, (255, 255, 255))
    if len(data.x_test):
        draw_points(out_img, data.x_test, _point_colours(data.y_test, data.task, act), dom, (40, 40, 40))

    tallest = max(len(units) for _, units in columns)
    tile = int(np.clip((output_size - (tallest - 1) * gap) // tallest, 20, 72))
    col_h = tallest * tile + (tallest - 1) * gap
    body_h = max(output_size, col_h)
    col_w = [max(tile, text_width(name)) for name, _ in columns]
    width = margin + sum(w + 2 * gap + 1 for w in col_w) + output_size + margin
    width = max(width, margin * 2 + text_width(_caption(trainer)))
    height = margin + label_h + body_h + 14 + 18 + margin
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)

    top = margin + label_h
    x = margin
    for (name, units), cw in zip(columns, col_w):
        draw_text(canvas, margin, x + (cw - text_width(name)) // 2, name, INK)
        for i, rgb in enumerate(units):
            tile_img = _resize(rgb, tile)
            y = top + i * (tile + gap)
            _frame(canvas, y, x + (cw - tile) // 2, tile_img)
            if name == "inputs" and i < len(feats):
                label, lx = str(feats[i]), x + (cw - tile) // 2
                canvas[y : y + FONT_HEIGHT + 4, lx : lx + text_width(label) + 4] = 255
                draw_text(canvas, y + 2, lx + 2, label, INK)
        x += cw + gap
        canvas[margin : top + body_h, x] = RULE  # thin separator between columns
        x += gap + 1
    out_name = f"output {out_layer.activation}"
    draw_text(canvas, margin, x + (output_size - text_width(out_name)) // 2, out_name, INK)
    _frame(canvas, top, x, out_img)
    _legend(canvas, top + body_h + 6, x, output_size, data, out_layer.activation)
    draw_text(canvas, height - margin - FONT_HEIGHT, margin, _caption(trainer), INK)
    return canvas


def _caption(trainer) -> str:
    m = trainer.evaluate()

    def num(v: float) -> str:
        return "-" if not np.isfinite(v) else f"{v:.4g}"

    def pct(v: float) -> str:
        return "-" if not np.isfinite(v) else f"{100 * v:.1f}%"

    return (
        f"epoch {trainer.epoch}   loss train {num(m.train_loss)} test {num(m.test_loss)}"
        f"   accuracy train {pct(m.train_acc)} test {pct(m.test_acc)}"
    )


def _legend(canvas: Array, top: int, left: int, width: int, data, activation: str) -> None:
    if data.n_outputs > 1:
        x = left
        for name, colour in zip(data.class_names or [str(i) for i in range(data.n_outputs)], _class_colours(data.n_outputs)):
            canvas[top + 1 : top + 8, x : x + 7] = colour.astype(np.uint8)
            draw_text(canvas, top + 1, x + 10, str(name)[:12], FAINT)
            x += 10 + text_width(str(name)[:12]) + 10
        return
    bar = diverging(np.linspace(-1, 1, width))[None].repeat(6, axis=0)
    canvas[top : top + 6, left : left + width] = bar.astype(np.uint8)
    if activation in BOUNDED:
        act = get_activation(activation)
        lo, mid, hi = f"{act.low:g}", f"{(act.low + act.high) / 2:g}", f"{act.high:g}"
    else:
        lo, mid, hi = "-", "0", "+"
    y = top + 9
    draw_text(canvas, y, left, lo, FAINT)
    draw_text(canvas, y, left + (width - text_width(mid)) // 2, mid, FAINT)
    draw_text(canvas, y, left + width - text_width(hi), hi, FAINT)


def _resize(rgb: Array, size: int) -> Array:
    """Nearest-neighbour resample of an (h, w, 3) image to size x size."""
    h, w = rgb.shape[:2]
    return rgb[(np.arange(size) * h // size)][:, (np.arange(size) * w // size)]


def _frame(canvas: Array, top: int, left: int, rgb: Array) -> None:
    """Paste an image with a 1-px grey border around it."""
    h, w = rgb.shape[:2]
    canvas[top - 1 : top + h + 1, left - 1 : left + w + 1] = (180, 180, 180)
    canvas[top : top + h, left : left + w] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def write_boundaries(trainer, path: str | os.PathLike, output_size: int = 320) -> None:
    """Atomically (png.write_png); at most MAX_TILES maps per layer, so the size stays bounded."""
    write_png(path, render_boundaries(trainer, output_size))
