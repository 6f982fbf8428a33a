"""One Settings object per process, read from COVOICE_* environment variables."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# The servers of the stack, as named in the *_bind_host settings.
ServerName = Literal["rasa", "action", "app"]
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{24,}")


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
    # Every server listens on loopback unless one of these opens it on purpose;
    # `covoice run` warns about any other address. A per-server host wins over
    # bind_host.
    bind_host: str = "127.0.0.1"
    rasa_bind_host: str = ""
    action_bind_host: str = ""
    app_bind_host: str = ""
    # Rasa presents action_secret to the action server; the app presents
    # rasa_token to Rasa. Each is generated into data_dir when unset.
    action_secret: SecretStr = SecretStr("")
    rasa_token: SecretStr = SecretStr("")
    # What /api/chat accepts: a bigger body is refused before it is parsed, a
    # longer text before anything is stored.
    max_request_bytes: int = Field(default=64 * 1024, gt=0)
    max_chat_text_chars: int = Field(default=20_000, gt=0)
    question_sets_dir: Path = PROJECT_ROOT / "question_sets"
    taxonomy_path: Path = PROJECT_ROOT / "taxonomy.yml"
    bot_wording_path: Path = PROJECT_ROOT / "question_sets" / "bot_wording.yml"
    default_question_set: str = "lived_experience_checkin"
    # The theme tagger and safeguarding screener: their examples and trained model.
    theme_examples_path: Path = PROJECT_ROOT / "nlu" / "tagging" / "themes.yml"
    safeguarding_examples_path: Path = PROJECT_ROOT / "nlu" / "tagging" / "safeguarding.yml"
    tagging_model_path: Path = PROJECT_ROOT / "models" / "tagging.npz"
    intent_examples_path: Path = PROJECT_ROOT / "nlu" / "data" / "nlu.yml"
    # A message longer than this is kept in the inbox but not sent to Rasa.
    max_message_chars: int = Field(default=2000, gt=0)
    # Key for the pseudonyms in exports; generated into data_dir when unset.
    pseudonym_key: str = ""
    # Who is at the keyboard, for the audit log; the operating-system user when unset.
    actor: str = ""
    # Spoken prompts (bot/speech.py). "auto" speaks with gTTS while Google answers
    # and with the clearest offline voice otherwise (pico2wave, else espeak-ng).
    # speech_voice is the offline voice: a pico2wave language (en-GB) or an
    # espeak-ng voice (en-gb); empty means British English. A speech_rate of 0.8
    # speaks slower; Google is given up on after speech_gtts_timeout_seconds.
    speech_engine: Literal["auto", "gtts", "pico", "espeak"] = "auto"
    speech_voice: str = ""
    speech_rate: float = Field(default=1.0, ge=0.5, le=1.5)
    speech_gtts_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    # The address people and managers reach the app at (printed in kiosk URLs);
    # http://127.0.0.1:<app_port> unless set.
    public_url: str = ""
    # The kiosk: its own words, and how long without a touch before it asks
    # "are you still there?", then how much longer before it says goodbye.
    kiosk_wording_path: Path = PROJECT_ROOT / "question_sets" / "kiosk_wording.yml"
    kiosk_idle_seconds: int = Field(default=120, ge=10, le=3600)
    kiosk_goodbye_seconds: int = Field(default=30, ge=5, le=600)
    # Telegram: the channel starts when a bot token is set (TELEGRAM_BOT_TOKEN
    # or COVOICE_TELEGRAM_BOT_TOKEN). telegram_api_url points it at another Bot
    # API server (the tests' emulator); the bot's username makes invite links.
    telegram_bot_token: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices(
            "COVOICE_TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "telegram_bot_token"
        ),
    )
    telegram_api_url: str = ""
    telegram_bot_username: str = ""
    telegram_wording_path: Path = PROJECT_ROOT / "question_sets" / "telegram_wording.yml"
    telegram_invite_days: int = Field(default=14, ge=1, le=365)
    # Webhook mode, for production: Telegram posts updates to
    # <telegram_webhook_url>/telegram/webhook with the secret in a header.
    # Long polling when unset. The secret is generated into data_dir when unset.
    telegram_webhook_url: str = ""
    # No message is sent unasked in these hours, in each service's time zone.
    quiet_hours: str = Field(
        default="21:00-08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
    )
    telegram_webhook_secret: SecretStr = SecretStr("")
    # After an incident: the sets follow-ups ask with, and how long a follow-up
    # waits for an answer before it is sent once more, then shown as not reached.
    incident_person_set: str = "incident_person"
    incident_family_set: str = "incident_family"
    incident_resend_hours: int = Field(default=48, ge=1, le=24 * 60)
    # Safeguarding alerts: an alert no lead has acknowledged after this long is
    # sent again and goes on to the service's next lead.
    alert_escalate_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Email to safeguarding leads goes out through this SMTP server; email is
    # off while smtp_host is empty. smtp_tls is "starttls" (port 587), "ssl"
    # (port 465) or "none" (a relay on this machine only). smtp_from defaults
    # to smtp_user when that is an address.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = Field(default="", validate_default=True)
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=300)

    @field_validator("rasa_url", "public_url", "telegram_api_url", "telegram_webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("smtp_from")
    @classmethod
    def _smtp_sender(cls, value: str, info: ValidationInfo) -> str:
        if value or not info.data.get("smtp_host"):
            return value
        user = str(info.data.get("smtp_user", ""))
        if "@" not in user:
            raise ValueError(
                "name the address alerts are emailed from, as COVOICE_SMTP_HOST is set"
            )
        return user

    @field_validator("action_secret", "rasa_token")
    @classmethod
    def _usable_secret(cls, value: SecretStr) -> SecretStr:
        # Rasa reads these from YAML and sends them in headers and query
        # strings: only characters that survive all three, and enough of them.
        secret = value.get_secret_value()
        if secret and not SECRET_PATTERN.fullmatch(secret):
            raise ValueError(
                "must be at least 24 characters of A-Z, a-z, 0-9, '-' and '_' "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @model_validator(mode="after")
    def _rasa_url_from_port(self) -> Settings:
        if not self.rasa_url:
            self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        return self

    def telegram_webhook_token(self) -> str:
        """The secret Telegram presents in each webhook request's header.

        Returns:
            ``COVOICE_TELEGRAM_WEBHOOK_SECRET``, or the one kept in the data
            folder (made on first use). Telegram allows 1-256 of A-Z a-z 0-9 _ -.

        Raises:
            SettingsError: the secret's file is unreadable, empty or open to others.
        """
        return self.telegram_webhook_secret.get_secret_value() or read_or_create_secret(
            self.data_dir / "telegram_webhook.secret"
        )

    @property
    def app_url(self) -> str:
        return self.public_url or f"http://127.0.0.1:{self.app_port}"

    @property
    def action_budget_seconds(self) -> float:
        """How long after the app sends a message the action may still begin to commit."""
        return max(self.rasa_timeout_seconds - self.store_timeout_seconds - 2.0, 1.0)

    def host_for(self, server: ServerName) -> str:
        """The address ``server`` listens on: its own setting, else ``bind_host``."""
        own = {
            "rasa": self.rasa_bind_host,
            "action": self.action_bind_host,
            "app": self.app_bind_host,
        }[server]
        return own or self.bind_host

    def action_server_secret(self) -> str:
        """The secret Rasa presents to the action server.

        Returns:
            ``COVOICE_ACTION_SECRET``, or the one kept in the data folder
            (made on first use), so every process started from it agrees.

        Raises:
            SettingsError: the secret's file is unreadable, empty or open to others.
        """
        return self.action_secret.get_secret_value() or read_or_create_secret(
            self.data_dir / "action_server.secret"
        )

    def rasa_api_token(self) -> str:
        """The token the app presents to Rasa's HTTP API and to its webhook.

        Returns:
            ``COVOICE_RASA_TOKEN``, or the one kept in the data folder (made
            on first use), so `covoice chat` and a restarted stack agree.

        Raises:
            SettingsError: the token's file is unreadable, empty or open to others.
        """
        return self.rasa_token.get_secret_value() or read_or_create_secret(
            self.data_dir / "rasa_api.token"
        )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'covoice.db'}"

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

        secret = secrets.token_hex(32).encode()
        write_private_file(self.pseudonym_key_file, secret + b"\n")
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


def write_private_file(path: Path, content: bytes) -> None:
    """Write a new file that only its owner can read, from its first byte.

    The content goes to a draft made with ``O_CREAT | O_EXCL`` and mode 0600,
    then the draft is linked into place, so no process ever sees the file
    half-written or with wider permissions.

    Raises:
        FileExistsError: ``path`` exists already; it is never overwritten.
    """
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def read_or_create_secret(path: Path) -> str:
    """Return the secret kept in ``path``, making a random one there on first use.

    A new secret is written to a file of its own, created with
    ``O_CREAT | O_EXCL`` and mode 0600 (readable by its owner from the first
    byte), then linked into place: two processes starting at once agree on one
    secret and neither ever reads a half-written file.

    Args:
        path: Where the secret lives, inside the data folder.

    Returns:
        The secret.

    Raises:
        SettingsError: the file cannot be read, is empty, or others may read it.
    """
    import secrets

    if not path.exists():
        try:
            write_private_file(path, (secrets.token_urlsafe(32) + "\n").encode())
        except FileExistsError:
            pass  # another process made it first: use theirs
    try:
        if path.stat().st_mode & 0o077:
            raise SettingsError(
                f"{path} can be read by other users. Make it private with 'chmod 600 {path}'."
            )
        secret = path.read_text().strip()
    except OSError as error:
        raise SettingsError(
            f"{path} cannot be read ({error.strerror}). Check its owner and permissions."
        ) from None
    if not SECRET_PATTERN.fullmatch(secret):
        raise SettingsError(f"{path} does not hold a usable secret. Delete it to make a new one.")
    return secret
