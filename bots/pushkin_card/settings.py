"""This plugin's own settings (not core's): where the PRO.Культура.РФ API is and its key.

Core fills them (``Plugin.settings_model``, core/plugins/settings.py) from ``[bots.pushkin_card]``
of sferum.toml and from ``SFERUM_PUSHKIN_CARD_API_URL``, ``SFERUM_PUSHKIN_CARD_API_KEY`` and the
optional tuning keys below (``SFERUM_PUSHKIN_CARD_<FIELD>``; the environment wins). A bad value
stops with core's one line naming the key.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError


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
