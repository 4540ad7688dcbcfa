"""statuscli completion SHELL — print a shell completion script."""

from __future__ import annotations

import click

from statuscli.cli.output import write_stdout
from statuscli.cli.reference import SHELLS, completion_script


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def cli(shell: str) -> None:
    """Print the completion script for SHELL (the same as completions/statuscli.SHELL).

    \b
    Examples:
      statuscli completion bash > ~/.local/share/bash-completion/completions/statuscli
      statuscli completion zsh  > "${fpath[1]}/_statuscli"
      statuscli completion fish > ~/.config/fish/completions/statuscli.fish
      eval "$(statuscli completion bash)"      # this shell only
    """
    write_stdout(completion_script(shell))
