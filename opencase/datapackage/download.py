"""Downloading the files of a package at an http(s) URL, for :func:`opencase.load`.

Only http and https are ever opened: the opener has no handler for any other scheme (no
``file:``, ``ftp:``, ``data:``), a redirect must lead to http(s), and a URL with white space
or a control character is refused before any parser can strip it. A resource path is joined
with the descriptor's URL as a file path (percent-encoded, so ``%2e%2e`` or ``?`` stay part of
the file name) and the result must have the descriptor's scheme and host and lie in its folder.

A resource's download may be redirected only inside the package: to the descriptor's scheme,
host and port, in its folder (the descriptor's own download may be redirected anywhere http(s);
its resources are then found beside where it was found).

Every read of the socket honours the clock: headers must arrive within ``timeout`` seconds,
no wait for data may last longer than ``timeout``, once ``timeout`` seconds have passed the
download must average ``MIN_RATE`` bytes a second (so a server trickling bytes, in its headers
or its body, cannot hold a download open), and the whole download must end within ``timeout +
(limit + OVERHEAD) / MIN_RATE`` seconds. A body is read at most one byte past what it may hold
(``limit``: the descriptor's ``bytes``, or ``max_bytes``), whether or not the server sends
``Content-Length``, and a body cut short of its ``Content-Length`` is an error. What the server
sends besides the body (status lines, headers, ``100 Continue`` replies, chunk sizes and
extensions, trailers, the bodies of redirects) may add at most ``OVERHEAD`` bytes to it: every
byte read off the wire counts, so a fast server cannot keep a download busy with framing.
"""

from __future__ import annotations

import functools
import http.client
import io
import re
import socket
import ssl
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from opencase.errors import IntegrityError, LoadError

__all__ = ["MIN_RATE", "OVERHEAD", "check_url", "download", "resource_url"]

MIN_RATE = 16 * 1024  # bytes per second a download must average once `timeout` has passed
OVERHEAD = 1 << 20  # bytes a download may read off the wire besides the file's own
_CHUNK = 1 << 20
_SCHEMES = ("http", "https")
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))
# characters kept as they are when a URL given by the user is made ASCII
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def check_url(url: str, what: str = "URL") -> str:
    """``url`` if it is an absolute http(s) URL without white space or control characters
    (non-ASCII characters percent-encoded); :class:`LoadError` otherwise."""
    bad = next((c for c in url if c.isspace() or unicodedata.category(c) in _HIDDEN), None)
    if bad is not None:
        raise LoadError(f"{url!r}: the {what} contains white space or the control character "
                        f"U+{ord(bad):04X}, which is not allowed")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:  # e.g. "Invalid IPv6 URL"
        raise LoadError(f"{url}: not a valid URL: {exc}") from None
    if parts.scheme.lower() not in _SCHEMES:
        raise LoadError(f"{url}: only http and https URLs can be loaded")
    if not parts.hostname:
        raise LoadError(f"{url}: the {what} has no host")
    return urllib.parse.quote(url, safe=_URL_SAFE)


def resource_url(descriptor_url: str, path: str) -> str:
    """The URL of the package file ``path`` (a relative file path, already checked), joined
    with the URL of the descriptor; :class:`LoadError` unless it has the descriptor's scheme
    and host and lies in its folder."""
    url = urllib.parse.urljoin(descriptor_url, urllib.parse.quote(path, safe="/"))
    got = urllib.parse.urlsplit(url)
    if not _inside(descriptor_url, url) or got.query or got.fragment:
        raise LoadError(f"resource path {path!r} is refused: it leads to {url}, outside the "
                        f"package at {package_folder(descriptor_url)}")
    return check_url(url)


