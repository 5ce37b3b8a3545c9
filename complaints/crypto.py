"""The only module that touches cryptographic primitives: sealing keys, field and file encryption.

Everything else in the application speaks in the verbs below. Every ciphertext starts with a
format version byte, and every HPKE ``info`` / AES-GCM associated data names the format version,
the purpose and the object, so a ciphertext moved to another case or field fails to open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from complaints import contexts

VERSION = 1
_VERSION_BYTE = bytes([VERSION])
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_NONCE_BYTES = 12
_MLKEM_SEED_BYTES = 64
_X25519_BYTES = 32
_MLKEM_PUBLIC_BYTES = 1184
PRIVATE_KEY_BYTES = _MLKEM_SEED_BYTES + _X25519_BYTES
PUBLIC_KEY_BYTES = _MLKEM_PUBLIC_BYTES + _X25519_BYTES
DATA_KEY_BYTES = 32
FILE_CHUNK_BYTES = 64 * 1024


class CryptoError(Exception):
    """A ciphertext could not be opened: wrong key, wrong object, or it was altered."""


@dataclass(frozen=True)
class Argon2Params:
    """Cost of the password-derived key; production uses at least 64 MiB and three passes."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 1


# --- keypairs: hybrid ML-KEM-768 + X25519, stored as raw parts -------------------------------


def generate_private_key() -> bytes:
    """A fresh private key: the 64-byte ML-KEM seed followed by the 32-byte X25519 key."""
    return os.urandom(PRIVATE_KEY_BYTES)


def _private_parts(private_key: bytes) -> tuple[mlkem.MLKEM768PrivateKey, x25519.X25519PrivateKey]:
    if len(private_key) != PRIVATE_KEY_BYTES:
        raise CryptoError("private key has the wrong length")
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(private_key[:_MLKEM_SEED_BYTES])
    return kem, x25519.X25519PrivateKey.from_private_bytes(private_key[_MLKEM_SEED_BYTES:])


def _private_key_object(private_key: bytes) -> hpke.MLKEM768X25519PrivateKey:
    return hpke.MLKEM768X25519PrivateKey(*_private_parts(private_key))


def public_key_of(private_key: bytes) -> bytes:
    """The 1,216-byte public key (ML-KEM part then X25519 part) of a private key."""
    kem, dh = _private_parts(private_key)
    return kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()


