"""econsec core: settings, errors, the tidy schemas, country codes and the store.

The rest of the project is split by the direction data flows in:
``connectors`` (source -> tidy frame), ``indicators`` (tidy frame -> numbers),
``dashboard`` (numbers -> pages, exports and the command line).
"""

__version__ = "0.1.0"
