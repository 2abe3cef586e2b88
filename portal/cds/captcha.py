"""A small arithmetic captcha for the human registration page (the only page where CDS allows
one). The question travels signed, with its answer hashed inside, and expires after 15 minutes;
no outside service is involved."""

import hashlib
import random

from django.core import signing
from django.core.cache import cache

SALT = "metergate.cds.captcha"
MAX_AGE_SECONDS = 15 * 60
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _digest(answer: int, nonce: str) -> str:
    return hashlib.sha256(f"{nonce}:{answer}".encode()).hexdigest()


def new_challenge(rng: random.Random | None = None) -> tuple[str, str]:
    """(question, token): the token goes in a hidden field and proves the question was ours."""
    rng = rng or random.SystemRandom()
    first, second = rng.randint(1, 10), rng.randint(1, 9)
    nonce = f"{rng.getrandbits(64):016x}"
    question = f"What is {WORDS[first]} plus {WORDS[second]}? (in digits)"
    token = signing.dumps({"n": nonce, "d": _digest(first + second, nonce)}, salt=SALT)
    return question, token


def check(token: str, answer: str) -> bool:
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    answer = (answer or "").strip()
    if not (answer.isdigit() and _digest(int(answer), payload["n"]) == payload["d"]):
        return False
    # Each solved question works once.
    return cache.add(f"{SALT}:{payload['n']}", True, MAX_AGE_SECONDS)
