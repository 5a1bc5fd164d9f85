"""Typed chart objects from matplotlib figures: E2B's `chart` result field (`e2b/chart` in the MIME bundle).

The shapes are the ones E2B's SDKs read (js/src/charts.ts of e2b-dev/code-interpreter): a figure with one axes
becomes a line, scatter, bar, pie or box_and_whisker chart (or `unknown`); a figure with several axes a
`superchart` whose elements are the charts of its axes. Runs inside the kernel, only on figures it is shown.
"""
import re
from datetime import date, datetime
from decimal import Decimal, localcontext

from matplotlib.collections import PathCollection
from matplotlib.dates import DateConverter, num2date
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle, Wedge
from matplotlib.text import Text

try:  # matplotlib >= 3.5 switches between two date converters
    from matplotlib.dates import _SwitchableDateConverter as _DATE_CONVERTERS
    _DATE_CONVERTERS = (_DATE_CONVERTERS, DateConverter)
except ImportError:  # pragma: no cover
    _DATE_CONVERTERS = (DateConverter,)

_UNIT = re.compile(r"\s\((.*?)\)|\[(.*?)\]")


def figure_to_chart(figure):
    """The chart of `figure` as a JSON-ready dict, or {} when it holds no data."""
    axes = figure.get_axes()
    if not axes or not any(ax.has_data() for ax in axes):
        return {}
    if len(axes) > 1:
        title = figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else None
        return {"type": "superchart", "title": title or None, "elements": [axes_to_chart(ax) for ax in axes]}
    return axes_to_chart(axes[0])


def axes_to_chart(ax):
    kind = chart_type(ax)
    build = {"line": _line, "scatter": _scatter, "bar": _bar, "pie": _pie, "box_and_whisker": _box}.get(kind)
    if build is None:
        return {"type": "unknown", "title": ax.get_title() or None, "elements": []}
    return build(ax)


def chart_type(ax):
    """What the axes draw, judged from its artists (texts aside): E2B's classification."""
    artists = [a for a in ax._children if not isinstance(a, Text)]
    if all(isinstance(a, Line2D) for a in artists):
        # boxplot() without patch_artist draws its boxes as closed five-point lines
        return "box_and_whisker" if any(_is_box_outline(a) for a in artists) else "line"
    if all(isinstance(a, (PathPatch, Line2D)) for a in artists):
        return "box_and_whisker"
    artists = [a for a in artists if not (isinstance(a, Line2D) and is_grid_line(a))]
    if all(isinstance(a, PathCollection) for a in artists):
        return "scatter"
    if all(isinstance(a, Wedge) for a in artists):
        return "pie"
    if all(isinstance(a, Rectangle) for a in artists):
        return "bar"
    return "unknown"


def is_grid_line(line):
    """A straight horizontal or vertical two-point line: a grid or reference line, not data."""
    xs, ys = line.get_xdata(), line.get_ydata()
    if len(xs) != 2 or len(ys) != 2:
        return False
    return bool(xs[0] == xs[1] or ys[0] == ys[1])


def _is_box_outline(line):
    xs, ys = line.get_xdata(), line.get_ydata()
    if len(xs) != 5 or len(ys) != 5 or xs[0] != xs[4] or ys[0] != ys[4]:
        return False
    return len(set(map(float, xs))) == 2 and len(set(map(float, ys))) == 2


def rounded(number):
    """About eight significant digits, so float noise of the drawing does not reach the client."""
    d = Decimal(str(number))
    with localcontext() as ctx:
        ctx.prec = max(1, 8 - d.adjusted())
        return float(+d)


def _base(ax, kind):
    return {"type": kind, "title": ax.get_title() or None, "elements": []}


def _planar(ax, kind):
    chart = _base(ax, kind)
    x_label, y_label = ax.get_xlabel() or None, ax.get_ylabel() or None
    chart.update({"x_label": x_label, "y_label": y_label, "x_unit": _unit(x_label), "y_unit": _unit(y_label)})
    return chart


def _unit(label):
    if not label:
        return None
    m = _UNIT.search(label)
    return (m.group(1) or m.group(2)) if m else None


def _swap_axes(chart):
    chart["x_label"], chart["y_label"] = chart["y_label"], chart["x_label"]
    chart["x_unit"], chart["y_unit"] = chart["y_unit"], chart["x_unit"]


def _point_chart(ax, kind):
    chart = _planar(ax, kind)
    for axis, name, scale in ((ax.xaxis, "x", ax.get_xscale()), (ax.yaxis, "y", ax.get_yscale())):
        labels = [t.get_text() for t in (ax.get_xticklabels() if name == "x" else ax.get_yticklabels())]
        ticks = _ticks(axis.converter, ax.get_xticks() if name == "x" else ax.get_yticks())
        chart[name + "_ticks"] = ticks
        chart[name + "_tick_labels"] = labels
        chart[name + "_scale"] = _scale(axis.converter, scale, ticks, labels)
    return chart


