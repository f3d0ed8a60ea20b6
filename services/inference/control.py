"""Triton's trace and log settings: what the TraceSetting and LogSettings RPCs
read and change.

Log settings apply to this process's own logging at once: `log_info`,
`log_warning`, `log_error` and `log_verbose_level` set the root logger's level
(verbose > 0 is DEBUG; all off silences it), `log_format` (`default` or
`ISO8601`) the handlers' timestamp format. Trace settings are kept globally
and per model (a model's setting sent with no value falls back to the global
one), validated as Triton does. As in Triton since the fix that stopped
clients from choosing where the server writes, `log_file` and `trace_file`
cannot be changed over the network.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from services.common.errors import InvalidArgument

LOG_KEYS = {
    "log_file": str,
    "log_info": bool,
    "log_warning": bool,
    "log_error": bool,
    "log_verbose_level": int,
    "log_format": str,
}
LOG_FORMATS = {
    "default": "%(asctime)s %(levelname)s %(name)s: %(message)s",
    "ISO8601": "%(asctime)s %(levelname)s %(name)s: %(message)s",
}
_DATE_FORMATS = {"default": None, "ISO8601": "%Y-%m-%dT%H:%M:%S%z"}

TRACE_LEVELS = {"OFF", "TIMESTAMPS", "TENSORS"}
TRACE_DEFAULTS: dict[str, list[str]] = {
    "trace_file": [""],
    "trace_level": ["OFF"],
    "trace_rate": ["1000"],
    "trace_count": ["-1"],
    "log_frequency": ["0"],
    "trace_mode": ["triton"],
}

LogValue = bool | int | str


@dataclass
class LogSettings:
    """The service's log settings, applied to the `logging` root logger."""

    log_file: str = ""
    log_info: bool = True
    log_warning: bool = True
    log_error: bool = True
    log_verbose_level: int = 0
    log_format: str = "default"

    @classmethod
    def from_logging(cls, root: logging.Logger | None = None) -> LogSettings:
        """The settings that describe the root logger's current level."""
        level = (root or logging.getLogger()).level
        return cls(
            log_info=level <= logging.INFO,
            log_warning=level <= logging.WARNING,
            log_error=level <= logging.ERROR,
            log_verbose_level=1 if level <= logging.DEBUG else 0,
        )

    def as_dict(self) -> dict[str, LogValue]:
        return {key: getattr(self, key) for key in LOG_KEYS}

    def update(self, changes: Mapping[str, LogValue | None]) -> None:
        """Check every change, then apply them all (none on an error)."""
        for key, value in changes.items():
            kind = LOG_KEYS.get(key)
            if kind is None:
                raise InvalidArgument(f"unknown log setting '{key}'; known: {sorted(LOG_KEYS)}")
            if value is None:
                continue
            if kind is bool and not isinstance(value, bool):
                raise InvalidArgument(f"log setting '{key}' takes a boolean value")
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidArgument(f"log setting '{key}' takes an unsigned integer value")
            if kind is str and not isinstance(value, str):
                raise InvalidArgument(f"log setting '{key}' takes a string value")
            if key == "log_file" and value != self.log_file:
                raise InvalidArgument("log file location can not be updated through network protocol")
            if key == "log_format" and value not in LOG_FORMATS:
                raise InvalidArgument(f"invalid log format '{value}'; use one of {sorted(LOG_FORMATS)}")
        for key, value in changes.items():
            if value is not None:
                setattr(self, key, value)
        self.apply()

    def level(self) -> int:
        if self.log_verbose_level > 0:
            return logging.DEBUG
        if self.log_info:
            return logging.INFO
        if self.log_warning:
            return logging.WARNING
        if self.log_error:
            return logging.ERROR
        return logging.CRITICAL + 10  # everything off

    def apply(self, root: logging.Logger | None = None) -> None:
        logger = root or logging.getLogger()
        logger.setLevel(self.level())
        formatter = logging.Formatter(LOG_FORMATS[self.log_format], _DATE_FORMATS[self.log_format])
        for handler in logger.handlers:
            handler.setFormatter(formatter)


class TraceSettings:
    """Global and per-model trace settings (stored and reported)."""

    def __init__(self) -> None:
        self._global = {k: list(v) for k, v in TRACE_DEFAULTS.items()}
        self._models: dict[str, dict[str, list[str]]] = {}

    def get(self, model: str = "") -> dict[str, list[str]]:
        merged = {k: list(v) for k, v in self._global.items()}
        merged.update({k: list(v) for k, v in self._models.get(model, {}).items()})
        return merged

    def update(self, changes: Mapping[str, list[str]], model: str = "") -> dict[str, list[str]]:
        """Check every change, then apply them (a key with no values clears
        the model's own value, or resets a global one to its default)."""
        for key, values in changes.items():
            if key not in TRACE_DEFAULTS:
                raise InvalidArgument(f"unknown trace setting '{key}'; known: {sorted(TRACE_DEFAULTS)}")
            if not values:
                continue
            if key == "trace_file" and values != self.get(model)[key]:
                raise InvalidArgument("trace file location can not be updated through network protocol")
            if key == "trace_level":
                bad = [v for v in values if v not in TRACE_LEVELS]
                if bad or ("OFF" in values and len(values) > 1):
                    raise InvalidArgument(f"invalid trace level {values}; use OFF, or TIMESTAMPS and/or TENSORS")
            elif key in {"trace_rate", "trace_count", "log_frequency"}:
                if len(values) != 1 or not _is_int(values[0]):
                    raise InvalidArgument(f"trace setting '{key}' takes one integer value")
                low = -1 if key == "trace_count" else 0
                if int(values[0]) < low:
                    raise InvalidArgument(f"trace setting '{key}' must be >= {low}")
            elif key == "trace_mode" and values != ["triton"]:
                raise InvalidArgument("trace mode 'triton' is the only one supported")
        target = self._models.setdefault(model, {}) if model else self._global
        for key, values in changes.items():
            if values:
                target[key] = list(values)
            elif model:
                target.pop(key, None)
            else:
                target[key] = list(TRACE_DEFAULTS[key])
        return self.get(model)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
