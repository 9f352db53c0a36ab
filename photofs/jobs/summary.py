"""What a job did, as counts plus one line per problem, for people and for --json."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from tqdm.auto import tqdm  # notebook-aware: a widget in Jupyter, a bar on a terminal

from photofs.domain.names import printable

MAX_LINES_SHOWN = 50


@dataclass
class JobSummary:
    job: str
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)  # e.g. {"photos/s": 41.0, "MB/s": 160.2}
    bytes_read: int | None = None  # what the job read, every worker included (Linux's rchar), where it counts it

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(f"{printable(path)}: {reason}")

    def as_dict(self) -> dict:
        out = {"job": self.job, "counts": dict(self.counts), "problems": self.problems}
        if self.rates:
            out["rates"] = self.rates
        if self.bytes_read is not None:
            out["bytes_read"] = self.bytes_read
        return out

    def as_text(self) -> str:
        parts = [f"{n} {k}" for k, n in self.counts.items() if n]
        lines = [f"{self.job}: " + (", ".join(parts) if parts else "nothing to do")]
        if self.rates:
            lines[0] += " (" + ", ".join(f"{v:,.1f} {k}" for k, v in self.rates.items()) + ")"
        for line in self.problems[:MAX_LINES_SHOWN]:
            lines.append(f"  ! {line}")
        if len(self.problems) > MAX_LINES_SHOWN:
            lines.append(f"  ... and {len(self.problems) - MAX_LINES_SHOWN} more (see `photofs items --json`)")
        return "\n".join(lines)


class Tally:
    """What the pass really does, for its bar and its summary. The bar counts the originals'
    bytes, so its ETA weighs a video as what it is; the photos and photos/s ride beside it.
    The summary ends with the same rates, from the bytes actually read."""

    def __init__(self, desc: str, nbytes: int, progress: bool | None):
        self.bar = tqdm(total=nbytes or None, desc=desc, unit="B", unit_scale=True, unit_divisor=1000,
                        disable=None if progress is None else not progress)
        self.start, self.photos, self.bytes = time.monotonic(), 0, 0

    def __enter__(self) -> Tally:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()

    def add(self, planned: int, read: int, photos: int = 1) -> None:
        """Photos done: `planned` their bytes as the catalog knows them, `read` what was read."""
        self.photos += photos
        self.bytes += read
        self.bar.set_postfix_str(f"{self.photos:,} photos, {self.photos / self.elapsed():,.1f} photos/s", refresh=False)
        self.bar.update(planned)

    def skip(self, planned: int) -> None:
        """A photo found done already: its bytes leave the bar, it counts in no rate."""
        self.bar.update(planned)

    def elapsed(self) -> float:
        return max(time.monotonic() - self.start, 1e-6)

    def rates(self) -> dict[str, float]:
        s = self.elapsed()
        return {"photos/s": round(self.photos / s, 1), "MB/s": round(self.bytes / 1e6 / s, 1)} if self.photos else {}
