"""Properties of the crypto and receipt modules over generated inputs: everything round-trips, and
any flipped bit, cut, wrong context or wrong key is refused with CryptoError, never with data."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from complaints import crypto, receipts
from complaints.crypto import CryptoError
from tests.fuzz import ANY_TEXT, THAI_TEXT, fuzz_settings

CONTEXTS = ANY_TEXT | st.builds(
    lambda n, f: f"field:{f}|case:{n}", st.integers(0, 10**9), st.sampled_from(["description", "name"])
)
KEYS = st.binary(min_size=32, max_size=32)
PLAINTEXTS = st.binary(max_size=2048) | THAI_TEXT.map(str.encode)
# Keypairs are slow-ish to make (ML-KEM): a few, reused.
PRIVATE_KEYS = [crypto.generate_private_key() for _ in range(3)]


def _flip(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


@fuzz_settings(300)
@given(key=KEYS, plaintext=PLAINTEXTS, context=CONTEXTS)
def test_fields_round_trip(key: bytes, plaintext: bytes, context: str) -> None:
    sealed = crypto.encrypt_bytes(key, plaintext, context)
    assert sealed[0] == crypto.VERSION
    if len(plaintext) >= 8:
        assert plaintext not in sealed
    assert crypto.decrypt_bytes(key, sealed, context) == plaintext


@fuzz_settings(300)
@given(key=KEYS, plaintext=PLAINTEXTS, context=CONTEXTS, data=st.data())
def test_any_flipped_bit_of_a_field_is_refused(
    key: bytes, plaintext: bytes, context: str, data: st.DataObject
) -> None:
    sealed = crypto.encrypt_bytes(key, plaintext, context)
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1), label="bit")
    with pytest.raises(CryptoError):
        crypto.decrypt_bytes(key, _flip(sealed, bit), context)


@fuzz_settings(200)
@given(key=KEYS, plaintext=PLAINTEXTS, context=CONTEXTS, data=st.data())
def test_a_cut_or_extended_field_is_refused(
    key: bytes, plaintext: bytes, context: str, data: st.DataObject
) -> None:
    sealed = crypto.encrypt_bytes(key, plaintext, context)
    cut = data.draw(st.integers(0, len(sealed) - 1), label="cut")
    with pytest.raises(CryptoError):
        crypto.decrypt_bytes(key, sealed[:cut], context)
    with pytest.raises(CryptoError):
        crypto.decrypt_bytes(key, sealed + data.draw(st.binary(min_size=1, max_size=16)), context)


@fuzz_settings(200)
@given(key=KEYS, other_key=KEYS, plaintext=PLAINTEXTS, context=CONTEXTS, other_context=CONTEXTS)
def test_a_field_opens_only_with_its_key_and_context(
    key: bytes, other_key: bytes, plaintext: bytes, context: str, other_context: str
) -> None:
    sealed = crypto.encrypt_bytes(key, plaintext, context)
    if other_context != context:
        with pytest.raises(CryptoError):
            crypto.decrypt_bytes(key, sealed, other_context)
    if other_key != key:
        with pytest.raises(CryptoError):
            crypto.decrypt_bytes(other_key, sealed, context)


@fuzz_settings(100)
@given(text=ANY_TEXT | THAI_TEXT, context=CONTEXTS)
def test_text_round_trips_exactly_without_normalising(text: str, context: str) -> None:
    key = crypto.new_data_key()
    assert crypto.decrypt_text(key, crypto.encrypt_text(key, text, context), context) == text


@fuzz_settings(60)
@given(secret=st.binary(min_size=1, max_size=64), purpose=CONTEXTS, which=st.integers(0, 2), data=st.data())
def test_sealed_keys_round_trip_and_refuse_any_change(
    secret: bytes, purpose: str, which: int, data: st.DataObject
) -> None:
    private = PRIVATE_KEYS[which]
    sealed = crypto.seal(secret, crypto.public_key_of(private), purpose)
    assert crypto.unseal(sealed, private, purpose) == secret
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1), label="bit")
    with pytest.raises(CryptoError):
        crypto.unseal(_flip(sealed, bit), private, purpose)
    with pytest.raises(CryptoError):
        crypto.unseal(sealed[: data.draw(st.integers(0, len(sealed) - 1), label="cut")], private, purpose)
    with pytest.raises(CryptoError):
        crypto.unseal(sealed, PRIVATE_KEYS[(which + 1) % 3], purpose)
    other = data.draw(CONTEXTS, label="other purpose")
    if other != purpose:
        with pytest.raises(CryptoError):
            crypto.unseal(sealed, private, other)


# --- files ----------------------------------------------------------------------------------------

CHUNK = crypto.FILE_CHUNK_BYTES
FILE_SIZES = st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 7]) | st.integers(
    0, 3 * CHUNK
)


def _encrypted_file(key: bytes, size: int, context: str) -> tuple[bytes, bytes]:
    plaintext = bytes(i * 7 % 251 for i in range(size))
    sink = io.BytesIO()
    crypto.encrypt_stream(key, context, [plaintext[i : i + 10_000] for i in range(0, size, 10_000)], sink)
    return plaintext, sink.getvalue()


def _refused_stream(key: bytes, context: str, stored: bytes, plaintext: bytes) -> None:
    """Opening raises CryptoError, and whatever chunks came out before it are the original's start."""
    opened = bytearray()

    def read_all() -> None:
        for chunk in crypto.decrypt_stream(key, context, io.BytesIO(stored)):
            opened.extend(chunk)

    with pytest.raises(CryptoError):
        read_all()
    assert plaintext.startswith(bytes(opened))
    assert len(opened) < max(len(plaintext), 1)


