"""Validate a request a stand-in received against an official OpenAPI 3 spec.

Stand-ins call SpecValidator(spec_path).errors(flask.request) and answer 400 with
the errors, so a connector that sends what the real platform would refuse fails
its tests. Generic: Etsy (OpenAPI 3.0.2) and Square (orders-subset.json) use it.
"""
from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path
from typing import Any, Iterable

from werkzeug.wrappers import Request

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECS_DIR = REPO_ROOT.parent / "shared" / "specs"


def spec_path(*parts: str) -> Path:
    """Path of an official spec under shared/specs (may not exist on every machine)."""
    return SPECS_DIR.joinpath(*parts)


def require_spec(path: Path) -> Path:
    """The spec must be there: a stand-in that can't validate would make spec tests pass vacuously.

    Under pytest the test is skipped with the reason; elsewhere (benchmarks) it is a plain error.
    """
    if path.exists():
        return path
    reason = f"official spec {path.name} not found: ../shared/specs must sit beside the repository"
    import sys

    if "pytest" in sys.modules:
        import pytest

        pytest.skip(reason)
    raise FileNotFoundError(reason)


class _HostRewritingRequest:
    """A werkzeug request seen as if it had been sent to the spec's own server URL."""

    def __init__(self, request: Request, server_url: str) -> None:
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest

        self._inner = WerkzeugOpenAPIRequest(request)
        self._server_url = server_url.rstrip("/") + "/"
        self.parameters = self._inner.parameters

    @property
    def host_url(self) -> str:
        return self._server_url

    @property
    def path(self) -> str:
        return self._inner.path

    @property
    def method(self) -> str:
        return self._inner.method

    @property
    def body(self) -> bytes | None:
        return self._inner.body

    @property
    def content_type(self) -> str:
        return self._inner.content_type


class SpecValidator:
    """Checks method, path, query, headers and body of a request against one OpenAPI 3 spec."""

    def __init__(self, path: str | Path, ignore: Iterable[str] = ()) -> None:
        from openapi_core import Config, OpenAPI

        self.path = Path(path)
        document = _drop_null_defaults(json.loads(self.path.read_text(encoding="utf-8")))
        # Official specs carry small defects that fail strict spec checking (see
        # _drop_null_defaults); the requests are what we validate, not the spec.
        self.openapi = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))
        servers = self.openapi.spec.get("servers") or [{"url": "/"}]
        self.server_url = servers[0]["url"]
        # Substrings of error messages to tolerate (e.g. a security scheme we cannot mimic).
        self.ignore = tuple(ignore)

    def errors(self, request: Request) -> list[str]:
        """Every way `request` breaks the spec, in plain words; empty when it conforms."""
        with warnings.catch_warnings():
            # openapi-core cannot check oauth2 schemes and warns; stand-ins check tokens themselves.
            warnings.simplefilter("ignore", UserWarning)
            result = self.openapi.unmarshal_request(_HostRewritingRequest(request, self.server_url))
        found: list[str] = []
        for err in result.errors:
            for text in _describe(err):
                if not any(skip in text for skip in self.ignore):
                    found.append(text)
        return found


def _drop_null_defaults(node: Any) -> Any:
    """Remove `default: null` from non-nullable schemas, in place.

    Etsy's spec declares e.g. min_created as {type: integer, default: null}; taken
    literally every request that omits the optional parameter would be invalid.
    """
    if isinstance(node, dict):
        if "default" in node and node["default"] is None and not node.get("nullable"):
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)
    return node


def _describe(err: BaseException) -> list[str]:
    # openapi-core nests the useful detail in __cause__ and schema_errors.
    texts = [f"{type(err).__name__}: {err}"]
    cause = err.__cause__
    if cause is not None:
        texts.append(f"{type(cause).__name__}: {cause}")
    for holder in (err, cause):
        for sub in getattr(holder, "schema_errors", None) or ():
            texts.append(f"schema: {getattr(sub, 'message', sub)}")
    return texts


@functools.lru_cache(maxsize=8)
def cached_validator(path: str) -> SpecValidator:
    """One parsed spec per path per test session (parsing a big spec takes a moment)."""
    return SpecValidator(path)
