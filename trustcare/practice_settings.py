"""Practice-wide settings an admin can change, stored as JSON on the practice row.

Typed with pydantic so a stored value that no longer fits falls back to a clear error rather
than a crash deep inside a page.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trustcare.schedules import CheckinSchedule, practice_zone

DEFAULT_SUPPORT_TEXT = (
    "If you are in danger right now, call your local emergency number.\n"
    "You can talk to someone in confidence at a domestic abuse or crisis helpline in your area, "
    "day or night.\n"
    "Your counselor will see that you answered this question and will contact you."
)

DEFAULT_SUPPORT_TEXT_ES = (
    "Si estás en peligro ahora mismo, llama al número de emergencias de tu zona.\n"
    "Puedes hablar en confianza con una línea de ayuda contra la violencia doméstica o de "
    "crisis de tu zona, de día o de noche.\n"
    "Tu consejero o consejera verá que respondiste esta pregunta y se pondrá en contacto contigo."
)


class AlertThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    divergence_gap: float = Field(
        default=8.0, ge=0, description="trust-pulse points between partners"
    )
    divergence_overall_gap: int = Field(default=3, ge=0, le=10, description="overall-trust points")
    no_checkin_days: int = Field(default=14, ge=1, le=365)
    deterioration_rci: float = Field(default=-1.96, le=0)


class SmtpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    username: str = ""
    password: str = ""
    use_tls: bool = True
    sender: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


class PracticeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link_expiry_days: int = Field(default=30, ge=1, le=365)
    alerts: AlertThresholds = Field(default_factory=AlertThresholds)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    support_text: str = Field(default=DEFAULT_SUPPORT_TEXT, max_length=4000)
    # The same, for partners who read Spanish (their page says it in their language).
    support_text_es: str = Field(default=DEFAULT_SUPPORT_TEXT_ES, max_length=4000)
    # New couples' partners see their own progress on their link ("My progress") unless the
    # counselor switches it off for the couple.
    own_progress_for_new_couples: bool = True
    base_url: str = Field(default="", max_length=300, description="overrides TRUSTCARE_BASE_URL")
    # Schedules fire at local times of the practice (an IANA name such as Europe/Berlin).
    time_zone: str = Field(default="UTC", max_length=64)
    # The check-in schedule of a couple that has none of its own.
    checkin_schedule: CheckinSchedule = Field(default_factory=CheckinSchedule)
    # Local accounts must enrol a second factor (TOTP); single sign-on relies on the provider's.
    require_two_factor: bool = False
    # A counselor's login ends after this long without a page run, and at this age regardless.
    idle_minutes: int = Field(default=15, ge=5, le=240)
    max_login_hours: int = Field(default=12, ge=1, le=24)
    # Closed couples are listed for deletion this many years after they were closed.
    retention_years: int = Field(default=7, ge=1, le=30)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        practice_zone(value)
        return value

    def support_text_in(self, language: str) -> str:
        """The support resources in the partner's language (English if it has none)."""
        return self.support_text_es if language == "es" else self.support_text

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> PracticeSettings:
        return cls.model_validate(stored or {})


# Each setting as the practice-settings form (pages/practice_settings.py) names it: a refused
# save names the field the admin sees, never its key such as `smtp.host`.
FORM_LABELS = {
    "link_expiry_days": "Days a new check-in link stays valid",
    "alerts": "Alert thresholds",
    "alerts.no_checkin_days": "Alert after this many days without a check-in",
    "alerts.deterioration_rci": "Reliable deterioration at a change index of (negative)",
    "alerts.divergence_gap": "Partners diverge at a trust-pulse gap of",
    "alerts.divergence_overall_gap": "Partners diverge at an overall-trust gap of",
    "smtp": "Email for check-in links (SMTP)",
    "smtp.host": "SMTP server",
    "smtp.port": "SMTP port",
    "smtp.username": "SMTP user name",
    "smtp.password": "SMTP password",
    "smtp.sender": "SMTP sender address",
    "smtp.use_tls": "Use STARTTLS",
    "support_text": "Support resources",
    "support_text_es": "Support resources in Spanish",
    "own_progress_for_new_couples": "New couples see their own progress",
    "base_url": "Base URL for links",
    "time_zone": "Time zone of the practice",
    "checkin_schedule": "Default check-in schedule",
    "checkin_schedule.kind": "Check-ins are due",
    "checkin_schedule.every_weeks": "Weeks between check-ins",
    "checkin_schedule.weekday": "Weekday",
    "checkin_schedule.local_time": "Local time",
    "checkin_schedule.days_before": "Days before each session",
    "checkin_schedule.window_days": "Days a due check-in stays open",
    "checkin_schedule.reminder_day": "Reminder on day (0: none)",
    "require_two_factor": "Require two-factor sign-in for local accounts",
    "idle_minutes": "Sign out after this many idle minutes",
    "max_login_hours": "Sign out after this many hours in any case",
    "retention_years": "Keep closed couples for this many years",
}


def form_label(path: str) -> str:
    """The form's name for a setting's key, else for the section holding it (an unknown key)."""
    while path not in FORM_LABELS and "." in path:
        path = path.rsplit(".", 1)[0]
    return FORM_LABELS.get(path, "Practice settings")
