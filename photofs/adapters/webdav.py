"""WebDAV adapter through wsgidav + cheroot: the same VFS for machines with no FUSE
driver (Explorer's "Map network drive", Finder's "Connect to Server", davfs2).

Only translation lives here: DAV resources are paths, each method calls the VFS,
and VFS errors become HTTP statuses. MOVE, COPY and DELETE are handled natively
(handle_move/handle_copy/handle_delete) so that they mean exactly what mv, cp and
rm mean on the FUSE mount; wsgidav's generic copy-then-delete would turn a move
into a copy and a removal from the cloud.
"""

from __future__ import annotations

import errno
import io
import ipaddress
import logging
import mimetypes
import socket
import zlib

from wsgidav.dav_error import (HTTP_CONFLICT, HTTP_FORBIDDEN, HTTP_INTERNAL_ERROR, HTTP_NOT_FOUND,
                               DAVError)
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider
from wsgidav.util import join_uri, parse_if_header_dict

from photofs.vfs import VFS, Stat, VFSError

log = logging.getLogger(__name__)

# errno -> HTTP status (RFC 4918): a missing parent is a conflict, anything the
# tree does not allow is forbidden.
_STATUS = {errno.ENOENT: HTTP_NOT_FOUND, errno.EPERM: HTTP_FORBIDDEN, errno.EACCES: HTTP_FORBIDDEN,
           errno.EEXIST: 405, errno.ENOTEMPTY: HTTP_CONFLICT, errno.ENOTDIR: HTTP_CONFLICT,
           errno.EISDIR: HTTP_CONFLICT, errno.EINVAL: HTTP_FORBIDDEN}


def dav_call(fn, *args):
    try:
        return fn(*args)
    except VFSError as e:
        raise DAVError(_STATUS.get(e.errno, HTTP_INTERNAL_ERROR), context_info=str(e)) from None


def _vfs_path(path: str) -> str:
    return "/" + path.strip("/")


class _Writer(io.RawIOBase):
    """PUT's body streamed into a VFS write handle; closing it finishes the copy,
    which is where a file that is not a known thumbnail is refused."""

    def __init__(self, vfs: VFS, fh: int, reserved: bool = False):
        self.vfs, self.fh, self.offset, self.reserved = vfs, fh, 0, reserved

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.offset + len(data) > MAX_PUT_BODY:  # a chunked body has no length to check up front
            raise DAVError(413, context_info=f"a file may hold at most {MAX_PUT_BODY} bytes")
        n = dav_call(self.vfs.write, self.fh, bytes(data), self.offset)
        self.offset += n
        return n

    def close(self) -> None:
        if self.closed:
            return
        if self.reserved and self.offset == 0:
            # An empty PUT onto a reserved name keeps it reserved; the bytes come next.
            self.vfs.detach(self.fh)
            return super().close()
        try:
            dav_call(self.vfs.flush, self.fh)
        finally:
            self.vfs.release(self.fh)
            super().close()

    def abort(self) -> None:
        """The body broke off or was too big: what arrived is dropped, never kept half-written."""
        if not self.closed:
            self.vfs.abort(self.fh)
            super().close()


class _Resource:
    """What files and folders share: the VFS, and attributes from one stat."""

    def _init(self, vfs: VFS, st: Stat | None):
        self.vfs, self.st = vfs, st

    def _stat(self) -> Stat:
        if self.st is None:
            self.st = dav_call(self.vfs.stat, _vfs_path(self.path))
        return self.st

    def get_last_modified(self):
        return self._stat().mtime

    def get_creation_date(self):
        return self._stat().mtime

    def handle_delete(self):
        # Done here, in one VFS action (one transaction for a whole folder) rather than
        # by wsgidav's member-by-member walk. So the lock check is ours to make.
        locks = self.provider.lock_manager
        if locks is not None:
            if "wsgidav.conditions.if" not in self.environ:
                parse_if_header_dict(self.environ)
            locks.check_write_permission(url=self.get_ref_url(), depth="infinity",
                                         token_list=self.environ["wsgidav.ifLockTokenList"],
                                         principal=self.environ["wsgidav.user_name"])
        dav_call(self.vfs.remove_tree, _vfs_path(self.path))
        self.remove_all_properties(recursive=True)
        self.remove_all_locks(recursive=True)
        return True

    # MOVE and COPY onto an existing name are done here: wsgidav would DELETE the
    # destination first, and deleting a photo queues it for removal. Onto a new
    # name they go through move_recursive / copy_move_single, so the client
    # hears 201 Created as RFC 4918 says.
    def _dest_exists(self, dest_path) -> bool:
        try:
            self.vfs.stat(_vfs_path(dest_path))
            return True
        except VFSError:
            return False

    def handle_move(self, dest_path):
        if not self._dest_exists(dest_path):
            return False
        self.move_recursive(dest_path)
        return True

    def support_recursive_move(self, dest_path):
        return True

    def move_recursive(self, dest_path):
        dav_call(self.vfs.rename, _vfs_path(self.path), _vfs_path(dest_path))
        self._carry_properties(dest_path, move=True)
        return []

    def handle_copy(self, dest_path, *, depth_infinity):
        if not self._dest_exists(dest_path):
            return False
        dav_call(self.vfs.copy, _vfs_path(self.path), _vfs_path(dest_path), depth_infinity)
        self._carry_properties(dest_path, move=False)
        return True

    def copy_move_single(self, dest_path, *, is_move):
        # Only copies reach here (moves are recursive): one file, or one folder without members.
        dav_call(self.vfs.copy, _vfs_path(self.path), _vfs_path(dest_path), False)
        self._carry_properties(dest_path, move=False)

    def _carry_properties(self, dest_path, move: bool) -> None:
        """Dead properties (set by PROPPATCH) follow the resource, as on a file server."""
        props = self.provider.prop_manager
        dest = self.provider.get_resource_inst(dest_path, self.environ)
        if props is None or dest is None:
            return
        if move:
            props.move_properties(self.get_ref_url(), dest.get_ref_url(), with_children=True)
        else:
            props.copy_properties(self.get_ref_url(), dest.get_ref_url())

    def set_last_modified(self, dest_path, time_stamp, *, dry_run):
        return True  # photos keep their capture time (like utimens on the mount)


