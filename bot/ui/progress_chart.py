"""The /progress chart: sessions per week for the last weeks, with the 2-a-week target line.

Drawn with Pillow into a PNG in memory (no matplotlib, no files on disk).
Bars that meet the target are green, the others grey; the current week is
labelled "this week", the others with their Monday ("2 Mar", never
zero-padded: the same date format as the /progress text). About 10 KB;
drawn on demand, never stored.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from stridecoach.domain.progress import TARGET_MIN_PER_WEEK, WeekCount

if TYPE_CHECKING:  # Pillow is imported when the first chart is drawn: 2 MB a process may never need
    from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 720, 400
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 24, 56, 56

BACKGROUND = (255, 255, 255)
AXIS = (90, 90, 90)
GRID = (225, 225, 225)
BAR_MET = (46, 160, 67)
BAR_SHORT = (170, 170, 170)
TARGET = (220, 70, 50)
TEXT = (30, 30, 30)


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: no dependency on the fonts installed on the host.
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def render_week_chart(weeks: Sequence[WeekCount], *, title: str = "Sessions per week") -> bytes:
    """A PNG bar chart of `weeks` (oldest first, current last) with the target line."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, label_font = _font(20), _font(14)

    top = max([TARGET_MIN_PER_WEEK + 1, *(w.sessions for w in weeks)])
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    plot_top, plot_bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    plot_height = plot_bottom - plot_top

    def y_of(value: float) -> float:
        return plot_bottom - value / top * plot_height

    draw.text((MARGIN_LEFT, 16), title, fill=TEXT, font=title_font)
    step = 1 if top <= 8 else (top + 7) // 8
    for value in range(0, top + 1, step):
        y = y_of(value)
        draw.line([(plot_left, y), (plot_right, y)], fill=GRID, width=1)
        draw.text((plot_left - 10, y), str(value), fill=AXIS, font=label_font, anchor="rm")

    labels = week_labels(weeks)
    count = max(len(weeks), 1)
    slot = (plot_right - plot_left) / count
    bar_width = slot * 0.6
    for index, week in enumerate(weeks):
        x0 = plot_left + index * slot + (slot - bar_width) / 2
        x1 = x0 + bar_width
        if week.sessions:
            colour = BAR_MET if week.met_target else BAR_SHORT
            draw.rectangle([(x0, y_of(week.sessions)), (x1, plot_bottom)], fill=colour)
            draw.text(
                ((x0 + x1) / 2, y_of(week.sessions) - 4),
                str(week.sessions),
                fill=TEXT,
                font=label_font,
                anchor="mb",
            )
        label = labels[index]
        draw.text(((x0 + x1) / 2, plot_bottom + 8), label, fill=AXIS, font=label_font, anchor="mt")

    target_y = y_of(TARGET_MIN_PER_WEEK)
    _dashed(draw, plot_left, plot_right, target_y)
    # A legend beside the title rather than a label on the line, where it would
    # collide with the value printed above a bar of exactly the target height.
    draw.text(
        (plot_right, 22),
        f"- - -  target: {TARGET_MIN_PER_WEEK} sessions a week",
        fill=TARGET,
        font=label_font,
        anchor="rm",
    )
    draw.line([(plot_left, plot_top), (plot_left, plot_bottom)], fill=AXIS, width=2)
    draw.line([(plot_left, plot_bottom), (plot_right, plot_bottom)], fill=AXIS, width=2)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def week_labels(weeks: Sequence[WeekCount]) -> list[str]:
    """The x-axis labels: each week's Monday ("2 Mar"), "this week" for the last one."""
    return [
        "this week" if index == len(weeks) - 1 else f"{week.start.day} {week.start.strftime('%b')}"
        for index, week in enumerate(weeks)
    ]


def _dashed(draw: ImageDraw.ImageDraw, x0: float, x1: float, y: float, dash: int = 10) -> None:
    x = x0
    while x < x1:
        draw.line([(x, y), (min(x + dash, x1), y)], fill=TARGET, width=3)
        x += dash * 2