@fuzz_settings(40)
@given(size=FILE_SIZES, data=st.data())
def test_files_round_trip_and_refuse_a_flipped_bit_or_a_cut(size: int, data: st.DataObject) -> None:
    key, context = crypto.new_data_key(), "file:abc|case:7"
    plaintext, stored = _encrypted_file(key, size, context)
    assert b"".join(crypto.decrypt_stream(key, context, io.BytesIO(stored))) == plaintext
    bit = data.draw(st.integers(0, len(stored) * 8 - 1), label="bit")
    _refused_stream(key, context, _flip(stored, bit), plaintext)
    _refused_stream(
        key, context, stored[: data.draw(st.integers(0, len(stored) - 1), label="cut")], plaintext
    )
    _refused_stream(key, "file:abd|case:7", stored, plaintext)
    _refused_stream(crypto.new_data_key(), context, stored, plaintext)


# --- passwords and TOTP ---------------------------------------------------------------------------

CHEAP = crypto.Argon2Params(memory_kib=8, iterations=1)


@fuzz_settings(60)
@given(password=ANY_TEXT | THAI_TEXT, other=ANY_TEXT | THAI_TEXT)
def test_password_keys_depend_on_the_password_up_to_nfkc(password: str, other: str) -> None:
    salt = b"s" * 16
    keys = crypto.derive_password_keys(password, salt, CHEAP)
    assert crypto.derive_password_keys(unicodedata.normalize("NFD", password), salt, CHEAP) == keys
    if unicodedata.normalize("NFKC", other) != unicodedata.normalize("NFKC", password):
        assert crypto.derive_password_keys(other, salt, CHEAP).verifier != keys.verifier


TOTP_SECRET = bytes(range(20))


