"""`photofs serve --webdav`: the same actions as the FUSE mount, over HTTP.

Checked with plain HTTP requests for each method's meaning, with the litmus
WebDAV test suite, and through a real davfs2 mount."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from backends import DavServer, run_photofs
from conftest import assert_one_error_line
from photofs.vfs import PhotoVFS

WEEK, OTHER = "/by-week/1508_2019-04-08", "/by-week/1509_2019-04-15"


@pytest.fixture
def dav(library_copy):
    server = DavServer(library_copy)
    yield server
    server.close()


def names(dav, path):
    return sorted(h.rsplit("/", 1)[1] for h in dav.propfind(path) if h != path)


def test_listing_matches_the_vfs_with_sizes_and_capture_times(dav, library_copy):
    vfs = PhotoVFS(library_copy)
    try:
        listed = dav.propfind(WEEK)
        for name, st in vfs.listdir(WEEK):
            entry = listed[f"{WEEK}/{name}"]
            assert (entry["dir"], entry["size"], entry["mtime"]) == (False, st.size, int(st.mtime))
        photo = f"{WEEK}/{vfs.listdir(WEEK)[0][0]}"
        status, headers, body = dav.request("GET", photo)
        assert status == 200 and body == vfs.read_file(photo) and headers["Content-Type"] == "image/jpeg"
        status, _, part = dav.request("GET", photo, headers={"Range": "bytes=2-9"})
        assert status == 206 and part == body[2:10]
    finally:
        vfs.close()


def test_each_method_answers_with_the_status_rfc_4918_gives(dav):
    """What each action means is test_write_contract.py's (run on WebDAV too); here,
    the statuses a client reads: 201 for a new name, 204 for a delete, 403 for what
    the tree does not allow, and nothing changed by a refusal."""
    photo = names(dav, WEEK)[0]
    assert dav.request("MKCOL", "/sorted/Holiday")[0] == 201
    assert dav.request("MOVE", f"{WEEK}/{photo}", headers={"Destination": f"{dav.url}{OTHER}/{photo}"})[0] == 201
    other = next(n for n in names(dav, OTHER) if n != photo)
    assert dav.request("COPY", f"{OTHER}/{other}", headers={"Destination": f"{dav.url}/sorted/Holiday/{other}"})[0] == 201
    assert dav.request("DELETE", f"{OTHER}/{photo}")[0] == 204
    assert dav.request("MOVE", f"/to-delete/{photo}", headers={"Destination": f"{dav.url}{WEEK}/{photo}"})[0] == 201
    before = dav.propfind("/", "1")
    assert dav.request("MKCOL", "/new-view")[0] == 403
    assert dav.request("MKCOL", "/sorted/Holiday")[0] == 405  # there already
    assert dav.request("MOVE", f"{WEEK}/{photo}", headers={"Destination": f"{dav.url}{OTHER}/renamed.jpg"})[0] == 403
    assert dav.request("PUT", "/sorted/Holiday/0123456789abcdef.jpg", b"not a photo")[0] == 403
    assert dav.request("PUT", f"/sorted/Holiday/{other}", b"")[0] == 403  # emptying a photo
    assert dav.request("DELETE", "/by-week")[0] == 403
    assert dav.request("MOVE", f"{WEEK}/{photo}", headers={"Destination": "http://elsewhere.example/x.jpg"})[0] == 502
    assert dav.propfind("/", "1") == before and names(dav, "/sorted/Holiday") == [other]


def test_put_of_a_known_thumbnail_files_it_and_a_lock_reserves_the_name(dav):
    photo = names(dav, WEEK)[0]
    data = dav.request("GET", f"{WEEK}/{photo}")[2]
    dav.request("MKCOL", "/sorted/Album")
    lock = b'<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' \
           b'<D:locktype><D:write/></D:locktype></D:lockinfo>'
    status, headers, _ = dav.request("LOCK", f"/sorted/Album/{photo}", lock, {"Content-Type": "text/xml"})
    assert status == 201  # as davfs2 and Finder do before writing
    token = headers["Lock-Token"]
    assert dav.request("PUT", f"/sorted/Album/{photo}", data, {"If": f"({token})"})[0] in (201, 204)
    assert dav.request("UNLOCK", f"/sorted/Album/{photo}", headers={"Lock-Token": token})[0] == 204
    assert names(dav, "/sorted/Album") == [photo] and photo in names(dav, WEEK)
    assert dav.request("GET", f"/sorted/Album/{photo}")[2] == data



def test_a_password_is_asked_for_and_checked(library_copy, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    server = DavServer(library_copy, "--password-file", str(secret))
    try:
        assert server.request("PROPFIND", "/", headers={"Depth": "0"})[0] == 401
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, server.url, "photofs", "s3cret")
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager))
        assert opener.open(f"{server.url}{WEEK}/").status == 200
        manager.add_password(None, server.url, "photofs", "wrong")
        bad = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(
            urllib.request.HTTPPasswordMgrWithDefaultRealm()))
        with pytest.raises(urllib.request.HTTPError):
            bad.open(f"{server.url}/")
    finally:
        server.close()


def test_bad_serve_arguments_get_one_line(library_copy, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        cases = [
            (["--port", str(port)], "already in use"),
            (["--port", "70000"], "--port 70000"),
            (["--host", "0.0.0.0"], "needs a password"),
            (["--password-file", str(tmp_path / "missing")], "cannot read the password file"),
            (["--host", "no.such.host.invalid", "--password-file", __file__], "no such address"),
        ]
        for args, fragment in cases:
            result = run_photofs("--library", str(library_copy), "serve", "--webdav", *args, timeout=30)
            assert_one_error_line(result.returncode, result.stderr, fragment)
        result = run_photofs("--library", str(tmp_path / "nolib"), "serve", "--webdav", timeout=30)
        assert_one_error_line(result.returncode, result.stderr)
    finally:
        busy.close()


# -- real clients -------------------------------------------------------------

def litmus(url: str, suite: str, tmp_path) -> dict[str, str]:
    """Run one litmus suite: test name -> pass / FAIL / SKIPPED / WARNING."""
    out = subprocess.run(["litmus", url], capture_output=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "TESTS": suite}).stdout.decode(errors="replace")
    results = {}
    for name, rest in re.findall(r"^\s*\d+\. (\w+)\.+ (?:\s*\d+\. \w+\.+ )?(\w+)", out, re.M):
        results[name] = rest
    assert results, out
    return results


needs_litmus = pytest.mark.skipif(shutil.which("litmus") is None, reason="litmus is not installed (apt-get install litmus)")


@needs_litmus
@pytest.mark.parametrize("suite", ["basic", "copymove", "props", "locks", "http"])
def test_litmus_passes_in_the_scratch_space(dav, suite, tmp_path):
    """Where anything may be written (the folders desktops make for themselves), the
    server is a complete WebDAV class 2 server: every litmus test passes."""
    assert dav.request("MKCOL", "/.Trashes")[0] == 201
    results = litmus(f"{dav.url}/.Trashes/", suite, tmp_path)
    assert set(results.values()) == {"pass"}, {k: v for k, v in results.items() if v != "pass"}


@needs_litmus
def test_litmus_in_a_photo_folder_fails_only_where_it_writes_files_that_are_not_photos(dav, tmp_path):
    results = litmus(f"{dav.url}/sorted/", "basic", tmp_path)
    assert {k for k, v in results.items() if v == "FAIL"} == {"put_get", "put_get_utf8_segment"}
    assert results["mkcol"] == results["delete_coll"] == results["options"] == "pass"
    http = litmus(f"{dav.url}/sorted/", "http", tmp_path)
    assert set(http.values()) == {"pass"}


@pytest.fixture
def davfs(dav, tmp_path):
    """A real davfs2 mount of the server (kernel FUSE, davfs2's own cache and locks)."""
    if shutil.which("mount.davfs") is None:
        pytest.skip("davfs2 is not installed (apt-get install davfs2)")
    mnt = tmp_path / "davmnt"
    mnt.mkdir()
    secrets = tmp_path / "secrets"
    secrets.write_text(f'{mnt} "" ""\n')
    secrets.chmod(0o600)
    conf = tmp_path / "davfs2.conf"
    # buf_size 64: davfs2 before 1.7.2 fails readdir on Linux 6.16+ with its default (davfs2 issue #22).
    conf.write_text(f"buf_size 64\ndelay_upload 0\nsecrets {secrets}\n")
    subprocess.run(["mount", "-t", "davfs", f"{dav.url}/", str(mnt), "-o", f"rw,conf={conf}"],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    yield mnt
    subprocess.run(["umount", str(mnt)], capture_output=True, timeout=60)


@pytest.mark.mount
def test_a_davfs2_mount_browses_moves_copies_and_deletes(davfs, dav):
    week, other = davfs / WEEK[1:], davfs / OTHER[1:]
    assert sorted(p for p in os.listdir(davfs) if p != "lost+found") == sorted(
        ["by-week", "by-similar", "by-gallery", "by-histogram", "by-resolution", "by-name", "sorted", "to-delete"])
    photos = sorted(os.listdir(week))
    assert photos == names(dav, WEEK)
    first = week / photos[0]
    assert first.read_bytes() == dav.request("GET", f"{WEEK}/{photos[0]}")[2]

    (davfs / "sorted" / "Trip").mkdir()
    os.rename(first, davfs / "sorted" / "Trip" / photos[0])
    copied = sorted(os.listdir(other))[0]
    shutil.copyfile(other / copied, davfs / "sorted" / "Trip" / copied)
    (week / photos[-1]).unlink()
    with pytest.raises(OSError):
        (davfs / "sorted" / "Trip" / "0123456789abcdef.jpg").write_bytes(b"not a photo")

    deadline = time.monotonic() + 20  # davfs2 uploads when the file is closed, then unlocks
    while time.monotonic() < deadline and names(dav, "/sorted/Trip") != sorted([photos[0], copied]):
        time.sleep(0.2)
    assert names(dav, "/sorted/Trip") == sorted([photos[0], copied])
    assert len(names(dav, "/to-delete")) == 1 and len(os.listdir(week)) == len(photos) - 2
    assert copied in names(dav, OTHER)


# -- what a hostile web page or client cannot do ----------------------------------

def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_a_request_for_another_host_name_is_refused(dav):
    """DNS rebinding: a page at evil.example re-points its name at 127.0.0.1, and the
    user's browser sends its requests here, with its own name in Host."""
    photo = names(dav, WEEK)[0]
    for host in (f"evil.example:{dav.port}", "evil.example", f"127.0.0.1.evil.example:{dav.port}",
                 f"127.0.0.1:{dav.port + 1}"):
        status, _, body = dav.request("PROPFIND", "/", headers={"Depth": "1", "Host": host})
        assert status == 421 and b"photofs" in body, host
        status, _, _ = dav.request("DELETE", f"{WEEK}/{photo}", headers={"Host": host})
        assert status == 421
    assert names(dav, "/to-delete") == []  # nothing was queued
    for host in (f"127.0.0.1:{dav.port}", f"localhost:{dav.port}", f"LOCALHOST:{dav.port}", f"[::1]:{dav.port}"):
        assert dav.request("PROPFIND", "/", headers={"Depth": "0", "Host": host})[0] == 207, host


def test_with_a_password_only_digest_auth_is_accepted(library_copy, tmp_path):
    import base64
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    server = DavServer(library_copy, "--password-file", str(secret))
    try:
        basic = "Basic " + base64.b64encode(b"photofs:s3cret").decode()
        status, headers, _ = server.request("PROPFIND", "/", headers={"Depth": "0", "Authorization": basic})
        assert status == 401 and headers["WWW-Authenticate"].startswith("Digest ")  # the right password, refused
        status, headers, _ = server.request("PROPFIND", "/", headers={"Depth": "0"})
        assert status == 401 and headers["WWW-Authenticate"].startswith("Digest ")
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, server.url, "photofs", "s3cret")
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager))
        assert opener.open(f"{server.url}/").status == 200
    finally:
        server.close()


