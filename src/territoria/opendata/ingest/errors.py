class IngestError(Exception):
    """A problem with an uploaded file, worded for the publisher (French, names the line/field)."""
