"""One interface over the two ways to look at the tree: the VFS in-process, or a
real FUSE mount through the operating system. Contract tests run against both."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

from photofs.vfs import PhotoVFS, VFSError


class VFSBackend:
    kind = "vfs"

    def __init__(self, library: Path):
        self.vfs = PhotoVFS(library, refresh_seconds=0)

    def close(self):
        self.vfs.close()

    def listdir(self, path: str) -> list[str]:
        return sorted(name for name, _ in self.vfs.listdir(path))

    def stat(self, path: str) -> tuple[bool, int, float]:
        st = self.vfs.stat(path)
        return st.is_dir, st.size, st.mtime

    def read(self, path: str) -> bytes:
        return self.vfs.read_file(path)

    def errno_of(self, op: str, path: str, *args) -> int:
        try:
            getattr(self.vfs, op)(path, *args)
        except VFSError as e:
            return e.errno
        return 0


class MountBackend:
    kind = "mount"

    def __init__(self, library: Path, mountpoint: Path):
        self.root = mountpoint
        mountpoint.mkdir(exist_ok=True)
        run_photofs("--library", str(library), "mount", str(mountpoint), check=True)

    def close(self):
        unmount(self.root)

    def _p(self, path: str) -> str:
        return str(self.root) + path

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(self._p(path)))

    def stat(self, path: str) -> tuple[bool, int, float]:
        st = os.stat(self._p(path))
        return (st.st_mode & 0o170000) == 0o040000, st.st_size, st.st_mtime_ns / 1e9

    def read(self, path: str) -> bytes:
        with open(self._p(path), "rb") as f:
            return f.read()

    def errno_of(self, op: str, path: str, *args) -> int:
        p = self._p(path)
        calls = {
            "stat": lambda: os.stat(p),
            "listdir": lambda: os.listdir(p),
            "read_file": lambda: open(p, "rb").read(),
            "mkdir": lambda: os.mkdir(p),
            "rmdir": lambda: os.rmdir(p),
            "unlink": lambda: os.unlink(p),
            "rename": lambda: os.rename(p, self._p(args[0])),
            "create": lambda: open(p, "xb").close(),
        }
        try:
            calls[op]()
        except OSError as e:
            return e.errno
        return 0


def run_photofs(*args: str, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real console entry point, in a subprocess."""
    result = subprocess.run([sys.executable, "-m", "photofs", *args], capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"photofs {' '.join(args)} failed: {result.stderr}")
    return result


def unmount(mountpoint: Path) -> None:
    if not os.path.ismount(mountpoint):
        return
    for _ in range(50):  # a file manager (or a test) may still hold a file open for a moment
        if subprocess.run(["fusermount3", "-u", str(mountpoint)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["fusermount3", "-uz", str(mountpoint)], capture_output=True)


ENOENT, ENOTDIR, EISDIR, EPERM, ENOTEMPTY = errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EPERM, errno.ENOTEMPTY


class DavServer:
    """`photofs serve --webdav --port 0` as a real process; the URL is read from what it prints."""

    def __init__(self, library: Path, *extra: str, env: dict | None = None):
        self.proc = subprocess.Popen([sys.executable, "-m", "photofs", "--library", str(library), "serve", "--webdav",
                                      "--port", "0", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})
        line = self.proc.stdout.readline()
        if not line.startswith("serving photofs at "):
            self.proc.kill()
            raise AssertionError(f"serve did not start: {line}{self.proc.stderr.read()}")
        self.url = line.split()[3].rstrip("/")
        self.host, self.port = self.url.split("//")[1].split(":")
        self.port = int(self.port)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """One request on a fresh connection: (status, headers, body)."""
        import http.client
        from urllib.parse import quote
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, quote(path), body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def propfind(self, path: str, depth: str = "1") -> dict[str, dict]:
        """href (unquoted, no trailing slash) -> {'dir', 'size', 'mtime'}."""
        import email.utils
        import xml.etree.ElementTree as ET
        from urllib.parse import unquote
        status, _, body = self.request("PROPFIND", path, headers={"Depth": depth})
        if status != 207:
            raise OSError(status, f"PROPFIND {path}: {status}")
        out = {}
        for resp in ET.fromstring(body).iter("{DAV:}response"):
            href = unquote(resp.find("{DAV:}href").text).rstrip("/") or "/"
            prop = resp.find(".//{DAV:}prop")
            size = prop.find("{DAV:}getcontentlength")
            modified = prop.find("{DAV:}getlastmodified")
            out[href] = {"dir": prop.find("{DAV:}resourcetype/{DAV:}collection") is not None,
                         "size": int(size.text) if size is not None else 0,
                         "mtime": email.utils.parsedate_to_datetime(modified.text).timestamp()}
        return out

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


# HTTP status -> errno, for the contract tests (RFC 4918: a missing parent is 409).
_ERRNO = {404: errno.ENOENT, 403: errno.EPERM, 409: errno.ENOENT}


class WebDAVBackend:
    """The tree over `photofs serve --webdav`, read with plain HTTP requests."""
    kind = "webdav"

    def __init__(self, library: Path):
        self.server = DavServer(library)

    def close(self):
        self.server.close()

    def listdir(self, path: str) -> list[str]:
        entries = self.server.propfind(path)
        base = path.rstrip("/") or "/"
        return sorted(href.rsplit("/", 1)[1] for href in entries if href != base)

    def stat(self, path: str) -> tuple[bool, int, float]:
        entry = self.server.propfind(path, "0")[path.rstrip("/") or "/"]
        return entry["dir"], entry["size"], entry["mtime"]

    def read(self, path: str) -> bytes:
        status, _, body = self.server.request("GET", path)
        assert status == 200, status
        return body

    def errno_of(self, op: str, path: str, *args) -> int:
        import pytest
        dest = {"Destination": self.server.url + args[0]} if args else {}
        calls = {"stat": ("PROPFIND", {"Depth": "0"}), "mkdir": ("MKCOL", {}), "create": ("PUT", {}),
                 "rename": ("MOVE", {**dest, "Overwrite": "F"}), "unlink": ("DELETE", {})}
        if op not in calls:
            pytest.skip(f"{op} has no WebDAV request with the same meaning")
        method, headers = calls[op]
        status, _, _ = self.server.request(method, path, b"" if method == "PUT" else None, headers)
        return 0 if status < 300 else _ERRNO.get(status, status)
