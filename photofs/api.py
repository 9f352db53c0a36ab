"""A small Python API for notebooks: `photofs.Library.open(path)`.

    lib = photofs.Library.open("~/photofs")
    lib.status()                  # the life in weeks, as counts (and a grid in Jupyter)
    lib.weeks()                   # weeks with photos and how far along each is
    lib.week(1508).items          # that week's photos; displays as a thumbnail grid
    lib.similar_groups()          # near-duplicate groups, each a thumbnail grid
    lib.queue                     # the removal queue
    lib.run_week(1508)            # the weekly ritual, from a cell

Jobs show tqdm's notebook-aware progress bars.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from photofs.domain.items import Item
from photofs.domain.progress import WeekState, week_state
from photofs.library_folder import LibraryFolder


def _grid(items: list[Item], lib: LibraryFolder, title: str) -> str:
    cells = []
    for item in items:
        data = lib.thumbs.get(item) if item.phash else None
        img = (f"<img style='max-width:128px;max-height:128px' src='data:image/jpeg;base64,{base64.b64encode(data).decode()}'>"
               if data else "<div style='width:128px;height:96px;background:#ddd'></div>")
        cells.append(f"<figure style='display:inline-block;margin:4px;width:132px;font-size:11px;word-break:break-all'>"
                     f"{img}<figcaption>{html.escape(item.original_name)}</figcaption></figure>")
    return f"<div><b>{html.escape(title)}</b><br>{''.join(cells)}</div>"


class Photos(list):
    """A list of items that shows itself as a thumbnail grid in Jupyter."""

    def __init__(self, items, lib: LibraryFolder, title: str):
        super().__init__(items)
        self._lib, self.title = lib, title

    def _repr_html_(self) -> str:
        return _grid(list(self), self._lib, f"{self.title} ({len(self)} photos)")


@dataclass
class Week:
    index: int
    folder: str
    state: WeekState
    items: Photos

    def _repr_html_(self) -> str:
        return self.items._repr_html_()


class Library:
    def __init__(self, folder: LibraryFolder):
        self.folder = folder

    @classmethod
    def open(cls, path: str | Path) -> "Library":
        return cls(LibraryFolder(path))

    @property
    def calendar(self):
        return self.folder.calendar

    def weeks(self, before_birth: bool = False) -> list[Week]:
        """Life weeks with photos, in order, with their state (their photos: week(n).items).
        Weeks before the birth week (old scans) only when asked for."""
        cat = self.folder.catalog
        figures, reviewed = cat.week_figures(), cat.reviewed_weeks()
        return [Week(w, self.calendar.folder_name(w) if w >= 0 else f"before-birth {w}",
                     week_state(figures[w], w in reviewed), Photos([], self.folder, ""))
                for w in sorted(figures) if w >= 0 or before_birth]

    def week(self, n: int) -> Week:
        cat = self.folder.catalog
        figures = cat.week_figures().get(n)
        items = Photos(cat.items(week=n), self.folder, f"week {self.calendar.folder_name(n)}")
        return Week(n, self.calendar.folder_name(n), week_state(figures, n in cat.reviewed_weeks()), items)

    def similar_groups(self) -> list[Photos]:
        from photofs.jobs.week import similar_tree
        snap, tree = similar_tree(self.folder)
        cat = self.folder.catalog
        return [Photos([cat.get(int(snap.ids[r])) for r in rows], self.folder, path[0])
                for path, rows in tree.leaves.items()]

    @property
    def queue(self) -> Photos:
        from photofs.jobs.removal_queue import queue_entries
        return Photos([i for i, _ in queue_entries(self.folder)], self.folder, "removal queue")

    def status(self) -> "Status":
        from photofs.jobs.lifegrid import life_grid
        return Status(life_grid(self.folder))

    def thumbs(self, weeks: tuple[int, int] | None = None, workers: int | None = None, cluster: str | None = None):
        """Thumbnails on every core (or `workers` processes, or the Dask scheduler at `cluster`)."""
        from photofs.jobs.thumbs import make_thumbs
        return make_thumbs(self.folder, weeks, workers=workers, cluster=cluster)

    def archive(self, weeks: tuple[int, int] | None = None, workers: int | None = None, cluster: str | None = None):
        from photofs.jobs.archive import archive
        return archive(self.folder, weeks, workers=workers, cluster=cluster)

    def run_week(self, n: int, workers: int | None = None, cluster: str | None = None) -> dict:
        from photofs.jobs.week import library_lock, run_week
        with library_lock(self.folder):
            return run_week(self.folder, n, workers, cluster)


class Status(dict):
    """The grid's summary as a dict; in Jupyter, the grid itself."""

    def __init__(self, grid):
        super().__init__(grid.summary)
        self._grid = grid

    def _repr_html_(self) -> str:
        import tempfile
        from photofs.jobs.lifegrid import page
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "grid.html"
            page(self._grid, path)
            body = path.read_text()
        return body[body.index("<body>") + 6: body.index("</body>")]
