"""The crypto module: round trips, and every kind of tampering fails."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints import crypto, receipts

FAST = crypto.Argon2Params(memory_kib=1024, iterations=1)


@pytest.fixture(scope="module")
def keypair() -> tuple[bytes, bytes]:
    private = crypto.generate_private_key()
    return private, crypto.public_key_of(private)


def test_seal_round_trip(keypair: tuple[bytes, bytes]) -> None:
    private, public = keypair
    secret = crypto.new_data_key()
    sealed = crypto.seal(secret, public, "dek|case:a|to:x")
    assert sealed[0] == crypto.VERSION
    assert crypto.unseal(sealed, private, "dek|case:a|to:x") == secret


def test_seal_fails_with_other_purpose_key_or_flipped_byte(keypair: tuple[bytes, bytes]) -> None:
    private, public = keypair
    sealed = crypto.seal(b"k" * 32, public, "dek|case:a")
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(sealed, private, "dek|case:b")
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(sealed, crypto.generate_private_key(), "dek|case:a")
    flipped = bytearray(sealed)
    flipped[len(flipped) // 2] ^= 1
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(bytes(flipped), private, "dek|case:a")


def test_public_key_has_hybrid_parts(keypair: tuple[bytes, bytes]) -> None:
    _, public = keypair
    assert len(public) == crypto.PUBLIC_KEY_BYTES == 1184 + 32
    assert len(crypto.key_id(public)) == 16


def test_field_encryption_is_randomised_and_bound_to_context() -> None:
    key = crypto.new_data_key()
    one = crypto.encrypt_text(key, "ทุจริต", "field:description|case:1")
    two = crypto.encrypt_text(key, "ทุจริต", "field:description|case:1")
    assert one != two
    assert crypto.decrypt_text(key, one, "field:description|case:1") == "ทุจริต"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_text(key, one, "field:description|case:2")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_text(key, one, "field:location|case:1")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_text(crypto.new_data_key(), one, "field:description|case:1")
    tampered = bytearray(one)
    tampered[-1] ^= 0x80
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_text(key, bytes(tampered), "field:description|case:1")


def test_unknown_version_is_refused() -> None:
    key = crypto.new_data_key()
    ciphertext = bytearray(crypto.encrypt_bytes(key, b"x", "c"))
    ciphertext[0] = 99
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_bytes(key, bytes(ciphertext), "c")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096), st.text(max_size=40))
def test_bytes_round_trip_property(data: bytes, context: str) -> None:
    key = crypto.new_data_key()
    assert crypto.decrypt_bytes(key, crypto.encrypt_bytes(key, data, context), context) == data


THAI_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=500,
)


@settings(max_examples=60, deadline=None)
@given(THAI_TEXT)
def test_thai_text_round_trips_exactly(text: str) -> None:
    key = crypto.new_data_key()
    assert crypto.decrypt_text(key, crypto.encrypt_text(key, text, "f"), "f") == text


def test_password_keys_deterministic_and_distinct() -> None:
    salt = crypto.new_salt()
    a = crypto.derive_password_keys("รหัสผ่านยาวพอสมควร", salt, FAST)
    b = crypto.derive_password_keys("รหัสผ่านยาวพอสมควร", salt, FAST)
    c = crypto.derive_password_keys("another password", salt, FAST)
    assert a == b
    assert a.verifier != c.verifier
    assert a.verifier != a.wrapping_key


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("4821 0937 5562 1048 3391", "48210937556210483391"),
        ("4821-0937-5562-1048-3391", "48210937556210483391"),
        ("๔๘๒๑ ๐๙๓๗ ๕๕๖๒ ๑๐๔๘ ๓๓๙๑", "48210937556210483391"),
        (" 48210937556210483391\t", "48210937556210483391"),
        (
            "４８２１ ０９３７ ５５６２ １０４８ ３３９１",
            "48210937556210483391",
        ),  # full-width, from some keyboards
        ("4821.0937.5562.1048.3391", "48210937556210483391"),
    ],
)
def test_receipt_normalisation(typed: str, expected: str) -> None:
    assert receipts.normalise_receipt(typed) == expected


@pytest.mark.parametrize("typed", ["", "1234", "4821 0937 5562 1048 339a", "4" * 21, "٤" * 20, "x" * 20])
def test_receipt_format_errors(typed: str) -> None:
    with pytest.raises(receipts.ReceiptFormatError):
        receipts.normalise_receipt(typed)


def test_receipts_are_twenty_random_digits_grouped() -> None:
    made = {receipts.new_receipt() for _ in range(200)}
    assert len(made) == 200
    sample = made.pop()
    assert len(sample) == 20
    assert sample.isdigit()
    assert receipts.format_receipt(sample).count(" ") == 4


def test_receipt_digits_are_drawn_from_all_ten() -> None:
    """66 bits need twenty digits of ten symbols each: 4,000 digits miss none (p < 10^-180)."""
    digits = "".join(receipts.new_receipt() for _ in range(200))
    assert set(digits) == set("0123456789")


@pytest.mark.parametrize(
    ("typed", "count"),
    [("1234 5678", 8), ("๑๒๓-๔", 4), ("", 0), ("12ab", None), ("1234 x", None), ("٤٤٤", None)],
)
def test_the_length_of_a_code_is_told_only_when_it_is_all_digits(typed: str, count: int | None) -> None:
    assert receipts.digit_count(typed) == count


def test_receipt_derivations() -> None:
    receipt, salt = receipts.new_receipt(), crypto.new_salt()
    stretched = crypto.stretch_receipt(receipt, b"pepper", FAST)
    assert stretched == crypto.stretch_receipt(receipt, b"pepper", FAST)
    assert stretched != crypto.stretch_receipt(receipt, b"other pepper", FAST)
    assert stretched != crypto.stretch_receipt(receipts.new_receipt(), b"pepper", FAST)
    assert crypto.reporter_private_key(stretched, salt) == crypto.reporter_private_key(stretched, salt)
    assert crypto.reporter_private_key(stretched, salt) != crypto.reporter_private_key(
        stretched, crypto.new_salt()
    )
    assert crypto.receipt_lookup(stretched, b"s1") != crypto.receipt_lookup(stretched, b"s2")
    assert len(crypto.receipt_lookup(stretched, b"s1")) == 32


def test_receipt_stretch_uses_argon2id_with_the_given_cost() -> None:
    """A stolen database plus config must cost one Argon2id per receipt guess, not one HMAC."""
    import time

    receipt = receipts.new_receipt()
    cheap = crypto.Argon2Params(memory_kib=1024, iterations=1)
    costly = crypto.Argon2Params(memory_kib=16 * 1024, iterations=2)
    assert crypto.stretch_receipt(receipt, b"p", cheap) != crypto.stretch_receipt(receipt, b"p", costly)
    plain_hmac = crypto.hmac.new(b"p", receipt.encode(), "sha256").digest()
    assert plain_hmac != crypto.stretch_receipt(receipt, b"p", cheap)
    started = time.perf_counter()
    for _ in range(3):
        crypto.stretch_receipt(receipt, b"p", costly)
    # Three 16 MiB runs cannot be as fast as 30,000 HMACs: the work is really done.
    stretch_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(30_000):
        crypto.receipt_lookup(plain_hmac, b"p")
    assert stretch_seconds > (time.perf_counter() - started) / 10


def _encrypt_file(key: bytes, data: bytes, context: str = "file|a") -> bytes:
    sink = io.BytesIO()
    crypto.encrypt_stream(key, context, [data[i : i + 5000] for i in range(0, len(data), 5000)], sink)
    return sink.getvalue()


def _decrypt_file(key: bytes, blob: bytes, context: str = "file|a") -> bytes:
    return b"".join(crypto.decrypt_stream(key, context, io.BytesIO(blob)))


def _chunks(blob: bytes) -> list[bytes]:
    chunks, position = [], 1
    while position < len(blob):
        length = int.from_bytes(blob[position : position + 4], "big")
        end = position + 4 + 12 + length
        chunks.append(blob[position:end])
        position = end
    return chunks


@pytest.mark.parametrize("size", [0, 1, crypto.FILE_CHUNK_BYTES, crypto.FILE_CHUNK_BYTES + 1, 300_000])
def test_stream_round_trip(size: int) -> None:
    key = crypto.new_data_key()
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert _decrypt_file(key, _encrypt_file(key, data)) == data


def test_stream_detects_swap_truncation_extension_and_tampering() -> None:
    key = crypto.new_data_key()
    blob = _encrypt_file(key, b"a" * (3 * crypto.FILE_CHUNK_BYTES + 10))
    chunks = _chunks(blob)
    assert len(chunks) == 4
    swapped = blob[:1] + chunks[1] + chunks[0] + chunks[2] + chunks[3]
    truncated = blob[:1] + b"".join(chunks[:3])
    extended = blob + chunks[3]
    tampered = bytearray(blob)
    tampered[100] ^= 1
    for bad in (swapped, truncated, extended, bytes(tampered), blob[:-1], blob[:1]):
        with pytest.raises(crypto.CryptoError):
            _decrypt_file(key, bad)
    with pytest.raises(crypto.CryptoError):
        _decrypt_file(key, blob, context="file|b")


def test_stream_chunks_from_other_file_are_refused() -> None:
    key = crypto.new_data_key()
    first = _encrypt_file(key, b"a" * 100, "file|one")
    second = _encrypt_file(key, b"b" * 100, "file|two")
    with pytest.raises(crypto.CryptoError):
        _decrypt_file(key, first[:1] + _chunks(second)[0], "file|one")


def test_totp_accepts_adjacent_steps_only() -> None:
    secret = crypto.new_totp_secret()
    now = 1_800_000_000
    assert crypto.totp_matching_step(secret, crypto.totp_code(secret, now), now) == now // 30
    assert crypto.totp_matching_step(secret, crypto.totp_code(secret, now - 30), now) == now // 30 - 1
    assert crypto.totp_matching_step(secret, crypto.totp_code(secret, now - 90), now) is None
    assert crypto.totp_matching_step(secret, "12345a", now) is None


class _Trickle(io.RawIOBase):
    """A reader that returns at most 7 bytes per call, like a slow socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(7, size) if size >= 0 else 7)