@fuzz_settings(200)
@given(at=st.integers(10**9, 4 * 10**9), offset=st.integers(-4, 4))
def test_a_totp_code_is_accepted_one_step_either_way_and_no_further(at: int, offset: int) -> None:
    step = at // crypto.TOTP_STEP_SECONDS + offset
    code = crypto.totp_code(TOTP_SECRET, step * crypto.TOTP_STEP_SECONDS)
    found = crypto.totp_matching_step(TOTP_SECRET, code, at)
    if abs(offset) <= 1:
        assert found is not None
        assert abs(found - step) <= 1
        assert crypto.totp_code(TOTP_SECRET, found * crypto.TOTP_STEP_SECONDS) == code
    else:
        # Another step of the window may show the same six digits by chance, never this one.
        assert found is None or (found != step and abs(found - at // crypto.TOTP_STEP_SECONDS) <= 1)


@fuzz_settings(200)
@given(code=ANY_TEXT | st.text("0123456789๐๑๒", max_size=8), at=st.integers(10**9, 4 * 10**9))
def test_a_totp_code_that_is_not_six_ascii_digits_is_never_accepted(code: str, at: int) -> None:
    assume(not (len(code) == 6 and code.isascii() and code.isdigit()))
    assert crypto.totp_matching_step(TOTP_SECRET, code, at) is None


# --- receipts -------------------------------------------------------------------------------------

RECEIPT = st.text("0123456789", min_size=20, max_size=20)
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SEPARATORS = st.text(st.sampled_from(" -._/\t\n\u00a0\u200b\u2013\u3000\ufeff,:()"), max_size=3)


@fuzz_settings(300)
@given(
    receipt=RECEIPT,
    thai=st.lists(st.booleans(), min_size=20, max_size=20),
    gaps=st.lists(SEPARATORS, min_size=21, max_size=21),
)
def test_a_receipt_typed_with_thai_digits_and_any_separators_normalises_to_itself(
    receipt: str, thai: list[bool], gaps: list[str]
) -> None:
    typed = gaps[0] + "".join(
        (digit.translate(THAI) if as_thai else digit) + gap
        for digit, as_thai, gap in zip(receipt, thai, gaps[1:], strict=True)
    )
    assert receipts.normalise_receipt(typed) == receipt
    assert receipts.normalise_receipt(receipts.format_receipt(receipt)) == receipt
    assert receipts.digit_count(typed) == 20


@fuzz_settings(300)
@given(text=ANY_TEXT | st.text("0123456789 -๐๑", max_size=30))
def test_only_twenty_digits_normalise_and_the_count_agrees(text: str) -> None:
    count = receipts.digit_count(text)
    try:
        normalised = receipts.normalise_receipt(text)
    except receipts.ReceiptFormatError:
        assert count != 20
        return
    assert count == 20
    assert len(normalised) == 20
    assert all(ch in "0123456789" for ch in normalised)


@fuzz_settings(200)
@given(
    receipt=RECEIPT,
    position=st.integers(0, 20),
    intruder=st.characters(blacklist_categories=("Cs", "Nd", "Z", "P", "Cc", "Cf")),
)
def test_a_receipt_with_anything_but_digits_and_separators_is_refused(
    receipt: str, position: int, intruder: str
) -> None:
    with pytest.raises(receipts.ReceiptFormatError):
        receipts.normalise_receipt(receipt[:position] + intruder + receipt[position:])
    assert receipts.digit_count(receipt[:position] + intruder + receipt[position:]) is None


@fuzz_settings(100)
@given(receipt=RECEIPT, cut=st.integers(0, 19), extra=st.text("0123456789", min_size=1, max_size=5))
def test_a_receipt_of_the_wrong_length_is_refused(receipt: str, cut: int, extra: str) -> None:
    for wrong in (receipt[:cut], receipt + extra):
        with pytest.raises(receipts.ReceiptFormatError):
            receipts.normalise_receipt(wrong)
        assert receipts.digit_count(wrong) == len(wrong)


@fuzz_settings(100)
@given(receipt=RECEIPT, other=RECEIPT)
def test_receipt_lookups_and_reporter_keys_separate_receipts(receipt: str, other: str) -> None:
    assume(receipt != other)
    pepper, secret, salt = b"p" * 32, b"k" * 32, b"s" * 16
    first, second = (crypto.stretch_receipt(code, pepper, CHEAP) for code in (receipt, other))
    assert crypto.receipt_lookup(first, secret) != crypto.receipt_lookup(second, secret)
    assert crypto.reporter_private_key(first, salt) != crypto.reporter_private_key(second, salt)
    assert crypto.reporter_private_key(first, salt) == crypto.reporter_private_key(
        crypto.stretch_receipt(receipt, pepper, CHEAP), salt
    )
