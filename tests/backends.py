"""One interface over the three ways to use the tree: the VFS in-process, a real
FUSE mount through the operating system, and the WebDAV server over HTTP. The
contract tests (test_tree_contract.py for reading, test_write_contract.py for
every action) run one suite against all three, as rclone's vfstest does.

Reading: listdir, stat, read, errno_of. Writing, each raising OSError(errno) when
refused: mkdir, rmdir, move, delete, delete_tree, copy, copy_tree, put."""

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

    def entries(self, path: str) -> list[tuple[str, bool]]:
        """(name, is a folder) of each entry, in one listing."""
        return sorted((name, st.is_dir) for name, st in self.vfs.listdir(path))

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

    # -- writing: the VFS's own calls, as the FUSE adapter makes them -------------
    def mkdir(self, path):
        self.vfs.mkdir(path)

    def rmdir(self, path):
        self.vfs.rmdir(path)

    def move(self, src, dst):
        self.vfs.rename(src, dst)

    def delete(self, path):
        self.vfs.unlink(path)

    def delete_tree(self, path):
        self.vfs.remove_tree(path)

    def copy(self, src, dst):
        self.put(dst, self.vfs.read_file(src))

    def copy_tree(self, src, dst):
        self.vfs.copy(src, dst, recursive=True)

    def put(self, path, data: bytes):
        """Written as the kernel writes: create, pieces of 4 kB, flush, release."""
        fh = self.vfs.create(path)
        try:
            for i in range(0, len(data), 4096):
                self.vfs.write(fh, data[i:i + 4096], i)
            self.vfs.flush(fh)
        finally:
            self.vfs.release(fh)


class MountBackend:
    kind = "mount"

    def __init__(self, library: Path, mountpoint: Path, *options: str):
        self.root = mountpoint
        mountpoint.mkdir(exist_ok=True)
        run_photofs("--library", str(library), "mount", str(mountpoint), *options, check=True)

    def close(self):
        unmount(self.root)

    def _p(self, path: str) -> str:
        return str(self.root) + path

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(self._p(path)))

    def entries(self, path: str) -> list[tuple[str, bool]]:
        with os.scandir(self._p(path)) as it:
            return sorted((e.name, e.is_dir()) for e in it)

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

    # -- writing: what mv, rm, cp and mkdir do through the kernel ------------------
    def mkdir(self, path):
        os.mkdir(self._p(path))

    def rmdir(self, path):
        os.rmdir(self._p(path))

    def move(self, src, dst):
        os.rename(self._p(src), self._p(dst))

    def delete(self, path):
        os.unlink(self._p(path))

    def delete_tree(self, path):
        _tool("rm", "-r", self._p(path))

    def copy(self, src, dst):
        _tool("cp", "-p", self._p(src), self._p(dst))  # -p: times and modes too, which are accepted

    def copy_tree(self, src, dst):
        _tool("cp", "-r", self._p(src), self._p(dst))

    def put(self, path, data: bytes):
        with open(self._p(path), "wb") as f:  # a refusal comes at close, as cp sees it
            f.write(data)


def _tool(*cmd: str) -> None:
    """A command-line tool on the mount; its failure as the OSError it reported."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode:
        messages = {os.strerror(code): code for code in (errno.EPERM, errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST,
                                                          errno.ENOTDIR, errno.EISDIR, errno.EINVAL)}
        code = next((c for m, c in messages.items() if m in r.stderr), errno.EIO)
        raise OSError(code, r.stderr.strip())


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


# HTTP status -> errno, for the contract tests (RFC 4918: a missing parent is 409;
# MKCOL of an existing name is 405).
_ERRNO = {404: errno.ENOENT, 403: errno.EPERM, 409: errno.ENOENT, 405: errno.EEXIST}


class WebDAVBackend:
    """The tree over `photofs serve --webdav`, read with plain HTTP requests."""
    kind = "webdav"

    def __init__(self, library: Path):
        self.server = DavServer(library)

    def close(self):
        self.server.close()

    def listdir(self, path: str) -> list[str]:
        return [name for name, _ in self.entries(path)]

    def entries(self, path: str) -> list[tuple[str, bool]]:
        found = self.server.propfind(path)
        base = path.rstrip("/") or "/"
        return sorted((href.rsplit("/", 1)[1], e["dir"]) for href, e in found.items() if href != base)

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

    # -- writing: the methods a WebDAV client sends ---------------------------------
    def _call(self, method, path, body=None, headers=None, ok=(200, 201, 204)):
        status, _, text = self.server.request(method, path, body, headers)
        if status not in ok:
            raise OSError(_ERRNO.get(status, errno.EIO), f"{method} {path}: {status} {text[:200]!r}")

    def mkdir(self, path):
        self._call("MKCOL", path)

    def rmdir(self, path):
        """WebDAV has no rmdir: DELETE of a folder, which the scenarios only send to an empty one."""
        self._call("DELETE", path)

    def _dest(self, path: str) -> str:
        from urllib.parse import quote
        return self.server.url + quote(path)

    def move(self, src, dst):
        self._call("MOVE", src, headers={"Destination": self._dest(dst)})

    def delete(self, path):
        self._call("DELETE", path)

    def delete_tree(self, path):
        self._call("DELETE", path)

    def copy(self, src, dst):
        self._call("COPY", src, headers={"Destination": self._dest(dst), "Depth": "0"})

    def copy_tree(self, src, dst):
        self._call("COPY", src, headers={"Destination": self._dest(dst), "Depth": "infinity"})

    def put(self, path, data: bytes):
        self._call("PUT", path, data)


def make_backend(kind: str, library: Path, tmp: Path):
    """A backend of the given kind over a library: "vfs", "mount" or "webdav"."""
    if kind == "vfs":
        return VFSBackend(library)
    if kind == "mount":
        return MountBackend(library, tmp / "mnt")
    return WebDAVBackend(library)