def test_stream_decrypts_from_short_reads_and_pipes() -> None:
    import os
    import threading

    key = crypto.new_data_key()
    data = os.urandom(2 * crypto.FILE_CHUNK_BYTES + 123)
    blob = _encrypt_file(key, data)
    assert b"".join(crypto.decrypt_stream(key, "file|a", _Trickle(blob))) == data  # type: ignore[arg-type]  # a BinaryIO look-alike
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_end, blob), os.close(write_end)))
    writer.start()
    with os.fdopen(read_end, "rb") as pipe:
        assert b"".join(crypto.decrypt_stream(key, "file|a", pipe)) == data
    writer.join()


@pytest.mark.parametrize("junk", [b"\x00", b"\x00\x00\x01", b"\x00\x00\x00\x20"])
def test_stream_trailing_junk_is_refused(junk: bytes) -> None:
    key = crypto.new_data_key()
    with pytest.raises(crypto.CryptoError):
        _decrypt_file(key, _encrypt_file(key, b"evidence") + junk)


@pytest.mark.parametrize(
    "typed",
    [
        "4821\u20130937\u20135562\u20131048\u20133391",
        "４８２１ ０９３７ ５５６２ １０４８ ３３９１",
        "\ufeff4821\u202f0937 5562 1048 3391",
    ],
)
def test_receipt_normalisation_of_unicode_separators(typed: str) -> None:
    assert receipts.normalise_receipt(typed) == "48210937556210483391"


