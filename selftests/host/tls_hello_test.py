#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scripts/tls_hello.py against a real server on the host: openssl s_server
-tls1_3 on 127.0.0.1 with a throwaway self-signed key, 5 handshakes by
openssl s_client -msg. Each must yield a 32-byte ServerHello random, all 5
distinct, and a key share of the negotiated group's size; a closed port
must yield None (the control)."""

import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import tls_hello  # noqa: E402
from tap import Tap  # noqa: E402

HANDSHAKES = 5
# key_exchange bytes of a TLS 1.3 server share (RFC 8446 4.2.8.2, RFC
# 7748, draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 ciphertext + X25519).
SHARE_LEN = {"x25519": 32, "x448": 56, "secp256r1": 65, "secp384r1": 97,
             "secp521r1": 133, "X25519MLKEM768": 1120}


def free_port():
    """A port nothing listens on: bound, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    tap = Tap()
    with tempfile.TemporaryDirectory() as d:
        key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
                        "-days", "1", "-keyout", key, "-out", cert],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        port = free_port()
        # -www: the server answers without reading its stdin.
        log = open(os.path.join(d, "srv"), "w+")
        srv = subprocess.Popen(["openssl", "s_server", "-www", "-tls1_3",
                                "-accept", "127.0.0.1:%d" % port,
                                "-cert", cert, "-key", key],
                               stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                log.seek(0)
                if "ACCEPT" in log.read():
                    break
                time.sleep(0.1)
            hellos = [tls_hello.hello(port) for _ in range(HANDSHAKES)]
        finally:
            srv.kill()
            srv.wait()
            log.close()

    got = [h for h in hellos if h]
    tap.check(len(got) == HANDSHAKES, "%d handshakes, %d ServerHellos parsed"
              % (HANDSHAKES, len(got)))
    randoms = [h["random"] for h in got]
    tap.check(got and all(len(bytes.fromhex(r)) == 32 for r in randoms),
              "every ServerHello random is 32 bytes", "\n".join(randoms))
    tap.check(len(set(randoms)) == len(randoms) == HANDSHAKES,
              "the %d randoms are distinct" % HANDSHAKES, "\n".join(randoms))
    groups = sorted({h["group_name"] for h in got})
    tap.diag("negotiated key share group: %s" % ", ".join(groups))
    bad = [h for h in got if len(bytes.fromhex(h["key_exchange"]))
           != SHARE_LEN.get(h["group_name"], -1)]
    tap.check(got and not bad, "every key share has its group's size (%s)"
              % ", ".join("%s %d bytes" % (g, SHARE_LEN.get(g, -1)) for g in groups),
              "\n".join("%s %s" % (h["group_name"], h["key_exchange"]) for h in bad))
    shares = [h["key_exchange"] for h in got]
    tap.check(len(set(shares)) == len(shares) == HANDSHAKES,
              "the %d server key shares are distinct" % HANDSHAKES)
    tap.check(tls_hello.hello(free_port(), timeout=10) is None,
              "a closed port gives None (control)")
    tap.done()


if __name__ == "__main__":
    main()
