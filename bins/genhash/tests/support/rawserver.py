#!/usr/bin/env python3
"""Scripted HTTP(S) server for genhash's integration tests.

Binds 127.0.0.1 on a free port, prints the port on its first stdout line, then serves every
connection in a thread until it is killed. Usage: rawserver.py MODE [ARGS] [--tls CERT KEY]

  file PATH        after the request, send PATH's bytes verbatim (a whole raw response), close
  endless-headers  send a status line, then header lines until the client goes away
  big N            send a header without Content-Length, then N pattern bytes, close
  silent           read the request and never answer
  log PATH         like `file`, after appending the raw request to PATH.log

With --tls the socket is wrapped in TLS and closed with close_notify.
"""
import socket
import ssl
import sys
import threading


def read_request(conn):
    """Reads up to the blank line; a request cut short (keepalived truncates long ones) ends
    when nothing more arrives for a second."""
    data = b""
    conn.settimeout(1.0)
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ssl.SSLError):
        pass
    conn.settimeout(None)
    return data


def handle(conn, mode, args):
    try:
        request = read_request(conn)
        if mode in ("file", "log"):
            if mode == "log":
                with open(args[0] + ".log", "ab") as f:
                    f.write(request)
            with open(args[0], "rb") as f:
                conn.sendall(f.read())
        elif mode == "endless-headers":
            conn.sendall(b"HTTP/1.0 200 OK\r\n")
            line = b"X-Pad: " + b"a" * 56 + b"\r\n"
            while True:
                conn.sendall(line * 64)
        elif mode == "big":
            left = int(args[0])
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
            block = bytes(range(256)) * 256
            while left > 0:
                n = min(left, len(block))
                conn.sendall(block[:n])
                left -= n
        elif mode == "silent":
            threading.Event().wait()
        if isinstance(conn, ssl.SSLSocket):
            conn = conn.unwrap()
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    argv = sys.argv[1:]
    context = None
    if "--tls" in argv:
        i = argv.index("--tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(argv[i + 1], argv[i + 2])
        del argv[i:i + 3]
    mode, args = argv[0], argv[1:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        if context is not None:
            try:
                conn = context.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=handle, args=(conn, mode, args), daemon=True).start()


if __name__ == "__main__":
    main()
