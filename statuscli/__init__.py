"""statuscli: the Status messenger protocol stack as a command-line toolkit and library."""

__version__ = "0.1.0"
