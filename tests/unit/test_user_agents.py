"""A browser's User-Agent in a person's words, for the list of their sessions."""

from __future__ import annotations

import pytest

from app.web.user_agents import describe_user_agent

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (EDGE_WINDOWS, "Edge on Windows"),  # says Chrome and Safari too
        (SAFARI_MAC, "Safari on macOS"),
        (CHROME_ANDROID, "Chrome on Android"),  # says Linux too
        (CHROME_LINUX.replace("Chrome/", "HeadlessChrome/"), "Chrome on Linux"),  # Playwright's Chromium
        ("curl/8.5.0", "curl"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "A browser on Linux"),
        ("", "An unknown browser"),
        ("something else entirely", "An unknown browser"),
    ],
)
def test_a_user_agent_is_named_by_its_browser_and_system(user_agent: str, described: str):
    assert describe_user_agent(user_agent) == described
