"""The demo province generator (`grassroots demo`)."""

from grassroots.core.demo.generator import (
    DEMO_PASSWORD,
    PROVINCE_CODE,
    DemoResult,
    demo_exists,
    demo_generate,
    demo_logins,
    demo_reset,
)

__all__ = [
    "DEMO_PASSWORD",
    "PROVINCE_CODE",
    "DemoResult",
    "demo_exists",
    "demo_generate",
    "demo_logins",
    "demo_reset",
]
