"""The life in weeks: 52 columns x 100 rows, one cell per week from the birth week,
coloured by how far along it is; drawn on a terminal, as a PNG, or as a page."""

from __future__ import annotations

import datetime as dt
import html
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from photofs.domain.progress import WeekState, streak, week_state
from photofs.domain.weeks import LIFE_WEEKS
from photofs.domain.wording import plural
from photofs.library_folder import LibraryFolder

COLUMNS = 52
COLOURS = {  # state -> RGB, from "nothing yet" to "done and freed"
    WeekState.NO_PHOTOS: (228, 228, 228), WeekState.FOUND: (250, 204, 120), WeekState.THUMBNAILED: (150, 200, 240),
    WeekState.REVIEWED: (90, 140, 220), WeekState.ARCHIVED: (90, 190, 110), WeekState.REMOVED: (30, 120, 60),
}
ANSI = {WeekState.NO_PHOTOS: 254, WeekState.FOUND: 221, WeekState.THUMBNAILED: 117, WeekState.REVIEWED: 68,
        WeekState.ARCHIVED: 71, WeekState.REMOVED: 22}
CURRENT = 196  # the current week, in the compact grid
YEARS = LIFE_WEEKS // COLUMNS


@dataclass
class LifeGrid:
    states: list[WeekState]      # LIFE_WEEKS of them
    current: int                 # this week's index
    summary: dict

    def line(self) -> str:
        """The summary, said once wherever the grid is shown."""
        s = self.summary
        return (f"{s['weeks done']} of {LIFE_WEEKS} weeks done ({s['weeks with photos']} with photos; "
                f"this is week {s['current week']}), {plural(s['photos on the NAS'], 'photo')} on the NAS, "
                f"{s['bytes freed in the cloud'] / 1e9:.2f} GB freed in the cloud, streak {plural(s['streak days'], 'day')}")


def life_grid(lib: LibraryFolder, today: dt.date | None = None) -> LifeGrid:
    cat = lib.catalog
    cal = lib.calendar
    today = today or dt.datetime.now(cal.tz).date()
    figures = cat.week_figures()
    reviewed = cat.reviewed_weeks()
    states = [week_state(figures.get(w), w in reviewed) for w in range(LIFE_WEEKS)]
    totals = cat.totals()
    summary = {
        "weeks done": sum(s >= WeekState.ARCHIVED for s in states),
        "weeks with photos": sum(s > WeekState.NO_PHOTOS for s in states),
        "photos on the NAS": totals["photos on the NAS"],
        "bytes freed in the cloud": totals["bytes freed in the cloud"],
        "streak days": streak(cat.active_days(), today),
        "current week": cal.week_of_date(today),
        "weeks by state": {s.label: sum(x == s for x in states) for s in WeekState},
    }
    return LifeGrid(states, cal.week_of_date(today), summary)


def terminal(grid: LifeGrid, size: os.terminal_size | None = None) -> str:
    """The grid for a terminal of `size` (None: as tall as it needs): one row of 52
    weeks per year of life when it fits, else a compact grid that does (below)."""
    if size is not None and (size.lines < YEARS + 3 or size.columns < COLUMNS + 4):
        return _compact(grid, size)
    return _one_year_per_row(grid)


