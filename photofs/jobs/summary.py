"""What a job did, as counts plus one line per problem, for people and for --json."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

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
