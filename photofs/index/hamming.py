"""Exact near-neighbour pairs of 64-bit hashes within a Hamming distance.

Multi-index hashing: cut each hash into 4 blocks of 16 bits. If two hashes
differ in at most t bits, then some block differs in at most t // 4 bits
(pigeonhole). So for every query and every block we look up, in a direct-address
table of the 65,536 block values, the keys within that small radius, and check
each candidate's full distance.
Every pair within t is found (exact, no sampling); the work is proportional to
the candidates, not to all pairs.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

BLOCKS = 4
BLOCK_BITS = 16


def _masks(radius: int) -> np.ndarray:
    """All 16-bit masks with at most `radius` bits set."""
    out = [0]
    for k in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(BLOCK_BITS), k)]
    return np.array(out, dtype=np.uint64)


class HammingIndex:
    def __init__(self, hashes: np.ndarray):
        self.hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        self.order, self.starts = [], []
        for b in range(BLOCKS):
            key = ((self.hashes >> np.uint64(b * BLOCK_BITS)) & np.uint64(0xFFFF)).astype(np.int64)
            self.order.append(np.argsort(key, kind="stable"))
            # Direct addressing: the hashes whose block b is k are order[b][starts[k]:starts[k + 1]].
            self.starts.append(np.r_[0, np.cumsum(np.bincount(key, minlength=1 << BLOCK_BITS))])

    def pairs(self, queries: np.ndarray, t: int, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query index, hash index, distance) for every pair within t; each pair once."""
        queries = np.ascontiguousarray(queries, dtype=np.uint64)
        masks = _masks(t // BLOCKS)
        found_q, found_c = [], []
        for start in range(0, len(queries), chunk):
            q = queries[start:start + chunk]
            qi_all, ci_all = [], []
            for b in range(BLOCKS):
                qkey = (q >> np.uint64(b * BLOCK_BITS)) & np.uint64(0xFFFF)
                probes = (qkey[:, None] ^ masks[None, :]).ravel().astype(np.int64)
                lo, hi = self.starts[b][probes], self.starts[b][probes + 1]
                counts = hi - lo
                total = int(counts.sum())
                if not total:
                    continue
                # Expand every [lo, hi) range into candidate positions.
                owner = np.repeat(np.arange(len(probes)) // len(masks), counts)
                offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
                cand = self.order[b][np.repeat(lo, counts) + offsets]
                qi_all.append(owner + start)
                ci_all.append(cand)
            if not qi_all:
                continue
            qi, ci = np.concatenate(qi_all), np.concatenate(ci_all)
            dist = np.bitwise_count(queries[qi] ^ self.hashes[ci])
            keep = dist <= t
            # A pair can be found through several blocks: keep it once.
            pair = np.unique(qi[keep].astype(np.int64) * len(self.hashes) + ci[keep])
            found_q.append(pair // len(self.hashes))
            found_c.append(pair % len(self.hashes))
        if not found_q:
            empty = np.empty(0, np.int64)
            return empty, empty, empty
        qi, ci = np.concatenate(found_q), np.concatenate(found_c)
        return qi, ci, np.bitwise_count(queries[qi] ^ self.hashes[ci]).astype(np.int64)


def brute_force_pairs(queries: np.ndarray, hashes: np.ndarray, t: int) -> set[tuple[int, int]]:
    """The reference: every pair compared (for tests and the benchmark baseline)."""
    d = np.bitwise_count(queries[:, None] ^ hashes[None, :])
    qi, ci = np.nonzero(d <= t)
    return set(zip(qi.tolist(), ci.tolist()))
