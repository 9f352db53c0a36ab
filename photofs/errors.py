"""The one exception type a user ever sees: its message is the whole error line."""


class PhotofsError(Exception):
    """A problem the user can act on. The CLI prints str(e) as one line, no traceback."""


class NoLibrary(PhotofsError):
    """The library folder asked for is not one; the CLI says how a library is chosen."""

    def __init__(self, path):
        self.path = path
        super().__init__(f"{path} is not a photofs library (no photofs.toml); "
                         f"run `photofs init {path} --birth YYYY-MM-DD` first")


class QuotaSpent(PhotofsError):
    """Google's quota for today is used up: stop cleanly, resume tomorrow (here, not in
    sources/google, so a pool worker need not import Google's client to catch it)."""
