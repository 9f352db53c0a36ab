"""What each command does, given parsed arguments. Parsing lives in cli.py."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
from pathlib import Path

import tzlocal

from photofs.domain.items import Item, ItemState
from photofs.domain.names import printable
from photofs.domain.sorting import PENDING
from photofs.domain.weeks import LIFE_WEEKS, parse_week_range
from photofs.domain.progress import FirstPass, Rate, Stage
from photofs.domain.wording import duration, gigabytes, plural, speed
from photofs.errors import PhotofsError
from photofs.library_folder import LibraryFolder
from photofs.settings import Settings



def emit(args, data, text: str) -> None:
    """--json prints the data; otherwise the text for people."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True, default=str))
    elif text:
        print(text)


def week_range(text: str) -> tuple[int, int]:
    try:
        return parse_week_range(text)
    except ValueError as e:
        raise PhotofsError(str(e)) from None

def cmd_init(args, library: Path) -> int:
    tz = args.tz or _local_zone()
    settings = Settings(birth_date=args.birth, time_zone=tz, nas_path=str(args.nas or ""))
    lib = LibraryFolder.create(args.path, settings)
    if args.nas and not Path(args.nas).expanduser().is_dir():
        print(f"photofs: warning: the NAS folder {args.nas} does not exist (not mounted yet?); "
              f"archive will wait for it (nas_path in {lib.path / 'photofs.toml'})", file=sys.stderr)
    cal = lib.calendar
    emit(args, {"library": str(lib.path), "birth_date": settings.birth_date, "time_zone": tz,
                "week0_monday": cal.week0_monday.isoformat(), "schema_version": lib.catalog.schema_version},
         f"created library {lib.path}\n  week 0 starts Monday {cal.week0_monday}; time zone {tz}\n"
         f"  next: photofs -L {lib.path} add-folder DIR")
    return 0


def _local_zone() -> str:
    try:
        return tzlocal.get_localzone_name() or "UTC"
    except Exception:  # no zone configured on this machine
        return "UTC"


def cmd_add_folder(args, library: Path) -> int:
    from photofs.jobs.add_folder import add_folder
    lib = LibraryFolder(library)
    summary = add_folder(lib, args.folder, workers=args.workers, cluster=args.cluster)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def cmd_import_takeout(args, library: Path) -> int:
    from photofs.jobs.import_takeout import import_takeout
    lib = LibraryFolder(library)
    summary = import_takeout(lib, args.paths, workers=args.workers, cluster=args.cluster)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def cmd_login(args, library: Path) -> int:
    from photofs.sources.google.client import login
    lib = LibraryFolder(library)
    secrets = args.client_secrets.expanduser() if args.client_secrets else lib.path / "credentials" / "client_secret.json"
    token = lib.path / "credentials" / "token.json"
    login(secrets, token, open_browser=not args.no_browser)
    print(f"logged in; the token is in {token} (readable by you only)")
    return 0


def google_client(lib: LibraryFolder, args):
    from photofs.sources.google.client import GoogleClient, load_credentials
    token_file = args.token_file.expanduser() if args.token_file else lib.path / "credentials" / "token.json"
    return GoogleClient(load_credentials(token_file, args.api_endpoint), lib.catalog, args.api_endpoint)


