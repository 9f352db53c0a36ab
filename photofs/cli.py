"""The `photofs` command. Every error a user can cause is one line on stderr and a
non-zero exit; tracebacks go to the library's log, never to the terminal."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import traceback
from pathlib import Path

import platformdirs

from photofs import __version__
from photofs.errors import NoLibrary, PhotofsError

EXIT_ERROR, EXIT_USAGE = 1, 2


LIBRARY_HELP = "library folder (default: $PHOTOFS_LIBRARY, else {})"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not the whole usage block
        m = re.match(r"argument (?:COMMAND|ACTION): invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if m:
            what = "command" if self.prog == "photofs" else "action"
            close = difflib.get_close_matches(m.group(1), re.findall(r"'([^']*)'", m.group(2)), n=1, cutoff=0.6)
            hint = f"; did you mean `{self.prog} {close[0]}`?" if close else f"; the {what}s are: {m.group(2)}"
            message = f"unknown {what} '{m.group(1)}'{hint}"
        self.exit(EXIT_USAGE, f"photofs: error: {message} (see `{self.prog} --help`)\n")


class _SubParser(_Parser):
    """Every command (and action) takes -L/--library too, so it may come anywhere:
    `photofs status -L lib` as well as `photofs -L lib status`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_argument("-L", "--library", type=Path, default=argparse.SUPPRESS, metavar="LIBRARY",
                          help=LIBRARY_HELP.format(default_library()))


def default_library() -> Path:
    env = os.environ.get("PHOTOFS_LIBRARY")
    return Path(env) if env else platformdirs.user_data_path("photofs") / "library"


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return n


