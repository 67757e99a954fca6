"""Which word lists and stemmer a report's stored dedupe keys came from.

Report.problem, street_key and place_key are computed once, when a report is stored
(pipeline/blocking.keys_of), from pipeline/data/complaint_words.txt and Sastrawi's stemmer. After
an edit of the word lists (or a stemmer upgrade) open reports keep keys that new reports no
longer produce, and meet them less well. Each row records the version of what computed its
keys; `intake db rekey` recomputes the rows whose version is not the current one, and the worker
warns at start while any open report is stale.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata

from pipeline.similarity import WORDS_FILE

#: Bump when the key functions themselves change (similarity.problem_text, street_key,
#: blocking.place_key), not only their data.
KEYS_SCHEMA = 2  # 2: problem words capped at blocking.PROBLEM_MAX


@lru_cache(maxsize=1)
def current() -> str:
    """The version of the keys this code computes: 16 hex digits."""
    digest = hashlib.sha256(f"schema {KEYS_SCHEMA}\n".encode())
    digest.update(f"pysastrawi {metadata.version('pysastrawi')}\n".encode())
    digest.update(WORDS_FILE.read_bytes())
    return digest.hexdigest()[:16]