class PhotoFile(_Resource, DAVNonCollection):
    def __init__(self, path: str, environ: dict, vfs: VFS, st: Stat | None = None):
        DAVNonCollection.__init__(self, path, environ)
        self._init(vfs, st)

    def get_content_length(self):
        return self._stat().size

    def get_content_type(self):
        return mimetypes.guess_type(self.path)[0] or "application/octet-stream"

    def get_etag(self):
        # Headers are Latin-1: the name goes in as a checksum, not as text.
        st = self._stat()
        return f"{zlib.crc32(self.path.encode()):08x}-{st.size}-{int(st.mtime * 1000)}"

    def support_etag(self):
        return True

    def support_ranges(self):
        return True

    def get_content(self):
        # Thumbnails are small: one read, and every range request is served from it.
        return io.BytesIO(dav_call(self.vfs.read_file, _vfs_path(self.path)))

    def begin_write(self, *, content_type=None):
        empty = self._stat().size == 0  # a name reserved by LOCK or an empty PUT
        fh = dav_call(self.vfs.open, _vfs_path(self.path), True, True)
        self.st = None
        self._writer = _Writer(self.vfs, fh, reserved=empty)
        return self._writer

    def end_write(self, *, with_errors):
        writer = getattr(self, "_writer", None)
        if with_errors and writer is not None:
            writer.abort()

    def delete(self):
        dav_call(self.vfs.unlink, _vfs_path(self.path))


class PhotoFolder(_Resource, DAVCollection):
    def __init__(self, path: str, environ: dict, vfs: VFS, st: Stat | None = None):
        DAVCollection.__init__(self, path, environ)
        self._init(vfs, st)

    def get_member_names(self):
        return [name for name, _ in dav_call(self.vfs.listdir, _vfs_path(self.path))]

    def get_member_list(self):
        # One listing with attributes (readdir-plus), not one stat per photo.
        members = []
        for name, st in dav_call(self.vfs.listdir, _vfs_path(self.path)):
            cls = PhotoFolder if st.is_dir else PhotoFile
            members.append(cls(join_uri(self.path, name), self.environ, self.vfs, st))
        return members

    def get_member(self, name):
        return self.provider.get_resource_inst(join_uri(self.path, name), self.environ)

    def create_empty_resource(self, name):
        # LOCK on a new name and PUT both start here. The VFS says whether the name
        # may be created (a known thumbnail's hash in a photo folder, anything in the
        # scratch space); it then stays reserved, empty, until a PUT brings the bytes,
        # which are checked then. A client that locks and never writes leaves an
        # empty file in the listing until the server restarts.
        path = _vfs_path(join_uri(self.path, name))
        self.vfs.detach(dav_call(self.vfs.create, path))
        return PhotoFile(join_uri(self.path, name), self.environ, self.vfs)

    def create_collection(self, name):
        dav_call(self.vfs.mkdir, _vfs_path(join_uri(self.path, name)))

    def support_recursive_delete(self):
        return True

    def delete(self):
        dav_call(self.vfs.remove_tree, _vfs_path(self.path))


class PhotoDAVProvider(DAVProvider):
    def __init__(self, vfs: VFS):
        super().__init__()
        self.vfs = vfs

    def is_readonly(self):
        return False

    def get_resource_inst(self, path: str, environ: dict):
        self._count_get_resource_inst += 1
        try:
            st = self.vfs.stat(_vfs_path(path))
        except VFSError:
            return None
        cls = PhotoFolder if st.is_dir else PhotoFile
        return cls(path, environ, self.vfs, st)


