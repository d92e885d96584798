"""Write tests/data/source_items.json from the published tool's catalogue of items.

The course keeps its own list of the 121 source item ids, so that its coverage test runs
without the source files. Beside each id it keeps fingerprints of the item's wording (hashes
of every run of six words), not the wording itself, so that a test can show that no prompt
copies its item while the project carries none of the tool's sentences.

Run from the repository root: python tests/data/make_source_fingerprints.py PATH/TO/items.json
"""

import hashlib
import json
import re
import sys
from pathlib import Path

RUN = 6


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9']+", text)


def fingerprints(text: str, run: int = RUN) -> set[str]:
    w = words(text)
    return {
        hashlib.sha256(" ".join(w[i : i + run]).encode()).hexdigest()[:16]
        for i in range(len(w) - run + 1)
    }


def main(items_path: str) -> None:
    catalogue = json.loads(Path(items_path).read_text(encoding="utf-8"))
    out = {
        "source": "Team as a Secure Base Model in Online and Hybrid Spaces (practice tool)",
        "run": RUN,
        "items": [
            {"id": item["id"], "fingerprints": sorted(fingerprints(item["text"]))}
            for item in catalogue["items"]
        ],
    }
    target = Path(__file__).with_name("source_items.json")
    target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"{len(out['items'])} items written to {target}")


if __name__ == "__main__":
    main(sys.argv[1])
