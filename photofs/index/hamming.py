"""Exact near-neighbour pairs of 64-bit hashes within a Hamming distance t.

Multi-index hashing (Norouzi et al., "Fast exact search in Hamming space with
multi-index hashing", 2014), the method known to stay exact at scale. Cut each
hash into m blocks and give block i a radius r_i with sum(r_i + 1) = t + 1. If two
hashes differ in at most t bits, then some block i differs in at most r_i bits
(pigeonhole: otherwise the blocks would differ in at least t + 1 bits). So for
each query and block we enumerate the keys within r_i of the query's block, find
the hashes with that key in a direct-address table, and check each candidate's
full distance. Every pair within t is found; the work is proportional to the
probes and candidates, not to all pairs.

The layout is chosen from n and t with the method's cost model: more blocks mean
shorter keys (fewer probes, fuller buckets). 4 blocks of 16 bits suit 10^5
hashes; 3 blocks of 21-22 bits suit 10^6 and more. With radius 0 a block is a
plain sort-join on that key.

Queries run in chunks on every core (numpy releases the GIL in the heavy
loops), and memory stays bounded by the chunk size.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

MAX_BLOCK_BITS = 24  # a direct-address table of 2^24 int32 starts is 64 MiB
WORKERS = min(4, os.cpu_count() or 1)
CHUNK_CANDIDATES = 2_000_000


@dataclass(frozen=True)
class Layout:
    widths: tuple[int, ...]
    radii: tuple[int, ...]

    @property
    def shifts(self) -> tuple[int, ...]:
        return tuple(sum(self.widths[:i]) for i in range(len(self.widths)))

    def probes(self) -> list[int]:
        return [sum(comb(w, k) for k in range(r + 1)) for w, r in zip(self.widths, self.radii)]

    def cost(self, n: int) -> float:
        """Expected work per query: probes, the candidates they find in n uniform hashes,
        and a share of building the tables (one entry per key)."""
        return sum(p * (1 + n / 2 ** w) + 2 ** w / n for p, w in zip(self.probes(), self.widths))


def layouts(t: int):
    for m in range(2, 9):
        base, extra = divmod(64, m)
        widths = tuple(base + (1 if i < extra else 0) for i in range(m))
        if max(widths) > MAX_BLOCK_BITS:
            continue
        # sum(r_i + 1) = t + 1 (at least one slot a block); the wider blocks get the larger radii.
        slots = max(t + 1, m)
        radii = tuple(slots // m - 1 + (1 if i < slots % m else 0) for i in range(m))
        yield Layout(widths, radii)


@lru_cache(maxsize=64)
def choose_layout(n: int, t: int) -> Layout:
    if t < 0:
        raise ValueError("the distance must be 0 or more")
    if t >= 63:  # everything is near everything: one block with all keys (brute force in effect)
        return Layout((16, 16, 16, 16), (t, 0, 0, 0))
    return min(layouts(t), key=lambda layout: layout.cost(max(n, 1)))


@lru_cache(maxsize=64)
def _masks(width: int, radius: int) -> np.ndarray:
    """All width-bit masks with at most `radius` bits set."""
    out = [0]
    for k in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(width), k)]
    return np.array(out, dtype=np.int64)


class _Tables:
    """For each block: hashes ordered by that block's key, and where each key starts."""

    def __init__(self, hashes: np.ndarray, layout: Layout):
        self.layout = layout
        self.keys, self.order, self.starts = [], [], []
        for width, shift in zip(layout.widths, layout.shifts):
            key = ((hashes >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int32)  # widths <= 24 bits
            self.keys.append(key)
            self.order.append(np.argsort(key, kind="stable").astype(np.int32 if len(hashes) < 2**31 else np.int64))
            counts = np.bincount(key, minlength=1 << width)
            self.starts.append(np.concatenate(([0], np.cumsum(counts))).astype(np.int64))


class HammingIndex:
    def __init__(self, hashes: np.ndarray):
        self.hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        self._tables: dict[Layout, _Tables] = {}

    def tables(self, t: int) -> _Tables:
        layout = choose_layout(len(self.hashes), t)
        if layout not in self._tables:
            self._tables[layout] = _Tables(self.hashes, layout)
        return self._tables[layout]

    def pairs(self, queries: np.ndarray, t: int, chunk: int | None = None,
              workers: int = WORKERS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query index, hash index, distance) of every pair within t, each pair once."""
        queries = np.ascontiguousarray(queries, dtype=np.uint64)
        empty = np.empty(0, np.int64)
        if not len(queries) or not len(self.hashes):
            return empty, empty, empty
        tables = self.tables(t)
        if chunk is None:
            # A chunk's arrays hold about ten integers per candidate: keep each worker near
            # 2 million candidates (some 160 MB), however full the buckets are.
            layout, n = tables.layout, len(self.hashes)
            per_query = sum(p * (1 + n / 2 ** w) for p, w in zip(layout.probes(), layout.widths))
            chunk = int(min(2048, max(16, CHUNK_CANDIDATES // per_query)))
        starts = range(0, len(queries), chunk)
        if workers > 1 and len(queries) > chunk:
            with ThreadPoolExecutor(workers) as pool:
                found = list(pool.map(lambda s: self._chunk(tables, queries, s, s + chunk, t), starts))
        else:
            found = [self._chunk(tables, queries, s, s + chunk, t) for s in starts]
        found = [f for f in found if len(f[0])]
        if not found:
            return empty, empty, empty
        return tuple(np.concatenate(c) for c in zip(*found))

    def _chunk(self, tables: _Tables, queries: np.ndarray, lo: int, hi: int, t: int):
        q = queries[lo:hi]
        layout = tables.layout
        out_q, out_c, out_d = [], [], []
        qkeys = [((q >> np.uint64(s)) & np.uint64((1 << w) - 1)).astype(np.int64)
                 for w, s in zip(layout.widths, layout.shifts)]
        for b, (width, radius) in enumerate(zip(layout.widths, layout.radii)):
            masks = _masks(width, radius)
            probes = (qkeys[b][:, None] ^ masks[None, :]).ravel()
            first, last = tables.starts[b][probes], tables.starts[b][probes + 1]
            counts = last - first
            total = int(counts.sum())
            if not total:
                continue
            # Expand every [first, last) range into candidate positions.
            owner = np.repeat(np.arange(len(q), dtype=np.int64), len(masks))
            owner = np.repeat(owner, counts)
            within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
            cand = tables.order[b][np.repeat(first, counts) + within].astype(np.int64)
            dist = np.bitwise_count(q[owner] ^ self.hashes[cand])
            keep = dist <= t
            # A pair may be reachable through several blocks; keep it from the first.
            for e in range(b):
                block_dist = np.bitwise_count(qkeys[e][owner] ^ tables.keys[e][cand])
                keep &= block_dist > layout.radii[e]
            out_q.append(owner[keep] + lo)
            out_c.append(cand[keep])
            out_d.append(dist[keep].astype(np.int64))
        if not out_q:
            empty = np.empty(0, np.int64)
            return empty, empty, empty
        return np.concatenate(out_q), np.concatenate(out_c), np.concatenate(out_d)


def sort_join_plan(n: int, t: int) -> tuple[int, int, float] | None:
    """(blocks m, blocks that must match k, cost) of the cheapest sort-join for a
    self-join: cut the hashes into m blocks; two hashes within t differ in at most
    t blocks, so at least k = m - t blocks are equal. For each k-subset of blocks,
    sort by those bits and compare only hashes with equal keys. None when no plan
    beats the probes (large t: k-subsets explode or keys get short)."""
    best = None
    for m in range(t + 1, 17):
        k = m - t
        subsets = comb(m, k)
        if subsets > 5000:
            break
        key_bits = 64 * k / m
        cost = subsets * (n * np.log2(max(n, 2)) * SORT_UNIT + n * n / 2 / 2 ** key_bits)
        if best is None or cost < best[2]:
            best = (m, k, cost)
    return best


SORT_UNIT = 0.15  # a sorted element costs about this many candidate checks (measured)
SECONDS_PER_UNIT = 1.3e-8  # on the 2-core development machine: 10^6 hashes at t=10 in 58 s, at t=6 in 3 s


def estimate_seconds(n: int, t: int, extra_queries: int = 0) -> float:
    """What self_pairs (plus `extra_queries` probed queries, e.g. flipped variants) should take here."""
    plan = sort_join_plan(n, t)
    per_query = choose_layout(n, t).cost(n)
    own = min(plan[2] if plan else float("inf"), n * per_query)
    return (own + extra_queries * per_query) * SECONDS_PER_UNIT


def _blocks(m: int) -> list[int]:
    """Bit masks of m near-equal blocks of a 64-bit hash."""
    base, extra = divmod(64, m)
    masks, shift = [], 0
    for i in range(m):
        width = base + (1 if i < extra else 0)
        masks.append(((1 << width) - 1) << shift)
        shift += width
    return masks


def self_pairs(hashes: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, distance) with i < j of every pair of `hashes` within t, each once.

    Picks the cheaper exact method for n and t: the sort-join (small t, where a
    few blocks must match exactly) or multi-index probes."""
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    n = len(hashes)
    plan = sort_join_plan(n, t)
    probe_cost = n * choose_layout(n, t).cost(n)
    if plan is None or plan[2] >= probe_cost:
        qi, ci, d = HammingIndex(hashes).pairs(hashes, t)
        keep = qi < ci
        return qi[keep], ci[keep], d[keep]
    m, k, _ = plan
    blocks = [np.uint64(b) for b in _blocks(m)]
    subsets = list(combinations(range(m), k))
    work = lambda subset: _join_subset(hashes, t, blocks, subset)  # noqa: E731
    with ThreadPoolExecutor(WORKERS) as pool:
        found = [f for f in pool.map(work, subsets) if len(f[0])]
    if not found:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    return tuple(np.concatenate(c) for c in zip(*found))


def _join_subset(hashes: np.ndarray, t: int, blocks: list, subset: tuple[int, ...]):
    n = len(hashes)
    # The subset's bits packed into one key, sorted together with the row number:
    # one sort of plain integers instead of an argsort.
    key = np.zeros(n, np.uint64)
    width = 0
    for b in subset:
        low = int(blocks[b]) & -int(blocks[b])
        bits = int(blocks[b]).bit_length() - low.bit_length() + 1
        key |= ((hashes & blocks[b]) >> np.uint64(low.bit_length() - 1)) << np.uint64(width)
        width += bits
    if width + 32 > 64 or n >= 2**32:
        order = np.argsort(key, kind="stable")
        skey = key[order]
    else:
        packed = (key << np.uint64(32)) | np.arange(n, dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
        skey = packed >> np.uint64(32)
    sh = hashes[order]  # the hashes in key order: the checks below read them in sequence
    out_i, out_j, out_d = [], [], []
    # Pairs (p, p + d) of sorted positions with equal keys. A position still in a run
    # at distance d is the only kind that can be at d + 1, so the work is the candidates.
    active = np.flatnonzero(skey[:-1] == skey[1:])
    d = 1
    while len(active):
        dist = np.bitwise_count(sh[active] ^ sh[active + d])
        hit = active[dist <= t]
        if len(hit):
            out_i.append(order[hit])
            out_j.append(order[hit + d])
            out_d.append(dist[dist <= t])
        d += 1
        active = active[active + d < n]
        active = active[skey[active] == skey[active + d]]
    if not out_i:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    i, j, dist = np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)
    # Keep each pair from the first subset (in combinations' order) it matches in:
    # the k lowest-numbered blocks that are equal.
    diff = hashes[i] ^ hashes[j]
    equal = np.zeros(len(i), np.int64)
    for b, block in enumerate(blocks):
        equal |= ((diff & block) == 0).astype(np.int64) << b
    first = np.zeros(len(i), np.int64)
    for _ in subset:
        low = equal & -equal
        first |= low
        equal ^= low
    keep = first == sum(1 << b for b in subset)
    i, j = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
    return i, j, dist[keep].astype(np.int64)


def brute_force_pairs(queries: np.ndarray, hashes: np.ndarray, t: int) -> set[tuple[int, int]]:
    """The reference: every pair compared (for tests and the benchmark baseline)."""
    d = np.bitwise_count(queries[:, None] ^ hashes[None, :])
    qi, ci = np.nonzero(d <= t)
    return set(zip(qi.tolist(), ci.tolist()))
