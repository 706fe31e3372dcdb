"""Structured logging: JSON lines with key=value context, for our code and for Faust's.

Faust, aiokafka and aiohttp log through the standard library; structlog's ProcessorFormatter
renders their records and ours the same way, so one process writes one format.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import structlog

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """A `logging.config.dictConfig` dict (also handed to Faust's worker, which applies it)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": _SHARED,
            }
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "aiokafka": {"level": "WARNING"},
            "faust": {"level": "WARNING" if level == "INFO" else level},
            "mode": {"level": "WARNING" if level == "INFO" else level},
            "elastic_transport": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure stdlib logging and structlog once, at process start."""
    logging.config.dictConfig(logging_config(level, fmt))
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    """A structlog logger: `log.info("event", key=value)`."""
    return structlog.get_logger(name)
