"""Process logging: one line a record, with secrets masked before anything is written."""

from __future__ import annotations

import logging
import re

SECRET_PATTERNS = [
    re.compile(r"(?i)(x-auth-token|authorization|shop-signature|password|secret_key|token)"
               r"([\"']?\s*[:=]\s*[\"']?)(bearer\s+)?([^\s\"',}]+)"),
]


def mask_text(text: str) -> str:
    """Replace values that follow secret-looking keys (tokens, passwords, signatures) with ``****``."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) or ''}****", text)
    return text


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
