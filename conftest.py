"""Test configuration: environment defaults and the persona fixtures (style.md §10)."""

import os

os.environ.setdefault("JIUZHU_ALLOW_DEV_SECRET", "1")
os.environ.setdefault("SECURE_COOKIES", "0")

pytest_plugins = ["jiuzhu.testing.fixtures", "jiuzhu.testing.browser"]
