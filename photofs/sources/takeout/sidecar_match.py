"""Which JSON sidecar belongs to a media member of a Takeout folder: the one decision table.

Google names a sidecar after the photo's title (the name it was uploaded with),
then bends that name. For a member, the names below are tried in this order, and
the first sidecar the folder has wins. (A sidecar's "stem" is its name without
`.json`; SUFFIX is `.supplemental-metadata`, which newer exports add and may clip
to any prefix: `.supplemental-metad`, `.suppl`, `.s`.)

| rule                | media member                     | sidecar stems tried                                  |
| ------------------- | -------------------------------- | ---------------------------------------------------- |
| own                 | `IMG_1.jpg`, `IMG_1-edited.jpg`  | `IMG_1.jpg` + SUFFIX (clipped or not), `IMG_1.jpg`;   |
|                     |                                  | each cut to 46 UTF-16 code units (and uncut: newer    |
|                     |                                  | exports sometimes do not cut)                         |
| counter             | `IMG_1(2).jpg`                   | the `own` stems of `IMG_1.jpg`, then `(2)`:           |
|                     |                                  | `IMG_1.jpg(2)`, `IMG_1.jpg.supplemental-metadata(2)`  |
| number in the name  | `Trip (38).JPG`                  | the `own` stems of the whole name: `Trip (38).JPG`,   |
|                     |                                  | cut: `…(38).JP` (the number was never a counter)      |
| forgotten duplicate | `<45 chars>_P(1).jpg`            | the cut left no room for `(1)` and Google wrote no    |
|                     |                                  | `(1)` sidecar: `<45 chars>_`, the sidecar of `…_P.jpg` |
| no extension        | `2234089303984509579.jpg`,       | the title had no extension: `2234089303984509579` +   |
|                     | `27_06_12 - 2.jpg`               | SUFFIX, `27_06_12 - 2` (then with the counter)        |
| edited              | `IMG_1-edited.jpg`, `-ha editado`, | when it has no sidecar of its own: the original's  |
|                     | `-编辑`, clipped `-ha edi`        | (`IMG_1.jpg`) by the rules above                      |

Edit suffixes come in the account's language (EDITED). The 51-unit cut of media
names can clip one (`…_001-ha edi.JPG`): a clipped suffix counts only on a name
that long. Only `edited` borrows another photo's sidecar: its title is not this
file's title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterator
from dataclasses import dataclass

SUFFIX = ".supplemental-metadata"
BUDGET = 46        # UTF-16 code units of a sidecar's stem (Google's 51-character names, less ".json")
NAME_BUDGET = 51   # UTF-16 code units of a media file's name
# "-edited" as Google writes it in each language.
EDITED = ("-edited", "-bearbeitet", "-modifié", "-editado", "-ha editado", "-editat", "-modificato", "-bewerkt",
          "-redigerad", "-muokattu", "-edytowane", "-upraveno", "-upravené", "-redigeret", "-redigert", "-編集済み",
          "-已编辑", "-编辑", "-편집됨", "-düzenlendi", "-отредактировано", "-відредаговано", "-bewerkte",
          "-szerkesztett", "-editată", "-επεξεργασμένο")
_EDITED = sorted({unicodedata.normalize(f, s) for s in EDITED for f in ("NFC", "NFD")}, key=len, reverse=True)
# What the 51-unit cut leaves of a suffix: at least "-" and two letters.
_CLIPPED = {s[:k] for s in _EDITED for k in range(3, len(s))} - set(_EDITED)
_CLIPPED_LENGTHS = sorted({len(s) for s in _CLIPPED}, reverse=True)
_COUNTER = re.compile(r"^(.*)\((\d+)\)$")

OWN, COUNTER, NUMBER, FORGOTTEN, NO_EXTENSION, EDITED_RULE = (
    "own", "counter", "number in the name", "forgotten duplicate", "no extension", "edited")


@dataclass(frozen=True)
class Match:
    stem: str       # the sidecar's name without ".json"
    rule: str       # which row of the table found it

    @property
    def borrowed(self) -> bool:
        """The sidecar is another photo's (the original of an edited copy)."""
        return self.rule == EDITED_RULE


def sidecar_stem(json_name: str) -> str | None:
    """The stem a sidecar is found by, or None when the name is not a `.json`."""
    return json_name[:-5] if json_name.lower().endswith(".json") else None


def find_sidecar(name: str, stems: Container[str]) -> Match | None:
    """The sidecar of media member `name` among the sidecar stems of its folder."""
    for rule, stem in candidates(name):
        if stem in stems:
            return Match(stem, rule)
    return None


def candidates(name: str) -> Iterator[tuple[str, str]]:
    """(rule, sidecar stem) for a media name, best first, lazily: most members stop at the first."""
    yield from _unedited_candidates(name)
    original = unedited(name)
    if original is not None:
        for _, stem in _unedited_candidates(original):
            yield EDITED_RULE, stem


def unedited(name: str) -> str | None:
    """The original's name of an edited copy (`IMG_1-edited(1).jpg` -> `IMG_1.jpg`), else None."""
    stem, ext = _split(name)
    bare, counter = _counter(stem)
    for s in ((bare, stem) if counter else (stem,)):
        for suffix in _EDITED:
            if s.lower().endswith(suffix):
                return s[: -len(suffix)] + ext
    if utf16_len(name) >= NAME_BUDGET - 1:  # at the cut (one short when it would split a character)
        for n in _CLIPPED_LENGTHS:
            if stem[-n:].lower() in _CLIPPED:
                return stem[:-n] + ext
    return None


def _unedited_candidates(name: str) -> Iterator[tuple[str, str]]:
    stem, ext = _split(name)
    bare, counter = _counter(stem)
    if counter is None:
        yield from ((OWN, s) for s in _forms(name))
        if ext:
            yield from ((NO_EXTENSION, s) for s in _forms(stem))
        return
    mark = f"({counter})"
    yield from ((COUNTER, s + mark) for s in _forms(bare + ext))
    for s in _forms(name):
        yield (NUMBER if mark in s else FORGOTTEN), s
    if ext:
        yield from ((NO_EXTENSION, s + mark) for s in _forms(bare))
        yield from ((NO_EXTENSION, s) for s in _forms(stem))


def _forms(base: str) -> Iterator[str]:
    """The sidecar stems of a title: with SUFFIX whole, without it, then clipped; each uncut and cut."""
    seen = set()
    for k in [len(SUFFIX), 0, *range(len(SUFFIX) - 1, 0, -1)]:
        full = base + SUFFIX[:k]
        for form in (full, cut(full)):
            if form not in seen:
                seen.add(form)
                yield form


def cut(text: str, budget: int = BUDGET) -> str:
    """`text` cut to `budget` UTF-16 code units, never inside a character."""
    if text.isascii() or len(text) * 2 <= budget:
        return text[:budget]
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            return text[:i]
    return text


def utf16_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def _split(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if dot > 0 else (name, "")


def _counter(stem: str) -> tuple[str, str | None]:
    m = _COUNTER.match(stem) if stem.endswith(")") else None
    return (m.group(1), m.group(2)) if m else (stem, None)
