"""The README's notebook session, run as plain Python, and the HTML it shows."""

from __future__ import annotations

import re
from pathlib import Path

import photofs

README = Path(__file__).resolve().parents[1] / "README.md"


def session_code() -> str:
    text = README.read_text()
    block = text.split("<!-- notebook-session -->")[1].split("<!-- /notebook-session -->")[0]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)


def test_the_readme_session_runs(nas_lib, capsys):
    lib, _ = nas_lib
    exec(compile(session_code(), "README notebook session", "exec"), {"LIBRARY": str(lib.path)})
    out = capsys.readouterr().out
    assert "4 weeks with photos" in out and "1508_2019-04-08 found" in out
    assert "groups of near-duplicates" in out


def test_the_html_a_notebook_shows(nas_lib):
    lib, _ = nas_lib
    library = photofs.Library.open(lib.path)
    library.run_week(1508)
    grid = library.week(1508)._repr_html_()
    assert grid.count("<figure") == 7 and grid.count("data:image/jpeg;base64,") == 7
    groups = library.similar_groups()
    assert groups and "<img" in groups[0]._repr_html_()
    status = library.status()
    assert status["weeks done"] == 1 and "id=grid" in status._repr_html_()
    assert library.weeks()[0].state.label == "archived"