def test_password_keys_ignore_unicode_normal_form() -> None:
    salt = crypto.new_salt()
    composed = "น้ำ" + "\u0e33"
    decomposed = "น้ำ" + "\u0e4d\u0e32"
    assert crypto.derive_password_keys(composed, salt, FAST) == crypto.derive_password_keys(
        decomposed, salt, FAST
    )


# --- values the database keeps: their derivation must never change silently --------------------
# Known answers computed once from the code as released. A receipt's lookup and key id, a
# password's verifier and wrapping key, and the audit key are stored (or checked against stored
# values) for decades: any change to how they are derived strands every case and account.
KNOWN_COST = crypto.Argon2Params(memory_kib=1024, iterations=2)
KNOWN_RECEIPT = "48210937556210483391"


def test_the_receipt_stretch_and_lookup_match_their_known_answers() -> None:
    stretched = crypto.stretch_receipt(KNOWN_RECEIPT, b"pepper", KNOWN_COST)
    assert stretched.hex() == "b97db24242f2fa052c324bd329d7e2c4978beece1ec9e0543cc166cc24626da3"
    lookup = crypto.receipt_lookup(bytes(32), b"lookup secret")
    assert lookup.hex() == "65426a50d17f4b60377fa36f447a43185c9c89c77c8027948b0be81b19714690"
    reporter = crypto.public_key_of(crypto.reporter_private_key(stretched, bytes(16)))
    assert crypto.key_id(reporter) == "774a6d85707bec13"


