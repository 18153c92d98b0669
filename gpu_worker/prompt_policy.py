"""What the generation_* events may say about a prompt, by the site's prompt policy. Pure.

none: nothing; scrubbed: the prompt after the PII scrubber, cut short; hashed: a keyed HMAC-SHA256, so
equal prompts can be counted together without the text being stored or guessable without the key.
"""

from __future__ import annotations

import hashlib
import hmac

from consent.scrubber import scrub_text

POLICIES = ("none", "scrubbed", "hashed")


def prompt_properties(prompt: str, *, policy: str, hash_key: str, max_chars: int) -> dict[str, str]:
    """The event properties carrying the prompt under `policy` (an unknown policy is treated as none)."""
    if policy == "scrubbed":
        return {"prompt": scrub_text(prompt)[:max_chars]}
    if policy == "hashed":
        digest = hmac.new(hash_key.encode(), prompt.encode(), hashlib.sha256).hexdigest()
        return {"prompt_hash": digest}
    return {}
