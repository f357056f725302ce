"""Imports into the register: the anchor's CSV shapes, XLSX, the Dutch and UK registers.

Entry point: `territoria.registre.importers.service.import_file` (dry run or real, one
transaction, a report listing every line's outcome and every error). Kept free of imports
so that `registre.models` can load the upload storage from `importers.storage`.
"""
