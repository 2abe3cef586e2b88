"""A real SFTP server for tests: paramiko's SSH server and SFTP subsystem on 127.0.0.1 in a
thread, with a throwaway host key, serving one folder to one user who logs in with a public key
(no password is accepted)."""

import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_NO_SUCH_FILE, SFTP_OK, SFTP_PERMISSION_DENIED

SFTP_USER = "bright-files"


def _status(error: OSError) -> int:
    return paramiko.SFTPServer.convert_errno(error.errno)


class _Handle(paramiko.SFTPHandle):
    def stat(self):
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as error:
            return _status(error)


class _Folder(paramiko.SFTPServerInterface):
    """The SFTP operations a delivery uses, confined to the server's root folder."""

    def __init__(self, server, *args, root: Path, state: "SftpServer", **kwargs):
        super().__init__(server, *args, **kwargs)
        self.root, self.state = root.resolve(), state

    def _real(self, path: str) -> Path:
        real = (self.root / self.canonicalize(path).lstrip("/")).resolve()
        if real != self.root and self.root not in real.parents:
            raise PermissionError(13, "outside the root")
        return real

    def canonicalize(self, path):
        return os.path.normpath("/" + path.lstrip("/")) if path not in ("", ".") else "/"

    def stat(self, path):
        try:
            attributes = paramiko.SFTPAttributes.from_stat(os.stat(self._real(path)))
        except OSError as error:
            return _status(error)
        if path.endswith(".part"):
            attributes.st_size -= self.state.lose_bytes  # a server that lost the end of an upload
        return attributes

    lstat = stat

    def list_folder(self, path):
        try:
            folder = self._real(path)
            return [
                paramiko.SFTPAttributes.from_stat(os.stat(folder / name), name) for name in sorted(os.listdir(folder))
            ]
        except OSError as error:
            return _status(error)

    def open(self, path, flags, attr):
        try:
            real = self._real(path)
            descriptor = os.open(real, flags | getattr(os, "O_BINARY", 0), 0o644)
            stream = os.fdopen(descriptor, "r+b" if flags & os.O_RDWR else ("wb" if flags & os.O_WRONLY else "rb"))
        except OSError as error:
            return _status(error)
        handle = _Handle(flags)
        handle.filename, handle.readfile, handle.writefile = str(real), stream, stream
        return handle

    def remove(self, path):
        try:
            os.remove(self._real(path))
        except OSError as error:
            return _status(error)
        return SFTP_OK

    def rename(self, oldpath, newpath):
        target = self._real(newpath)
        if target.exists():
            return SFTP_FAILURE  # plain SFTP rename never replaces
        return self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath, newpath):
        try:
            os.replace(self._real(oldpath), self._real(newpath))
        except OSError as error:
            return _status(error)
        self.state.renames.append(Path(newpath).name)
        return SFTP_OK

    def mkdir(self, path, attr):
        return SFTP_PERMISSION_DENIED

    def chattr(self, path, attr):
        return SFTP_OK if self._real(path).exists() else SFTP_NO_SUCH_FILE


@dataclass
class SftpServer:
    root: Path
    host_key: paramiko.PKey
    authorized_key: paramiko.PKey
    host: str = "127.0.0.1"
    port: int = 0
    lose_bytes: int = 0
    logins: list[str] = field(default_factory=list)
    renames: list[str] = field(default_factory=list)
    _listener: socket.socket | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def host_key_line(self) -> str:
        return f"{self.host_key.get_name()} {self.host_key.get_base64()}"

    def files(self, folder: str = "") -> dict[str, bytes]:
        base = self.root / folder
        return {path.name: path.read_bytes() for path in sorted(base.iterdir()) if path.is_file()}

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


class _Authenticator(paramiko.ServerInterface):
    def __init__(self, state: SftpServer):
        self.state = state

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_publickey(self, username, key):
        if username == SFTP_USER and key == self.state.authorized_key:
            self.state.logins.append(username)
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


def start_sftp_server(root: Path, *, authorized_key: paramiko.PKey, other_host_keys=()) -> SftpServer:
    """`other_host_keys`: more host keys the server offers (as OpenSSH does: one of each kind)."""
    root.mkdir(parents=True, exist_ok=True)
    state = SftpServer(root=root, host_key=paramiko.ECDSAKey.generate(), authorized_key=authorized_key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    state._listener, state.port = listener, listener.getsockname()[1]

    def serve_one(connection: socket.socket) -> None:
        transport = paramiko.Transport(connection)
        for key in (state.host_key, *other_host_keys):
            transport.add_server_key(key)
        transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Folder, root=root, state=state)
        try:
            transport.start_server(server=_Authenticator(state))
            while transport.is_active() and not state._stop.is_set():
                state._stop.wait(0.1)
        except (paramiko.SSHException, EOFError, OSError):
            pass
        finally:
            transport.close()

    def accept() -> None:
        while not state._stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=serve_one, args=(connection,), name="sftp-session", daemon=True)
            state._threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, name="sftp-server", daemon=True)
    state._threads.append(acceptor)
    acceptor.start()
    return state
