#!/usr/bin/env python3
"""Known-answer vectors for Albireo's aes-256-gcm sealed form, version 1, computed independently of the Java code with
pyca/cryptography (OpenSSL underneath) from the format as docs/CIPHERS.md describes it. AesGcmKnownAnswerTest reads
the output. Regenerate: python3 sealed_vectors.py > ../resources/io/albireo/cipher/aesgcm/internal/sealed-vectors.txt
"""
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"albireo aes-256-gcm v1"


def seal(key: bytes, salt: bytes, log2: int, plaintext: bytes) -> bytes:
    block = 1 << log2
    fields = bytes([1, log2]) + len(plaintext).to_bytes(8, "big") + salt
    subkey = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=INFO).derive(key)
    gcm = AESGCM(subkey)
    header = fields + gcm.encrypt(b"\xff" * 12, b"", fields)  # the header tag: GMAC of the fields
    blocks = (len(plaintext) + block - 1) // block
    return header + b"".join(
        gcm.encrypt(i.to_bytes(12, "big"), plaintext[i * block:(i + 1) * block], header) for i in range(blocks))


key = bytes(range(32))
salt = bytes(range(0x80, 0xA0))
for name, log2, length in (("empty", 9, 0), ("three-blocks", 9, 1300)):
    plaintext = bytes((i * 7) % 251 for i in range(length))
    print(f"{name} key={key.hex()} salt={salt.hex()} log2={log2} length={length} "
          f"plaintext=(i*7)%251 sealed={seal(key, salt, log2, plaintext).hex()}")
