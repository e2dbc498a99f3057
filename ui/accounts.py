"""Who a conversation belongs to: a browser (a random token it keeps in a cookie) or, in a shared
deployment with accounts on (`BUDGETQA_ACCOUNTS=1`), an account with a password.

Passwords are kept as scrypt hashes with a random salt (hashlib, the standard library), never as
written; sign-in tokens and browser tokens are stored only as their SHA-256. Owners are strings:
"browser:<hash>" or "account:<id>".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from indexer.store import Database
from indexer.store import conversations as stored

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # OWASP's minimum for scrypt
MIN_PASSWORD = 8
NAME_CHARS = (2, 32)


class AccountError(ValueError):
    """A sign-in or registration that cannot be done; the message is for the reader."""


def token() -> str:
    """A new random token (a browser's id, a sign-in session)."""
    return secrets.token_urlsafe(24)


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def browser_owner(browser_token: str) -> str:
    return "browser:" + token_hash(browser_token)[:32]


def account_owner(account_id: str) -> str:
    return "account:" + account_id


def hash_password(password: str) -> str:
    """An scrypt hash of the password with a fresh salt: "scrypt$n$r$p$salt$hash" (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored_hash: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored_hash.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(bytes.fromhex(digest)))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def register(db: Database, name: str, password: str) -> str:
    """Create an account; its sign-in token.

    Raises:
        AccountError: the name is taken or unfit, or the password too short.
    """
    name = name.strip()
    if not NAME_CHARS[0] <= len(name) <= NAME_CHARS[1]:
        raise AccountError(f"用户名要 {NAME_CHARS[0]}–{NAME_CHARS[1]} 个字。")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位。")
    account_id = uuid.uuid4().hex[:16]
    if not stored.add_account(db, account_id, name, hash_password(password)):
        raise AccountError("这个用户名已被使用，请换一个。")
    return _session(db, account_id)


def sign_in(db: Database, name: str, password: str) -> str:
    """Check a name and password; a sign-in token. Raises AccountError when they do not match."""
    account = stored.account_by_name(db, name.strip())
    if account is None or not check_password(password, account["password_hash"]):
        raise AccountError("用户名或密码不对。")
    return _session(db, account["account_id"])


def signed_in(db: Database, session_token: str | None) -> dict | None:
    """{account_id, name} of a sign-in token, or None."""
    return stored.account_of_session(db, token_hash(session_token)) if session_token else None


def sign_out(db: Database, session_token: str) -> None:
    stored.end_session(db, token_hash(session_token))


def _session(db: Database, account_id: str) -> str:
    value = token()
    stored.add_session(db, token_hash(value), account_id)
    return value