# Request bodies held in memory are bounded. An XML body (PROPFIND, PROPPATCH, LOCK)
# is a few hundred bytes from every real client, and parsing one costs about a
# hundred times its size; a PUT is a thumbnail (tens of kB) or a desktop's file.
MAX_XML_BODY = 64 * 1024
MAX_PUT_BODY = 16 * 1024 * 1024
DRAIN = 64 * 1024 * 1024  # a refused body up to this size is read (and dropped); a bigger one is cut off
_WILDCARD = ("", "0.0.0.0", "::")


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host headers a request to this server may carry: the address it was bound
    to, with its port. A page in the user's browser that re-points its own name at
    this machine (DNS rebinding) still sends its own name, and is refused.

    Loopback (no password needed) also answers to its other spellings; an address on
    the network (which has a password) also to this machine's own names, which is
    how people on the network type it. A wildcard bind answers to any (None)."""
    if host in _WILDCARD:
        return None
    names = {host.lower()}
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host.lower() == "localhost"
        try:  # a name given for the bind: the addresses it stands for too
            names |= {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
        except OSError:
            pass
    if loopback:
        names |= {"localhost", "127.0.0.1", "::1"}
    else:
        me = socket.gethostname().lower()
        own = {me, f"{me.split('.')[0]}.local", socket.getfqdn().lower()}
        names |= {n for n in own if n and not n.startswith("localhost")}  # never loopback's name
    hosts = set()
    for name in names:
        spelled = f"[{name}]" if ":" in name else name
        hosts.add(f"{spelled}:{port}")
        if port == 80:
            hosts.add(spelled)
    return hosts


class Guard:
    """WSGI middleware in front of wsgidav: the Host check and the body bounds."""

    def __init__(self, app, hosts: set[str] | None = None):
        self.app, self.hosts = app, hosts

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if self.hosts is not None and host is not None and host.lower() not in self.hosts:
            log.warning("refused a request for Host %r (this server is %s)", host, ", ".join(sorted(self.hosts)))
            return _refuse(start_response, "421 Misdirected Request", f"this server is not {host}")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # wsgidav answers a malformed length itself
        limit = MAX_PUT_BODY if environ.get("REQUEST_METHOD") == "PUT" else MAX_XML_BODY
        if length > limit:
            _drain(environ["wsgi.input"], min(length, DRAIN))  # so the client hears the answer, not a reset
            return _refuse(start_response, "413 Content Too Large", f"a request body may hold at most {limit} bytes")
        return self.app(environ, start_response)


def _drain(stream, n: int) -> None:
    """Read and drop n bytes, a block at a time."""
    while n > 0:
        block = stream.read(min(n, 1 << 16))
        if not block:
            return
        n -= len(block)


def _refuse(start_response, status: str, text: str):
    body = f"photofs: {text}\n".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Connection", "close")])
    return [body]


def make_app(vfs: VFS, password: str | None = None, user: str = "photofs", verbose: int = 1,
             hosts: set[str] | None = None):
    """The WSGI application: anonymous, or one user with a password. Digest auth only:
    Windows' WebDAV client accepts it over plain HTTP, and unlike basic auth it never
    sends the password itself. `hosts`: the Host headers accepted (allowed_hosts)."""
    from wsgidav.wsgidav_app import WsgiDAVApp
    users = {"*": True} if password is None else {"*": {user: {"password": password}}}
    config = {
        "provider_mapping": {"/": PhotoDAVProvider(vfs)},
        "simple_dc": {"user_mapping": users},
        "http_authenticator": {"accept_basic": False, "accept_digest": True, "default_to_digest": True},
        "property_manager": True,   # dead properties (Finder and Explorer set some) in memory
        "lock_storage": True,       # LOCK/UNLOCK in memory: Office, Finder and davfs2 lock before writing
        "hotfixes": {"emulate_win32_lastmod": True},
        "dir_browser": {"enable": True, "response_trailer": "photofs", "davmount": True},
        "logging": {"enable": False},
        "verbose": verbose,
    }
    return Guard(WsgiDAVApp(config), hosts)


def serve(vfs: VFS, host: str = "127.0.0.1", port: int = 8080, password: str | None = None,
          user: str = "photofs", ready=None) -> None:
    """Serve until interrupted. `ready(server)` is called once the port is bound."""
    from cheroot import wsgi
    app = make_app(vfs, password, user)
    server = wsgi.Server((host, port), app, numthreads=8)
    # The last line for a chunked body (no length): the PUT itself stops at MAX_PUT_BODY.
    server.max_request_body_size = MAX_PUT_BODY + (1 << 20)
    server.prepare()
    app.hosts = allowed_hosts(host, server.bind_addr[1])  # the port is known once bound (--port 0)
    if ready is not None:
        ready(server)
    try:
        server.serve()
    finally:
        server.stop()
        vfs.close(wait=2.0)
