"""`photofs ledger [--week N]`: every file below every folder the user added, and every
member of every Takeout part, accounted for.

Each is one of: a file of item N (with its role), another copy of a file of item N
(the same photo in a year folder and an album, or in two parts), a sidecar of item
N, album metadata, skipped (with why: not media, desktop metadata, another
product's export), or an error (with its reason). Whatever is none of these, a
file added since the last import for instance, is unaccounted, and the summary
says how many: a user deletes photos from Google on this word, so it must be 0.

The roots are listed again (names and sizes only, nothing is read); what each
member is comes from the catalog: places of items, and the ledger rows the
import jobs wrote.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from photofs.domain.names import printable
from photofs.library_folder import LibraryFolder
from photofs.sources.registry import SOURCES

MAX_LINES_SHOWN = 50


@dataclass
class Entry:
    root: str
    container: str
    member: str
    what: str                # item | copy | sidecar | album metadata | skipped | error | unreadable | unaccounted
    item_id: int | None = None
    detail: str | None = None  # the role, why it was skipped, the error


@dataclass
class LedgerReport:
    entries: list[Entry] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(e.what for e in self.entries)

    @property
    def unaccounted(self) -> int:
        return self.counts["unaccounted"]

    @property
    def unreadable(self) -> int:
        """Folders or parts that cannot be listed now: what they hold cannot be accounted for."""
        return self.counts["unreadable"]

    def as_dict(self) -> dict:
        return {"counts": dict(self.counts), "unaccounted": self.unaccounted, "unreadable": self.unreadable,
                "entries": [e.__dict__ for e in self.entries]}

    def as_text(self, verbose: bool = False) -> str:
        c = self.counts
        order = ("item", "copy", "sidecar", "album metadata", "skipped", "error", "unreadable", "unaccounted")
        names = {"item": "files of items", "copy": "copies of those", "sidecar": "sidecars"}
        parts = [f"{c[w]} {names.get(w, w)}" for w in order if c[w]]
        lines = [f"ledger: {len(self.entries)} files and members: " + (", ".join(parts) or "nothing")
                 + f"; {self.unaccounted} unaccounted"
                 + (f", {self.unreadable} folders or parts unreadable (what they hold is not checked)"
                    if self.unreadable else "")]
        shown = [e for e in self.entries if verbose or e.what in ("error", "unreadable", "unaccounted")]
        for e in shown[:MAX_LINES_SHOWN if not verbose else None]:
            what = "file" if e.what == "item" else e.what
            about = f" of item {e.item_id}" if e.item_id is not None else ""
            detail = f" ({e.detail})" if e.detail else ""
            lines.append(f"  {what}{about}{detail}: {printable(_where(e))}")
        if not verbose and len(shown) > MAX_LINES_SHOWN:
            lines.append(f"  ... and {len(shown) - MAX_LINES_SHOWN} more (photofs ledger --json)")
        return "\n".join(lines)


def _where(e: Entry) -> str:
    if e.container == e.root and e.member:
        return f"{e.root}:{e.member}"
    return f"{e.container}/{e.member}" if e.member else e.container


def ledger(lib: LibraryFolder, week: int | None = None) -> LedgerReport:
    cat = lib.catalog
    report = LedgerReport()
    week_ids = {i.id for i in cat.items(week=week)} if week is not None else None
    places: dict[str, dict] = {}
    rows: dict[str, dict] = {}
    first_copy: dict[tuple[int, str, str], tuple[str, str]] = {}  # (item, role, name) -> its first place seen
    by_member: dict[str, int] = {}  # a Takeout member path -> its item, for the same member in another part
    for root, kind in cat.roots():
        source = SOURCES[kind]
        for container, member, size, problem in source.list_root(root):
            if container not in places:
                places[container] = cat.places_in(container)
                rows[container] = cat.ledger_in(container)
            report.entries.append(_classify(root, container, member, problem, places[container],
                                            rows[container], first_copy, by_member))
    for e in report.entries:  # parts overlap: the same member in two parts is one file
        if e.what == "unaccounted" and e.member in by_member:
            e.what, e.item_id, e.detail = "copy", by_member[e.member], "the same member in another part"
    if week_ids is not None:
        # What no import has seen belongs to no week yet: it is shown whatever week was asked.
        report.entries = [e for e in report.entries if e.item_id in week_ids or e.what in ("unaccounted", "unreadable")]
    return report


def _classify(root, container, member, problem, places, rows, first_copy, by_member) -> Entry:
    if problem is not None:  # the listing itself failed: a share unplugged, a part gone or corrupt
        return Entry(root, container, member, "unreadable", None, f"cannot be read now: {problem}")
    place = places.get(member)
    if place is not None:
        item_id, role, name, error = place
        by_member.setdefault(member, item_id)
        if error is not None:  # a file of an item that could not be read: said, with why
            return Entry(root, container, member, "error", item_id, f"{role}: {error}")
        key = (item_id, "original" if role == "google" else role, name)
        if first_copy.setdefault(key, (container, member)) != (container, member):
            return Entry(root, container, member, "copy", item_id, f"another copy of its {role} file")
        return Entry(root, container, member, "item", item_id, role)
    row = rows.get(member)
    if row is not None:
        what, item_id, detail = row
        return Entry(root, container, member, what, item_id, detail)
    return Entry(root, container, member, "unaccounted", None, "not seen by any import: run add-folder or "
                                                               "import-takeout again")
