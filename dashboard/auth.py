"""Who is using the dashboard, and what they may do.

Three modes, set by `tillit dashboard` from `[dashboard] auth` (env `TILLIT_AUTH`):

- `none` — only allowed on 127.0.0.1: the person at the machine is trusted, with the role
  `[dashboard] local_role` (default editor).
- `password` — users in Streamlit's secrets (`.streamlit/secrets.toml`):
  `[users.anna] password_hash = "pbkdf2_sha256$..."  role = "reviewer"`. Make a hash with
  `tillit hash-password`. Hashes are PBKDF2-SHA256 with a random salt; the check is constant-time.
- `oidc` — Streamlit's built-in OpenID Connect login (`st.login`, configured in `[auth]` of the
  secrets); roles come from `[roles]` in the secrets, mapping e-mail addresses to roles, and anyone
  else who can log in is a viewer.

Roles are ordered: a viewer reads; a reviewer may also review posts and note narratives; an editor
may also change a response's status in the rebuttal library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

import streamlit as st

ROLES = ("viewer", "reviewer", "editor")
MODES = ("none", "password", "oidc")
USER_KEY = "tillit_user"
_ITERATIONS = 310_000


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is `role` or above."""
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_password(password: str, iterations: int = _ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return "$".join(
        [
            "pbkdf2_sha256",
            str(iterations),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations)
        )
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def mode() -> str:
    value = os.environ.get("TILLIT_AUTH", "none")
    return value if value in MODES else "none"


def current_user() -> User:
    """The signed-in user; renders a login and stops the page when nobody is signed in."""
    chosen = mode()
    if chosen == "none":
        role = os.environ.get("TILLIT_LOCAL_ROLE", "editor")
        return User(
            os.environ.get("TILLIT_LOCAL_USER", "lokal"), role if role in ROLES else "viewer"
        )
    if chosen == "oidc":
        return _oidc_user()
    user = st.session_state.get(USER_KEY)
    if isinstance(user, User):
        return user
    _password_form()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _password_form() -> None:
    st.title("Tillit")
    with st.form("login"):
        name = st.text_input("Användarnamn / User name")
        password = st.text_input("Lösenord / Password", type="password")
        if st.form_submit_button("Logga in / Sign in"):
            users = st.secrets.get("users", {})
            entry = users.get(name, {}) if name else {}
            stored = entry.get("password_hash", "")
            if stored and verify_password(password, stored):
                role = entry.get("role", "viewer")
                st.session_state[USER_KEY] = User(name, role if role in ROLES else "viewer")
                st.rerun()
            st.error("Fel användarnamn eller lösenord. / Wrong user name or password.")


def _oidc_user() -> User:
    if not st.user.is_logged_in:
        st.title("Tillit")
        st.button("Logga in / Sign in", on_click=st.login)
        st.stop()
    email = str(st.user.get("email") or st.user.get("sub") or "okänd")
    role = st.secrets.get("roles", {}).get(email, "viewer")
    return User(email, role if role in ROLES else "viewer")


def sign_out() -> None:
    if mode() == "oidc":
        st.logout()
    st.session_state.pop(USER_KEY, None)
