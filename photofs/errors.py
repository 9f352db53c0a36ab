"""The one exception type a user ever sees: its message is the whole error line."""


class PhotofsError(Exception):
    """A problem the user can act on. The CLI prints str(e) as one line, no traceback."""
