"""This plugin's own settings (not core's): where the PRO.Культура.РФ API is and its key.

Read from the environment: ``SFERUM_PUSHKIN_API_URL``, ``SFERUM_PUSHKIN_API_KEY`` and the
optional tuning keys below. A bad value raises core's ConfigError with one line naming the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from core.config import ConfigError
from core.config_errors import describe_error

PREFIX = "SFERUM_PUSHKIN_"


class PushkinSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str | None = Field(None, description="base URL of the API, e.g. https://…/api/2.5")
    # A secret: repr=False keeps it out of logs and of configuration errors.
    api_key: str | None = Field(
        None, repr=False, description="the API key; none means file imports only"
    )
    page_size: int = Field(100, ge=1, le=100, description="events per API page (the API caps 100)")
    retries: int = Field(4, ge=0, le=10, description="retries of a failed API page")
    retry_delay: float = Field(1.0, ge=0, le=60, description="first retry delay, seconds")
    timeout: float = Field(30.0, gt=0, le=300, description="one API request, seconds")

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            # The type names core's Russian line (core/templates/config_error.j2).
            raise PydanticCustomError("http_url", "an http(s) URL")
        return value.rstrip("/") if value else None

    @property
    def api_configured(self) -> bool:
        return bool(self.api_url and self.api_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PushkinSettings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name: env[PREFIX + name.upper()]
            for name in cls.model_fields
            if PREFIX + name.upper() in env
        }
        try:
            return cls(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = PREFIX + str(error["loc"][0]).upper() if error["loc"] else PREFIX
            raise ConfigError(describe_error(error, key, cls)) from None
