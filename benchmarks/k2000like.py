"""Write the K2000-like MaxCut instance: the complete graph on 2000 nodes, +-1 weights.

The weights come from ``random.Random(2000)``, one ``choice((-1, 1))`` per pair ``i < j`` in
row order, so anyone can rebuild the same graph without downloading it. Rudy format (``n
m``, then ``i j w`` with 1-based nodes), about 20 MB.

    python benchmarks/k2000like.py K2000like.txt
    hybrid compare maxcut K2000like.txt --budget 1,10 --seeds 3
"""

from __future__ import annotations

import random
import sys
from pathlib import Path


def write(path: Path, n: int = 2000, seed: int = 2000) -> None:
    rng = random.Random(seed)
    lines = [f"{n} {n * (n - 1) // 2}"]
    for i in range(1, n + 1):
        for j in range(i + 1, n + 1):
            lines.append(f"{i} {j} {rng.choice((-1, 1))}")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "K2000like.txt"))
