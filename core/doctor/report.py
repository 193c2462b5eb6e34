"""What ``sferum doctor`` found: the checks in order, the verdict, the exit code, the text."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Settings

from .checks import TEXTS, Check


@dataclass(frozen=True)
class Report:
    settings: Settings
    checks: tuple[Check, ...]

    @property
    def sandbox(self) -> bool:
        return self.settings.uses_sandbox

    @property
    def failures(self) -> int:
        return sum(1 for check in self.checks if check.ok is False)

    @property
    def warnings(self) -> int:
        return sum(1 for check in self.checks if check.ok is None)

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def by_name(self, name: str) -> list[Check]:
        return [check for check in self.checks if check.name == name]

    def render(self) -> str:
        """One line per check with ✅/❌ (⚠️ for a warning), then the verdict."""
        return TEXTS.render(
            "report.j2",
            checks=self.checks,
            sandbox=self.sandbox,
            failures=self.failures,
            warnings=self.warnings,
            api_url=self.settings.vk_api_url,
            group_id=self.settings.vk_group_id,
            transport=self.settings.transport,
        )
