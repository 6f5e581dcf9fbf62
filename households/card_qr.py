"""The QR code of a contact card (联系卡), drawn fast enough for a work group's batch.

Drawing 400 codes with qrcode's defaults took 9–29 s (issue 15, item 9): it scored all eight
masks for each code, fitted the version anew and computed the Reed–Solomon codewords with
recursive polynomial objects. Here the mask is fixed (every mask gives a valid code, ISO/IEC
18004), the version is fitted once per link length, the codewords come from table-driven
arithmetic (`codewords`, checked against qrcode's own in tests/households/test_contact_cards.py)
and qrcode only lays out the modules. The SVG is one path, a quarter of qrcode's SVG image."""

from __future__ import annotations

from functools import lru_cache
from itertools import cycle

import qrcode
from django.utils.safestring import SafeString, mark_safe
from qrcode.base import EXP_TABLE, LOG_TABLE, rs_blocks
from qrcode.constants import ERROR_CORRECT_M
from qrcode.LUT import rsPoly_LUT

BYTE_MODE = 0b0100


@lru_cache(maxsize=64)
def version_for(length: int) -> int:
    """The smallest version (at level M) that holds `length` bytes: any link of that length."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(qrcode.util.QRData(b"\xff" * length, mode=qrcode.util.MODE_8BIT_BYTE))
    return code.best_fit()


@lru_cache(maxsize=64)
def _generator_logs(ec_count: int) -> tuple[int, ...]:
    """The Reed–Solomon generator of `ec_count` codewords, as logarithms, leading 1 left off."""
    return tuple(LOG_TABLE[c] for c in rsPoly_LUT[ec_count][1:])


def _remainder(data: list[int], ec_count: int) -> list[int]:
    logs = _generator_logs(ec_count)
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = remainder[1:] + [0]
        if factor:
            shift = LOG_TABLE[factor]
            for i, log in enumerate(logs):
                remainder[i] ^= EXP_TABLE[(shift + log) % 255]
    return remainder


def codewords(data: bytes, version: int) -> list[int]:
    """The interleaved data and error-correction codewords of `data` in byte mode at level M."""
    blocks = rs_blocks(version, ERROR_CORRECT_M)
    capacity = sum(block.data_count for block in blocks)
    count_bits = 8 if version < 10 else 16
    value = (BYTE_MODE << count_bits | len(data)) << 8 * len(data) | int.from_bytes(data, "big")
    bits = 4 + count_bits + 8 * len(data)
    tail = min(4, capacity * 8 - bits)  # the terminator, then zeros to a whole byte
    tail += (-(bits + tail)) % 8
    words = list((value << tail).to_bytes((bits + tail) // 8, "big"))
    pad = cycle((0xEC, 0x11))
    words.extend(next(pad) for _ in range(capacity - len(words)))
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = words[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_remainder(chunk, block.total_count - block.data_count))
    interleaved = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            interleaved.extend(b[i] for b in group if i < len(b))
    return interleaved


def qr_matrix(url: str) -> list[list[bool]]:
    data = url.encode()
    code = qrcode.QRCode(
        version=version_for(len(data)), error_correction=ERROR_CORRECT_M, border=1, mask_pattern=0
    )
    code.data_cache = codewords(data, code.version)
    code.makeImpl(False, 0)
    return code.get_matrix()


@lru_cache(maxsize=2048)
def qr_svg(url: str) -> SafeString:
    """The code as one SVG path: a 1-unit stroke along each run of dark modules. A card's link
    is made once per run and process (contact_cards._signed_token), so a page shown again
    draws no code twice."""
    matrix = qr_matrix(url)
    size = len(matrix)
    path = []
    for y, row in enumerate(matrix):
        x, last_end = 0, None
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            if last_end is None:
                path.append(f"M{start} {y}.5h{x - start}")
            else:
                path.append(f"m{start - last_end} 0h{x - start}")
            last_end = x
    return mark_safe(  # noqa: S308 - numbers only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" aria-hidden="true">'
        f'<path stroke="#000" d="{"".join(path)}"/></svg>'
    )
