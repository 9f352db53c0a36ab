"""The life in weeks: 52 columns x 100 rows, one cell per week from the birth week,
coloured by how far along it is; drawn on a terminal, as a PNG, or as a page."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from photofs.domain.progress import WeekState, streak, week_state
from photofs.domain.weeks import LIFE_WEEKS
from photofs.library_folder import LibraryFolder

COLUMNS = 52
COLOURS = {  # state -> RGB, from "nothing yet" to "done and freed"
    WeekState.NO_PHOTOS: (228, 228, 228), WeekState.FOUND: (250, 204, 120), WeekState.THUMBNAILED: (150, 200, 240),
    WeekState.REVIEWED: (90, 140, 220), WeekState.ARCHIVED: (90, 190, 110), WeekState.REMOVED: (30, 120, 60),
}
ANSI = {WeekState.NO_PHOTOS: 254, WeekState.FOUND: 221, WeekState.THUMBNAILED: 117, WeekState.REVIEWED: 68,
        WeekState.ARCHIVED: 71, WeekState.REMOVED: 22}


@dataclass
class LifeGrid:
    states: list[WeekState]      # LIFE_WEEKS of them
    current: int                 # this week's index
    summary: dict

    def line(self) -> str:
        s = self.summary
        return (f"{s['weeks done']} of {LIFE_WEEKS} weeks done ({s['weeks with photos']} with photos), "
                f"{s['photos on the NAS']} photos on the NAS, {s['bytes freed in the cloud'] / 1e9:.2f} GB freed "
                f"in the cloud, streak {s['streak days']} day{'s' if s['streak days'] != 1 else ''}")


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


def terminal(grid: LifeGrid) -> str:
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
