"""One Settings object per process, read from COVOICE_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """Raised when the environment holds a setting we cannot use."""


class Settings(BaseSettings):
    """Everything a CoVoice process needs to know about where it runs.

    The defaults are the embedded set-up: SQLite files under ``var/`` and every
    server on localhost.
    """

    model_config = SettingsConfigDict(env_prefix="COVOICE_", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    # Defaults to 127.0.0.1 on rasa_port.
    rasa_url: str = ""
    # Time-outs nest so that an outer layer never gives up while an inner one
    # can still commit: the store waits for a lock at most store_timeout_seconds;
    # the action begins no commit later than rasa_timeout_seconds minus that and
    # a margin after the app sent the message; the app waits rasa_timeout_seconds.
    rasa_timeout_seconds: float = Field(default=20.0, gt=0)
    store_timeout_seconds: float = Field(default=5.0, gt=0)
    action_port: int = Field(default=5055, gt=0, lt=65536)
    rasa_port: int = Field(default=5005, gt=0, lt=65536)
    app_port: int = Field(default=8000, gt=0, lt=65536)
    question_sets_dir: Path = PROJECT_ROOT / "question_sets"
    taxonomy_path: Path = PROJECT_ROOT / "taxonomy.yml"
    bot_wording_path: Path = PROJECT_ROOT / "question_sets" / "bot_wording.yml"
    default_question_set: str = "lived_experience_checkin"
    # A message longer than this is kept in the inbox but not sent to Rasa.
    max_message_chars: int = Field(default=2000, gt=0)
    # Key for the pseudonyms in exports; generated into data_dir when unset.
    pseudonym_key: str = ""

    @field_validator("rasa_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _rasa_url_from_port(self) -> Settings:
        if not self.rasa_url:
            self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        return self

    @property
    def action_budget_seconds(self) -> float:
        """How long after the app sends a message the action may still begin to commit."""
        return max(self.rasa_timeout_seconds - self.store_timeout_seconds - 2.0, 1.0)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'covoice.db'}"

    @property
    def tracker_store_path(self) -> Path:
        return self.data_dir / "rasa_tracker.db"

    def pseudonym_secret(self) -> bytes:
        """Return the export pseudonym key, creating a random one on first use."""
        if self.pseudonym_key:
            return self.pseudonym_key.encode()
        key_file = self.data_dir / "pseudonym.key"
        if not key_file.exists():
            import secrets

            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip().encode()


def load_settings() -> Settings:
    """Build Settings from the environment, naming the variable that is wrong.

    Raises:
        SettingsError: a COVOICE_* variable holds a value we cannot use.
    """
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"COVOICE_{'_'.join(str(part) for part in issue['loc']).upper()}: {issue['msg']}"
            for issue in error.errors()
        )
        raise SettingsError(f"Settings are not valid: {problems}") from None
