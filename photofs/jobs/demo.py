"""`photofs demo`: the embedded default. A sample library, ready to mount."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from photofs.jobs.add_folder import add_folder
from photofs.jobs.sample_photos import make_samples
from photofs.jobs.thumbs import make_thumbs
from photofs.library_folder import LibraryFolder
from photofs.settings import SETTINGS_FILE, Settings

DEMO_BIRTH = "1990-05-17"
DEMO_ZONE = "Europe/Berlin"


def prepare_demo(library: Path | None = None) -> tuple[LibraryFolder, dict]:
    """Create (or reuse) the demo library; re-running does no work twice."""
    root = platformdirs.user_data_path("photofs") / "demo"
    library = library or root / "library"
    originals = library.parent / (library.name + "-originals")
    if (library / SETTINGS_FILE).exists():
        lib = LibraryFolder(library)
    else:
        lib = LibraryFolder.create(library, Settings(birth_date=DEMO_BIRTH, time_zone=DEMO_ZONE,
                                                     nas_path=str(library.parent / (library.name + "-nas"))))
    if not originals.exists():
        make_samples(originals)
    indexed = add_folder(lib, originals)
    thumbs = make_thumbs(lib)
    text = "\n".join([f"demo library {lib.path} (born {DEMO_BIRTH}, {DEMO_ZONE})",
                      f"sample photos in {originals}", indexed.as_text(), thumbs.as_text()])
    return lib, {"library": str(lib.path), "originals": str(originals),
                 "add_folder": indexed.as_dict(), "thumbs": thumbs.as_dict(), "text": text}