def test_the_lookup_is_not_a_plain_hmac_of_the_stretch() -> None:
    """Domain-separated: the pepper keys nothing else that could produce the same value."""
    plain = crypto.hmac.new(b"lookup secret", bytes(32), "sha256").digest()
    assert crypto.receipt_lookup(bytes(32), b"lookup secret") != plain


def test_password_keys_and_key_ids_match_their_known_answers() -> None:
    keys = crypto.derive_password_keys("รหัสผ่าน", bytes(16), KNOWN_COST)
    assert keys.verifier.hex() == "75955ade93bece0015cebe749947548183d3e105e3320d6313d11f02be29b245"
    assert keys.wrapping_key.hex() == "5db289f467455000948b367ddc1d59d829f1eb15fbf9fa1c6f37ddbfaa824623"
    assert crypto.key_id(bytes(crypto.PUBLIC_KEY_BYTES)) == "60ed08198bbda314"
    from complaints import contexts

    audit_key = crypto.derive_key(b"server secret", contexts.AUDIT_CHAIN_KEY)
    assert audit_key.hex() == "6a134b9219f3c572376f2a0fe93dfcfb1b7f66d3fed6002a235478dc499724d8"


def test_the_stored_verifier_says_nothing_about_the_wrapping_key() -> None:
    """Whoever reads the verifier from the database cannot test a guess of the wrapping key."""
    import hashlib

    from complaints import contexts

    keys = crypto.derive_password_keys("another long password", crypto.new_salt(), FAST)
    of_wrapping_key = hashlib.sha256(contexts.PASSWORD_VERIFIER_PREFIX + keys.wrapping_key).digest()
    assert keys.verifier != of_wrapping_key


def test_every_pass_of_the_cost_counts() -> None:
    one, two = crypto.Argon2Params(1024, 1), crypto.Argon2Params(1024, 2)
    assert crypto.stretch_receipt(KNOWN_RECEIPT, b"p", one) != crypto.stretch_receipt(
        KNOWN_RECEIPT, b"p", two
    )
    assert crypto.derive_password_keys("pw", bytes(16), one) != crypto.derive_password_keys(
        "pw", bytes(16), two
    )


def test_the_default_cost_is_the_production_minimum() -> None:
    """DESIGN §3: a password key costs at least 64 MiB and three passes, unless tests lower it."""
    from complaints.config import MINIMUM_COSTS

    default = crypto.Argon2Params()
    assert default.memory_kib >= 64 * 1024
    assert default.iterations >= 3
    assert (default.memory_kib, default.iterations) == (
        MINIMUM_COSTS["ARGON2_MEMORY_KIB"],
        MINIMUM_COSTS["ARGON2_ITERATIONS"],
    )


def test_a_cut_or_malformed_sealed_key_is_refused_as_crypto_error(keypair: tuple[bytes, bytes]) -> None:
    private, public = keypair
    sealed = crypto.seal(b"k" * 32, public, "dek|case:1")
    for cut in (1, 2, 40, 1100, 1119, 1120, len(sealed) - 49, len(sealed) - 17, len(sealed) - 1):
        with pytest.raises(crypto.CryptoError):
            crypto.unseal(sealed[:cut], private, "dek|case:1")
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(b"", private, "dek|case:1")


@pytest.mark.parametrize("size", [0, 32, crypto.PUBLIC_KEY_BYTES - 1, crypto.PUBLIC_KEY_BYTES + 1])
def test_sealing_to_a_key_of_the_wrong_length_is_refused(size: int) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.seal(b"k" * 32, bytes(size), "dek|case:1")
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(b"\x01" + bytes(40), bytes(size), "dek|case:1")


class _CountingReads(io.BytesIO):
    """A stream that remembers the largest read it was asked for."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size or 0)
        return super().read(size)


@pytest.mark.parametrize("length", [crypto.FILE_CHUNK_BYTES + 17, 2**31, 2**32 - 1])
def test_a_forged_chunk_length_is_refused_before_it_is_read(length: int) -> None:
    """A stored file whose chunk header claims gigabytes must not make the server try to buffer them."""
    import struct

    key = crypto.new_data_key()
    sink = io.BytesIO()
    crypto.encrypt_stream(key, "file:1", [b"evidence"], sink)
    forged = sink.getvalue()[:1] + struct.pack(">I", length) + sink.getvalue()[5:]
    source = _CountingReads(forged)
    with pytest.raises(crypto.CryptoError, match="impossible length"):
        list(crypto.decrypt_stream(key, "file:1", source))
    assert source.largest <= crypto.FILE_CHUNK_BYTES + 16
