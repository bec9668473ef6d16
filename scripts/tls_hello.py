# SPDX-License-Identifier: GPL-2.0
"""What a TLS 1.3 server drew from its RNG, as a real client sees it.

hello(port) runs the unmodified client, openssl s_client -tls1_3 -msg, once
against 127.0.0.1:PORT and reads the server's ServerHello out of the -msg
hex dump: its 32-byte random and its key_share (group and key_exchange),
both fresh random draws of the server per handshake. Clones of one VM
snapshot whose server DRBG did not reseed repeat them. Used by host tests
(selftests/host/tls_hello_test.py); parse() works on saved -msg output too.
"""

import os
import re
import subprocess

# RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random.
HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
EXT_KEY_SHARE = 0x0033
# The TLS 1.3 groups s_client offers, by IANA number (RFC 8446, RFC 8422,
# draft-ietf-tls-mlkem): recorded by name where known.
GROUPS = {0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
          0x001d: "x25519", 0x001e: "x448", 0x11ec: "X25519MLKEM768"}

# "<<< TLS 1.3, Handshake [length 007a], ServerHello": a received message,
# followed by its bytes as indented hex lines. Record headers
# ("<<< TLS 1.2, RecordHeader [length 0005]") are entries of their own.
HEADER = re.compile(r"^(<<<|>>>) .*?, (\w+)$|^(<<<|>>>) ")
HEX = re.compile(r"^\s+((?:[0-9a-f]{2} ?)+)$")


def messages(text):
    """(direction, name, bytes) of each message s_client -msg printed."""
    out = []
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            out.append((m.group(1) or m.group(3), m.group(2), bytearray()))
            continue
        m = HEX.match(line)
        if m and out:
            out[-1][2].extend(bytes.fromhex(m.group(1)))
    return out


def server_hello(msg):
    """{"random", "group", "group_name", "key_exchange"} (hex strings) of
    one ServerHello handshake message, or None if it is malformed."""
    try:
        if msg[0] != 2 or int.from_bytes(msg[1:4], "big") != len(msg) - 4:
            return None
        random = bytes(msg[6:38])
        i = 38
        i += 1 + msg[i]                 # legacy_session_id_echo
        i += 2 + 1                      # cipher_suite, compression_method
        end = i + 2 + int.from_bytes(msg[i:i + 2], "big")
        i += 2
        share = None
        while i + 4 <= end:
            ext = int.from_bytes(msg[i:i + 2], "big")
            n = int.from_bytes(msg[i + 2:i + 4], "big")
            data = msg[i + 4:i + 4 + n]
            if ext == EXT_KEY_SHARE and len(data) >= 4:
                group = int.from_bytes(data[0:2], "big")
                klen = int.from_bytes(data[2:4], "big")
                if klen == len(data) - 4:
                    share = (group, bytes(data[4:]))
            i += 4 + n
    except IndexError:
        return None
    if len(random) != 32 or share is None:
        return None
    return {"random": random.hex(), "group": share[0],
            "group_name": GROUPS.get(share[0], "0x%04x" % share[0]),
            "key_exchange": share[1].hex()}


def parse(text):
    """The server's ServerHello from s_client -msg output, or None. A
    HelloRetryRequest (a ServerHello carrying HRR_RANDOM, its key_share
    only a group) is skipped: the ServerHello after it is the real one."""
    hellos = [m for d, name, m in messages(text)
              if d == "<<<" and name == "ServerHello"
              and bytes(m[6:38]) != HRR_RANDOM]
    return server_hello(hellos[-1]) if hellos else None


def hello(port, name="localhost", timeout=20, env=None):
    """One TLS 1.3 handshake with 127.0.0.1:PORT; the ServerHello's fields
    (see server_hello()), or None if the handshake failed or timed out."""
    try:
        p = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
             "-tls1_3", "-msg", "-servername", name],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=timeout,
            env=dict(os.environ, **env) if env else None)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        return None
    return parse(p.stdout.decode("utf-8", "replace"))