def package_folder(descriptor_url: str) -> str:
    """The folder of the descriptor at ``descriptor_url`` (what its resources must lie in)."""
    base = urllib.parse.urlsplit(descriptor_url)
    return f"{base.scheme}://{base.netloc}{base.path[: base.path.rfind('/') + 1] or '/'}"


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _inside(descriptor_url: str, url: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``descriptor_url`` and lies in its
    folder (no ``..`` segment, even percent-encoded, and no backslash)."""
    base, got = urllib.parse.urlsplit(descriptor_url), urllib.parse.urlsplit(url)
    try:
        same = _origin(base) == _origin(got)
    except ValueError:  # a port that is not a number
        return False
    folder = base.path[: base.path.rfind("/") + 1] or "/"
    segments = re.split(r"[/\\]", urllib.parse.unquote(got.path))
    return same and got.path.startswith(folder) and ".." not in segments


# ---------------------------------------------------------------- the clock


class _TooSlow(TimeoutError):
    pass


class _TooMuch(Exception):  # not an OSError: urllib would wrap it in a URLError
    pass


class _Clock:
    """When the next byte must have arrived: within ``timeout`` of the start, once ``timeout``
    has passed at ``MIN_RATE`` bytes a second on average, and all of them by the deadline;
    and how many more bytes may be read off the wire (``OVERHEAD`` past the body's)."""

    def __init__(self, timeout: float, limit: int) -> None:
        self.timeout = timeout
        self.start = time.monotonic()
        self.received = 0  # bytes read off the wire
        self.body = 0  # bytes of the file handed over
        self.deadline = timeout + (limit + OVERHEAD) / MIN_RATE

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def wait(self) -> float:
        """How long the next read may wait (raises :class:`_TooSlow` when it may not)."""
        left = min(max(self.timeout, self.received / MIN_RATE), self.deadline) - self.elapsed()
        if left <= 0:
            raise _TooSlow
        return min(self.timeout, left)

    def room(self) -> int:
        """How many bytes the next read may take (raises :class:`_TooMuch` when none)."""
        room = self.body + OVERHEAD - self.received
        if room <= 0:
            raise _TooMuch
        return room


class _PacedReader(io.RawIOBase):
    """The socket's input (``raw``: its unbuffered file), each read bounded by the clock."""

    def __init__(self, sock: Any, raw: Any, clock: _Clock) -> None:
        self.sock, self.raw, self.clock = sock, raw, clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")[: self.clock.room()]
        self.sock.settimeout(self.clock.wait())
        try:
            n = int(self.raw.readinto(view) or 0)
        except TimeoutError:
            if self.clock.received:
                raise _TooSlow from None
            raise
        self.clock.received += n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class _PacedSocket:
    """A connected socket whose ``makefile`` (what http.client reads from) is paced."""

    def __init__(self, sock: Any, clock: _Clock) -> None:
        self._sock, self._clock = sock, clock

    def makefile(self, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        raw = self._sock.makefile("rb", buffering=0)  # holds the socket open until closed
        return io.BufferedReader(_PacedReader(self._sock, raw, self._clock))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _PacedHTTP(http.client.HTTPConnection):
    clock: _Clock

    def connect(self) -> None:
        super().connect()
        self.sock = _PacedSocket(self.sock, self.clock)


class _PacedHTTPS(http.client.HTTPSConnection):
    clock: _Clock

    def connect(self) -> None:
        super().connect()
        self.sock = _PacedSocket(self.sock, self.clock)


def _connection(cls: type, clock: _Clock, *args: Any, **kwargs: Any) -> Any:
    conn = cls(*args, **kwargs)
    conn.clock = clock
    return conn


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self.clock = clock

    def http_open(self, req: Any) -> Any:
        return self.do_open(functools.partial(_connection, _PacedHTTP, self.clock), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, clock: _Clock) -> None:
        super().__init__(context=ssl.create_default_context())
        self.clock = clock

    def https_open(self, req: Any) -> Any:
        return self.do_open(functools.partial(_connection, _PacedHTTPS, self.clock), req,
                            context=self._context)  # type: ignore[attr-defined]


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects to http(s) only, and with ``within`` (a descriptor's URL) only to its scheme,
    host and port, in its folder."""

    def __init__(self, within: str | None) -> None:
        super().__init__()
        self.within = within

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        try:
            check_url(newurl, "redirect")
        except LoadError as exc:
            raise LoadError(f"{req.full_url}: redirected to {newurl!r}, which is not allowed "
                            f"({str(exc).partition(': ')[2]})") from None
        if self.within is not None and not _inside(self.within, newurl):
            raise LoadError(f"{req.full_url}: redirected to {newurl!r}, outside the package at "
                            f"{package_folder(self.within)}: not followed (a package's files "
                            "are downloaded from its own folder only)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(clock: _Clock, within: str | None) -> urllib.request.OpenerDirector:
    """An opener that can open http and https URLs only (urllib's default one also opens
    ``file:``, ``ftp:`` and ``data:`` URLs)."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), _HTTPHandler(clock), _HTTPSHandler(clock),
                    urllib.request.HTTPDefaultErrorHandler(), _HttpOnlyRedirects(within),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


# ---------------------------------------------------------------- downloading


def download(url: str, target: Path, timeout: float, max_bytes: int, *,
             expected: int | None = None, shown: str | None = None,
             within: str | None = None) -> str:
    """Download ``url`` to ``target``; returns the URL it came from (after redirects).
    ``expected``: the most bytes the file may have (its descriptor's ``bytes``); more is an
    :class:`IntegrityError` naming ``shown``, raised as soon as the byte past it arrives.
    ``within``: the URL of the descriptor whose folder redirects may not leave. Every other
    failure is a :class:`LoadError`."""
    from opencase.version import __version__
    url = check_url(url)
    limit = max_bytes if expected is None else min(max_bytes, expected)
    clock = _Clock(timeout, limit)
    request = urllib.request.Request(url, headers={"User-Agent": f"opencase/{__version__}"})

    def too_big(size: int, says: str = "") -> LoadError:
        if expected is not None and expected <= max_bytes:
            return IntegrityError(shown or url, f"{says}more than the {expected:,} bytes the "
                                  "package says: the file was changed (download stopped)")
        return LoadError(f"{url}: {says}more than the limit of {max_bytes:,} bytes")

    try:
        with _opener(clock, within).open(request, timeout=timeout) as resp, \
                open(target, "wb") as out:
            # http.client's reading of Content-Length: None when chunked (which wins) or invalid
            length = resp.length if isinstance(getattr(resp, "length", None), int) else None
            if length is not None and length > limit:
                raise too_big(length, f"the server says {length:,} bytes, ")
            size = 0
            read = getattr(resp, "read1", resp.read)  # read1: whatever has arrived, at once
            while chunk := read(min(_CHUNK, limit + 1 - size)):
                size += len(chunk)
                clock.body = size
                if size > limit:
                    raise too_big(size)
                out.write(chunk)
                clock.wait()
            if length is not None and size != length:
                raise LoadError(f"{url}: the download was cut short: {size:,} of {length:,} "
                                "bytes")
            return str(resp.geturl())
    except _TooMuch:
        raise LoadError(f"{url}: the server sent more than {OVERHEAD:,} bytes besides the "
                        f"{clock.body:,} of the file (status lines, headers, interim replies, "
                        "chunk framing, trailers or redirects): download stopped") from None
    except _TooSlow:
        elapsed = clock.elapsed()
        if elapsed >= clock.deadline:
            raise LoadError(f"{url}: too slow: not done after {elapsed:.1f} s, the most a "
                            f"download of at most {limit:,} bytes may take; try again "
                            "later") from None
        raise LoadError(f"{url}: too slow: {clock.received:,} bytes in {elapsed:.1f} s (less "
                        f"than {MIN_RATE // 1024} KiB/s once {timeout:g} s have passed); try "
                        "again later") from None
    except urllib.error.HTTPError as exc:
        raise LoadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise LoadError(f"{url}: no answer within {timeout:g} s") from None
        raise LoadError(f"{url}: cannot be downloaded: {exc.reason}") from None
    except TimeoutError:
        raise LoadError(f"{url}: no answer within {timeout:g} s") from None
    except http.client.HTTPException as exc:
        raise LoadError(f"{url}: cannot be downloaded: the server's answer is not valid HTTP "
                        f"({type(exc).__name__}: {exc})") from None
    except (OSError, ValueError) as exc:
        raise LoadError(f"{url}: cannot be downloaded: {exc}") from None
