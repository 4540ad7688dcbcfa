"""The context of one invocation, as the use cases see it.

The CLI builds it from global options and environment variables (``statuscli.cli.context``);
tests, bots and the demo can build one directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def default_home() -> Path:
    env = os.environ.get("STATUSCLI_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(xdg) / "statuscli"


@dataclass
class AppContext:
    """What every use case knows about this invocation."""

    home: Path
    account: str | None = None
    output: str = "text"  # "text" | "json"
    verbose: int = 0
    quiet: bool = False
    password_file: str | None = None
    #: where a keystore passphrase comes from: ``source(confirm) -> str`` (set by the CLI; may raise
    #: PassphraseRequired). None means no source: locked accounts stay locked.
    passphrase_source: Callable[[bool], str] | None = None
    extras: dict = field(default_factory=dict)

    @property
    def json(self) -> bool:
        return self.output == "json"
