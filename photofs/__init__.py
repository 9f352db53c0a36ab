"""photofs: move a photo library off the cloud, one life-week at a time."""

__version__ = "0.1.0"
