"""Check that the benchmark peers compute the same rules as ratebook, to the fen.

Why: a speed comparison means nothing unless the peers answer the same question. This
script draws random cases (fen amounts, as money is kept) plus every bracket edge
(10000, 20000, 30000, 50000 and ±0.01) and cap edge, evaluates them through

- ratebook's one-case generated modules (``generated/index.json`` → ``evaluate(case, on)``,
  exact Decimal, inputs passed as decimal strings), the reference;
- the OpenFisca peer (``openfisca_peer``), as shipped (float32 storage) and with float64;
- the zen-engine peer (``zen_peer``), one case at a time;

rounds each peer's float to the fen (half up, from its shortest repr) and counts the
disagreements. Each one is classified with an independent exact reckoning of the unrounded
amount: "tie" when that amount ends in exactly half a fen (the float's binary error then
decides which way it rounds), "other" for any other one-fen difference, "more" for a larger
one. float32 cannot hold amounts or inputs to the fen (its step is 1/128 yuan from 65,536
and 1/64 from 131,072), so the float32 peer may show all three. For the float64 and zen
peers anything but a tie means the peer encodes the rule wrongly: the script then exits 1.

Run from the repository root: ``python benchmarks/peers/check_peers.py [--n 10000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.peers import openfisca_peer, zen_peer  # noqa: E402

ON = dt.date(2012, 6, 1)
FEN = Decimal("0.01")
EDGES = (0, 10000, 20000, 30000, 50000)


# --- cases -----------------------------------------------------------------------------


def secondary_cases(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(scheme codes, out_of_pocket in fen): every edge ±1 fen for both schemes, then random."""
    edge_fen = sorted(
        {e * 100 + d for e in EDGES for d in (-1, 0, 1) if e * 100 + d >= 0}
        | {1, 2, 5, 10_000_000, 100_000_000}
    )
    schemes = [s for s in (0, 1) for _ in edge_fen]
    fen = edge_fen * 2
    rest = n - len(fen)
    schemes += rng.integers(0, 2, rest).tolist()
    fen += rng.integers(0, 20_000_000, rest).tolist()  # 0 to 200,000 yuan, to the fen
    return np.array(schemes, dtype=np.int64), np.array(fen, dtype=np.int64)


def inpatient_cases(n: int, rng: np.random.Generator):
    """(levels, eligible_cost in fen, fund_paid in fen): cap edges first, then random."""
    rows = []
    for level, ratio in ((1, 8), (2, 7), (3, 6)):
        for cost in (0, 1, 5, 123456, 10_000_00):
            rows.append((level, cost, 0))
        for paid in (0, 150_000_00, 199_999_99, 200_000_00, 200_000_01, 210_000_00):
            rows.append((level, 100_000_00, paid))
        # the ratio amount exactly equal to what is left, and a fen either side
        left = 50_000_00
        cost = left * 10 // ratio
        for c in (cost - 1, cost, cost + 1):
            rows.append((level, c, 150_000_00))
        rows.append((level, 300_000_00, 0))  # ratio amount above the whole cap
    levels = [r[0] for r in rows]
    costs = [r[1] for r in rows]
    paid = [r[2] for r in rows]
    rest = n - len(rows)
    levels += rng.integers(1, 4, rest).tolist()
    costs += rng.integers(0, 30_000_000, rest).tolist()  # 0 to 300,000 yuan
    some_paid = rng.integers(0, 22_000_000, rest)  # 0 to 220,000 yuan ...
    paid += np.where(rng.random(rest) < 0.5, 0, some_paid).tolist()  # ... for half the cases
    return (
        np.array(levels, dtype=np.int64),
        np.array(costs, dtype=np.int64),
        np.array(paid, dtype=np.int64),
    )


