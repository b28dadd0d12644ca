"""A real Dovecot IMAP server on loopback, started by the tests (Debian's `dovecot-imapd`).

`dovecot` (session): one Dovecot with its own configuration, base_dir, logs and maildirs in a
temporary folder, listening on two free loopback ports: plain IMAP (STARTTLS offered) and
implicit TLS, both with a self-signed certificate made here (`cert_file`, which the app under
test trusts through PARLEY_IMAP_CA_FILE: certificates stay verified in the tests too). Users
come from a passwd-file (`add_user` hands out one made in advance); tests put messages in a
mailbox with IMAP APPEND (`append`) and read its flags back (`flags`) through the standard
library's imaplib, so the client under test is not also the one that checks it.

Without Dovecot the tests that use it skip, unless PARLEY_REQUIRE_DOVECOT=1 (CI), where they
fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import imaplib
import ipaddress
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.ports import free_port

DOVECOT = os.environ.get("PARLEY_DOVECOT", "/usr/sbin/dovecot")
STARTUP_SECONDS = 15.0
# Mailbox users made for the session (each test takes fresh ones).
USERS = 200


def dovecot_missing() -> str | None:
    """Why the IMAP tests cannot run here, or None when Dovecot is installed."""
    if Path(DOVECOT).is_file():
        return None
    return f"Dovecot not found at {DOVECOT} (install Debian's `dovecot-imapd` package)"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


class Dovecot:
    """One Dovecot process and its folder (see the module doc)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()  # plain IMAP, STARTTLS offered
        self.tls_port = free_port()  # implicit TLS
        self.cert_file, self.key_file = _self_signed(folder)
        # Every user is written before Dovecot starts: it rereads a passwd-file that changes
        # only when it notices a new mtime, and two additions within a second can go unseen.
        self.users_file = folder / "users"
        self._users = [
            (f"user{n}-{secrets.token_hex(4)}", secrets.token_urlsafe(12)) for n in range(USERS)
        ]
        self.users_file.write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self._users))
        self.process: subprocess.Popen[bytes] | None = None
        if os.getuid() == 0:
            # Dovecot runs mail processes as a user of their own, never as root.
            account = pwd.getpwnam("nobody")
            self.mail_uid, self.mail_gid = account.pw_uid, account.pw_gid
            internal, login = "dovecot", "dovenull"
        else:
            self.mail_uid, self.mail_gid = os.getuid(), os.getgid()
            internal = login = pwd.getpwuid(os.getuid()).pw_name
        (folder / "mail").mkdir()
        os.chown(folder / "mail", self.mail_uid, self.mail_gid)
        self.config = folder / "dovecot.conf"
        self.config.write_text(
            f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
info_log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
ssl = yes
ssl_cert = <{self.cert_file}
ssl_key = <{self.key_file}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_file}
}}
userdb {{
  driver = static
  args = uid={self.mail_uid} gid={self.mail_gid} home={folder}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
        )

    def start(self) -> None:
        # -F: in the foreground, so this process owns it and can stop it.
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            with contextlib.suppress(OSError):
                with imaplib.IMAP4("127.0.0.1", self.port, timeout=2) as probe:
                    probe.noop()
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Dovecot did not start: {self.log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self, tail: int = 4000) -> str:
        """The end of Dovecot's log (`tail` characters; 0: all of it)."""
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else "(no log)"

    def add_user(self) -> tuple[str, str]:
        """A mailbox user no test had yet; returns (username, password)."""
        if not self._users:
            raise RuntimeError(f"all {USERS} mailbox users are taken: raise USERS")
        return self._users.pop()

    def _client(self, user: str, password: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(user, password)
        return client

    def append_now(self, user: str, password: str, raw: bytes, folder: str = "INBOX") -> None:
        with self._client(user, password) as client:
            status, answer = client.append(folder, "", None, raw)
            assert status == "OK", answer

    async def append(self, user: str, password: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put `raw` in `user`'s `folder` with IMAP APPEND, as a mail server delivers it."""
        await asyncio.to_thread(self.append_now, user, password, raw, folder)

    def _flags(self, user: str, password: str, folder: str) -> dict[int, str]:
        with self._client(user, password) as client:
            client.select(folder, readonly=True)
            status, lines = client.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", lines
            found = {}
            for line in lines:
                if not isinstance(line, bytes):
                    continue
                text = line.decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                found[uid] = text
            return found

    async def flags(self, user: str, password: str, folder: str = "INBOX") -> dict[int, str]:
        """Each message's UID and its FETCH line (its flags)."""
        return await asyncio.to_thread(self._flags, user, password, folder)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    message = dovecot_missing()
    if message is not None:
        if os.environ.get("PARLEY_REQUIRE_DOVECOT", "").strip() == "1":
            pytest.fail(message + "; PARLEY_REQUIRE_DOVECOT=1 makes this an error")
        pytest.skip(message)
    # Not pytest's tmp_path: its parents are private to this user, and Dovecot's mail
    # processes run as another user, who must reach the maildirs.
    folder = Path(tempfile.mkdtemp(prefix="parley-dovecot-"))
    folder.chmod(0o755)
    server = Dovecot(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