def pool_options(c: argparse.ArgumentParser) -> None:
    """Where the pass's work runs (jobs/pool.py)."""
    c.add_argument("--workers", type=_workers, metavar="N",
                   help="worker processes (default: one per core; 1: this process only)")
    c.add_argument("--cluster", metavar="ADDRESS",
                   help="run the work on the Dask scheduler at ADDRESS, e.g. tcp://desktop:8786 (photofs[cluster]; "
                        "default: cluster_address in photofs.toml)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="photofs", description="Move your photo library off the cloud, one life-week at a time.")
    p.add_argument("--version", action="version", version=f"photofs {__version__}")
    p.add_argument("-L", "--library", type=Path, default=None, metavar="LIBRARY",
                   help=LIBRARY_HELP.format(default_library()))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_SubParser)

    c = sub.add_parser("init", help="create a library folder")
    c.add_argument("path", type=Path, metavar="LIBRARY")
    c.add_argument("--birth", required=True, metavar="YYYY-MM-DD", help="your birth date: week 0 of your life")
    c.add_argument("--tz", default=None, metavar="ZONE", help="IANA time zone for life weeks (default: this computer's)")
    c.add_argument("--nas", default="", metavar="DIR", help="folder on the NAS for archived originals")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("add-folder", help="index a folder of originals (recursive; NAS or local)")
    c.add_argument("folder", type=Path, metavar="DIR")
    pool_options(c)
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("import-takeout", help="index Google Takeout parts (.zip, .tgz) or unpacked folders, in place")
    c.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    pool_options(c)
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("login", help="let photofs read your Google Photos (OAuth, in a browser)")
    c.add_argument("--client-secrets", type=Path, metavar="FILE",
                   help="the OAuth client JSON (default: LIBRARY/credentials/client_secret.json)")
    c.add_argument("--no-browser", action="store_true", help="only print the page to open")

    c = sub.add_parser("pick", help="choose photos in Google Photos' own picker, and index them")
    c.add_argument("--api-endpoint", metavar="URL", help="another host for the Google APIs (an emulator)")
    c.add_argument("--token-file", type=Path, metavar="FILE", help="an authorized-user JSON instead of the stored login")
    c.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None,
                   help="open the picker in a browser (default: when this machine has a screen)")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("scan", help="walk the Library API week by week (finds what photofs created there)")
    c.add_argument("--from-week", type=int, metavar="N")
    c.add_argument("--to-week", type=int, metavar="N")
    c.add_argument("--api-endpoint", metavar="URL", help="another host for the Google APIs (an emulator)")
    c.add_argument("--token-file", type=Path, metavar="FILE", help="an authorized-user JSON instead of the stored login")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("thumbs", help="make (or refresh) thumbnails and hashes")
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--weeks", metavar="A-B", help="life weeks, inclusive (e.g. 1500-1510)")
    g.add_argument("--all", action="store_true", help="every item, undated ones included")
    pool_options(c)
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("mount", help="mount the library's views")
    c.add_argument("mountpoint", type=Path, metavar="MOUNTPOINT")
    c.add_argument("--foreground", action="store_true", help="stay in the foreground until unmounted")
    c.add_argument("--xattrs", action=argparse.BooleanOptionalAction, default=None,
                   help="keep extended attributes in memory (default: on for macOS, where Finder needs them)")
    c.add_argument("--backend", choices=["auto", "fuse", "winfsp"], default="auto",
                   help="fuse: libfuse, macFUSE, FUSE-T or WinFsp's FUSE layer; winfsp: WinFsp's native API "
                        "(Windows, photofs[windows]); auto: winfsp where it is installed, else fuse")

    c = sub.add_parser("group", help="make the /by-similar/ grouping now (the mount does it itself when it is quick)")
    c.add_argument("--full", action="store_true",
                   help="regroup every photo rather than bring the saved grouping up to date")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("serve", help="the same tree over WebDAV, for machines with no FUSE driver")
    c.add_argument("--webdav", action="store_true", required=True, help="serve over WebDAV (the only protocol so far)")
    c.add_argument("--port", type=int, default=8080, metavar="N", help="TCP port (default 8080; 0 picks a free one)")
    c.add_argument("--host", default="127.0.0.1", metavar="ADDR",
                   help="address to listen on (default 127.0.0.1; any other needs a password)")
    c.add_argument("--password-file", type=Path, metavar="FILE",
                   help="require this password (first line of FILE; or set PHOTOFS_WEBDAV_PASSWORD)")
    c.add_argument("--user", default="photofs", help="user name that goes with the password (default photofs)")

    c = sub.add_parser("umount", help="unmount")
    c.add_argument("mountpoint", type=Path, metavar="MOUNTPOINT")

    c = sub.add_parser("status", help="your life in weeks: counts, progress, the grid")
    c.add_argument("--png", type=Path, metavar="FILE", help="also draw the grid as an image")
    c.add_argument("--html", type=Path, metavar="FILE", help="also write the grid as a page")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("week", help="one life week end to end: thumbnails, duplicates, archive, worksheet")
    c.add_argument("n", type=int, nargs="?", metavar="N", help="the week (default: the next unfinished one)")
    c.add_argument("--all-pending", action="store_true", help="every unfinished week (for cron or a timer)")
    c.add_argument("--quiet", action="store_true", help="print nothing unless something went wrong")
    pool_options(c)
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("items", help="catalog items with their metadata")
    c.add_argument("--week", type=int, metavar="N")
    c.add_argument("--state", choices=["indexed", "thumbnailed", "missing", "error"])
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("ledger", help="account for every file and Takeout member: item, sidecar, skipped or error")
    c.add_argument("--week", type=int, metavar="N", help="only what belongs to the items of life week N")
    c.add_argument("--all", action="store_true", help="list every member, not only the summary and problems")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("archive", help="copy every file of every photo to the NAS, verified")
    c.add_argument("--weeks", metavar="A-B", help="only these life weeks (default: all)")
    pool_options(c)
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("queue", help="the cloud-removal queue")
    q = c.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_SubParser)
    a = q.add_parser("list", help="what is on its way out of the cloud (queued, archived, on a worksheet); --all: the history too")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--state", choices=["queued", "archived", "worksheet", "removed", "cancelled"])
    g.add_argument("--all", action="store_true", help="removed and cancelled photos too")
    a.add_argument("--json", action="store_true")
    a = q.add_parser("worksheet", help="an HTML page of the photos safe to delete in Google Photos, by day")
    a.add_argument("--out", type=Path, default=Path("photofs-worksheet.html"), metavar="FILE")
    a.add_argument("--json", action="store_true")
    a = q.add_parser("confirm", help="mark photos as deleted in Google Photos")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--ids", metavar="1,2,3", help="these items")
    g.add_argument("--day", metavar="YYYY-MM-DD", help="every offered photo captured that day")
    g.add_argument("--absent-from", type=Path, nargs="+", metavar="PART",
                   help="every offered photo that a newer Takeout (these parts) no longer has")
    a.add_argument("--json", action="store_true")
    a = q.add_parser("cancel", help="take photos back off the queue")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--ids", metavar="1,2,3")
    g.add_argument("--all", action="store_true")
    a.add_argument("--json", action="store_true")

    c = sub.add_parser("export-thumbs", help="write views as real folders of real thumbnail files")
    c.add_argument("dir", type=Path, metavar="DIR")
    c.add_argument("--view", action="append", metavar="V", help="only this view (repeatable; default: every view)")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("rebuild", help="rebuild the catalog from thumbnails, or reconcile it with originals on the NAS")
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--from-thumbs", type=Path, metavar="DIR", help="a folder written by export-thumbs")
    g.add_argument("--originals", type=Path, metavar="DIR", help="a folder of originals (the NAS) to match to the catalog")
    c.add_argument("--json", action="store_true")

    c = sub.add_parser("sort", help="save, restore or reset where you put your photos")
    sort = c.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_SubParser)
    a = sort.add_parser("export", help="write every photo's folder in every view (JSON lines)")
    a.add_argument("file", type=Path, metavar="FILE")
    a.add_argument("--json", action="store_true")
    a = sort.add_parser("import", help="restore a sort export")
    a.add_argument("file", type=Path, metavar="FILE")
    a.add_argument("--json", action="store_true")
    a = sort.add_parser("reset", help="drop your overrides: views go back to their rules")
    a.add_argument("--view", metavar="V", help="only this view (default: all)")
    a.add_argument("--json", action="store_true")

    c = sub.add_parser("demo", help="make a sample library and mount it")
    c.add_argument("mountpoint", type=Path, metavar="MOUNTPOINT")
    c.add_argument("--foreground", action="store_true")
    c.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Absolute now: a foreground mount's server is moved to / by libfuse.
    library = (args.library or default_library()).expanduser().absolute()
    try:
        from photofs import commands
        return getattr(commands, "cmd_" + args.command.replace("-", "_"))(args, library) or 0
    except NoLibrary as e:
        chosen = "from -L" if args.library else "from PHOTOFS_LIBRARY" if os.environ.get("PHOTOFS_LIBRARY") else "the default"
        print(f"photofs: error: {e.path} is not a photofs library ({chosen}); choose one with -L DIR or "
              f"PHOTOFS_LIBRARY=DIR, or make one with `photofs init DIR --birth YYYY-MM-DD`", file=sys.stderr)
        return EXIT_ERROR
    except PhotofsError as e:
        print(f"photofs: error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", EXIT_ERROR)
    except KeyboardInterrupt:
        print("photofs: interrupted; finished work is kept, run the command again to go on", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as e:  # a bug: one line for the user, the traceback to the log
        log_path = _log_crash(library)
        print(f"photofs: internal error: {type(e).__name__}: {e} (details in {log_path})", file=sys.stderr)
        return EXIT_ERROR


def _log_crash(library: Path) -> Path:
    log_path = library / "photofs.log" if library.is_dir() else Path(platformdirs.user_log_path("photofs")) / "photofs.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a") as f:
            f.write(traceback.format_exc())
    except OSError:
        pass
    return log_path

