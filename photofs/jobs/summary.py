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

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(f"{printable(path)}: {reason}")

    def as_dict(self) -> dict:
        return {"job": self.job, "counts": dict(self.counts), "problems": self.problems}

    def as_text(self) -> str:
        parts = [f"{n} {k}" for k, n in self.counts.items() if n]
        lines = [f"{self.job}: " + (", ".join(parts) if parts else "nothing to do")]
        for line in self.problems[:MAX_LINES_SHOWN]:
            lines.append(f"  ! {line}")
        if len(self.problems) > MAX_LINES_SHOWN:
            lines.append(f"  ... and {len(self.problems) - MAX_LINES_SHOWN} more (see `photofs items --json`)")
        return "\n".join(lines)
