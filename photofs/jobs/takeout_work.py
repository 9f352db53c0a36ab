"""One Takeout member's work, as a worker of import-takeout's pool does it: read the
member once, streamed, and from those bytes compute its SHA-256, its header and its
thumbnail, so that `thumbs` has nothing left to read for it.

A task names the part and the member: the worker opens the part itself, so no
original's bytes go through a pipe, and a worker on another machine reads the same
path. A zip or a folder gives any member on its own (one task each); a tar is read
front to back, so one task reads all of a part's wanted members in a single pass.
Videos are never held in memory: their hash is streamed, and their header and thumbnail
are read by seeking to the few boxes and frames they need (not in a tar: that is left
to the sidecar and to `thumbs`).

What comes back is picklable; the parent matches sidecars, writes the catalog and
stores the thumbnails (jobs/import_takeout.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from photofs.imaging.decode import BadImage
from photofs.imaging.decoder_log import caught_messages
from photofs.imaging.metadata import HeaderMetadata, read_media_header
from photofs.imaging.thumbnail import Thumbnail, make_thumbnail
from photofs.jobs.bytes_read import thread_rchar
from photofs.sources import MAX_ORIGINAL_BYTES
from photofs.sources.takeout.containers import BadContainer, BadMember, Container, digest
from photofs.sources.takeout.reader import open_part


@dataclass(frozen=True)
class Wanted:
    member: str
    kind: str   # 'photo', 'raw' or 'video' (domain/media.py)


@dataclass(frozen=True)
class ReadTask:
    """Members of one part to read: one of a zip or a folder, every wanted one of a tar."""
    part: str
    wanted: tuple[Wanted, ...]
    long_side: int
    max_pixels: int


@dataclass
class MemberRead:
    member: str
    sha256: str = ""
    size: int = 0
    header: HeaderMetadata | None = None
    thumb: Thumbnail | None = None
    unreadable: str | None = None   # the member could not be read: no item
    bad: str | None = None          # read, but not media photofs can decode: the item's error


@dataclass
class PartRead:
    reads: list[MemberRead] = field(default_factory=list)
    broken: str | None = None        # the part ended early: what was read before it is kept
    rchar: int | None = None         # bytes this task read (Linux), for the read-once figures
    said: list[str] = field(default_factory=list)  # what the decoders said (for photofs.log)


def read_members(task: ReadTask) -> PartRead:
    """Run in a worker (or here with one worker)."""
    start = thread_rchar()
    out = PartRead()
    with caught_messages() as said:
        try:
            _read_into(out, open_part(task.part), task)
        except (BadContainer, OSError) as e:
            out.broken = str(getattr(e, "strerror", None) or e)
    out.said = said
    end = thread_rchar()
    out.rchar = None if start is None or end is None else end - start
    return out


def _read_into(out: PartRead, container: Container, task: ReadTask) -> None:
    kinds = {w.member: w.kind for w in task.wanted}
    try:
        for member, chunks in container.stream(set(kinds)):
            out.reads.append(_read_one(container, member, chunks, kinds[member], task))
    except BadMember as e:  # a tar member refused in the middle of the part's one pass
        out.broken = str(e)


def _read_one(container: Container, member: str, chunks, kind: str, task: ReadTask) -> MemberRead:
    video = kind == "video"  # a video is never held in memory: its header is read from the part
    try:
        sha, size, data = digest(chunks, 0 if video else MAX_ORIGINAL_BYTES)  # a still is held in memory to decode
    except BadMember as e:
        return MemberRead(member, unreadable=str(e))
    read = MemberRead(member, sha, size)
    name = member.rsplit("/", 1)[-1]
    try:
        if not video:
            read.header = read_media_header(data, kind, task.max_pixels, name)
            read.thumb = make_thumbnail(data, task.long_side, task.max_pixels, kind)
        elif container.seeks:
            read.header, read.thumb = _video_from_the_part(container, member, name, task)
        # In a tar's one pass the video cannot be sought: there the sidecar says what is
        # known, and `thumbs` reads the frames (by a seek, once the part is indexed).
    except BadImage as e:
        read.bad = " ".join(str(e).split())
    return read


def _video_from_the_part(container: Container, member: str, name: str, task: ReadTask):
    """A video's header and thumbnail, read where a zip or a folder lets a reader seek: the few
    boxes and frames they need, never the whole video again. Each from a fresh stream, as
    `thumbs` reads it, so the thumbnail is the one `thumbs` would make."""
    try:
        with container.open(member) as fp:
            header = read_media_header(fp, "video", task.max_pixels, name)
        with container.open(member) as fp:
            return header, make_thumbnail(fp, task.long_side, task.max_pixels, "video")
    except (BadMember, BadContainer) as e:
        raise BadImage(str(e)) from None
