"""Imports every photofs module as if on another system: `python import_everywhere.py win32|darwin`.

Dependencies load first on the real system (they carry their own platform code),
then photofs is imported afresh with sys.platform changed and the other system's
missing modules blocked, so a module-level POSIX-only (or Windows-only) import
in photofs fails here. Prints {module: error} as JSON.
"""

import importlib
import json
import os
import pkgutil
import sys

MISSING = {  # what the other system does not have
    "win32": {"modules": ["fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "syslog", "posix"],
              "os": ["getuid", "geteuid", "getgid", "fork", "killpg", "getpgid", "setsid", "sched_getaffinity",
                     "statvfs"]},
    "darwin": {"modules": ["msvcrt", "winreg", "_winapi"], "os": ["sched_getaffinity"]},
}


def main(platform: str) -> None:
    import photofs
    names = [m.name for m in pkgutil.walk_packages(photofs.__path__, "photofs.") if m.name != "photofs.__main__"]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional driver (winfspy) missing here: it is asked again below
    for name in [m for m in sys.modules if m == "photofs" or m.startswith("photofs.")]:
        del sys.modules[name]
    for name in MISSING[platform]["modules"]:
        sys.modules[name] = None  # `import fcntl` now raises ImportError
    for attr in MISSING[platform]["os"]:
        if hasattr(os, attr):
            delattr(os, attr)
    sys.platform = platform
    failed = {}
    for name in ["photofs", *names]:
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001 - every failure is the report
            failed[name] = f"{type(e).__name__}: {e}"
    print(json.dumps(failed))


if __name__ == "__main__":
    main(sys.argv[1])