def _public_key_object(public_key: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(public_key) != PUBLIC_KEY_BYTES:
        raise CryptoError("public key has the wrong length")
    kem = mlkem.MLKEM768PublicKey.from_public_bytes(public_key[:_MLKEM_PUBLIC_BYTES])
    dh = x25519.X25519PublicKey.from_public_bytes(public_key[_MLKEM_PUBLIC_BYTES:])
    return hpke.MLKEM768X25519PublicKey(kem, dh)


def key_id(public_key: bytes) -> str:
    """A short stable name for a public key, stored beside everything sealed to it."""
    return hashlib.sha256(contexts.KEY_ID_PREFIX + public_key).hexdigest()[:16]


def _info(purpose: str) -> bytes:
    return f"v{VERSION}|{purpose}".encode()


def seal(secret: bytes, public_key: bytes, purpose: str) -> bytes:
    """Encrypt a small secret (a key) to the holder of ``public_key`` with HPKE.

    ``purpose`` names what is sealed and for whom, e.g. ``dek|case:<uid>|to:<key id>``.
    """
    return _VERSION_BYTE + _SUITE.encrypt(secret, _public_key_object(public_key), _info(purpose))


def unseal(sealed: bytes, private_key: bytes, purpose: str) -> bytes:
    """Open what :func:`seal` made; raises :class:`CryptoError` on any mismatch."""
    if not sealed or sealed[0] != VERSION:
        raise CryptoError("unknown sealed-key format")
    try:
        return _SUITE.decrypt(sealed[1:], _private_key_object(private_key), _info(purpose))
    except (InvalidTag, ValueError) as error:
        raise CryptoError("sealed key does not open") from error


# --- symmetric data keys and fields ---------------------------------------------------------


def new_data_key() -> bytes:
    """A random 256-bit AES key (a case key, an identity key, a session key)."""
    return AESGCM.generate_key(bit_length=256)


def encrypt_bytes(key: bytes, plaintext: bytes, context: str) -> bytes:
    """AES-256-GCM with a fresh random nonce; ``context`` names the object and field."""
    nonce = os.urandom(_NONCE_BYTES)
    return _VERSION_BYTE + nonce + AESGCM(key).encrypt(nonce, plaintext, _info(context))


def decrypt_bytes(key: bytes, ciphertext: bytes, context: str) -> bytes:
    """Open what :func:`encrypt_bytes` made under the same key and context."""
    if len(ciphertext) < 1 + _NONCE_BYTES + 16 or ciphertext[0] != VERSION:
        raise CryptoError("unknown ciphertext format")
    nonce, body = ciphertext[1 : 1 + _NONCE_BYTES], ciphertext[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, _info(context))
    except (InvalidTag, ValueError) as error:
        raise CryptoError("ciphertext does not open") from error


def encrypt_text(key: bytes, text: str, context: str) -> bytes:
    """Encrypt a Unicode string exactly as given (UTF-8, no normalisation)."""
    return encrypt_bytes(key, text.encode("utf-8"), context)


def decrypt_text(key: bytes, ciphertext: bytes, context: str) -> str:
    """Decrypt what :func:`encrypt_text` made."""
    return decrypt_bytes(key, ciphertext, context).decode("utf-8")


# --- passwords ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordKeys:
    """What one Argon2id run over a password yields: a verifier to store and a wrapping key."""

    verifier: bytes = field(repr=False)
    wrapping_key: bytes = field(repr=False)


# Argon2id is memory-hard by design (4 MiB per receipt, 64 MiB per staff log-in): at most one run
# per core at a time, so a burst of submissions queues for a few milliseconds instead of holding a
# buffer per thread (more runs at once would not finish sooner: each keeps one core busy).
_ARGON2_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def _argon2id(
    params: Argon2Params, salt: bytes, length: int, material: bytes, secret: bytes | None = None
) -> bytes:
    with _ARGON2_SLOTS:
        return Argon2id(
            salt=salt,
            length=length,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
            secret=secret,
        ).derive(material)


def new_salt() -> bytes:
    """A random 16-byte salt."""
    return os.urandom(16)


def derive_password_keys(password: str, salt: bytes, params: Argon2Params) -> PasswordKeys:
    """One Argon2id run; the first half checks the password, the second unwraps the key.

    The password is NFKC-normalised: Thai ำ may be typed as one code point or as ํ + า.

    The stored verifier is a hash of the first half, so it reveals nothing about the second.
    """
    output = _argon2id(params, salt, 64, unicodedata.normalize("NFKC", password).encode("utf-8"))
    verifier = hashlib.sha256(contexts.PASSWORD_VERIFIER_PREFIX + output[:32]).digest()
    return PasswordKeys(verifier=verifier, wrapping_key=output[32:])


def same_secret(a: bytes, b: bytes) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a, b)


# --- receipts -------------------------------------------------------------------------------


def stretch_receipt(receipt: str, pepper: bytes, params: Argon2Params) -> bytes:
    """One Argon2id run over a normalised receipt, keyed with a server secret (pepper).

    Everything derived from a receipt comes from this value. The receipt has 66 random bits, so
    this is not a password hash for a weak secret: it makes an offline search by someone holding
    the database *and* the server config cost one Argon2id per guess instead of one HMAC
    (2^66 / cases guesses), for the decades a whistleblower's identity must stay secret.
    """
    return _argon2id(params, contexts.RECEIPT_STRETCH_SALT, 32, receipt.encode(), pepper)


def receipt_lookup(stretched_receipt: bytes, server_secret: bytes) -> bytes:
    """The indexed value that finds a case from its (stretched) receipt: HMAC-SHA256."""
    return hmac.new(server_secret, contexts.RECEIPT_LOOKUP_PREFIX + stretched_receipt, "sha256").digest()


def derive_private_key(material: bytes, salt: bytes, label: str) -> bytes:
    """A deterministic private key from high-entropy material (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=PRIVATE_KEY_BYTES, salt=salt, info=_info(label)).derive(
        material
    )


def derive_key(material: bytes, label: str) -> bytes:
    """A 256-bit symmetric key for one purpose from a server secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"complaints", info=_info(label)).derive(material)


def reporter_private_key(stretched_receipt: bytes, salt: bytes) -> bytes:
    """The reporter's keypair, derived from the stretched receipt and the case's salt."""
    return derive_private_key(stretched_receipt, salt, contexts.REPORTER_KEY)