def _ticks(converter, ticks):
    if isinstance(converter, _DATE_CONVERTERS):
        return [num2date(t).isoformat() for t in ticks]
    return [float(t) for t in ticks]


def _scale(converter, scale, ticks, labels):
    if isinstance(converter, _DATE_CONVERTERS):
        return "datetime"
    if scale != "linear":
        return scale
    # categories are drawn at 0..n-1 with labels that are not those numbers
    for i, (tick, label) in enumerate(zip(ticks, labels)):
        if not (tick == i and str(i) != label):
            return "linear"
    return "categorical" if ticks else "linear"


def _value(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if type(v).__name__ == "datetime64":
        return str(v.astype("datetime64[s]"))
    if isinstance(v, str):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _line(ax):
    chart = _point_chart(ax, "line")
    for line in ax.get_lines():
        if is_grid_line(line):
            continue
        label = line.get_label()
        if label.startswith("_child"):
            label = "Line " + label[len("_child"):]
        points = [[_value(x), _value(y)] for x, y in zip(line.get_xdata(), line.get_ydata())]
        chart["elements"].append({"label": label, "points": points})
    return chart


def _scatter(ax):
    chart = _point_chart(ax, "scatter")
    for collection in ax.collections:
        points = [[_value(x), _value(y)] for x, y in collection.get_offsets()]
        chart["elements"].append({"label": collection.get_label(), "points": points})
    return chart


def _bar(ax):
    chart = _planar(ax, "bar")
    swapped = False
    for container in ax.containers:
        group = container.get_label()
        if group.startswith("_container"):
            group = "Group " + group[len("_container"):]
        heights = [r.get_height() for r in container]
        if heights and all(h == heights[0] for h in heights) and len(heights) > 1:
            # equal heights: horizontal bars (barh), whose values are widths and whose categories are on y
            if not swapped:
                _swap_axes(chart)
                swapped = True
            labels = [t.get_text() for t in ax.get_yticklabels()]
            values = [r.get_width() for r in container]
        else:
            labels = [t.get_text() for t in ax.get_xticklabels()]
            values = heights
        for label, value in zip(labels, values):
            chart["elements"].append({"label": label, "group": group, "value": float(value)})
    return chart


def _pie(ax):
    chart = _base(ax, "pie")
    for wedge in ax.patches:
        angle = abs(rounded(Decimal(float(wedge.theta2)) - Decimal(float(wedge.theta1))))
        chart["elements"].append({"label": wedge.get_label(), "angle": angle, "radius": float(wedge.r)})
    return chart


def _box(ax):
    chart = _planar(ax, "box_and_whisker")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    outlines = [line for line in ax.lines if _is_box_outline(line)]
    shapes = [(p.get_path().vertices[:, 0], p.get_path().vertices[:, 1]) for p in ax.patches] or \
        [(line.get_xdata(), line.get_ydata()) for line in outlines]
    boxes = []
    for label, (vx, vy) in zip(labels, shapes):
        xs, ys = [rounded(x) for x in vx], [rounded(y) for y in vy]
        boxes.append({"label": label, "x": min(xs), "y": min(ys), "width": max(xs) - min(xs),
                      "height": max(ys) - min(ys), "outliers": []})
    vertical = bool(boxes) and all(b["height"] == boxes[0]["height"] for b in boxes) and len(boxes) > 1
    if vertical:
        # boxes of equal height are horizontal boxes (vert=False): swap to reason in one orientation
        _swap_axes(chart)
        for b in boxes:
            b["x"], b["y"], b["width"], b["height"] = b["y"], b["x"], b["height"], b["width"]
    for line in ax.lines:
        if line in outlines:
            continue
        xs, ys = [rounded(x) for x in line.get_xdata()], [rounded(y) for y in line.get_ydata()]
        if vertical:
            xs, ys = ys, xs
        if line.get_linestyle() in ("None", "") and xs:
            # fliers: markers only, every point an outlier of the box it stands in
            box = next((b for b in boxes if b["x"] <= xs[0] <= b["x"] + b["width"]), None)
            if box is not None:
                box["outliers"].extend(ys)
            continue
        if len(ys) != 2:
            continue
        box = next((b for b in boxes if b["x"] <= xs[0] <= xs[1] <= b["x"] + b["width"]), None)
        if box is None:
            continue
        if ys[0] == ys[1] and box["y"] <= ys[0] <= box["y"] + box["height"]:
            box["median"] = ys[0]
        elif max(ys) == box["y"]:
            box["min"] = min(ys)
        elif min(ys) == box["y"] + box["height"]:
            box["max"] = max(ys)
    for b in boxes:
        chart["elements"].append({
            "label": b["label"], "min": b.get("min", b["y"]), "first_quartile": b["y"],
            "median": b.get("median", b["y"]), "third_quartile": b["y"] + b["height"],
            "max": b.get("max", b["y"] + b["height"]), "outliers": b["outliers"],
        })
    return chart