def yuan(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


# --- exact reckoning, only to classify disagreements ------------------------------------

SCALES = {
    0: ((20000, "0.3"), (30000, "0.4"), (50000, "0.5")),
    1: ((10000, "0.4"), (30000, "0.5"), (50000, "0.6")),
}
RATIOS = {1: Decimal("0.8"), 2: Decimal("0.7"), 3: Decimal("0.6")}


def exact_secondary(scheme: int, amount: Decimal) -> Decimal:
    brackets = SCALES[scheme]
    total = Decimal(0)
    for i, (low, rate) in enumerate(brackets):
        high = brackets[i + 1][0] if i + 1 < len(brackets) else None
        part = min(amount, Decimal(high)) if high is not None else amount
        if part > low:
            total += (part - low) * Decimal(rate)
    return total


def exact_inpatient(level: int, cost: Decimal, paid: Decimal) -> Decimal:
    return min(cost * RATIOS[level], max(Decimal(0), Decimal(200000) - paid))


def is_half_fen(amount: Decimal) -> bool:
    return (amount * 1000) % 10 == 5


# --- ratebook reference ----------------------------------------------------------------


def load_generated(policy_id: str):
    from generator.evaluate.modules import load_policy_module

    return load_policy_module(ROOT / "generated", policy_id)


def ratebook_secondary(schemes, fen) -> list[Decimal]:
    module = load_generated("medical.secondary_compensation")
    names = zen_peer.SCHEME_NAMES
    return [
        module.evaluate({"scheme": names[s], "out_of_pocket": str(yuan(f))}, ON)["compensation"]
        for s, f in zip(schemes.tolist(), fen.tolist(), strict=True)
    ]


def ratebook_inpatient(levels, cost, paid) -> list[Decimal]:
    module = load_generated("medical.resident_inpatient")
    return [
        module.evaluate(
            {
                "hospital_level": lv,
                "eligible_cost": str(yuan(c)),
                "fund_paid_this_year": str(yuan(p)),
            },
            ON,
        )["reimbursement"]
        for lv, c, p in zip(levels.tolist(), cost.tolist(), paid.tolist(), strict=True)
    ]


# --- comparing ---------------------------------------------------------------------------


def to_fen(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(FEN, rounding=ROUND_HALF_UP)


def compare(
    label: str, peer_values, reference: list[Decimal], exact: list[Decimal], describe
) -> dict:
    """Count agreements and classified disagreements of one peer; print a line and examples."""
    counts = {"cases": len(reference), "agree": 0, "tie": 0, "other": 0, "more": 0}
    examples: dict[str, list[str]] = {}
    for i, (value, want, unrounded) in enumerate(zip(peer_values, reference, exact, strict=True)):
        got = to_fen(value)
        if got == want:
            counts["agree"] += 1
            continue
        if abs(got - want) > FEN:
            kind = "more"
        elif is_half_fen(unrounded):
            kind = "tie"
        else:
            kind = "other"
        counts[kind] += 1
        shown = examples.setdefault(kind, [])
        if len(shown) < 3:
            shown.append(
                f"{describe(i)}: exact {unrounded} → ratebook {want}, peer {float(value)!r} → {got}"
            )
    print(
        f"  {label:<22} agree {counts['agree']:>7}/{counts['cases']}  "
        f"tie {counts['tie']:>6}  other {counts['other']:>6}  more {counts['more']:>5}"
    )
    for kind, lines in examples.items():
        for line in lines:
            print(f"      {kind}: {line}")
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="cases per rule (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    worst = 0

    schemes, oop_fen = secondary_cases(args.n, rng)
    oop = oop_fen / 100.0
    reference = ratebook_secondary(schemes, oop_fen)
    exact = [
        exact_secondary(s, yuan(f)) for s, f in zip(schemes.tolist(), oop_fen.tolist(), strict=True)
    ]
    assert all(
        r == e.quantize(FEN, rounding=ROUND_HALF_UP) for r, e in zip(reference, exact, strict=True)
    ), "the classifying reckoning disagrees with ratebook"
    ties = sum(is_half_fen(e) for e in exact)
    print(
        f"medical.secondary_compensation: {len(reference)} cases, {ties} of them exact half-fen ties"
    )
    describe = lambda i: f"{zen_peer.SCHEME_NAMES[schemes[i]]} {yuan(oop_fen[i])}"
    peers = {}
    for precision in ("float32", "float64"):
        openfisca_peer.setup(precision)
        peers[f"openfisca ({precision})"] = openfisca_peer.run_secondary(schemes, oop)
    peers["zen-engine"] = zen_peer.run_secondary_per_case(schemes, oop)
    for label, values in peers.items():
        counts = compare(label, values, reference, exact, describe)
        if "float32" not in label:
            worst += counts["other"] + counts["more"]

    levels, cost_fen, paid_fen = inpatient_cases(args.n, rng)
    cost, paid = cost_fen / 100.0, paid_fen / 100.0
    reference = ratebook_inpatient(levels, cost_fen, paid_fen)
    exact = [
        exact_inpatient(lv, yuan(c), yuan(p))
        for lv, c, p in zip(levels.tolist(), cost_fen.tolist(), paid_fen.tolist(), strict=True)
    ]
    assert all(
        r == e.quantize(FEN, rounding=ROUND_HALF_UP) for r, e in zip(reference, exact, strict=True)
    ), "the classifying reckoning disagrees with ratebook"
    ties = sum(is_half_fen(e) for e in exact)
    print(f"medical.resident_inpatient: {len(reference)} cases, {ties} of them exact half-fen ties")
    describe = lambda i: f"level {levels[i]} cost {yuan(cost_fen[i])} paid {yuan(paid_fen[i])}"
    peers = {}
    for precision in ("float32", "float64"):
        openfisca_peer.setup(precision)
        peers[f"openfisca ({precision})"] = openfisca_peer.run_inpatient(levels, cost, paid)
    peers["zen-engine"] = zen_peer.run_inpatient_per_case(levels, cost, paid)
    for label, values in peers.items():
        counts = compare(label, values, reference, exact, describe)
        if "float32" not in label:
            worst += counts["other"] + counts["more"]

    openfisca_peer.setup("float32")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
