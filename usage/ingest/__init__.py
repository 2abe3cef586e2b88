"""Meter-data files into MeterGate: one parser module per format, one loader.

`detect_format` picks the parser from a file's first line; `usage.services.ingest_file` /
`ingest_stream` run a whole file through parser and loader in batches.
"""

from .common import LineError, ParsedBatch, PremiseDirectory, Rejection
from .daily_csv import DailyRegisterParser
from .monthly_csv import MonthlyRegisterParser
from .tab_utc import TabUtcIntervalParser
from .texas_csv import TexasIntervalParser

# Most specific first: the register formats are recognised by column names alone.
PARSERS = (TexasIntervalParser, TabUtcIntervalParser, MonthlyRegisterParser, DailyRegisterParser)
FORMATS = {parser.name: parser for parser in PARSERS}


def detect_format(first_line: str):
    """The parser class whose header (or first line) `first_line` is, or None."""
    for parser in PARSERS:
        if parser.matches(first_line):
            return parser
    return None


__all__ = ["FORMATS", "PARSERS", "LineError", "ParsedBatch", "PremiseDirectory", "Rejection", "detect_format"]
