"""photofs: move a photo library off the cloud, one life-week at a time."""

__version__ = "0.1.0"


def __getattr__(name):  # photofs.Library without importing numpy for every CLI call
    if name == "Library":
        from photofs.api import Library
        return Library
    raise AttributeError(f"module 'photofs' has no attribute {name!r}")
