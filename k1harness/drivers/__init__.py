"""One thin HTTP client per system, with domain methods; steps never build URLs."""

from .autotask import AutotaskDriver
from .browser import Browser, Page
from .kaseyaone import KaseyaOneDriver
from .uniview import UniViewDriver

__all__ = ["AutotaskDriver", "Browser", "Page", "KaseyaOneDriver", "UniViewDriver"]