def test_request_bodies_are_bounded(dav):
    """A 5 MB PROPFIND once grew the server by half a gigabyte while it parsed it."""
    before = rss_mb(dav.proc.pid)
    props = b"".join(b"<D:p%d/>" % i for i in range(600_000))
    body = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>' + props + b"</D:prop></D:propfind>"
    assert len(body) > 5_000_000
    for method in ("PROPFIND", "PROPPATCH", "LOCK"):
        status, _, text = dav.request(method, "/", body, {"Depth": "0", "Content-Type": "text/xml"})
        assert status == 413 and b"at most" in text, method
    status, _, _ = dav.request("PUT", "/.Trashes/big", b"\0" * (17 * 1024 * 1024))
    assert status == 413
    assert rss_mb(dav.proc.pid) - before < 40
    # Ordinary requests are untouched, and the server still answers.
    small = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
    assert dav.request("PROPFIND", WEEK, small, {"Depth": "1", "Content-Type": "text/xml"})[0] == 207
    assert dav.request("MKCOL", "/.Trashes")[0] == 201
    assert dav.request("PUT", "/.Trashes/Thumbs.db", b"\xd0\xcf\x11\xe0" * 250_000)[0] == 201  # 1 MB: fine


def test_a_chunked_put_is_bounded_too(dav):
    """No Content-Length to check up front: the server stops reading at the bound."""
    import http.client
    assert dav.request("MKCOL", "/.Trashes")[0] == 201
    before = rss_mb(dav.proc.pid)
    conn = http.client.HTTPConnection(dav.host, dav.port, timeout=30)
    try:
        chunk = b"\0" * (1024 * 1024)
        conn.request("PUT", "/.Trashes/big", body=(chunk for _ in range(40)), encode_chunked=True)
        status = conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        status = 413  # the server stopped reading and closed: the same answer, seen from here
    finally:
        conn.close()
    assert status == 413
    assert "big" not in names(dav, "/.Trashes")
    assert rss_mb(dav.proc.pid) - before < 40