def _one_year_per_row(grid: LifeGrid) -> str:
    """Rows of 52 weeks (one year of life each), coloured blocks; the current week is ◆."""
    out = []
    for year in range(LIFE_WEEKS // COLUMNS):
        cells = []
        for w in range(year * COLUMNS, (year + 1) * COLUMNS):
            mark = "◆" if w == grid.current else "■"
            cells.append(f"\x1b[38;5;{ANSI[grid.states[w]]}m{mark}")
        label = f"{year:>3} " if year % 10 == 0 else "    "
        out.append(label + "".join(cells) + "\x1b[0m")
    legend = "  ".join(f"\x1b[38;5;{ANSI[s]}m■\x1b[0m {s.label}" for s in WeekState)
    return "\n".join(out + ["", legend, grid.line()])


def _compact(grid: LifeGrid, size: os.terminal_size) -> str:
    """Two years per text row (`▀`: the upper half one year, the lower half the next),
    `k` weeks per cell (1, 2 or 4: the least advanced of those with photos), and the
    century in side-by-side blocks, choosing the most detail that fits the terminal.
    The current week is red."""
    pairs = YEARS // 2
    layouts = [(k, b) for k in (1, 2, 4) for b in (1, 2, 3, 4, 5)]
    fits = [(k, b) for k, b in layouts
            if -(-pairs // b) + 5 <= size.lines and b * (5 + -(-COLUMNS // k)) <= size.columns]
    k, blocks = fits[0] if fits else (4, max(1, min(5, size.columns // (5 + COLUMNS // 4))))
    per_block = -(-pairs // blocks)
    lines = []
    for r in range(per_block):
        line = ""
        for b in range(blocks):
            pair = b * per_block + r
            if pair >= pairs:
                break
            top, bottom = 2 * pair, 2 * pair + 1
            line += f"{top:>3} " if top % 10 == 0 else "    "
            for c in range(0, COLUMNS, k):
                line += f"\x1b[38;5;{_cell(grid, top, c, k)}m\x1b[48;5;{_cell(grid, bottom, c, k)}m▀"
            line += "\x1b[0m "
        lines.append(line.rstrip())
    keys = [(ANSI[s], s.label) for s in WeekState] + [(CURRENT, "this week")]
    legend, width = [""], 0
    for colour, label in keys:  # wrapped to the terminal, by the width that shows
        if width and width + len(label) + 4 > size.columns:
            legend.append("")
            width = 0
        legend[-1] += f"\x1b[38;5;{colour}m█\x1b[0m {label}  "
        width += len(label) + 4
    return "\n".join(lines + [line.rstrip() for line in legend] + textwrap.wrap(grid.line(), size.columns))


def _cell(grid: LifeGrid, year: int, column: int, k: int) -> int:
    weeks = range(year * COLUMNS + column, min(year * COLUMNS + column + k, (year + 1) * COLUMNS))
    if grid.current in weeks:
        return CURRENT
    with_photos = [grid.states[w] for w in weeks if grid.states[w] > WeekState.NO_PHOTOS]
    return ANSI[min(with_photos) if with_photos else WeekState.NO_PHOTOS]


def png(grid: LifeGrid, path: Path, cell: int = 9, gap: int = 2) -> None:
    margin, legend_h = 34, 60
    step = cell + gap
    w = margin + COLUMNS * step + margin
    h = margin + (LIFE_WEEKS // COLUMNS) * step + legend_h
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    for week, state in enumerate(grid.states):
        x = margin + (week % COLUMNS) * step
        y = margin + (week // COLUMNS) * step
        d.rectangle((x, y, x + cell - 1, y + cell - 1), fill=COLOURS[state])
        if week == grid.current:
            d.rectangle((x - 2, y - 2, x + cell + 1, y + cell + 1), outline=(220, 30, 30), width=2)
    for year in range(0, LIFE_WEEKS // COLUMNS, 10):
        d.text((4, margin + year * step - 2), str(year), fill="black")
    d.text((margin, 10), "My life in weeks (photofs)", fill="black")
    y = h - legend_h + 8
    x = margin
    for state in WeekState:
        d.rectangle((x, y, x + cell, y + cell), fill=COLOURS[state])
        d.text((x + cell + 4, y - 2), state.label, fill="black")
        x += 12 + 7 * len(state.label) + 10
    d.text((margin, y + 22), grid.line(), fill="black")
    img.save(path)


def page(grid: LifeGrid, path: Path) -> None:
    cells = []
    for week, state in enumerate(grid.states):
        rgb = "rgb(%d,%d,%d)" % COLOURS[state]
        cls = " class=now" if week == grid.current else ""
        cells.append(f"<i{cls} style=\"background:{rgb}\" title=\"week {week}: {html.escape(state.label)}\"></i>")
    legend = "".join(f"<span><i style=\"background:rgb{COLOURS[s]}\"></i> {html.escape(s.label)}</span> " for s in WeekState)
    path.write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>My life in weeks (photofs)</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em}#grid{display:grid;grid-template-columns:repeat(52,10px);"
        "gap:2px}i{display:inline-block;width:10px;height:10px}.now{outline:2px solid #d22}"
        "span{margin-right:1em}</style></head><body><h1>My life in weeks</h1>"
        f"<p>{html.escape(grid.line())}</p><div id=grid>{''.join(cells)}</div><p>{legend}</p></body></html>",
        encoding="utf-8")