def cmd_pick(args, library: Path) -> int:
    from photofs.jobs.pick import pick
    lib = LibraryFolder(library)
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    browser = has_screen() if args.browser is None else args.browser
    summary = pick(lib, google_client(lib, args), open_browser=browser, say=say)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def has_screen() -> bool:
    """A browser can be shown: macOS, Windows, or a Linux desktop session."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_scan(args, library: Path) -> int:
    from photofs.jobs.scan import scan
    lib = LibraryFolder(library)
    summary = scan(lib, google_client(lib, args), args.from_week, args.to_week)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def cmd_thumbs(args, library: Path) -> int:
    from photofs.jobs.thumbs import make_thumbs
    lib = LibraryFolder(library)
    summary = make_thumbs(lib, None if args.all else week_range(args.weeks), workers=args.workers, cluster=args.cluster)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def cmd_mount(args, library: Path) -> int:
    lib = LibraryFolder(library)
    if args.foreground:
        return _serve_here(lib, args.mountpoint, xattrs=args.xattrs, backend=args.backend)
    pid = _mount_in_background(lib, args.mountpoint, xattrs=args.xattrs, backend=args.backend)
    print(f"mounted {lib.path} at {absolute(args.mountpoint)} (pid {pid}); "
          f"unmount with: {photofs_command()} umount {absolute(args.mountpoint)}")
    return 0


def _mount_in_background(lib: LibraryFolder, mountpoint: Path, xattrs: bool | None = None, backend: str = "auto") -> int:
    """Start the server as its own process; its pid once the mount answers."""
    from photofs.starters.mount import choose_backend, mount_in_background
    extra = ["--backend", choose_backend(backend)] + ([] if xattrs is None else ["--xattrs" if xattrs else "--no-xattrs"])
    return mount_in_background(lib.path, absolute(mountpoint), lib.log_path, extra)


def _serve_here(lib: LibraryFolder, mountpoint: Path, xattrs: bool | None = None, backend: str = "auto") -> int:
    """Serve in this process until unmounted or stopped; the exit status."""
    from photofs.adapters.hosts import volume_name_for
    from photofs.starters.mount import check_fuse_available, check_mountpoint, choose_backend, serve_fuse
    from photofs.vfs import PhotoVFS
    mountpoint = absolute(mountpoint)
    backend = choose_backend(backend)
    check_mountpoint(mountpoint)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    lib.close()
    if backend == "winfsp":
        from photofs.adapters.winfsp import serve as serve_winfsp
        serve_winfsp(PhotoVFS(lib.path), str(mountpoint), volume_name_for(lib.path))
        return 0
    check_fuse_available()
    return serve_fuse(PhotoVFS(lib.path), mountpoint, volume_name_for(lib.path), xattrs)


def absolute(path: Path) -> Path:
    """Every path is made absolute before a server starts: libfuse moves the process to /."""
    return path.expanduser().absolute()


def photofs_command() -> str:
    """How to run this photofs from a new shell: `photofs` when PATH finds this very
    one, else its full path (scripts/setup.sh installs it in .venv/bin, which a new
    shell need not have on PATH)."""
    script = Path(sys.argv[0]) if sys.argv and Path(sys.argv[0]).name == "photofs" else \
        Path(sys.executable).with_name("photofs")
    found = shutil.which("photofs")
    if found and Path(found).resolve() == script.resolve():
        return "photofs"
    return str(script.absolute()) if script.exists() else "photofs"


def cmd_group(args, library: Path) -> int:
    import time

    from photofs.index import saved
    from photofs.views import by_similar
    lib = LibraryFolder(library)
    snap = saved.current(lib.catalog, lib.index_path)
    if args.full:
        saved.forget_similar(lib.index_path, lib.settings)
    full = not saved.has_similar(lib.index_path, lib.settings)
    if sys.stdout.isatty() and not args.json:
        if full:
            estimate = by_similar.estimate_seconds(snap, lib.settings.similarity_threshold, lib.settings.similar_flips)
            print(f"grouping {plural(len(snap), 'photo')} at threshold {lib.settings.similarity_threshold} "
                  f"(about {max(estimate, 1):.0f} s here)...", flush=True)
        else:
            print("bringing the saved grouping up to date (--full regroups every photo)...", flush=True)
    started = time.monotonic()
    tree = by_similar.saved_tree(lib.index_path, snap, lib.settings, lib.catalog)
    data = {"photos": len(snap), "groups": len(tree.leaves), "grouped": int(sum(len(r) for r in tree.leaves.values())),
            "seconds": round(time.monotonic() - started, 1), "threshold": lib.settings.similarity_threshold,
            "regrouped": full}
    emit(args, data, f"{plural(data['groups'], 'group')} of near-duplicates ({data['grouped']} of {plural(data['photos'], 'photo')}) "
                      f"in {data['seconds']} s; the mount shows them in /by-similar/")
    return 0


def cmd_serve(args, library: Path) -> int:
    from photofs.starters.webdav import serve_webdav
    lib = LibraryFolder(library)  # fails with one clear line when the library is not there
    lib.close()
    serve_webdav(lib.path, args.host, args.port, args.password_file, args.user)
    return 0


def cmd_umount(args, library: Path) -> int:
    from photofs.starters.mount import unmount
    unmount(absolute(args.mountpoint))
    return 0


def cmd_status(args, library: Path) -> int:
    from photofs.jobs import lifegrid
    lib = LibraryFolder(library)
    states = lib.catalog.state_counts()
    grid = lifegrid.life_grid(lib)
    g = grid.summary
    data = {
        "library": str(lib.path),
        "items": sum(states.values()),
        "states": {str(s): states.get(str(s), 0) for s in ItemState},
        "weeks": {"goal": LIFE_WEEKS, "with_photos": g["weeks with photos"], "done": g["weeks done"],
                  "current": g["current week"], "by_state": g["weeks by state"]},
        "photos_on_nas": g["photos on the NAS"],
        "gb_freed_in_cloud": round(g["bytes freed in the cloud"] / 1e9, 3),
        "streak_days": g["streak days"],
    }
    first_pass = lib.catalog.first_pass()
    rates = {stage: lib.catalog.last_rate(job) for stage, job in _STAGE_JOBS.items()}
    data["first_pass"] = _first_pass_json(first_pass, rates)
    written = []
    try:
        for kind, path, draw in (("png", args.png, lifegrid.png), ("html", args.html, lifegrid.page)):
            if path:
                draw(grid, absolute(path))
                data[kind] = str(absolute(path))
                written.append(f"wrote the grid to {absolute(path)}")
    except OSError as e:
        raise PhotofsError(f"cannot write the grid: {e.strerror or e} ({e.filename})") from None
    lines = [f"library {lib.path}: {plural(data['items'], 'item')}"]
    lines += [f"  {state:<12} {n}" for state, n in data["states"].items()]
    lines += _first_pass_lines(first_pass, rates)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        lines += ["", lifegrid.terminal(grid, shutil.get_terminal_size())]  # ends with the summary line
    else:
        lines.append(grid.line())
    emit(args, data, "\n".join(lines + written))
    return 0


_STAGE_JOBS = {"thumbnailed": "thumbs", "archived": "archive"}  # each stage's job, whose last run's rate gives the ETA
_LEFT_OUT = {"error": "in error", "missing": "missing from their source", "trashed": "in Google's trash",
             "removed": "removed from the cloud"}


def _stages(fp: FirstPass) -> dict[str, Stage]:
    return {"thumbnailed": fp.thumbs, "archived": fp.archive}


def _first_pass_json(fp: FirstPass, rates: dict[str, Rate | None]) -> dict:
    out = {"items": fp.items, "by_kind": fp.by_kind}
    for name, stage in _stages(fp).items():
        rate = rates[name]
        out[name] = {
            "done": stage.done, "of": stage.of, "percent": stage.percent, "left": stage.left,
            "bytes_left": stage.bytes_left, "gb_left": round(stage.bytes_left / 1e9, 1),
            "unknown_sizes": stage.unknown_sizes,
            "last_rate": None if rate is None else {"photos_per_s": round(rate.photos_per_s, 2),
                                                    "mb_per_s": round(rate.bytes_per_s / 1e6, 2), "at": rate.at},
            "eta_seconds": None if rate is None else round(rate.seconds_for(stage)),
        }
    out["left_out"] = fp.left_out
    return out


def _first_pass_lines(fp: FirstPass, rates: dict[str, Rate | None]) -> list[str]:
    kinds = [plural(fp.by_kind["photo"], "photo"), plural(fp.by_kind["video"], "video"), f"{fp.by_kind['raw']} RAW"]
    if not fp.items:
        return ["first pass: nothing to do yet" + (" (every item is left out)" if any(fp.left_out.values()) else "")]
    lines = [f"first pass over {plural(fp.items, 'item')} ({', '.join(k for k in kinds if not k.startswith('0 '))})"]
    width = len(str(fp.items))
    for name, stage in _stages(fp).items():
        line = f"  {name:<12} {stage.done:>{width}} of {stage.of}  {stage.percent:5.1f}%"
        if stage.left:
            line += f"  {gigabytes(stage.bytes_left)} still to read"
            if name == "archived":
                line += " (every file of each item)"
            if stage.unknown_sizes:
                line += f", and {plural(stage.unknown_sizes, 'item')} of unknown size"
            rate = rates[name]
            if rate is not None:
                line += f"; about {duration(rate.seconds_for(stage))} at the last run's " \
                        f"{speed(rate.photos_per_s, rate.bytes_per_s)}"
        lines.append(line)
    left_out = [f"{n} {_LEFT_OUT[why]}" for why, n in fp.left_out.items() if n]
    if left_out:
        lines.append("  not in the pass: " + ", ".join(left_out))
    return lines


def cmd_week(args, library: Path) -> int:
    from photofs.jobs.week import run_weeks
    lib = LibraryFolder(library)
    results = run_weeks(lib, args.n, all_pending=args.all_pending, quiet=args.quiet or args.json,
                        workers=args.workers, cluster=args.cluster)
    if args.json:
        emit(args, results, "")
    return 1 if any(r["failures"] for r in results) else 0


def cmd_items(args, library: Path) -> int:
    lib = LibraryFolder(library)
    states = [ItemState(args.state)] if args.state else None
    items = lib.catalog.items(week=args.week, states=states)
    tz = lib.calendar.tz
    if args.json:
        emit(args, [_item_json(i, tz, lib.catalog.files(i.id)) for i in items], "")
        return 0
    for i in items:
        when = _local_iso(i.taken_at, tz) or "undated"
        week = "-" if i.week is None else str(i.week)
        detail = f"  ({i.error})" if i.error else ""
        print(f"{i.id:>6} {i.state:<11} {week:>5} {when:<25} {i.phash or '-':<16} {printable(i.original_name)}{detail}")
    return 0


def _local_iso(ts: float | None, tz) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")


def _where_taken_iso(i: Item) -> str | None:
    """The capture time on the clock where the photo was taken, when its zone is known."""
    if i.taken_at is None or i.tz_offset_min is None:
        return None
    zone = dt.timezone(dt.timedelta(minutes=i.tz_offset_min))
    return dt.datetime.fromtimestamp(i.taken_at, zone).isoformat(timespec="seconds")


def _item_json(i: Item, tz, files) -> dict:
    return {
        "id": i.id, "state": str(i.state), "error": i.error, "warnings": i.warnings,
        "source": i.source, "source_id": i.source_id, "original_name": i.original_name,
        "phash": i.phash, "name": f"{i.phash}.jpg" if i.phash else None,
        "taken_at": _local_iso(i.taken_at, tz), "taken_ts": i.taken_at, "time_source": str(i.time_source),
        "taken_local": _where_taken_iso(i), "time_zone_source": i.time_zone_source, "title": i.title,
        "partner_shared": i.partner_shared,
        "week": i.week, "week_source": str(i.week_source), "size": i.size, "sha256": i.sha256, "mime": i.mime,
        "width": i.width, "height": i.height, "make": i.make, "model": i.model,
        "gps": None if i.gps_lat is None else {"lat": i.gps_lat, "lon": i.gps_lon, "alt": i.gps_alt},
        "thumb_size": i.thumb_size, "kind": i.kind, "duration": i.duration, "fps": i.fps, "codec": i.codec,
        "animated": i.animated, "albums": i.albums, "description": i.description,
        "people": i.people, "favorited": i.favorited, "archived": i.archived, "trashed": i.trashed, "url": i.url,
        "nas_path": i.nas_path, "nas_verified": bool(i.nas_sha256),
        "files": [{"role": f.role, "name": f.name, "size": f.size, "sha256": f.sha256,
                   "places": [{"container": p.container, "member": p.member} for p in f.places],
                   "nas_path": f.nas_path, "nas_sha256": f.nas_sha256, "nas_verified": f.verified} for f in files],
    }


def cmd_ledger(args, library: Path) -> int:
    from photofs.jobs.ledger import ledger
    lib = LibraryFolder(library)
    report = ledger(lib, args.week)
    emit(args, report.as_dict(), report.as_text(verbose=args.all))
    return 1 if report.unaccounted or report.unreadable else 0


def cmd_archive(args, library: Path) -> int:
    from photofs.jobs.archive import archive
    lib = LibraryFolder(library)
    summary = archive(lib, week_range(args.weeks) if args.weeks else None, workers=args.workers, cluster=args.cluster)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def _ids(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise PhotofsError(f"--ids takes item ids separated by commas (see photofs queue list), got {text!r}") from None


def cmd_queue(args, library: Path) -> int:
    from photofs.jobs import removal_queue as rq
    lib = LibraryFolder(library)
    if args.action == "list":
        rows = []
        tz = lib.calendar.tz
        states = [args.state] if args.state else None if args.all else [str(s) for s in PENDING]
        for item, state in rq.queue_entries(lib, states):
            rows.append({"id": item.id, "state": state, "original_name": item.original_name,
                         "taken_at": _local_iso(item.taken_at, tz), "nas_path": item.nas_path,
                         "verified_copy": rq.verified_copy(lib, item), "url": item.url})
        text = "\n".join(f"{r['id']:>6} {r['state']:<10} {r['taken_at'] or 'undated':<25} {printable(r['original_name'])}"
                         for r in rows) or ("the removal queue is empty" if args.all or args.state else
                                            "nothing is on its way out of the cloud (--all shows the history)")
        emit(args, rows, text)
        return 0
    if args.action == "worksheet":
        result = rq.worksheet(lib, args.out.expanduser().absolute())
        text = (f"wrote {result['file']}: {plural(result['offered'], 'photo')} to delete in Google Photos"
                + (f"; {result['waiting for a verified NAS copy']} wait for photofs archive" if result["waiting for a verified NAS copy"] else ""))
    elif args.action == "confirm":
        if args.day:
            try:
                dt.date.fromisoformat(args.day)
            except ValueError:
                raise PhotofsError(f"--day must be YYYY-MM-DD, got {args.day!r}") from None
        if args.absent_from:
            ids = rq.absent_from_takeout(lib, args.absent_from)
            result = rq.confirm(lib, ids) if ids else {"confirmed removed": 0}
        else:
            result = rq.confirm(lib, _ids(args.ids) if args.ids else None, args.day)
        text = f"{plural(result['confirmed removed'], 'photo')} confirmed removed from the cloud"
        for problem in result.get("problems", []):  # one line each, on stderr; the others were confirmed
            print(f"photofs: {problem}", file=sys.stderr)
    else:
        result = rq.cancel(lib, None if args.all else _ids(args.ids))
        text = f"{plural(result['cancelled'], 'photo')} taken back off the queue"
    emit(args, result, text)
    return 1 if result.get("problems") else 0


def cmd_export_thumbs(args, library: Path) -> int:
    from photofs.jobs.thumb_export import export_thumbs
    summary = export_thumbs(LibraryFolder(library), args.dir.expanduser().absolute(), args.view)
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def cmd_rebuild(args, library: Path) -> int:
    if args.originals:
        from photofs.jobs.reconcile import reconcile
        summary = reconcile(LibraryFolder(library), args.originals.expanduser().absolute())
    else:
        from photofs.jobs.thumb_export import rebuild_from_thumbs
        summary = rebuild_from_thumbs(LibraryFolder(library), args.from_thumbs.expanduser().absolute())
    emit(args, summary.as_dict(), summary.as_text())
    return 0


def cmd_sort(args, library: Path) -> int:
    from photofs.jobs import sort_io
    lib = LibraryFolder(library)
    if args.action == "export":
        result = sort_io.export_sort(lib, args.file)
        text = f"wrote {plural(result['photos'], 'photo')} and {plural(result['folders'], 'folder')} to {result['file']}"
    elif args.action == "import":
        result = sort_io.import_sort(lib, args.file)
        text = (f"restored {plural(result['photos'], 'photo')} and {plural(result['folders'], 'folder')} from {result['file']}"
                + (f"; {plural(result['not in this library'], 'photo')} not in this library" if result["not in this library"] else ""))
    else:
        result = sort_io.reset_sort(lib, args.view)
        text = (f"dropped {plural(result['overrides dropped'], 'override')} ({result['view']} views back to their rules)"
                + (f"; {plural(result['weeks restored'], 'photo')} back in the week they were taken"
                   if result["weeks restored"] else ""))
    emit(args, result, text)
    return 0


def cmd_demo(args, library: Path) -> int:
    """A sample library of generated photos, indexed, thumbnailed and mounted."""
    from photofs.jobs.demo import prepare_demo
    explicit = args.library or os.environ.get("PHOTOFS_LIBRARY")
    lib, result = prepare_demo(library if explicit else None)  # `library`: made absolute by cli.main
    mountpoint = absolute(args.mountpoint)
    mountpoint.mkdir(parents=True, exist_ok=True)
    text = result.pop("text")
    result["mountpoint"] = str(mountpoint)
    umount = f"{photofs_command()} umount {mountpoint}"
    if args.foreground:
        emit(args, result, text + f"\nserving at {mountpoint} until unmounted ({umount}, or Ctrl-C)")
        return _serve_here(lib, mountpoint)
    result["pid"] = _mount_in_background(lib, mountpoint)
    emit(args, result, text + f"\nmounted at {mountpoint} (pid {result['pid']})\n"
         f"  browse:  ls -lR {mountpoint}/by-week\n  unmount: {umount}")
    return 0