def test_the_host_names_a_server_answers_to():
    from photofs.adapters.webdav import allowed_hosts
    loop = allowed_hosts("127.0.0.1", 8080)
    assert loop == {"127.0.0.1:8080", "localhost:8080", "[::1]:8080"}
    assert allowed_hosts("localhost", 80) >= {"localhost", "localhost:80", "127.0.0.1"}
    lan = allowed_hosts("192.0.2.7", 8080)  # on the network, with a password: also this machine's names
    assert "192.0.2.7:8080" in lan and f"{socket.gethostname().lower()}:8080" in lan
    assert "localhost:8080" not in lan and "evil.example:8080" not in lan
    assert allowed_hosts("0.0.0.0", 8080) is None  # any: every address of the machine, password required


def test_a_huge_body_is_refused_before_it_is_sent(dav):
    """A client that asks first (`Expect: 100-continue`, as curl does) with a body over
    every bound hears 413 at once, and never sends the gigabyte."""
    with socket.create_connection((dav.host, dav.port), timeout=10) as s:
        s.sendall(f"PUT /.Trashes/big HTTP/1.1\r\nHost: 127.0.0.1:{dav.port}\r\nContent-Length: {1 << 30}\r\n"
                  "Expect: 100-continue\r\n\r\n".encode())
        assert s.recv(4096).split(b"\r\n", 1)[0].startswith(b"HTTP/1.1 413 ")
