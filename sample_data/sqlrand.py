"""Reproducible pseudo-random numbers as DuckDB SQL expressions.

DuckDB's random() depends on thread scheduling, so every draw here is a hash of a row key:
`hash(key XOR c) / 2^64` with one 64-bit constant c per (seed, purpose). Combining the key and
the tag inside hash() (hash(key, seed, 'tag')) is not enough: DuckDB combines the argument
hashes so weakly that draws for different tags come out strongly correlated. The constants
are derived from the seed with blake2b here, so SQL text holds only numbers this module made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

TWO_64 = "18446744073709551616.0"
US_PER_HOUR = 3_600_000_000


class SqlRandom:
    """Builds SQL for uniform, normal and lognormal draws keyed by a row expression."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def constant(self, tag: str) -> int:
        digest = hashlib.blake2b(f"govkpi-sample:{self.seed}:{tag}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big")

    def u(self, key: str, tag: str) -> str:
        """Uniform in [0, 1), independent across tags and keys."""
        return f"(hash(xor(CAST({key} AS UBIGINT), {self.constant(tag)}::UBIGINT)) / {TWO_64})"

    def normal(self, key: str, tag: str) -> str:
        """Standard normal (Box-Muller on two uniforms)."""
        a, b = self.u(key, tag + ".a"), self.u(key, tag + ".b")
        return f"(sqrt(-2.0 * ln(1.0 - {a})) * cos(2.0 * pi() * {b}))"

    def lognormal_us(
        self, key: str, tag: str, median_hours: str | float, sigma: str | float
    ) -> str:
        """A duration in microseconds, lognormal with the given median (hours) and sigma."""
        z = self.normal(key, tag)
        return f"CAST(({median_hours}) * exp(({sigma}) * {z}) * {US_PER_HOUR} AS BIGINT)"


def choice(u_sql: str, weights: Sequence[float]) -> str:
    """Index drawn with the given (not necessarily normalised) weights from a uniform."""
    total = float(sum(weights))
    parts, acc = [], 0.0
    for i, w in enumerate(weights[:-1]):
        acc += w / total
        if w > 0:
            parts.append(f"WHEN {u_sql} < {acc!r} THEN {i}")
    last = max(i for i, w in enumerate(weights) if w > 0)
    return f"(CASE {' '.join(parts)} ELSE {last} END)" if parts else f"({last})"


def literal(value: float | int | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def lookup(code_sql: str, values: Sequence[float | int | bool | str]) -> str:
    """The value at position `code` (0-based) of a constant list; NULL when code is NULL.

    A list literal indexed per row is about twice as fast as a CASE over the codes. Codes
    must lie in 0..len-1: DuckDB reads negative list positions from the end.
    """
    return f"([{', '.join(literal(v) for v in values)}][({code_sql}) + 1])"


def nested_choice(code_sql: str, u_sql: str, weights_by_code: Sequence[Sequence[float]]) -> str:
    """Index drawn with the weights of row `code` of a constant table."""
    whens = " ".join(f"WHEN {i} THEN {choice(u_sql, w)}" for i, w in enumerate(weights_by_code))
    return f"(CASE {code_sql} {whens} END)"
