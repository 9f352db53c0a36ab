"""One consistent picture of the mount: the snapshot, every view's default tree,
and the user's overlay, with path resolution and folder listings.

A path is the root, a view, or `/view/<logical folder>/<split parts>/<file>`:
the logical folder is where the view's rule (or the user) puts photos; split
parts appear only when a folder holds more than the limit.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from photofs.domain.sorting import TO_DELETE, VIEWS
from photofs.library_folder import LibraryFolder
from photofs.index import saved
from photofs.views import Trees, by_gallery, by_similar
from photofs.views.folders import FolderTree, Path, split_rows
from photofs.views.names import NameBook, Twins
from photofs.vfs.overlay import Overlay


log = logging.getLogger(__name__)
_EMPTY = FolderTree()  # a view still being built shows nothing yet


def key_str(path: Path) -> str:
    return "/".join(path)


def key_path(key: str) -> Path:
    """The inverse of key_str ("" is a view's top level)."""
    return tuple(key.split("/")) if key else ()


@dataclass(frozen=True)
class Dir:
    view: str | None          # None: the root
    logical: Path = ()
    split: Path = ()


@dataclass(frozen=True)
class File:
    view: str
    logical: Path
    split: Path
    row: int
    name: str


@dataclass
class Contents:
    rows: np.ndarray              # in capture order
    split: dict | None            # nested parts when there are more rows than the limit


# One background build of a view at a time: a job changing the catalog each second
# must not pile them up (the grouping takes seconds at ten million photos).
_BUILDING = {by_similar.NAME: threading.Lock(), by_gallery.NAME: threading.Lock()}
_warned: set[str] = set()


class MountState:
    """`background`: the mount, whose listings must not wait long for the slow view.
    /by-similar/ is then built on another thread from the start; asking for it
    waits up to `patience` seconds, after which it shows the previous state's
    groups (less the photos that changed) or nothing, until it is ready. A state
    replaced before its turn to group skips it: the newest does the work. Jobs
    build every view they ask for on the spot."""

    patience = 5.0
    _counted: tuple[FolderTree, FolderTree] | None = None  # /by-similar/ as named for the queue (changed())
    budget = 900.0  # seconds the mount may spend grouping in the background; more is `photofs group`'s job
    slow_rows = 1_000_000  # from here a gallery rebuild takes a noticeable time: done in the background

    def __init__(self, lib: LibraryFolder, version: int, background: bool = False,
                 previous: "MountState | None" = None, supersede: bool = True):
        """`supersede`: mark `previous` replaced now (False when the caller swaps
        states later, and marks it then)."""
        self.version = version
        self.built_at = time.time()
        self.limit = lib.settings.folder_limit
        self.snap = saved.current(lib.catalog, lib.index_path)
        self.overlay = Overlay(*lib.catalog.load_sort_state())
        self._pending: dict[str, threading.Event] = {}
        self._patience: dict[str, float] = {}
        self._interim: dict[str, FolderTree] = {}
        self._later: set[str] = set()
        self.superseded = False
        self.book = previous.book if previous is not None else NameBook()
        self._twins: Twins | None = None
        self.threads = [t for t in previous.threads if t.is_alive()] if previous is not None else []
        if previous is not None and self.snap.fingerprint == previous.snap.fingerprint:
            self._keep(previous)
            return
        self.trees = Trees(self.snap, lib.settings)
        self.trees.replace(by_similar.NAME,
                           lambda: by_similar.saved_tree(lib.index_path, self.snap, lib.settings, lib.catalog))
        if previous is not None:
            previous.superseded = previous.superseded or supersede
            if self.snap.previous is not None and self.snap.previous == previous.snap.fingerprint:
                self._update_from(previous)
        self.changed()
        if background and len(self.snap):
            self._start_background(lib)

    def _keep(self, previous: "MountState") -> None:
        """Nothing the views show has changed (a job wrote its own bookkeeping, or sort
        state): every view, built or being built, is kept as it is."""
        self.snap, self.trees = previous.snap, previous.trees
        self._twins = previous._twins
        self._pending, self._patience, self._interim = previous._pending, previous._patience, previous._interim
        self._later = previous._later
        self.changed()

    def _update_from(self, previous: "MountState") -> None:
        """The state just before this change: the views it built are updated with the
        changed photos; the slow ones show what they showed, less those photos, until
        rebuilt (worked out only if asked for: a job's changes come every second)."""
        remap, rows = self.snap.changes_from(previous.snap, self.snap.changed)
        self.trees.carry(previous.trees, remap, rows)
        for view, interim in ((by_similar.NAME, by_similar.without_changed),
                              (by_gallery.NAME, lambda tree, remap: tree.updated(remap, FolderTree()))):
            shown = previous.trees.built(view) or previous.interim(view)
            if shown is not None:
                self._interim[view] = functools.partial(interim, shown, remap)

    def _start_background(self, lib: LibraryFolder) -> None:
        if not saved.has_similar(lib.index_path, lib.settings):
            estimate = by_similar.estimate_seconds(self.snap, lib.settings.similarity_threshold, lib.settings.similar_flips)
            if estimate > self.budget:
                # Exact grouping at this size takes long: it is not started behind the user's
                # back on every change. /by-similar/ stays empty until `photofs group` has run.
                if str(lib.path) not in _warned:
                    _warned.add(str(lib.path))
                    log.warning("/by-similar/ for %d photos would take about %.0f min to group; run `photofs group`",
                                len(self.snap), estimate / 60)
                self.trees.replace(by_similar.NAME, FolderTree)
        self._build_later(by_similar.NAME, self.patience)
        if len(self.snap) >= self.slow_rows and by_gallery.NAME in self._interim:
            self._later.add(by_gallery.NAME)  # rebuilt when next opened, not on every change a job makes

    @property
    def twins(self) -> Twins:
        """The photos sharing a hash (made when names are first needed)."""
        if self._twins is None:
            self._twins = Twins(self.snap)
        return self._twins

    def named(self) -> bool:
        """Whether this state has shown any names yet."""
        return self._twins is not None

    def take_names_from(self, previous: "MountState") -> None:
        """Called before this state replaces `previous` in a mount: a photo that held
        a plain name there keeps it here (views/names.py, NameBook)."""
        if previous.named() and self.snap is not previous.snap:
            self.book.carry(previous.snap, previous.twins, self.snap, self.twins)

    def tree(self, view: str) -> FolderTree:
        if view in self._later:
            self._later.discard(view)
            self._build_later(view, 0.2)
        done = self._pending.get(view)
        if done is not None:
            if not done.wait(self._patience.pop(view, 0)):  # the first ask waits a little; later ones only look
                return self.interim(view) or _EMPTY
            del self._pending[view]
            self.changed()  # listings made while it was empty are stale now
        if view == by_similar.NAME:
            return self._counted_groups(self.trees[view])
        return self.trees[view]

    def _counted_groups(self, tree: FolderTree) -> FolderTree:
        """/by-similar/ with each group's name counting the photos it shows (not the queued)."""
        if self._counted is None or self._counted[0] is not tree:
            self._counted = (tree, by_similar.counted(tree, self.snap, self.overlay.queued))
        return self._counted[1]

    def interim(self, view: str) -> FolderTree | None:
        """What a view shows until it is rebuilt: the previous state's tree, less the changed photos."""
        shown = self._interim.get(view)
        if callable(shown) and not isinstance(shown, FolderTree):
            shown = self._interim[view] = shown()
        return shown

    def _build_later(self, view: str, patience: float) -> None:
        """Build a view on another thread; the first ask waits `patience` seconds for it."""
        done = self._pending[view] = threading.Event()
        self._patience[view] = patience
        thread = threading.Thread(target=self._build, args=(view, done), daemon=True, name=f"photofs-{view}")
        self.threads.append(thread)
        thread.start()

    def stop(self, wait: float) -> None:
        """No more background builds; wait up to `wait` seconds for one running."""
        self.superseded = True
        deadline = time.monotonic() + wait
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _build(self, view: str, done: threading.Event) -> None:
        try:
            with _BUILDING[view]:
                if not self.superseded:  # else a newer state builds it
                    self.trees[view]
        except RuntimeError:
            if threading.main_thread().is_alive():  # the process exiting mid-build (unmount) is no error
                raise
        finally:
            done.set()

    def changed(self) -> None:
        """Forget what the overlay shaped; called after every user action."""
        self._dirs: dict[str, dict[Path, list[str]]] = {}
        self._excluded: dict[str, np.ndarray] = {}
        self._counted: tuple[FolderTree, FolderTree] | None = None
        self.contents = lru_cache(maxsize=256)(self._contents)
        self.names = lru_cache(maxsize=1024)(self._names)

    # -- folders ---------------------------------------------------------------
    def dirs(self, view: str) -> dict[Path, list[str]]:
        """Every folder of a view -> its subfolder names (the default tree, the user's
        folders, folders photos are pinned to), minus default folders left empty."""
        if view in self._pending:
            self.tree(view)  # ready by now? then the listings made without it are dropped
        if view not in self._dirs:
            tree = self.tree(view)
            hidden = self._emptied_leaves(view)
            if hidden:
                dirs = {p: [c for c in kids if (*p, c) not in hidden] for p, kids in tree.subdirs.items()
                        if p not in hidden}
            else:  # the usual case: the tree's own lists, copied only where a folder is added below
                dirs = dict(tree.subdirs)
            extra = [key_path(p) for p in self.overlay.user_folders[view]]
            extra += [tree.resolve_key(key_path(k)) for k, items in self.overlay.pinned_in[view].items()
                      if items - self.overlay.queued]
            for path in extra:
                for depth in range(1, len(path) + 1):
                    here = path[:depth]
                    if here not in dirs:
                        dirs[here] = []
                        dirs[here[:-1]] = [*dirs[here[:-1]], here[-1]]
            self._dirs[view] = dirs
        return self._dirs[view]

    def _emptied_leaves(self, view: str) -> set[Path]:
        """Default folders whose every photo was moved away or queued."""
        excluded = self.excluded(view)
        if not len(excluded):
            return set()
        tree = self.tree(view)
        touched = {p for row in self.snap.rows_of(excluded) for p in tree.folders_of(int(row))}
        return {p for p in touched if not len(self.contents(view, p).rows) and key_str(p) not in self.overlay.user_folders[view]}

    def excluded(self, view: str) -> np.ndarray:
        """Ids that leave their default folders in this view: queued, or pinned elsewhere."""
        if view not in self._excluded:
            ids = self.overlay.queued | set(self.overlay.pins[view])
            self._excluded[view] = np.array(sorted(ids), np.int64)
        return self._excluded[view]

    def _contents(self, view: str, logical: Path) -> Contents:
        snap, tree = self.snap, self.tree(view)
        if view == TO_DELETE:
            rows = snap.rows_of(self.overlay.queued) if logical == () else np.empty(0, np.int64)
        else:
            base = tree.leaves.get(logical, np.empty(0, np.int64))
            excluded = self.excluded(view)
            if len(base) and len(excluded):
                base = base[~np.isin(snap.ids[base], excluded)]
            pinned = self.overlay.pinned_in[view].get(key_str(tree.key_of(logical)), set()) - self.overlay.queued
            rows = np.union1d(base, snap.rows_of(pinned)) if pinned else base
        rows = rows[np.lexsort((snap.ids[rows], snap.phash[rows], np.nan_to_num(snap.taken[rows], nan=-1e18)))]
        split = split_rows(rows, self.limit, tree.splitters) if len(rows) > self.limit else None
        return Contents(rows, split)

    def _level(self, view: str, logical: Path, split: Path):
        """What one split level holds: a dict of parts, or the rows of files."""
        level = self.contents(view, logical).split
        if level is None:
            return None if split else self.contents(view, logical).rows
        for part in split:
            level = level.get(part) if isinstance(level, dict) else None
            if level is None:
                return None
        return level

    def _names(self, view: str, logical: Path, split: Path) -> dict[str, int]:
        level = self._level(view, logical, split)
        if not isinstance(level, np.ndarray):
            return {}
        return dict(zip(self.book.names(self.snap, self.twins, level), (int(r) for r in level)))

    # -- paths -----------------------------------------------------------------
    def resolve(self, parts: tuple[str, ...]) -> Dir | File | None:
        if not parts:
            return Dir(None)
        view, rest = parts[0], parts[1:]
        if view not in VIEWS:
            return None
        dirs = self.dirs(view)
        logical: Path = ()
        split: Path = ()
        for i, name in enumerate(rest):
            last = i == len(rest) - 1
            level = self._level(view, logical, split)
            if isinstance(level, dict) and name in level and name != "":
                split = (*split, name)
                continue
            if not split and (*logical, name) in dirs:
                logical = (*logical, name)
                continue
            if not split and (alias := self._renamed(view, (*logical, name))) in dirs:
                logical = alias  # a folder whose name changed (a group's count): its old name still finds it
                continue
            if last:
                row = self.names(view, logical, split).get(name)
                if row is not None:
                    return File(view, logical, split, row, name)
            return None
        return Dir(view, logical, split) if split or logical in dirs else None

    def _renamed(self, view: str, path: Path) -> Path | None:
        tree = self.tree(view)
        current = tree.resolve_key(tree.key_of(path))
        return current if current != path else None

    def list_dir(self, node: Dir) -> tuple[list[str], dict[str, int]]:
        """(subfolder names, file name -> row) of a folder."""
        if node.view is None:
            return list(VIEWS), {}
        level = self._level(node.view, node.logical, node.split)
        subdirs = [] if node.split else list(self.dirs(node.view).get(node.logical, []))
        if isinstance(level, dict):
            return subdirs + [p for p in level if p], {}
        return subdirs, self.names(node.view, node.logical, node.split)

    def default_folders(self, view: str, row: int) -> set[str]:
        tree = self.tree(view)
        return {key_str(tree.key_of(p)) for p in tree.folders_of(row)}

    def current_folders(self, view: str, item: int, row: int) -> set[str]:
        return set(self.overlay.pins[view].get(item) or self.default_folders(view, row))

    def rows_below(self, view: str, logical: Path) -> Iterable[int]:
        """Every photo row shown in a folder or any folder below it."""
        seen = set()
        for path in self.dirs(view):
            if path[:len(logical)] == logical:
                for r in self.contents(view, path).rows:
                    if int(r) not in seen:
                        seen.add(int(r))
                        yield int(r)