def mac_hex(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 as hex (the audit chain)."""
    return hmac.new(key, message, "sha256").hexdigest()


def random_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token (session ids, file names, case uids)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What the database keeps of a bearer token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- TOTP -----------------------------------------------------------------------------------

TOTP_STEP_SECONDS = 30


def new_totp_secret() -> bytes:
    """A 160-bit TOTP secret."""
    return os.urandom(20)


def _totp(secret: bytes) -> TOTP:
    # SHA-1 is what RFC 6238 authenticator apps implement; HMAC-SHA1 is not weakened by SHA-1 collisions.
    return TOTP(secret, 6, hashes.SHA1(), TOTP_STEP_SECONDS, enforce_key_length=True)  # noqa: S303 - RFC 6238 apps speak SHA-1


def totp_code(secret: bytes, at: int) -> str:
    """The six-digit code at a Unix time (used by tests and the enrolment check)."""
    return _totp(secret).generate(at).decode()


def totp_matching_step(secret: bytes, code: str, at: int, window: int = 1) -> int | None:
    """The time step (±``window``) at which ``code`` is valid, or None."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = _totp(secret)
    base = at // TOTP_STEP_SECONDS
    for step in range(base - window, base + window + 1):
        try:
            totp.verify(code.encode(), step * TOTP_STEP_SECONDS)
        except InvalidToken:
            continue
        return step
    return None


def totp_uri(secret: bytes, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from a QR code."""
    return _totp(secret).get_provisioning_uri(account, issuer)


def base32_secret(secret: bytes) -> str:
    """The secret as base32 text for typing into an authenticator app."""
    return base64.b32encode(secret).decode()


# --- streaming file encryption --------------------------------------------------------------
# Layout: version byte, then chunks of [4-byte big-endian length][nonce][ciphertext+tag].
# The associated data of chunk i names the file, i, and whether it is the last chunk, so
# reordering, truncation, extension and swapping files all fail to open.


class FileEncryptor:
    """Encrypts a stream chunk by chunk into ``sink``; call :meth:`finish` after the last write.

    Holds at most one chunk of plaintext in memory whatever the file size.
    """

    def __init__(self, key: bytes, file_context: str, sink: BinaryIO) -> None:
        self._aead = AESGCM(key)
        self._context = file_context
        self._sink = sink
        self._buffer = bytearray()
        self._index = 0
        self.plaintext_bytes = 0
        sink.write(_VERSION_BYTE)

    def write(self, data: bytes) -> int:
        """Add plaintext; full chunks are encrypted as soon as the next byte proves them not last."""
        self._buffer += data
        self.plaintext_bytes += len(data)
        while len(self._buffer) > FILE_CHUNK_BYTES:
            self._emit(bytes(self._buffer[:FILE_CHUNK_BYTES]), last=False)
            del self._buffer[:FILE_CHUNK_BYTES]
        return len(data)

    def finish(self) -> None:
        """Encrypt what remains as the last chunk (possibly empty)."""
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, chunk: bytes, last: bool) -> None:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(
            nonce, chunk, _info(contexts.file_chunk(self._context, self._index, last))
        )
        self._sink.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        self._index += 1


def encrypt_stream(key: bytes, file_context: str, chunks: Iterable[bytes], sink: BinaryIO) -> int:
    """Encrypt an iterable of byte strings into ``sink``; returns the plaintext size."""
    encryptor = FileEncryptor(key, file_context, sink)
    for chunk in chunks:
        encryptor.write(chunk)
    encryptor.finish()
    return encryptor.plaintext_bytes


def _read_exact(source: BinaryIO, size: int, allow_eof: bool = False) -> bytes:
    """Read exactly ``size`` bytes (streams may return less per call); b"" only at a clean EOF."""
    parts: list[bytes] = []
    remaining = size
    while remaining:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    data = b"".join(parts)
    if len(data) == size or (allow_eof and not data):
        return data
    raise CryptoError("file is truncated")


def decrypt_stream(key: bytes, file_context: str, source: BinaryIO) -> Iterator[bytes]:
    """Yield plaintext chunks; raises :class:`CryptoError` if anything was altered or cut.

    Reads ahead one chunk header to learn whether the current chunk is the last, so it works
    on pipes and other non-seekable streams.
    """
    if _read_exact(source, 1, allow_eof=True) != _VERSION_BYTE:
        raise CryptoError("unknown file format")
    aead = AESGCM(key)
    header = _read_exact(source, 4)
    index = 0
    while True:
        (length,) = struct.unpack(">I", header)
        if length < 16 or length > FILE_CHUNK_BYTES + 16:
            raise CryptoError("file chunk has an impossible length")
        nonce = _read_exact(source, _NONCE_BYTES)
        sealed = _read_exact(source, length)
        header = _read_exact(source, 4, allow_eof=True)
        last = header == b""
        try:
            chunk = aead.decrypt(nonce, sealed, _info(contexts.file_chunk(file_context, index, last)))
        except InvalidTag as error:
            raise CryptoError("file chunk does not open") from error
        yield chunk
        if last:
            return
        index += 1
