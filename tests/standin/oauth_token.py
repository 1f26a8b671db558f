"""OAuth2 token endpoint for the service-account JWT-bearer grant (signature not verified)."""
from __future__ import annotations

import base64
import json
import re
import secrets

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _decode_part(part: str) -> dict:
    """Decode one base64url JWT segment as JSON."""
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()))


def issue_token(form: dict) -> tuple[int, dict, str | None]:
    """Handle a token POST: returns (status, body, issued access token or None)."""
    if form.get("grant_type") != JWT_BEARER:
        return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "
                     + str(form.get("grant_type"))}, None
    parts = (form.get("assertion") or "").split(".")
    if len(parts) != 3 or not all(_B64URL.match(p) for p in parts):
        return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived "
                     "token (60 minutes) and in a reasonable timeframe."}, None
    try:
        header, claims = _decode_part(parts[0]), _decode_part(parts[1])
    except (ValueError, UnicodeDecodeError):
        return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, None
    if header.get("alg") != "RS256" or "iss" not in claims:
        return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, None
    # Google's tokens start with 'ya29.'; mimic that so logs look familiar.
    token = "ya29.standin-" + secrets.token_urlsafe(24)
    return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}, token
