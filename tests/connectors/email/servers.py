"""Real local mail servers for tests and the bench: Dovecot IMAP (unprivileged) and aiosmtpd."""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER, PASSWORD = "pengaduan", "rahasia-uji"

_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _identities() -> dict[str, Any]:
    if os.geteuid() != 0:  # unprivileged: every Dovecot process runs as us
        me = pwd.getpwuid(os.geteuid())
        return {
            "internal_user": me.pw_name,
            "internal_group": me.pw_name,
            "login_user": me.pw_name,
            "mail_uid": me.pw_uid,
            "mail_gid": me.pw_gid,
        }
    # as root (CI containers) Dovecot refuses to run its workers as root: use its own users
    return {
        "internal_user": "dovecot",
        "internal_group": "dovecot",
        "login_user": "dovenull",
        "mail_uid": "dovecot",
        "mail_gid": "dovecot",
    }


@dataclass
class Dovecot:
    """A Dovecot instance on a free port with its own temporary mail store."""

    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls) -> Dovecot:
        """Write the config, start `dovecot -F`, wait until IMAP answers."""
        assert DOVECOT, "dovecot binary not found"
        root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        server = cls(root=root, port=free_port())
        ids = _identities()
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (root / "dovecot.conf").write_text(_CONF.format(root=root, port=server.port, **ids))
        if os.geteuid() == 0:
            root.chmod(0o755)
            for sub in ("mail", "home"):
                shutil.chown(root / sub, "dovecot", "dovecot")
        server.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server._wait_ready()
        return server

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        log = (
            (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
        )
        self.stop()
        raise RuntimeError(f"dovecot did not start: {log[-2000:]}")

    def stop(self) -> None:
        """Stop the server and delete its mail store."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class SmtpSink:
    """aiosmtpd on a free port keeping every message it is given."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)
    controller: Any = None
    refuse_with: str = ""  # e.g. "550 5.1.1 no such user" or "451 4.3.0 try later"

    def start(self) -> SmtpSink:
        """Start the server thread."""
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - test-only dependency

        # aiosmtpd logs every session at INFO from its own thread, sometimes after pytest has
        # closed the captured stream ("I/O operation on closed file"); its warnings still show.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

        sink = self

        class Handler:
            async def handle_RCPT(
                self,
                server: Any,
                session: Any,
                envelope: Any,  # noqa: N802
                address: str,
                options: list[str],
            ) -> str:
                if sink.refuse_with:
                    return sink.refuse_with
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                sink.messages.append(message_from_bytes(envelope.content))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop the server thread."""
        if self.controller is not None:
            self.controller.stop()


class DroppingProxy:
    """A TCP proxy that cuts the connection once the server has sent `cut_after` bytes of FETCH."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.cut_after: int | None = None
        self.cuts = 0
        self._sock = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        sent_in_fetch = 0
        try:
            while data := src.recv(8192):
                if from_server and self.cut_after is not None and b" FETCH " in data:
                    sent_in_fetch += len(data)
                    if sent_in_fetch > self.cut_after:
                        dst.sendall(data[: max(self.cut_after - (sent_in_fetch - len(data)), 0)])
                        self.cut_after, self.cuts = None, self.cuts + 1
                        break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Stop accepting connections."""
        self._sock.close()
