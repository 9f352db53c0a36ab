"""`photofs serve --webdav`: check what the user asked for, then serve the VFS over
WebDAV in the foreground and say how to connect from each desktop."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from pathlib import Path

from photofs.errors import PhotofsError

PASSWORD_ENV = "PHOTOFS_WEBDAV_PASSWORD"


def read_password(password_file: Path | None) -> str | None:
    """From a file (never the command line, where `ps` shows it) or the environment."""
    if password_file is not None:
        try:
            lines = password_file.expanduser().read_text().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise PhotofsError(f"{password_file}: cannot read the password file ({getattr(e, 'strerror', None) or e})") from None
        if not lines or not lines[0]:
            raise PhotofsError(f"{password_file}: the password file is empty")
        return lines[0]
    return os.environ.get(PASSWORD_ENV) or None


def check_address(host: str, port: int, password: str | None) -> None:
    if not 0 <= port <= 65535:
        raise PhotofsError(f"--port {port}: a port is a number from 1 to 65535 (0 picks a free one)")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    try:
        socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError):
        raise PhotofsError(f"--host {host}: no such address on this machine") from None
    if not loopback and password is None:
        raise PhotofsError(f"--host {host}: serving beyond this machine needs a password "
                           f"(--password-file FILE or {PASSWORD_ENV})")


def bind_error(host: str, port: int, err: OSError) -> PhotofsError:
    reason = "already in use (try another --port)" if err.errno == 98 or "in use" in str(err) else (err.strerror or str(err))
    return PhotofsError(f"cannot listen on {host}:{port}: {reason}")


def connect_hints(url: str) -> str:
    return "\n".join([
        f"serving photofs at {url}  (Ctrl-C stops)",
        f"  Windows: Explorer > This PC > Map network drive > {url}",
        f"  macOS:   Finder > Go > Connect to Server > {url}",
        f"  Linux:   mount -t davfs {url} /mnt/photos   (or open {url.replace('http', 'dav', 1)} in the file manager)",
    ])


def serve_webdav(library: Path, host: str, port: int, password_file: Path | None, user: str) -> None:
    password = read_password(password_file)
    check_address(host, port, password)
    from photofs.adapters.webdav import serve
    from photofs.vfs import PhotoVFS

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    def ready(server):
        bound_host, bound_port = server.bind_addr[:2]
        print(connect_hints(f"http://{bound_host}:{bound_port}/"), flush=True)

    try:
        serve(PhotoVFS(library), host, port, password, user=user, ready=ready)
    except OSError as e:
        raise bind_error(host, port, e) from None
