"""The command-line face of statuscli: click commands, the CLI contract, rendering."""
