"""One Settings object per process, read from COVOICE_* environment variables."""

from __future__ import annotations

import os
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
    # Who is at the keyboard, for the audit log; the operating-system user when unset.
    actor: str = ""

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

    @property
    def pseudonym_key_file(self) -> Path:
        return self.data_dir / "pseudonym.key"

    def pseudonym_secret(self) -> bytes | None:
        """Return the export pseudonym key, or None when there is none yet.

        ``COVOICE_PSEUDONYM_KEY`` wins over the key file. Whether a key may be
        made, and whether it is the one the store knows, is decided by
        ``governance.pseudonym_key``; this only reads.

        Raises:
            SettingsError: the key file exists but cannot be read, is empty, or
                others may read it.
        """
        if self.pseudonym_key:
            return self.pseudonym_key.encode()
        key_file = self.pseudonym_key_file
        try:
            if key_file.stat().st_mode & 0o077:
                raise SettingsError(
                    f"The pseudonym key {key_file} can be read by other users. Make it "
                    f"private with 'chmod 600 {key_file}'."
                )
            secret = key_file.read_bytes().strip()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise SettingsError(
                f"The pseudonym key {key_file} cannot be read ({error.strerror}). "
                "Check its owner and permissions."
            ) from None
        if not secret:
            raise SettingsError(f"The pseudonym key {key_file} is empty. Restore it from a backup.")
        return secret

    def create_pseudonym_key_file(self) -> bytes:
        """Write a new random key file that only its owner can read, from its first byte.

        The key is written to a file of its own made with ``O_CREAT | O_EXCL``
        and mode 0600, then linked into place, so no other process ever sees
        the key file half-written or with wider permissions.

        Returns:
            The new key.

        Raises:
            FileExistsError: there is already a key file; it is never overwritten.
        """
        import secrets

        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(32).encode()
        draft = self.pseudonym_key_file.with_name(f".pseudonym.key.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(secret + b"\n")
                file.flush()
                os.fsync(file.fileno())
            os.link(draft, self.pseudonym_key_file)
        finally:
            draft.unlink(missing_ok=True)
        return secret


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
