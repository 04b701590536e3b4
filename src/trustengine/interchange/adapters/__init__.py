"""Converters from other systems' exports to the contract's events (docs/importing.md).

Each adapter reads one source's export (a file or a folder) and yields contract-shaped
dicts in business-time order, each with a top-level ``source`` {``system``, ``id``,
``url``?, ``time``: ``exact`` | ``day`` | ``bound``}, and fills a
:class:`~trustengine.interchange.adapters.report.ConversionReport` as it goes. They are pure:
they read files and write nothing.
"""

__all__: list[str] = []
